/*
 * resources.h - the Istio API objects as plain C structs.
 *
 * VirtualService, DestinationRule, Gateway, ServiceEntry, PeerAuthentication and
 * AuthorizationPolicy, with the field sets of istio/api (networking v1/v1beta1/
 * v1alpha3, security v1/v1beta1).  These are configuration values, not decisions:
 * config/ fills them from YAML (config/k8s_istio.h) and policy/ modules read them.
 *
 * Conventions (every struct below follows them):
 *  - Strings are BORROWED (const char *, NUL-terminated) from whoever decoded the
 *    resource (normally the cfg_loader, which keeps them alive for the whole run).
 *    NULL means "not given".
 *  - Arrays are (items, len) pairs OWNED by the resource that contains them; the
 *    resource's _fini frees them, recursively.  _fini never frees strings.
 *  - Every optional scalar carries a `set` flag (pol_opt_* below), so that Istio's
 *    defaults (policy-semantics.md section 10) can be applied by whoever consumes
 *    the value: e.g. unset retries means Istio's default policy, unset mirror
 *    percentage means 100 %, an unset fault percentage means 0 %.
 *  - Durations are int64 nanoseconds.
 *  - Every resource has a pol_meta (name, namespace defaulting to "default", and
 *    the position of the document); nodes that cross-reference checks point at
 *    (destination hosts and subsets, gateway names, hosts) carry an ms_pos too.
 *    A zero ms_pos (file NULL) means "no position" (resources built by code).
 *  - A zero-initialised struct is a valid empty value of that type.
 */
#ifndef POL_RESOURCES_H
#define POL_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

/* --- small optional values and lists ------------------------------------- */

typedef struct pol_opt_int {
    int64_t v;
    bool set;
} pol_opt_int;

typedef struct pol_opt_bool {
    bool v;
    bool set;
} pol_opt_bool;

typedef struct pol_opt_double {
    double v;
    bool set;
} pol_opt_double;

typedef struct pol_opt_duration {
    int64_t ns;
    bool set;
} pol_opt_duration;

/* One string with the position of its node. */
typedef struct pol_str {
    const char *s;
    ms_pos pos;
} pol_str;

typedef struct pol_str_list {
    pol_str *items; /* owned */
    size_t len;
} pol_str_list;

typedef struct pol_label {
    const char *key;
    const char *value;
} pol_label;

/* A string->string map in document order (labels, selectors). */
typedef struct pol_labels {
    pol_label *items; /* owned */
    size_t len;
} pol_labels;

typedef struct pol_meta {
    const char *name;
    const char *ns; /* "default" when the document gives none */
    ms_pos pos;     /* the document's root node */
} pol_meta;

/* --- VirtualService -------------------------------------------------------- */

typedef enum pol_match_kind {
    POL_MATCH_NONE = 0, /* not given */
    POL_MATCH_EXACT,
    POL_MATCH_PREFIX,
    POL_MATCH_REGEX,
    POL_MATCH_PRESENT, /* `{}` or regex "*": the header/param must exist */
} pol_match_kind;

/* Istio StringMatch (oneof exact | prefix | regex). */
typedef struct pol_string_match {
    pol_match_kind kind;
    const char *value; /* NULL for NONE and PRESENT */
    ms_pos pos;
} pol_string_match;

typedef struct pol_named_match {
    const char *name; /* header or query-parameter name */
    pol_string_match match;
} pol_named_match;

typedef struct pol_named_match_list {
    pol_named_match *items; /* owned, document order */
    size_t len;
} pol_named_match_list;

/* HTTPMatchRequest: all present conditions are ANDed. */
typedef struct pol_http_match {
    const char *name;
    pol_string_match uri, scheme, method, authority;
    pol_named_match_list headers;
    pol_named_match_list without_headers;
    pol_named_match_list query_params;
    bool ignore_uri_case;
    pol_opt_int port;
    pol_labels source_labels;
    const char *source_namespace;
    pol_str_list gateways; /* overrides the VS-level list when len > 0 */
    ms_pos pos;
} pol_http_match;

typedef struct pol_header_kv {
    const char *name;
    const char *value;
} pol_header_kv;

typedef struct pol_header_ops {
    pol_header_kv *set; /* owned */
    size_t nset;
    pol_header_kv *add; /* owned */
    size_t nadd;
    pol_str_list remove;
} pol_header_ops;

typedef struct pol_headers {
    pol_header_ops request, response;
} pol_headers;

typedef struct pol_destination {
    const char *host; /* as written (short name, FQDN or wildcard) */
    ms_pos host_pos;
    const char *subset; /* NULL: the whole service */
    ms_pos subset_pos;
    pol_opt_int port; /* PortSelector.number */
    ms_pos pos;
} pol_destination;

/* HTTPRouteDestination / RouteDestination. */
typedef struct pol_route_destination {
    pol_destination destination;
    pol_opt_int weight; /* unset counts as 0 when there are several */
    ms_pos weight_pos;
    pol_headers headers;
} pol_route_destination;

typedef enum pol_derive_port {
    POL_DERIVE_PORT_UNSET = 0,
    POL_DERIVE_PORT_FROM_PROTOCOL_DEFAULT,
    POL_DERIVE_PORT_FROM_REQUEST_PORT,
} pol_derive_port;

typedef struct pol_http_redirect {
    bool set;
    const char *uri;
    const char *authority;
    pol_opt_int port;
    pol_derive_port derive_port;
    const char *scheme;
    pol_opt_int redirect_code; /* unset: 301 */
    ms_pos pos;
} pol_http_redirect;

typedef struct pol_http_rewrite {
    bool set;
    const char *uri;
    const char *authority;
    const char *uri_regex_match; /* uriRegexRewrite.match */
    const char *uri_regex_rewrite; /* uriRegexRewrite.rewrite */
    ms_pos pos;
} pol_http_rewrite;

typedef struct pol_direct_response {
    bool set;
    int64_t status;
    const char *body; /* body.string or body.bytes (base64 text as written); NULL: none */
    bool body_is_bytes;
    ms_pos pos;
} pol_direct_response;

typedef struct pol_delegate {
    bool set;
    const char *name;
    const char *ns; /* NULL: the VirtualService's namespace */
    ms_pos pos;
} pol_delegate;

/* HTTPRetry (section 1.10).  `set` false: Istio's default policy applies. */
typedef struct pol_http_retry {
    bool set;
    pol_opt_int attempts;
    pol_opt_duration per_try_timeout;
    const char *retry_on; /* NULL: default string */
    pol_opt_bool retry_remote_localities;
    pol_opt_bool retry_ignore_previous_hosts; /* unset means true */
    pol_opt_duration backoff;
    ms_pos pos;
} pol_http_retry;

/* HTTPFaultInjection (section 6.1).  Percentages in 0..100; unset = 0 %. */
typedef struct pol_fault_injection {
    bool set;
    struct {
        bool set;
        pol_opt_duration fixed_delay;
        pol_opt_double percentage;
        pol_opt_int percent; /* deprecated integer percent */
        ms_pos pos;
    } delay;
    struct {
        bool set;
        pol_opt_int http_status;
        const char *grpc_status; /* a name such as "UNAVAILABLE" */
        pol_opt_double percentage;
        ms_pos pos;
    } abort;
    ms_pos pos;
} pol_fault_injection;

typedef struct pol_mirror {
    pol_destination destination;
    pol_opt_double percentage; /* unset: 100 % */
} pol_mirror;

typedef struct pol_cors_policy {
    bool set;
    pol_string_match *allow_origins; /* owned */
    size_t n_allow_origins;
    pol_str_list allow_methods, allow_headers, expose_headers;
    pol_opt_duration max_age;
    pol_opt_bool allow_credentials;
    const char *unmatched_preflights; /* FORWARD (default) | IGNORE */
    ms_pos pos;
} pol_cors_policy;

typedef struct pol_http_route {
    const char *name;
    pol_http_match *match; /* owned; len 0: catch-all */
    size_t nmatch;
    pol_route_destination *route; /* owned */
    size_t nroute;
    pol_http_redirect redirect;
    pol_delegate delegate;
    pol_http_rewrite rewrite;
    pol_direct_response direct_response;
    pol_opt_duration timeout; /* unset: disabled (0) */
    pol_http_retry retries;
    pol_fault_injection fault;
    bool has_mirror;
    pol_mirror mirror;                 /* `mirror` + `mirrorPercentage` */
    pol_mirror *mirrors;               /* owned: `mirrors[]` */
    size_t nmirrors;
    pol_headers headers;
    pol_cors_policy cors_policy;
    ms_pos pos;
} pol_http_route;

/* TCP / TLS routes are kept minimal: matches and destinations. */
typedef struct pol_l4_match {
    pol_str_list sni_hosts; /* TLS only */
    pol_str_list destination_subnets;
    pol_opt_int port;
    pol_labels source_labels;
    pol_str_list gateways;
    const char *source_namespace;
    ms_pos pos;
} pol_l4_match;

typedef struct pol_l4_route {
    pol_l4_match *match; /* owned */
    size_t nmatch;
    pol_route_destination *route; /* owned */
    size_t nroute;
    ms_pos pos;
} pol_l4_route;

typedef struct pol_virtual_service {
    pol_meta meta;
    pol_str_list hosts;
    pol_str_list gateways; /* empty: "mesh" */
    pol_http_route *http;  /* owned, in order */
    size_t nhttp;
    pol_l4_route *tcp;
    size_t ntcp;
    pol_l4_route *tls;
    size_t ntls;
    pol_str_list export_to;
} pol_virtual_service;

void pol_virtual_service_fini(pol_virtual_service *vs);
void pol_http_route_fini(pol_http_route *r);
void pol_http_match_fini(pol_http_match *m);

/* --- DestinationRule ------------------------------------------------------- */

typedef enum pol_lb_simple {
    POL_LB_UNSPECIFIED = 0, /* Istio's default: LEAST_REQUEST */
    POL_LB_LEAST_CONN,      /* deprecated alias of LEAST_REQUEST */
    POL_LB_RANDOM,
    POL_LB_PASSTHROUGH,
    POL_LB_ROUND_ROBIN,
    POL_LB_LEAST_REQUEST,
} pol_lb_simple;

typedef enum pol_hash_key {
    POL_HASH_KEY_NONE = 0,
    POL_HASH_KEY_HEADER,
    POL_HASH_KEY_COOKIE,
    POL_HASH_KEY_SOURCE_IP,
    POL_HASH_KEY_QUERY_PARAM,
} pol_hash_key;

typedef enum pol_hash_algo {
    POL_HASH_ALGO_DEFAULT = 0, /* ring hash */
    POL_HASH_ALGO_RING_HASH,
    POL_HASH_ALGO_MAGLEV,
} pol_hash_algo;

typedef struct pol_consistent_hash {
    pol_hash_key key;
    const char *http_header_name;
    struct {
        const char *name;
        const char *path;
        pol_opt_duration ttl;
        pol_header_kv *attributes; /* owned array, in order; value "" for a bare name */
        size_t nattributes;
    } http_cookie;
    bool use_source_ip;
    const char *http_query_parameter_name;
    pol_hash_algo algo;
    pol_opt_int minimum_ring_size; /* ringHash.minimumRingSize or deprecated minimumRingSize */
    pol_opt_int maglev_table_size;
    ms_pos pos;
} pol_consistent_hash;

typedef struct pol_locality_weight {
    const char *locality;
    int64_t weight;
} pol_locality_weight;

typedef struct pol_locality_distribute {
    const char *from;
    pol_locality_weight *to; /* owned */
    size_t nto;
} pol_locality_distribute;

typedef struct pol_locality_failover {
    const char *from;
    const char *to;
} pol_locality_failover;

typedef struct pol_locality_lb_setting {
    bool set;
    pol_locality_distribute *distribute; /* owned */
    size_t ndistribute;
    pol_locality_failover *failover; /* owned */
    size_t nfailover;
    pol_str_list failover_priority;
    pol_opt_bool enabled;
    ms_pos pos;
} pol_locality_lb_setting;

typedef enum pol_lb_kind {
    POL_LB_KIND_NONE = 0, /* no simple, no consistentHash given */
    POL_LB_KIND_SIMPLE,
    POL_LB_KIND_CONSISTENT_HASH,
} pol_lb_kind;

typedef struct pol_load_balancer_settings {
    pol_lb_kind kind;
    pol_lb_simple simple;
    pol_consistent_hash consistent_hash;
    pol_locality_lb_setting locality_lb_setting;
    struct {
        bool set;
        pol_opt_duration duration;
        pol_opt_double minimum_percent; /* default 10 */
        pol_opt_double aggression;      /* default 1.0 */
    } warmup;
    pol_opt_duration warmup_duration_secs; /* deprecated window-only form */
    ms_pos pos;
} pol_load_balancer_settings;

typedef enum pol_h2_upgrade {
    POL_H2_DEFAULT = 0,
    POL_H2_DO_NOT_UPGRADE,
    POL_H2_UPGRADE,
} pol_h2_upgrade;

/* ConnectionPoolSettings (section 5.2).  0 or unset means Istio's default. */
typedef struct pol_connection_pool {
    struct {
        bool set;
        pol_opt_int max_connections;
        pol_opt_duration connect_timeout;
        struct {
            bool set;
            pol_opt_int probes;
            pol_opt_duration time;
            pol_opt_duration interval;
        } tcp_keepalive;
        pol_opt_duration max_connection_duration;
        pol_opt_duration idle_timeout;
        ms_pos pos;
    } tcp;
    struct {
        bool set;
        pol_opt_int http1_max_pending_requests;
        pol_opt_int http2_max_requests;
        pol_opt_int max_requests_per_connection;
        pol_opt_int max_retries;
        pol_opt_duration idle_timeout;
        pol_h2_upgrade h2_upgrade_policy;
        pol_opt_bool use_client_protocol;
        pol_opt_int max_concurrent_streams;
        ms_pos pos;
    } http;
    ms_pos pos;
} pol_connection_pool;

/* OutlierDetection (section 3.7). */
typedef struct pol_outlier_detection {
    pol_opt_int consecutive_5xx_errors;
    pol_opt_int consecutive_gateway_errors;
    pol_opt_int consecutive_local_origin_failures;
    pol_opt_bool split_external_local_origin_errors;
    pol_opt_int consecutive_errors; /* deprecated; not mapped */
    pol_opt_duration interval;
    pol_opt_duration base_ejection_time;
    pol_opt_int max_ejection_percent;
    pol_opt_int min_health_percent;
    ms_pos pos;
} pol_outlier_detection;

typedef enum pol_client_tls_mode {
    POL_CLIENT_TLS_DISABLE = 0,
    POL_CLIENT_TLS_SIMPLE,
    POL_CLIENT_TLS_MUTUAL,
    POL_CLIENT_TLS_ISTIO_MUTUAL,
} pol_client_tls_mode;

typedef struct pol_client_tls {
    pol_client_tls_mode mode;
    const char *client_certificate, *private_key, *ca_certificates, *credential_name;
    pol_str_list subject_alt_names;
    const char *sni;
    pol_opt_bool insecure_skip_verify;
    ms_pos pos;
} pol_client_tls;

/* The four main blocks, each with its own presence flag: overrides replace
 * blocks whole (section 7.4). */
typedef struct pol_policy_blocks {
    bool has_load_balancer;
    pol_load_balancer_settings load_balancer;
    bool has_connection_pool;
    pol_connection_pool connection_pool;
    bool has_outlier_detection;
    pol_outlier_detection outlier_detection;
    bool has_tls;
    pol_client_tls tls;
} pol_policy_blocks;

typedef struct pol_port_traffic_policy {
    pol_opt_int port;
    pol_policy_blocks blocks;
    ms_pos pos;
} pol_port_traffic_policy;

typedef struct pol_traffic_policy {
    pol_policy_blocks blocks;
    pol_port_traffic_policy *port_level_settings; /* owned */
    size_t nport_level_settings;
    ms_pos pos;
} pol_traffic_policy;

typedef struct pol_subset {
    const char *name;
    ms_pos name_pos;
    pol_labels labels;
    bool has_traffic_policy;
    pol_traffic_policy traffic_policy;
    ms_pos pos;
} pol_subset;

typedef struct pol_destination_rule {
    pol_meta meta;
    const char *host;
    ms_pos host_pos;
    bool has_traffic_policy;
    pol_traffic_policy traffic_policy;
    pol_subset *subsets; /* owned */
    size_t nsubsets;
    pol_str_list export_to;
    pol_labels workload_selector;
} pol_destination_rule;

void pol_destination_rule_fini(pol_destination_rule *dr);
void pol_traffic_policy_fini(pol_traffic_policy *tp);

/* --- Gateway ------------------------------------------------------------ */

typedef enum pol_server_tls_mode {
    POL_SERVER_TLS_PASSTHROUGH = 0,
    POL_SERVER_TLS_SIMPLE,
    POL_SERVER_TLS_MUTUAL,
    POL_SERVER_TLS_AUTO_PASSTHROUGH,
    POL_SERVER_TLS_ISTIO_MUTUAL,
    POL_SERVER_TLS_OPTIONAL_MUTUAL,
} pol_server_tls_mode;

typedef struct pol_port {
    int64_t number;
    const char *protocol; /* HTTP|HTTPS|GRPC|GRPC-WEB|HTTP2|MONGO|TCP|TLS (as written) */
    const char *name;
    pol_opt_int target_port;
    ms_pos pos;
} pol_port;

typedef struct pol_server_tls {
    bool set;
    bool https_redirect;
    pol_server_tls_mode mode;
    const char *server_certificate, *private_key, *ca_certificates, *credential_name;
    pol_str_list credential_names;
    pol_str_list subject_alt_names;
    const char *min_protocol_version, *max_protocol_version;
    pol_str_list cipher_suites;
    ms_pos pos;
} pol_server_tls;

typedef struct pol_server {
    pol_port port;
    const char *bind;
    pol_str_list hosts; /* "[ns/]dnsName" as written */
    pol_server_tls tls;
    const char *name;
    const char *default_endpoint;
    ms_pos pos;
} pol_server;

typedef struct pol_gateway {
    pol_meta meta;
    pol_labels selector;
    pol_server *servers; /* owned */
    size_t nservers;
} pol_gateway;

void pol_gateway_fini(pol_gateway *gw);

/* --- ServiceEntry ----------------------------------------------------------- */

typedef enum pol_se_location {
    POL_SE_MESH_EXTERNAL = 0,
    POL_SE_MESH_INTERNAL,
} pol_se_location;

typedef enum pol_se_resolution {
    POL_SE_RESOLUTION_NONE = 0,
    POL_SE_RESOLUTION_STATIC,
    POL_SE_RESOLUTION_DNS,
    POL_SE_RESOLUTION_DNS_ROUND_ROBIN,
    POL_SE_RESOLUTION_DYNAMIC_DNS,
} pol_se_resolution;

typedef struct pol_port_number {
    const char *name;
    int64_t number;
} pol_port_number;

/* WorkloadEntry as used in ServiceEntry.endpoints. */
typedef struct pol_workload_entry {
    const char *address;
    pol_port_number *ports; /* owned: port name -> number */
    size_t nports;
    pol_labels labels;
    const char *network, *locality, *service_account;
    pol_opt_int weight;
    ms_pos pos;
} pol_workload_entry;

typedef struct pol_service_entry {
    pol_meta meta;
    pol_str_list hosts;
    pol_str_list addresses;
    pol_port *ports; /* owned */
    size_t nports;
    pol_se_location location;
    pol_se_resolution resolution;
    pol_workload_entry *endpoints; /* owned */
    size_t nendpoints;
    pol_labels workload_selector;
    pol_str_list export_to;
    pol_str_list subject_alt_names;
} pol_service_entry;

void pol_service_entry_fini(pol_service_entry *se);

/* --- PeerAuthentication ----------------------------------------------------- */

typedef enum pol_mtls_mode {
    POL_MTLS_UNSET = 0,
    POL_MTLS_DISABLE,
    POL_MTLS_PERMISSIVE,
    POL_MTLS_STRICT,
} pol_mtls_mode;

typedef struct pol_port_mtls {
    int64_t port;
    pol_mtls_mode mode;
} pol_port_mtls;

typedef struct pol_peer_authentication {
    pol_meta meta;
    bool has_selector;
    pol_labels selector;
    pol_mtls_mode mtls_mode;
    pol_port_mtls *port_level_mtls; /* owned */
    size_t nport_level_mtls;
} pol_peer_authentication;

void pol_peer_authentication_fini(pol_peer_authentication *pa);

/* --- AuthorizationPolicy ---------------------------------------------------- */

typedef enum pol_authz_action {
    POL_AUTHZ_ALLOW = 0,
    POL_AUTHZ_DENY,
    POL_AUTHZ_AUDIT,
    POL_AUTHZ_CUSTOM,
} pol_authz_action;

/* Source: each field a list of strings; missing (len 0) matches anything. */
typedef struct pol_authz_source {
    pol_str_list principals, not_principals;
    pol_str_list request_principals, not_request_principals;
    pol_str_list namespaces, not_namespaces;
    pol_str_list service_accounts, not_service_accounts;
    pol_str_list ip_blocks, not_ip_blocks;
    pol_str_list remote_ip_blocks, not_remote_ip_blocks;
    ms_pos pos;
} pol_authz_source;

typedef struct pol_authz_operation {
    pol_str_list hosts, not_hosts;
    pol_str_list ports, not_ports; /* as strings, as in the API */
    pol_str_list methods, not_methods;
    pol_str_list paths, not_paths;
    ms_pos pos;
} pol_authz_operation;

typedef struct pol_authz_condition {
    const char *key;
    pol_str_list values, not_values;
    ms_pos pos;
} pol_authz_condition;

typedef struct pol_authz_rule {
    pol_authz_source *from; /* owned */
    size_t nfrom;
    pol_authz_operation *to; /* owned */
    size_t nto;
    pol_authz_condition *when; /* owned */
    size_t nwhen;
    ms_pos pos;
} pol_authz_rule;

typedef struct pol_authorization_policy {
    pol_meta meta;
    bool has_selector;
    pol_labels selector;
    bool has_target_refs; /* targetRef / targetRefs given: gateways and waypoints only */
    pol_authz_action action;
    const char *provider; /* CUSTOM: provider.name */
    pol_authz_rule *rules; /* owned; len 0 matches nothing */
    size_t nrules;
} pol_authorization_policy;

void pol_authorization_policy_fini(pol_authorization_policy *ap);

/* --- EnvoyFilter: Envoy's HTTP local rate limit ------------------------------ */

/* Istio has no API for local rate limiting: it is an EnvoyFilter whose
 * HTTP_FILTER patch inserts envoy.filters.http.local_ratelimit (Istio's
 * "Enabling Rate Limits using Envoy" task).  Only that shape is decoded; one
 * value per such patch.  Where the filter lands in the inbound HTTP chain
 * comes from `operation`, `sub_filter` and `filter_class`. */
typedef enum pol_ef_operation {
    POL_EF_INSERT_BEFORE = 0,
    POL_EF_INSERT_AFTER,
    POL_EF_INSERT_FIRST,
} pol_ef_operation;

typedef enum pol_ef_filter_class {
    POL_EF_CLASS_UNSPECIFIED = 0,
    POL_EF_CLASS_AUTHN,
    POL_EF_CLASS_AUTHZ,
    POL_EF_CLASS_STATS,
} pol_ef_filter_class;

typedef enum pol_ef_context {
    POL_EF_SIDECAR_INBOUND = 0, /* the server sidecar's inbound chain */
    POL_EF_GATEWAY,             /* a gateway's chain */
} pol_ef_context;

typedef struct pol_local_ratelimit {
    pol_meta meta;
    pol_ef_context context;       /* match.context */
    pol_labels workload_selector; /* workloadSelector.labels; empty: all in scope */
    pol_opt_int port;             /* match.listener.portNumber (a gateway: its server port) */
    pol_ef_operation operation;
    const char *sub_filter;       /* match.listener.filterChain.filter.subFilter.name */
    pol_ef_filter_class filter_class;
    uint32_t max_tokens, tokens_per_fill;
    int64_t fill_interval_ns;
    uint32_t enabled_numerator, enabled_denominator;   /* filter_enabled (default 0/100) */
    uint32_t enforced_numerator, enforced_denominator; /* filter_enforced (default 0/100) */
    int status;                   /* status.code; 429 by default */
    ms_pos pos;                   /* the patch */
} pol_local_ratelimit;

void pol_local_ratelimit_fini(pol_local_ratelimit *rl);

/* --- shared helpers ---------------------------------------------------------- */

void pol_str_list_fini(pol_str_list *l);
void pol_labels_fini(pol_labels *l);
/* Value of `key` in `l`, or NULL. */
const char *pol_labels_get(const pol_labels *l, const char *key);
/* Is every label of `sel` present with the same value in `labels`? (an empty
 * selector is a subset of anything) */
bool pol_labels_subset(const pol_labels *sel, const pol_labels *labels);

/* Enum names as written in YAML ("ROUND_ROBIN", "ISTIO_MUTUAL", ...) and the
 * reverse lookups used by the decoder (return -1 when unknown).  The name tables
 * are exposed for did-you-mean suggestions: *n receives their length. */
const char *const *pol_lb_simple_names(size_t *n);
const char *const *pol_client_tls_mode_names(size_t *n);
const char *const *pol_server_tls_mode_names(size_t *n);
const char *const *pol_se_location_names(size_t *n);
const char *const *pol_se_resolution_names(size_t *n);
const char *const *pol_mtls_mode_names(size_t *n);
const char *const *pol_authz_action_names(size_t *n);
const char *const *pol_h2_upgrade_names(size_t *n);
const char *const *pol_derive_port_names(size_t *n);
/* Index of `name` in names[0..n), or -1. */
int pol_enum_lookup(const char *const *names, size_t n, const char *name);

#endif
