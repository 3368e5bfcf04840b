/*
 * The locust model, compiled: definitions are validated once when a class
 * is added, and every task set reachable from it is expanded into the list
 * that task choice draws from (Python's weighted `tasks` list).
 */
#ifndef LOCUST_MODEL_H
#define LOCUST_MODEL_H

#include "core/core.h"

/* A task set ready to run. */
typedef struct locust__tsinfo {
    const locust_taskset *def;
    const locust_task **choices; /* weighted (expanded) list, or the sorted sequence */
    size_t n_choices;
    bool setup_done;             /* setup ran in this process */
    bool setup_running;          /* a user is inside setup now; others wait */
    bool teardown_registered;
} locust__tsinfo;

typedef struct locust__model locust__model;

int locust__model_new(locust__model **out);
void locust__model_free(locust__model *m);

/*
 * Validates a class and compiles its task sets. On failure returns
 * LOCUST_ECLASS with a message naming the class and field in `err`.
 */
int locust__model_add_class(locust__model *m, const locust_class *cls, char *err, size_t errlen);

/* Returns the compiled form of a task set that was reached from an added class. */
locust__tsinfo *locust__model_taskset(locust__model *m, const locust_taskset *ts);

/* Deepest nesting of task sets allowed at run time (task sets may refer to themselves). */
#define LOCUST_MAX_NESTING 64

#endif /* LOCUST_MODEL_H */
