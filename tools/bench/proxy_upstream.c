/*
 * proxy_upstream.c - the upstream of the proxy benchmark (proxy_bench.sh):
 * a single-threaded epoll HTTP/1.1 server answering every request with 200
 * and a fixed body (1 KiB by default), keep-alive, pipelining-safe.  It is the
 * same backend for meshproxy, nginx and HAProxy, and wrk straight at it gives
 * the ceiling.
 *
 *   proxy_upstream PORT [BODY_BYTES]
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct conn {
    int fd;
    char in[16384];
    size_t len;
} conn;

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: proxy_upstream PORT [BODY_BYTES]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int port = atoi(argv[1]);
    size_t body = argc > 2 ? (size_t)atol(argv[2]) : 1024;
    char *resp = malloc(body + 128);
    int hl = snprintf(resp, 128, "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: %zu\r\n\r\n", body);
    memset(resp + hl, 'x', body);
    size_t rlen = (size_t)hl + body;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 1024) != 0) {
        perror("proxy_upstream: listen");
        return 2;
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    char *out = malloc(rlen * 64);
    for (;;) {
        struct epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event e = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
                }
                continue;
            }
            ssize_t r = recv(c->fd, c->in + c->len, sizeof c->in - c->len, 0);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN)
                    continue;
                close(c->fd);
                free(c);
                continue;
            }
            c->len += (size_t)r;
            size_t off = 0, nresp = 0;
            char *e;
            while ((e = memmem(c->in + off, c->len - off, "\r\n\r\n", 4)) && nresp < 64) {
                off = (size_t)(e - c->in) + 4;
                memcpy(out + nresp * rlen, resp, rlen);
                nresp++;
            }
            memmove(c->in, c->in + off, c->len - off);
            c->len -= off;
            if (c->len == sizeof c->in)
                c->len = 0;
            if (nresp && send(c->fd, out, nresp * rlen, MSG_NOSIGNAL) < 0) {
                close(c->fd);
                free(c);
            }
        }
    }
}
