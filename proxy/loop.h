/*
 * loop.h - meshproxy's event loop: one epoll instance per thread, file
 * descriptor watchers and timers on a binary min-heap, a cached monotonic
 * clock, and an eventfd to wake the loop from another thread.
 *
 * Watchers and timers are embedded in their owners (libuv style); the loop
 * only keeps pointers.  A timer callback may start or stop any timer.  Not
 * thread-safe except px_loop_wake().
 */
#ifndef PX_LOOP_H
#define PX_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct px_loop px_loop;
typedef struct px_io px_io;
typedef struct px_timer px_timer;

typedef void (*px_io_fn)(px_loop *l, px_io *io, uint32_t events);
typedef void (*px_timer_fn)(px_loop *l, px_timer *t);

struct px_io {
    int fd;
    uint32_t events; /* EPOLLIN | EPOLLOUT ... currently registered; 0: not registered */
    px_io_fn fn;
    void *obj;
};

struct px_timer {
    int64_t at_ns;
    px_timer_fn fn;
    void *obj;
    size_t _idx; /* heap index + 1; 0: not armed */
};

/* NULL when epoll or eventfd cannot be created. */
px_loop *px_loop_create(void);
void px_loop_destroy(px_loop *l); /* NULL is fine; watchers are not closed */

/* CLOCK_MONOTONIC in ns, read at the start of each loop turn. */
int64_t px_loop_now(const px_loop *l);
/* Read the clock again (after a long callback). */
int64_t px_loop_update_now(px_loop *l);
int64_t px_clock_ns(void);

/* Register, change or remove fd watching; events 0 removes.  0 or -errno. */
int px_io_set(px_loop *l, px_io *io, uint32_t events);

void px_timer_init(px_timer *t, px_timer_fn fn, void *obj);
void px_timer_start(px_loop *l, px_timer *t, int64_t at_ns); /* re-arms if armed */
void px_timer_stop(px_loop *l, px_timer *t);
static inline bool px_timer_armed(const px_timer *t) { return t->_idx != 0; }

/* Called on the loop's thread after px_loop_wake() from any thread. */
void px_loop_set_wake(px_loop *l, void (*fn)(px_loop *l, void *arg), void *arg);
void px_loop_wake(px_loop *l);

/* Free `p` with free() at the end of the current turn: for objects embedding a
 * px_io that is closed during a callback (set io->fd to -1 first; events
 * already fetched for it are then skipped). */
void px_loop_defer_free(px_loop *l, void *p);

/* One turn: wait for events up to the next timer or max_wait_ms (-1: no
 * limit), run I/O callbacks, then due timers. */
void px_loop_run_once(px_loop *l, int max_wait_ms);

#endif
