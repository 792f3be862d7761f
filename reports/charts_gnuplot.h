/*
 * charts_gnuplot.h - a gnuplot process fed through a pipe.
 *
 * The script, data included (as `$name << EOD` blocks), is written to
 * gnuplot's standard input: no temporary files.  gnuplot's own messages go
 * to our standard error unchanged.  While the pipe is open SIGPIPE is blocked,
 * so a gnuplot that dies early makes writes fail instead of killing the
 * caller; a pending SIGPIPE is consumed before the old mask is restored.
 */
#ifndef RPT_CHARTS_GNUPLOT_H
#define RPT_CHARTS_GNUPLOT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* True when an executable named gnuplot is on $PATH. */
bool rpt_gnuplot_on_path(void);

typedef struct rpt_gnuplot {
    FILE *in;          /* write the script here */
    sigset_t _old_mask;
} rpt_gnuplot;

/* Start gnuplot.  Returns 0, or -1 with a reason in err (cap bytes). */
int rpt_gnuplot_open(rpt_gnuplot *g, char *err, size_t cap);
/* Close the pipe and wait for gnuplot.  Returns 0 when every write went
 * through and gnuplot exited with status 0, else -1 with a reason in err. */
int rpt_gnuplot_close(rpt_gnuplot *g, char *err, size_t cap);

#endif
