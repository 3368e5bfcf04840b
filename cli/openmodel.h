/* The open model's console block (openmodel.c). */
#ifndef LOCUST_CLI_OPENMODEL_H
#define LOCUST_CLI_OPENMODEL_H

#include <locust/locust.h>
#include <stdbool.h>
#include <stdio.h>

/*
 * Prints the rate schedule's figures, the dropped runs and the precise
 * percentiles (service and corrected time, labelled) of every entry.
 */
void cli_print_open_model(locust_runner *r, FILE *out);

/* True when the run has scheduled runs to show: --rate, or paced users' corrected times or dropped slots. */
bool cli_open_model_shown(locust_runner *r);

#endif /* LOCUST_CLI_OPENMODEL_H */
