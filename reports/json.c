/*
 * json.c - streaming JSON writer (see json.h).
 */
#include "reports/json.h"

#include <assert.h>
#include <math.h>
#include <string.h>

void rpt_json_init(rpt_json *j, FILE *out, bool pretty)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    j->pretty = pretty;
    j->first[0] = true;
}

static void newline(rpt_json *j)
{
    if (!j->pretty)
        return;
    fputc('\n', j->out);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->out);
}

/* Before any value or key: separator and indentation, unless right after a key. */
static void before_item(rpt_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (!j->first[j->depth])
        fputc(',', j->out);
    j->first[j->depth] = false;
    if (j->depth > 0)
        newline(j);
}

static void open(rpt_json *j, char c)
{
    before_item(j);
    fputc(c, j->out);
    assert(j->depth + 1 < RPT_JSON_MAX_DEPTH);
    j->depth++;
    j->first[j->depth] = true;
}

static void close(rpt_json *j, char c)
{
    bool empty = j->first[j->depth];
    j->depth--;
    if (!empty)
        newline(j);
    fputc(c, j->out);
    if (j->depth == 0 && j->pretty)
        fputc('\n', j->out);
}

void rpt_json_begin_object(rpt_json *j) { open(j, '{'); }
void rpt_json_end_object(rpt_json *j) { close(j, '}'); }
void rpt_json_begin_array(rpt_json *j) { open(j, '['); }
void rpt_json_end_array(rpt_json *j) { close(j, ']'); }

void rpt_json_write_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

void rpt_json_key(rpt_json *j, const char *key)
{
    before_item(j);
    rpt_json_write_string(j->out, key);
    fputs(j->pretty ? ": " : ":", j->out);
    j->after_key = true;
}

void rpt_json_string(rpt_json *j, const char *s)
{
    before_item(j);
    rpt_json_write_string(j->out, s);
}

void rpt_json_format_number(char *buf, size_t cap, double v)
{
    if (!isfinite(v)) {
        snprintf(buf, cap, "null");
        return;
    }
    if (v == 0)
        v = 0; /* no "-0" */
    snprintf(buf, cap, "%.6g", v);
}

void rpt_json_number(rpt_json *j, double v)
{
    char buf[40];
    rpt_json_format_number(buf, sizeof buf, v);
    before_item(j);
    fputs(buf, j->out);
}

void rpt_json_uint(rpt_json *j, uint64_t v)
{
    before_item(j);
    fprintf(j->out, "%llu", (unsigned long long)v);
}

void rpt_json_int(rpt_json *j, int64_t v)
{
    before_item(j);
    fprintf(j->out, "%lld", (long long)v);
}

void rpt_json_bool(rpt_json *j, bool v)
{
    before_item(j);
    fputs(v ? "true" : "false", j->out);
}

void rpt_json_null(rpt_json *j)
{
    before_item(j);
    fputs("null", j->out);
}
