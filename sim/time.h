/*
 * time.h - simulated time.
 *
 * The simulation clock is an integer count of nanoseconds since the start of the
 * run (architecture.md "Engine"): integer time makes ties exact, so the event order
 * (time, sequence) is total and runs are reproducible.  A simulation starts at 0
 * and time never goes backwards; SIM_TIME_MAX means "never".
 */
#ifndef SIM_TIME_H
#define SIM_TIME_H

#include <stdint.h>

typedef int64_t sim_time; /* nanoseconds */

#define SIM_NS 1LL
#define SIM_US 1000LL
#define SIM_MS 1000000LL
#define SIM_S 1000000000LL
#define SIM_TIME_MAX INT64_MAX

#endif
