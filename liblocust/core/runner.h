/* What user.c needs from the runner (runner.c). */
#ifndef LOCUST_RUNNER_H
#define LOCUST_RUNNER_H

#include "core/core.h"
#include "core/model.h"
#include "core/user.h"

/* Per-class state of a runner. */
typedef struct locust__class_state {
    const locust_class *cls;
    unsigned live; /* users alive and not asked to end */
    bool setup_done, setup_running, teardown_registered;
    /* locust_runner_set_fixed_count(): overrides the class's .fixed_count. */
    bool fixed_set;
    unsigned fixed;
} locust__class_state;

locust__class_state *locust__runner_class_state(locust_runner *r, size_t i);

/* Queues a user to be resumed from the loop. */
void locust__runner_schedule(locust_runner *r, locust_user *u);
/* The compiled model. */
locust__model *locust__runner_model(locust_runner *r);
/* Called by the runner when a user's fiber has ended (main context). */
void locust__runner_user_finished(locust_runner *r, locust_user *u);
/* Records a task failure in the exceptions table and fires locust_error. */
void locust__runner_task_error(locust_runner *r, locust_ctx *ctx, const char *msg, const char *traceback);
/* Registers a teardown to run at quit (each definition once). */
void locust__runner_add_teardown(locust_runner *r, size_t class_index, const locust_taskset *ts,
                                 locust_task_fn fn);
/* Derives a user's random seed. */
uint64_t locust__runner_user_seed(locust_runner *r, uint64_t user_id);

/*
 * Spreads `users` over the classes (core/fixed_count.c): classes with a
 * fixed count first, the rest by weight. `counts` has one entry per class;
 * their sum (*total) may be below `users` when every class is fixed.
 */
int locust__runner_split(locust_runner *r, unsigned users, unsigned *counts, unsigned *total);
/* Creates a user of a class and queues its first run (the open model's pool grows with it). */
int locust__runner_spawn(locust_runner *r, size_t class_index, locust_user **out);
/* The open model's pool (arrival.c), NULL in the closed model. */
struct locust__arrival *locust__runner_arrival(locust_runner *r);
/* Installs (or with NULL removes and frees) the pool. */
void locust__runner_set_arrival(locust_runner *r, struct locust__arrival *a);

#endif /* LOCUST_RUNNER_H */
