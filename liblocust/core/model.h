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
    bool setup_done;    /* setup ran in this process */
    bool setup_running; /* a user is inside setup now; others wait */
    bool teardown_registered;
    /* Tag filtering (core/tags.c): the tag strings this task set inherits
     * from the entries and task sets that hold it, and the filter's verdict. */
    const char **inherited;
    size_t n_inherited;
    int filter_state;
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

/* Sets (copies) or with NULL/"" clears the tag filter; locust__tags_apply() applies it. */
int locust__model_set_filter(locust__model *m, const char *tags, const char *exclude_tags);
/* The --tags (exclude false) or --exclude-tags filter, or NULL. */
const char *locust__model_tags(const locust__model *m, bool exclude);

/* The number of compiled task sets, and the i-th (for the tag filter). */
size_t locust__model_count(const locust__model *m);
locust__tsinfo *locust__model_at(locust__model *m, size_t i);

/*
 * Rebuilds a task set's weighted choices from the entries for which
 * keep(entry, ud) is true (all but LOCUST_WEIGHT_NEVER entries with keep
 * NULL). Returns 0 or LOCUST_ENOMEM; n_choices may become 0.
 */
int locust__model_build_choices(locust__tsinfo *info, bool (*keep)(const locust_task *t, void *ud), void *ud);

/*
 * Tag filtering (core/tags.c). Applies the runner's --tags/--exclude-tags
 * to every compiled task set; a class whose root task set has no task left
 * is LOCUST_ECLASS, named in `err`.
 */
int locust__tags_apply(locust_runner *r, char *err, size_t errlen);

/* Deepest nesting of task sets allowed at run time (task sets may refer to themselves). */
#define LOCUST_MAX_NESTING 64

#endif /* LOCUST_MODEL_H */
