/*
 * interrupt.c - SIGINT / SIGTERM during a run (see interrupt.h).
 *
 * `caught` is the only mutable static in the program: a signal handler has
 * nowhere else to write (style.md section 6 allows no other global state).
 */
#include "tools/meshsim/interrupt.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t caught;

static void on_signal(int sig) { caught = sig; }

int cli_interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* writes of the report are not cut short */
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return -1;
    return 0;
}

int cli_interrupt_caught(void) { return (int)caught; }

const char *cli_signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

void cli_interrupt_note(FILE *f, int sig, const mdl_mesh *m, const char *outdir)
{
    const mdl_results *r = mdl_mesh_results(m);
    size_t windows = 0;
    for (size_t i = 0; i < r->series.nseries; i++)
        windows += r->series.series[i]->nwindows;
    const char *name = cli_signal_name(sig);
    if (r->stopped)
        fprintf(f,
                "meshsim: interrupted by %s at %.1fs of %.1fs simulated: kept %llu requests "
                "(%zu series windows); report %s marked interrupted\n",
                name, (double)r->simulated_ns / 1e9, (double)r->duration_ns / 1e9,
                (unsigned long long)r->requests, windows, outdir);
    else
        fprintf(f, "meshsim: %s after the simulation had finished: report %s is complete\n", name,
                outdir);
}
