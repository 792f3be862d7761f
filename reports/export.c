/*
 * export.c - the export formats' names, files and dispatch (see export.h).
 */
#include "reports/export.h"

#include <string.h>

static const struct {
    unsigned format;
    const char *name, *file;
} formats[RPT_EXPORT_COUNT] = {
    {RPT_EXPORT_CSV, "csv", "series.csv"},
    {RPT_EXPORT_JSON, "json", "series.jsonl"},
    {RPT_EXPORT_PROM, "prom", "metrics.prom"},
};

int rpt_export_parse(const char *list, unsigned *mask, char *err, size_t cap)
{
    const char *p = list;
    for (;;) {
        size_t n = strcspn(p, ",");
        int found = -1;
        for (int i = 0; i < RPT_EXPORT_COUNT; i++)
            if (strlen(formats[i].name) == n && !strncmp(p, formats[i].name, n))
                found = i;
        if (found < 0) {
            snprintf(err, cap, "--export takes csv, json or prom (or a comma list), not \"%.*s\"",
                     (int)n, p);
            return -1;
        }
        *mask |= formats[found].format;
        if (!p[n])
            return 0;
        p += n + 1;
    }
}

unsigned rpt_export_format(int i) { return i >= 0 && i < RPT_EXPORT_COUNT ? formats[i].format : 0; }

const char *rpt_export_file_name(unsigned format)
{
    for (int i = 0; i < RPT_EXPORT_COUNT; i++)
        if (formats[i].format == format)
            return formats[i].file;
    return NULL;
}

void rpt_export_write(FILE *f, unsigned format, const mdl_results *r)
{
    if (format == RPT_EXPORT_CSV)
        rpt_export_csv(f, r);
    else if (format == RPT_EXPORT_JSON)
        rpt_export_jsonl(f, r);
    else if (format == RPT_EXPORT_PROM)
        rpt_export_prom(f, r);
}
