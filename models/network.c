/*
 * network.c - the node-network domain: one-way transfer time between two pods.
 *
 * time = latency draw for the pair's locality (same node, same zone, cross
 * zone, cross region) + serialisation of the bytes on the wire at the link's
 * bandwidth, the bytes including per-packet TCP/IP headers and the overlay's
 * encapsulation (VXLAN 50 B, Geneve 58 B, IP-in-IP 20 B per packet of MTU
 * size).  Draws come from the mesh's network stream.
 */
#include <string.h>

#include "models/mesh_int.h"

static uint64_t wire_bytes(const mdl_mesh *m, uint64_t bytes)
{
    const cfg_cluster_spec *c = &m->cfg->cluster;
    uint64_t mtu = (uint64_t)c->network.mtu.v;
    uint64_t overlay = 0;
    switch (c->network.overlay) {
    case CFG_OVERLAY_NONE: overlay = 0; break;
    case CFG_OVERLAY_VXLAN: overlay = 50; break;
    case CFG_OVERLAY_GENEVE: overlay = 58; break;
    case CFG_OVERLAY_IPIP: overlay = 20; break;
    }
    uint64_t payload = mtu > 40 + overlay ? mtu - 40 - overlay : 1;
    uint64_t packets = bytes ? (bytes + payload - 1) / payload : 1;
    return bytes + packets * (40 + overlay);
}

static sim_time transfer(mdl_mesh *m, const sim_dist *lat, double bandwidth, uint64_t bytes)
{
    double t = sim_dist_sample(lat, &m->net_rng);
    if (bandwidth > 0)
        t += (double)wire_bytes(m, bytes) * 8.0 / bandwidth * 1e9;
    return t > 0 ? (sim_time)t : 0;
}

sim_time mdl__link_time(mdl_mesh *m, const mdl_pod *a, const mdl_pod *b, uint64_t bytes)
{
    const cfg_cluster_spec *c = &m->cfg->cluster;
    const mdl_node *na = &m->nodes[a->node], *nb = &m->nodes[b->node];
    if (a->node == b->node)
        return transfer(m, &m->lat_same_node, c->network.same_node.bandwidth.v, bytes);
    if (na->zone == nb->zone)
        return transfer(m, &m->lat_same_zone, c->network.same_zone.bandwidth.v, bytes);
    if (!strcmp(m->zones[na->zone].region, m->zones[nb->zone].region))
        return transfer(m, &m->lat_cross_zone, c->network.cross_zone.bandwidth.v, bytes);
    return transfer(m, &m->lat_cross_region, c->network.cross_region.bandwidth.v, bytes);
}

sim_time mdl__internet_time(mdl_mesh *m, uint64_t bytes)
{
    return transfer(m, &m->lat_internet, m->cfg->cluster.network.internet.bandwidth.v, bytes);
}
