/*
 * record.c - a finished request into its results row and into every assertion
 * probe whose selection and time window it falls in.
 */
#include <string.h>

#include "models/mesh_int.h"

static int sel_eq(const cfg_val_str *sel, const char *value)
{
    return !sel->str || (value && !strcmp(sel->str, value));
}

void mdl__record(mdl_mesh *m, const mdl_req *r, const char *source, sim_time latency,
                 const sim_time *acc)
{
    mdl_outcome o = {0};
    o.status = r->status;
    o.flags = r->flags;
    o.retries = r->retries;
    o.latency_ns = latency;
    memcpy(o.domain_ns, acc, sizeof o.domain_ns);
    const char *dest = r->dest_name;
    const char *version = r->version;
    mdl__series_record(m, r, source, &o); /* its row and its series */
    bool root = r->kind != MDL_REQ_CHILD;
    for (size_t i = 0; i < m->nprobes; i++) {
        mdl_probe *p = &m->probes[i];
        const cfg_assertion_spec *a = p->spec;
        if (r->t_start < p->from || r->t_start >= p->to)
            continue;
        bool any = a->select.source.str || a->select.destination.str || a->select.version.str;
        if (!any && !root)
            continue; /* by default an assertion is about what the sources' users see */
        if (!sel_eq(&a->select.source, source) || !sel_eq(&a->select.destination, dest) ||
            !sel_eq(&a->select.version, version) || !sel_eq(&a->select.host, r->host) ||
            !sel_eq(&a->select.route, r->route.vs_name))
            continue;
        mdl_outcome po = o;
        if (p->domain == MDL_PROBE_APP_SERVICE)
            po.latency_ns = acc[MDL_DOM_APP] - acc[MDL_DOM_APP_QUEUE];
        else if (p->domain != MDL_DOM_NONE)
            po.latency_ns = acc[p->domain];
        mdl_row_record(&p->row, &po);
    }
}
