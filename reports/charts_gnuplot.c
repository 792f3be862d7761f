/*
 * charts_gnuplot.c - popen() of gnuplot with SIGPIPE held off (see
 * charts_gnuplot.h).
 */
#include "reports/charts_gnuplot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool rpt_gnuplot_on_path(void)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        return false;
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        char file[4096];
        /* an empty entry means the current directory, as for the shell */
        if (n + sizeof "/gnuplot" < sizeof file) {
            if (n)
                snprintf(file, sizeof file, "%.*s/gnuplot", (int)n, path);
            else
                snprintf(file, sizeof file, "./gnuplot");
            if (access(file, X_OK) == 0)
                return true;
        }
        path += n;
        if (*path == ':')
            path++;
    }
    return false;
}

int rpt_gnuplot_open(rpt_gnuplot *g, char *err, size_t cap)
{
    fflush(NULL); /* nothing buffered may be written twice by the child */
    g->in = popen("gnuplot", "w");
    if (!g->in) {
        snprintf(err, cap, "cannot start gnuplot: %s", strerror(errno));
        return -1;
    }
    /* blocked only now, so gnuplot itself starts with the caller's mask */
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigprocmask(SIG_BLOCK, &pipe_only, &g->_old_mask);
    return 0;
}

int rpt_gnuplot_close(rpt_gnuplot *g, char *err, size_t cap)
{
    int write_failed = fflush(g->in) != 0 || ferror(g->in);
    int status = pclose(g->in);
    g->in = NULL;
    /* consume a SIGPIPE raised by a write to a gnuplot that had gone */
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_only, NULL, &zero) == SIGPIPE)
        ;
    sigprocmask(SIG_SETMASK, &g->_old_mask, NULL);
    if (status == -1) {
        snprintf(err, cap, "waiting for gnuplot: %s", strerror(errno));
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        snprintf(err, cap, "gnuplot exited with status %d", WEXITSTATUS(status));
        return -1;
    }
    if (WIFSIGNALED(status)) {
        snprintf(err, cap, "gnuplot was killed by signal %d", WTERMSIG(status));
        return -1;
    }
    if (write_failed) {
        snprintf(err, cap, "gnuplot stopped reading its script");
        return -1;
    }
    return 0;
}
