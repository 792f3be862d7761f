/*
 * loop.c - epoll + timer heap + eventfd wake-up (see loop.h).
 *
 * Timers: a binary min-heap of pointers ordered by (at_ns, insertion seq),
 * so equal deadlines fire in the order they were armed.  The heap array
 * grows geometrically and is never shrunk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "proxy/loop.h"

typedef struct heap_ent {
    px_timer *t;
    uint64_t seq;
} heap_ent;

struct px_loop {
    int epfd;
    int64_t now;
    heap_ent *heap;
    size_t n, cap;
    uint64_t seq;
    px_io wake_io;
    void (*wake_fn)(px_loop *l, void *arg);
    void *wake_arg;
    void **graveyard;
    size_t ngrave, capgrave;
};

int64_t px_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_wake(px_loop *l, px_io *io, uint32_t ev)
{
    uint64_t v;
    while (read(io->fd, &v, sizeof v) == (ssize_t)sizeof v)
        ;
    if (l->wake_fn)
        l->wake_fn(l, l->wake_arg);
}

px_loop *px_loop_create(void)
{
    px_loop *l = ms_xcalloc(1, sizeof *l);
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->epfd < 0 || efd < 0) {
        if (l->epfd >= 0)
            close(l->epfd);
        if (efd >= 0)
            close(efd);
        free(l);
        return NULL;
    }
    l->wake_io = (px_io){.fd = efd, .fn = on_wake, .obj = l};
    px_io_set(l, &l->wake_io, EPOLLIN);
    l->now = px_clock_ns();
    return l;
}

void px_loop_destroy(px_loop *l)
{
    if (!l)
        return;
    close(l->wake_io.fd);
    close(l->epfd);
    for (size_t i = 0; i < l->ngrave; i++)
        free(l->graveyard[i]);
    free(l->graveyard);
    free(l->heap);
    free(l);
}

int64_t px_loop_now(const px_loop *l) { return l->now; }
int64_t px_loop_update_now(px_loop *l) { return l->now = px_clock_ns(); }

int px_io_set(px_loop *l, px_io *io, uint32_t events)
{
    if (events == io->events)
        return 0;
    struct epoll_event ev = {.events = events, .data.ptr = io};
    int op = !io->events ? EPOLL_CTL_ADD : events ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
    if (epoll_ctl(l->epfd, op, io->fd, &ev) != 0)
        return -errno;
    io->events = events;
    return 0;
}

void px_timer_init(px_timer *t, px_timer_fn fn, void *obj)
{
    memset(t, 0, sizeof *t);
    t->fn = fn;
    t->obj = obj;
}

static bool before(const heap_ent *a, const heap_ent *b)
{
    return a->t->at_ns < b->t->at_ns || (a->t->at_ns == b->t->at_ns && a->seq < b->seq);
}

static void place(px_loop *l, size_t i, heap_ent e)
{
    l->heap[i] = e;
    e.t->_idx = i + 1;
}

static void sift_up(px_loop *l, size_t i)
{
    heap_ent e = l->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(&e, &l->heap[p]))
            break;
        place(l, i, l->heap[p]);
        i = p;
    }
    place(l, i, e);
}

static void sift_down(px_loop *l, size_t i)
{
    heap_ent e = l->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= l->n)
            break;
        if (c + 1 < l->n && before(&l->heap[c + 1], &l->heap[c]))
            c++;
        if (!before(&l->heap[c], &e))
            break;
        place(l, i, l->heap[c]);
        i = c;
    }
    place(l, i, e);
}

void px_timer_stop(px_loop *l, px_timer *t)
{
    if (!t->_idx)
        return;
    size_t i = t->_idx - 1;
    t->_idx = 0;
    l->n--;
    if (i == l->n)
        return;
    place(l, i, l->heap[l->n]);
    sift_down(l, i);
    sift_up(l, l->heap[i].t->_idx - 1);
}

void px_timer_start(px_loop *l, px_timer *t, int64_t at_ns)
{
    px_timer_stop(l, t);
    t->at_ns = at_ns;
    MS_VEC_GROW(l->heap, l->n, l->cap);
    l->heap[l->n] = (heap_ent){t, l->seq++};
    t->_idx = l->n + 1;
    l->n++;
    sift_up(l, l->n - 1);
}

void px_loop_set_wake(px_loop *l, void (*fn)(px_loop *l, void *arg), void *arg)
{
    l->wake_fn = fn;
    l->wake_arg = arg;
}

void px_loop_wake(px_loop *l)
{
    uint64_t one = 1;
    ssize_t r = write(l->wake_io.fd, &one, sizeof one);
    (void)r;
}

void px_loop_run_once(px_loop *l, int max_wait_ms)
{
    int wait = max_wait_ms;
    if (l->n) {
        int64_t d = l->heap[0].t->at_ns - px_clock_ns();
        int ms = d <= 0 ? 0 : (int)((d + 999999) / 1000000);
        if (wait < 0 || ms < wait)
            wait = ms;
    }
    struct epoll_event evs[128];
    int n = epoll_wait(l->epfd, evs, 128, wait);
    l->now = px_clock_ns();
    for (int i = 0; i < n; i++) {
        px_io *io = evs[i].data.ptr;
        if (io->fd >= 0)
            io->fn(l, io, evs[i].events);
    }
    l->now = px_clock_ns();
    while (l->n && l->heap[0].t->at_ns <= l->now) {
        px_timer *t = l->heap[0].t;
        px_timer_stop(l, t);
        t->fn(l, t);
    }
    for (size_t i = 0; i < l->ngrave; i++)
        free(l->graveyard[i]);
    l->ngrave = 0;
}

void px_loop_defer_free(px_loop *l, void *p)
{
    MS_VEC_GROW(l->graveyard, l->ngrave, l->capgrave);
    l->graveyard[l->ngrave++] = p;
}
