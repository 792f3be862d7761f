/*
 * test_loop.c - meshproxy's event loop: timers fire in deadline order, equal
 * deadlines in the order they were armed, stopped and re-armed timers behave,
 * a timer callback may arm others, fd watchers and the cross-thread wake-up.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cmocka.h>

#include "proxy/loop.h"

typedef struct rec {
    int order[64];
    int n;
} rec;

typedef struct tmr {
    px_timer t;
    rec *r;
    int id;
} tmr;

static void on_fire(px_loop *l, px_timer *t)
{
    tmr *x = t->obj;
    x->r->order[x->r->n++] = x->id;
}

static void test_timer_order(void **state)
{
    px_loop *l = px_loop_create();
    assert_non_null(l);
    rec r = {0};
    tmr t[8];
    int64_t base = px_loop_now(l);
    int64_t at[8] = {5, 1, 3, 3, 2, 3, 4, 0};
    for (int i = 0; i < 8; i++) {
        t[i] = (tmr){.r = &r, .id = i};
        px_timer_init(&t[i].t, on_fire, &t[i]);
        px_timer_start(l, &t[i].t, base + at[i] * 1000000);
    }
    px_timer_stop(l, &t[6].t);          /* never fires */
    px_timer_start(l, &t[0].t, base);   /* re-armed earlier */
    assert_true(px_timer_armed(&t[0].t));
    assert_false(px_timer_armed(&t[6].t));
    while (r.n < 7)
        px_loop_run_once(l, 50);
    int want[7] = {7, 0, 1, 4, 2, 3, 5}; /* 0 re-armed after 7 was armed */
    assert_memory_equal(r.order, want, sizeof want);
    for (int i = 0; i < 8; i++)
        assert_false(px_timer_armed(&t[i].t));
    px_loop_destroy(l);
}

typedef struct chain {
    px_timer t;
    int left;
} chain;

static void on_chain(px_loop *l, px_timer *t)
{
    chain *c = t->obj;
    if (--c->left > 0)
        px_timer_start(l, t, px_loop_now(l)); /* re-arm from its own callback */
}

static void test_timer_rearm_in_callback(void **state)
{
    px_loop *l = px_loop_create();
    chain c = {.left = 5};
    px_timer_init(&c.t, on_chain, &c);
    px_timer_start(l, &c.t, px_loop_now(l));
    for (int i = 0; i < 20 && c.left > 0; i++)
        px_loop_run_once(l, 10);
    assert_int_equal(c.left, 0);
    px_loop_destroy(l);
}

static int io_events;

static void on_readable(px_loop *l, px_io *io, uint32_t ev)
{
    char b[16];
    if (read(io->fd, b, sizeof b) > 0)
        io_events++;
}

static int wakes;

static void on_wake(px_loop *l, void *arg) { wakes++; }

static void *waker(void *arg)
{
    px_loop_wake(arg);
    return NULL;
}

static void test_io_and_wake(void **state)
{
    px_loop *l = px_loop_create();
    int p[2];
    assert_int_equal(pipe(p), 0);
    px_io io = {.fd = p[0], .fn = on_readable};
    assert_int_equal(px_io_set(l, &io, EPOLLIN), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    px_loop_run_once(l, 100);
    assert_int_equal(io_events, 1);
    px_loop_set_wake(l, on_wake, NULL);
    pthread_t th;
    pthread_create(&th, NULL, waker, l);
    pthread_join(th, NULL);
    px_loop_run_once(l, 1000);
    assert_int_equal(wakes, 1);
    assert_int_equal(px_io_set(l, &io, 0), 0);
    close(p[0]);
    close(p[1]);
    px_loop_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_order),
        cmocka_unit_test(test_timer_rearm_in_callback),
        cmocka_unit_test(test_io_and_wake),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
