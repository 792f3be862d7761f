/*
 * interrupt.h - stopping a run cleanly on Ctrl-C (SIGINT) or SIGTERM.
 *
 * The handler only stores the signal's number in a volatile sig_atomic_t (the
 * one piece of process state it touches); the run's progress callback polls
 * it between slices of simulated time and stops the simulation, and the
 * command then writes what was kept, marked interrupted, and exits with
 * 128 + the signal's number (130 for Ctrl-C).  Further signals while the
 * report is written change nothing, so the report is always finished.
 */
#ifndef MESHSIM_INTERRUPT_H
#define MESHSIM_INTERRUPT_H

#include <stdio.h>

#include "models/mesh.h"

/* Install the handler for SIGINT and SIGTERM.  Returns 0, or -1 (errno set). */
int cli_interrupt_install(void);
/* The signal caught since install, 0 if none. */
int cli_interrupt_caught(void);
/* "SIGINT", "SIGTERM", else "a signal": how messages name `sig`. */
const char *cli_signal_name(int sig);
/* One line on `f` saying what the stopped run kept and where it went. */
void cli_interrupt_note(FILE *f, int sig, const mdl_mesh *m, const char *outdir);

#endif
