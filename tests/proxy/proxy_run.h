/*
 * proxy_run.h - the start and end most of meshproxy's loopback tests share:
 * meshproxy started from a YAML format whose one %d is an fx_upstream's (or a
 * bare fx_listener's) port, and at the end the proxy stopped (exit status 0
 * asserted), the YAML freed and the upstream stopped; and meshproxy refusing
 * a configuration.  Header-only; uses cmocka's assertions, so it is included
 * after cmocka.h, proxy_fixture.h and proxy_yaml.h.
 */
#ifndef PROXY_RUN_H
#define PROXY_RUN_H

/* Start p from yaml_fmt filled in with u's port and the NULL-terminated
 * `args` (or NULL); returns the YAML, for fx_run_stop. */
static inline char *fx_run_start(fx_proxy *p, const char *yaml_fmt, fx_upstream *u, const char *const *args)
{
    char *y = fx_yaml_printf(yaml_fmt, u->l.port);
    assert_int_equal(fx_proxy_start(p, y, args), 0);
    return y;
}

static inline void fx_run_stop(fx_proxy *p, char *yaml, fx_upstream *u)
{
    assert_int_equal(fx_proxy_stop(p), 0);
    free(yaml);
    fx_upstream_stop(u);
}

/* The same with two upstreams: yaml_fmt's two %d are a's port and b's. */
static inline char *fx_run_start2(fx_proxy *p, const char *yaml_fmt, fx_upstream *a, fx_upstream *b,
                                  const char *const *args)
{
    char *y = fx_yaml_printf(yaml_fmt, a->l.port, b->l.port);
    assert_int_equal(fx_proxy_start(p, y, args), 0);
    return y;
}

static inline void fx_run_stop2(fx_proxy *p, char *yaml, fx_upstream *a, fx_upstream *b)
{
    fx_run_stop(p, yaml, a);
    fx_upstream_stop(b);
}

/* The same with a bare listener serving each connection with `serve` (a test
 * upstream of its own): *l receives it (calloc'd), its port fills yaml_fmt's
 * %d. */
static inline char *fx_run_start_listener(fx_proxy *p, const char *yaml_fmt, fx_serve_fn serve, fx_listener **l,
                                          const char *const *args)
{
    *l = calloc(1, sizeof **l);
    fx_listener_start(*l, serve);
    char *y = fx_yaml_printf(yaml_fmt, (*l)->port);
    assert_int_equal(fx_proxy_start(p, y, args), 0);
    return y;
}

static inline void fx_run_stop_listener(fx_proxy *p, char *yaml, fx_listener *l)
{
    assert_int_equal(fx_proxy_stop(p), 0);
    fx_listener_stop(l);
    free(l);
    free(yaml);
}

/* Start p from `yaml` with `args`, which meshproxy must refuse; returns its
 * stderr (malloc'd).  The files it was given are removed (p->yaml still
 * names the YAML's path, which messages quote). */
static inline char *fx_run_refused(fx_proxy *p, const char *yaml, const char *const *args)
{
    assert_int_equal(fx_proxy_start(p, yaml, args), -1);
    char *err = fx_read_file(p->err);
    unlink(p->yaml);
    unlink(p->err);
    unlink(p->log);
    return err;
}

#endif
