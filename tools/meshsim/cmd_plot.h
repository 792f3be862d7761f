/*
 * cmd_plot.h - `meshsim plot`: redraw a stored run's charts and report.html.
 */
#ifndef MESHSIM_CMD_PLOT_H
#define MESHSIM_CMD_PLOT_H

extern const char meshsim_usage_plot[];

/* argv holds the arguments after "plot".  Returns the exit status. */
int meshsim_cmd_plot(int argc, char **argv);

#endif
