/* The open model's console block (openmodel.c). */
#ifndef LOCUST_CLI_OPENMODEL_H
#define LOCUST_CLI_OPENMODEL_H

#include <locust/locust.h>
#include <stdio.h>

/*
 * Prints the rate schedule's figures, the dropped runs and the precise
 * percentiles (service and corrected time, labelled) of every entry.
 */
void cli_print_open_model(locust_runner *r, FILE *out);

#endif /* LOCUST_CLI_OPENMODEL_H */
