/*
 * doc_cluster.c - the Cluster document: zones and nodes, placement, the node
 * network (CNI links) and the mesh (sidecars, gateways, mTLS, control plane),
 * with the defaults listed in meshsim_docs.h.
 *
 * Zone names must be unique (nodes are named after them).  Every sub-mapping is
 * optional; a field given replaces only that field's default.
 */
#include <string.h>

#include "config/doc_int.h"

#define US 1000.0
#define MS 1000000.0
#define SEC 1000000000.0

static ms_dist_spec lognormal(double median_ns, double p99_ns)
{
    ms_dist_spec d = {0};
    d.kind = MS_DIST_LOGNORMAL;
    d.median = median_ns;
    d.p99 = p99_ns;
    return d;
}

static cfg_link_spec link_default(ms_dist_spec latency, double bits_per_s)
{
    cfg_link_spec l = {{latency, NULL}, {bits_per_s, NULL}};
    return l;
}

static cfg_proxy_spec proxy_default(int64_t replicas, int64_t workers, ms_dist_spec cost)
{
    cfg_proxy_spec p = {{replicas, NULL}, {workers, NULL}, {cost, NULL},
                        {ms_dist_constant(3 * MS), NULL}};
    return p;
}

void cfg__cluster_default_zones(cfg_meshsim *m, cfg_cluster_spec *cl)
{
    cl->zones = cfg__own(m, 1, sizeof *cl->zones);
    cl->nzones = 1;
    cl->zones[0].name.str = "zone-a";
    cl->zones[0].region.str = "region-1";
    cl->zones[0].nodes.v = 3;
}

void cfg__cluster_default(cfg_meshsim *m, cfg_cluster_spec *cl)
{
    memset(cl, 0, sizeof *cl);
    cl->name.str = "cluster";
    cfg__cluster_default_zones(m, cl);
    cl->placement = CFG_PLACEMENT_SPREAD;
    cl->network.same_node = link_default(ms_dist_constant(20 * US), 40e9);
    cl->network.same_zone = link_default(lognormal(150 * US, 600 * US), 10e9);
    cl->network.cross_zone = link_default(lognormal(700 * US, 2 * MS), 5e9);
    cl->network.cross_region = link_default(lognormal(30 * MS, 60 * MS), 1e9);
    cl->network.internet = link_default(lognormal(30 * MS, 120 * MS), 1e9);
    cl->network.overlay = CFG_OVERLAY_NONE;
    cl->network.mtu.v = 1500;
    cl->network.loss.v = 0;
    cl->mesh.sidecar = proxy_default(0, 2, lognormal(150 * US, 800 * US));
    cl->mesh.mtls_handshake.spec = ms_dist_constant(2 * MS);
    cl->mesh.mtls_per_kib.spec = ms_dist_constant(2 * US);
    cl->mesh.ingress_gateway = proxy_default(2, 4, ms_dist_constant(200 * US));
    cl->mesh.egress_gateway = proxy_default(1, 2, ms_dist_constant(200 * US));
    cl->mesh.push_delay.spec = lognormal(500 * MS, 3 * SEC);
    cl->mesh.outbound = CFG_OUTBOUND_ALLOW_ANY;
}

static const char *const cluster_fields[] = {"zones", "placement", "network", "mesh"};
static const char *const zone_fields[] = {"name", "region", "nodes"};
static const char *const network_fields[] = {"sameNode", "sameZone", "crossZone", "crossRegion",
                                             "internet", "overlay", "mtu", "loss"};
static const char *const link_fields[] = {"latency", "bandwidth"};
static const char *const mesh_fields[] = {"sidecar", "mtls", "ingressGateway", "egressGateway",
                                          "controlPlane", "outboundTrafficPolicy"};
static const char *const sidecar_fields[] = {"workers", "cost"};
static const char *const gateway_fields[] = {"replicas", "workers", "cost", "tlsHandshake"};
static const char *const mtls_fields[] = {"handshake", "perKiB"};
static const char *const control_plane_fields[] = {"pushDelay"};
static const char *const placements[] = {"spread", "pack"};
static const char *const overlays[] = {"none", "vxlan", "geneve", "ipip"};
static const char *const outbound_policies[] = {"ALLOW_ANY", "REGISTRY_ONLY"};

static void decode_zones(cfg__doc *c, const cfg_node *spec, cfg_cluster_spec *cl)
{
    const cfg_node *zs = cfg__f_seq(c, spec, "zones");
    if (!zs)
        return;
    if (zs->u.seq.len == 0) {
        ms_diag_error(c->d, zs->pos, "zones must list at least one zone");
        return;
    }
    cl->zones = cfg__own(c->m, zs->u.seq.len, sizeof *cl->zones);
    cl->nzones = 0;
    for (size_t i = 0; i < zs->u.seq.len; i++) {
        const cfg_node *zn = zs->u.seq.items[i];
        if (cfg__expect_fields(zn, c->d, "a zone", zone_fields, CFG_COUNT(zone_fields)) < 0)
            continue;
        cfg_zone_spec z = {zn->pos, {NULL, NULL}, {"region-1", NULL}, {3, NULL}};
        if (cfg__require(c, zn, "name", "a zone") && cfg__f_str(c, zn, "name", &z.name) < 0)
            continue;
        cfg__f_str(c, zn, "region", &z.region);
        cfg__f_int(c, zn, "nodes", 1, 10000, &z.nodes);
        if (!z.name.str)
            continue;
        bool dup = false;
        for (size_t j = 0; j < cl->nzones && !dup; j++) {
            if (!strcmp(cl->zones[j].name.str, z.name.str)) {
                ms_diag_error(c->d, z.name.node->pos,
                              "duplicate zone \"%s\" (first defined at line %d)", z.name.str,
                              cl->zones[j].name.node->pos.line);
                dup = true;
            }
        }
        if (!dup)
            cl->zones[cl->nzones++] = z;
    }
    if (cl->nzones == 0)
        cfg__cluster_default_zones(c->m, cl);
}

static void decode_link(cfg__doc *c, const cfg_node *net, const char *key, cfg_link_spec *l)
{
    const cfg_node *n = cfg__f_map(c, net, key, link_fields, CFG_COUNT(link_fields));
    if (!n)
        return;
    cfg__f_dist(c, n, "latency", &l->latency);
    cfg__f_bandwidth(c, n, "bandwidth", &l->bandwidth);
}

static void decode_network(cfg__doc *c, const cfg_node *spec, cfg_cluster_spec *cl)
{
    const cfg_node *net = cfg__f_map(c, spec, "network", network_fields, CFG_COUNT(network_fields));
    if (!net)
        return;
    decode_link(c, net, "sameNode", &cl->network.same_node);
    decode_link(c, net, "sameZone", &cl->network.same_zone);
    decode_link(c, net, "crossZone", &cl->network.cross_zone);
    decode_link(c, net, "crossRegion", &cl->network.cross_region);
    decode_link(c, net, "internet", &cl->network.internet);
    int v = cfg__f_enum(c, net, "overlay", overlays, CFG_COUNT(overlays),
                        &cl->network.overlay_node);
    if (v >= 0)
        cl->network.overlay = (cfg_overlay)v;
    cfg__f_int(c, net, "mtu", 576, 65535, &cl->network.mtu);
    cfg__f_fraction(c, net, "loss", &cl->network.loss);
}

static void decode_proxy(cfg__doc *c, const cfg_node *mesh, const char *key, cfg_proxy_spec *p,
                         bool gateway)
{
    const char *const *known = gateway ? gateway_fields : sidecar_fields;
    size_t nknown = gateway ? CFG_COUNT(gateway_fields) : CFG_COUNT(sidecar_fields);
    const cfg_node *n = cfg__f_map(c, mesh, key, known, nknown);
    if (!n)
        return;
    if (gateway) {
        cfg__f_int(c, n, "replicas", 0, 10000, &p->replicas);
        cfg__f_dist(c, n, "tlsHandshake", &p->tls_handshake);
    }
    cfg__f_int(c, n, "workers", 1, 1024, &p->workers);
    cfg__f_dist(c, n, "cost", &p->cost);
}

static void decode_mesh(cfg__doc *c, const cfg_node *spec, cfg_cluster_spec *cl)
{
    const cfg_node *mesh = cfg__f_map(c, spec, "mesh", mesh_fields, CFG_COUNT(mesh_fields));
    if (!mesh)
        return;
    decode_proxy(c, mesh, "sidecar", &cl->mesh.sidecar, false);
    decode_proxy(c, mesh, "ingressGateway", &cl->mesh.ingress_gateway, true);
    decode_proxy(c, mesh, "egressGateway", &cl->mesh.egress_gateway, true);
    const cfg_node *mtls = cfg__f_map(c, mesh, "mtls", mtls_fields, CFG_COUNT(mtls_fields));
    if (mtls) {
        cfg__f_dist(c, mtls, "handshake", &cl->mesh.mtls_handshake);
        cfg__f_dist(c, mtls, "perKiB", &cl->mesh.mtls_per_kib);
    }
    const cfg_node *cp = cfg__f_map(c, mesh, "controlPlane", control_plane_fields,
                                    CFG_COUNT(control_plane_fields));
    if (cp)
        cfg__f_dist(c, cp, "pushDelay", &cl->mesh.push_delay);
    int v = cfg__f_enum(c, mesh, "outboundTrafficPolicy", outbound_policies,
                        CFG_COUNT(outbound_policies), &cl->mesh.outbound_node);
    if (v >= 0)
        cl->mesh.outbound = (cfg_outbound_policy)v;
}

void cfg__decode_cluster(cfg__doc *c, const cfg_node *spec)
{
    cfg_meshsim *m = c->m;
    char where[512];
    if (m->has_cluster) {
        ms_diag_error(c->d, c->root->pos, "only one Cluster document is allowed; the first is at %s",
                      cfg__pos_text(m->cluster.pos, where, sizeof where));
        return;
    }
    m->has_cluster = true;
    cfg_cluster_spec *cl = &m->cluster;
    cfg__cluster_default(m, cl);
    cl->pos = c->root->pos;
    if (*c->name.str)
        cl->name = c->name;
    cfg_check_fields(spec, c->d, cluster_fields, CFG_COUNT(cluster_fields));
    decode_zones(c, spec, cl);
    int v = cfg__f_enum(c, spec, "placement", placements, CFG_COUNT(placements),
                        &cl->placement_node);
    if (v >= 0)
        cl->placement = (cfg_placement)v;
    decode_network(c, spec, cl);
    decode_mesh(c, spec, cl);
}
