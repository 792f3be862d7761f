/*
 * network.c - the node-network domain: one-way transfer time between two pods.
 *
 * time = latency draw for the pair's locality (same node, same zone, cross
 * zone, cross region) + serialisation of the bytes on the wire at the link's
 * bandwidth, the bytes including per-packet TCP/IP headers and the overlay's
 * encapsulation (VXLAN 50 B, Geneve 58 B, IP-in-IP 20 B per packet of MTU
 * size).  Draws come from the mesh's network stream.
 *
 * Between two nodes (not on one node: a veth pair loses nothing) each packet
 * is lost with the Cluster's `loss`, combined with any link-degrade fault on
 * the path; a lost packet is sent again after Linux's retransmission timeout,
 * 200 ms at least (a data centre's round trips are far below it), doubling for
 * each further loss of the same packet.  Link-degrade faults also add latency
 * and cap the bandwidth.
 *
 * Blocked paths (a node down, a partition) and NetworkPolicy drops: a
 * connection's SYN is sent again after 1 s, 2 s, 4 s ... (Linux's initial RTO)
 * until the path opens or the client's connect timeout ends it; data already on
 * a connection is retransmitted with the RTO until the path opens, for at most
 * 15 retransmissions (tcp_retries2), after which it is lost.
 */
#include <string.h>

#include "models/mesh_int.h"

/* Bytes each packet spends on TCP/IP headers and the overlay's encapsulation. */
static uint64_t header_bytes(const mdl_mesh *m)
{
    switch (m->cfg->cluster.network.overlay) {
    case CFG_OVERLAY_NONE: break;
    case CFG_OVERLAY_VXLAN: return 40 + 50;
    case CFG_OVERLAY_GENEVE: return 40 + 58;
    case CFG_OVERLAY_IPIP: return 40 + 20;
    }
    return 40;
}

/* MTU-sized packets a message of `bytes` takes (at least one). */
static uint64_t packet_count(const mdl_mesh *m, uint64_t bytes)
{
    uint64_t mtu = (uint64_t)m->cfg->cluster.network.mtu.v, hdr = header_bytes(m);
    uint64_t payload = mtu > hdr ? mtu - hdr : 1;
    return bytes ? (bytes + payload - 1) / payload : 1;
}

static uint64_t wire_bytes(const mdl_mesh *m, uint64_t bytes)
{
    return bytes + packet_count(m, bytes) * header_bytes(m);
}

/* TCP timers (Linux): the minimum retransmission timeout, its cap, the initial
 * RTO a SYN waits before it is sent again, and the retransmissions of data
 * before the connection is given up (tcp_retries2). */
#define RTO_MIN (200 * SIM_MS)
#define RTO_MAX (120 * SIM_S)
#define SYN_RTO (1 * SIM_S)
#define DATA_RETRIES 15

/* What loss costs one transfer: each packet lost is sent again after the RTO,
 * which doubles each time the same packet is lost again. */
static sim_time loss_delay(mdl_mesh *m, uint64_t packets, double loss)
{
    sim_time extra = 0;
    for (uint64_t i = 0; i < packets; i++) {
        sim_time rto = RTO_MIN;
        for (int k = 0; k < DATA_RETRIES && sim_rng_uniform(&m->net_rng) < loss; k++) {
            extra += rto;
            rto = rto * 2 < RTO_MAX ? rto * 2 : RTO_MAX;
        }
    }
    return extra;
}

static sim_time transfer(mdl_mesh *m, const sim_dist *lat, double bandwidth, uint64_t bytes,
                         const mdl_pod *a, const mdl_pod *b)
{
    double t = sim_dist_sample(lat, &m->net_rng);
    double loss = 0;
    if (a && a->node != b->node) {
        /* the CNI's own loss, then link-degrade faults on this path */
        sim_time add;
        double floss, cap;
        mdl__link_faults(m, a->node, b->node, sim_now(m->world), &add, &floss, &cap);
        t += (double)add;
        if (cap > 0 && (bandwidth <= 0 || cap < bandwidth))
            bandwidth = cap;
        double base = m->cfg->cluster.network.loss.v;
        loss = 1.0 - (1.0 - base) * (1.0 - floss);
    }
    if (bandwidth > 0)
        t += (double)wire_bytes(m, bytes) * 8.0 / bandwidth * 1e9;
    sim_time total = t > 0 ? (sim_time)t : 0;
    if (loss > 0)
        total += loss_delay(m, packet_count(m, bytes), loss);
    return total;
}

sim_time mdl__link_time(mdl_mesh *m, const mdl_pod *a, const mdl_pod *b, uint64_t bytes)
{
    const cfg_cluster_spec *c = &m->cfg->cluster;
    const mdl_node *na = &m->nodes[a->node], *nb = &m->nodes[b->node];
    if (a->node == b->node)
        return transfer(m, &m->lat_same_node, c->network.same_node.bandwidth.v, bytes, a, b);
    if (na->zone == nb->zone)
        return transfer(m, &m->lat_same_zone, c->network.same_zone.bandwidth.v, bytes, a, b);
    if (!strcmp(m->zones[na->zone].region, m->zones[nb->zone].region))
        return transfer(m, &m->lat_cross_zone, c->network.cross_zone.bandwidth.v, bytes, a, b);
    return transfer(m, &m->lat_cross_region, c->network.cross_region.bandwidth.v, bytes, a, b);
}

sim_time mdl__internet_time(mdl_mesh *m, uint64_t bytes)
{
    return transfer(m, &m->lat_internet, m->cfg->cluster.network.internet.bandwidth.v, bytes, NULL,
                    NULL);
}

/* Do packets get from a to b at time t?  An external service is reachable
 * unless an external-outage fault holds for it (egress.c, faults.c). */
static bool reachable(const mdl_mesh *m, const mdl_pod *a, const mdl_pod *b, sim_time t)
{
    if (a->kind == MDL_POD_EXTERNAL)
        return mdl__external_up_at(m, a, t);
    if (b->kind == MDL_POD_EXTERNAL)
        return mdl__external_up_at(m, b, t);
    return mdl__path_open_at(m, a->node, b->node, t);
}

bool mdl__connect(mdl_mesh *m, const mdl_pod *a, const mdl_pod *b, const mdl_service *svc,
                  int port, sim_time timeout, sim_time *delay)
{
    *delay = timeout;
    if (!mdl__netpol_allows(m, a, b, svc, port))
        return false; /* the policy drops the SYNs */
    sim_time now = sim_now(m->world);
    /* SYN at 0, then again after 1 s, 2 s, 4 s ... while nothing answers */
    for (sim_time off = 0, rto = SYN_RTO; off < timeout; off += rto, rto *= 2)
        if (reachable(m, a, b, now + off)) {
            *delay = off;
            return true;
        }
    return false;
}

sim_time mdl__send_time(mdl_mesh *m, const mdl_pod *a, const mdl_pod *b)
{
    sim_time now = sim_now(m->world), off = 0, rto = RTO_MIN;
    for (int k = 0; k <= DATA_RETRIES; k++) {
        if (reachable(m, a, b, now + off))
            return now + off;
        off += rto;
        rto = rto * 2 < RTO_MAX ? rto * 2 : RTO_MAX;
    }
    return SIM_TIME_MAX;
}
