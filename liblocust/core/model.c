/*
 * Validation and compilation of scenario definitions. Bad definitions are
 * refused with a message that names the class, the task set and the field,
 * because a scenario author's first run should explain itself.
 */
#include "core/model.h"
#include "core/wait_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct locust__model {
    locust__tsinfo **ts;
    size_t n, cap;
    char *tags, *exclude_tags; /* the tag filter (core/tags.c); NULL = none */
};

/* A task set with more expanded choices than this is refused (weights are counts). */
#define MAX_CHOICES  100000
#define MAX_TASKSETS 10000

int locust__model_new(locust__model **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : LOCUST_ENOMEM;
}

void locust__model_free(locust__model *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->ts[i]->choices);
        free(m->ts[i]->inherited);
        free(m->ts[i]);
    }
    free(m->ts);
    free(m->tags);
    free(m->exclude_tags);
    free(m);
}

locust__tsinfo *locust__model_taskset(locust__model *m, const locust_taskset *ts)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->ts[i]->def == ts) return m->ts[i];
    return NULL;
}

static const char *ts_name(const locust_taskset *ts)
{
    return ts->name && ts->name[0] ? ts->name : "(unnamed)";
}

static int bad_wait(double min_wait, double max_wait, const char *who, char *err, size_t errlen)
{
    if (!isfinite(min_wait) || min_wait < 0) {
        snprintf(err, errlen, "%s: field .min_wait (%g) must be a finite number >= 0", who, min_wait);
        return 1;
    }
    if (!isfinite(max_wait) || max_wait < 0) {
        snprintf(err, errlen, "%s: field .max_wait (%g) must be a finite number >= 0", who, max_wait);
        return 1;
    }
    if (min_wait > max_wait) {
        snprintf(err, errlen, "%s: field .min_wait (%g) is greater than .max_wait (%g)", who, min_wait,
                 max_wait);
        return 1;
    }
    return 0;
}

/* Sorts the sequence stably by order (0 counts as 1, as an unordered task in Python). */
static void sort_sequence(const locust_task **v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        const locust_task *t = v[i];
        int key = t->order ? t->order : 1;
        size_t j = i;
        while (j > 0 && (v[j - 1]->order ? v[j - 1]->order : 1) > key) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

static int compile_taskset(locust__model *m, const locust_class *cls, const locust_taskset *ts, int depth,
                           char *err, size_t errlen)
{
    char who[256];
    snprintf(who, sizeof who, "class '%s': task set '%s'", cls->name, ts_name(ts));
    if (locust__model_taskset(m, ts)) return 0; /* already compiled (shared or recursive) */
    if (depth > LOCUST_MAX_NESTING) {
        snprintf(err, errlen, "%s: task sets nested deeper than %d levels", who, LOCUST_MAX_NESTING);
        return LOCUST_ECLASS;
    }
    if (!ts->tasks || (!ts->tasks[0].fn && !ts->tasks[0].taskset && !ts->tasks[0].name)) {
        snprintf(err, errlen, "%s: field .tasks has no tasks", who);
        return LOCUST_ECLASS;
    }
    if (bad_wait(ts->min_wait, ts->max_wait, who, err, errlen)) return LOCUST_ECLASS;
    if (locust__wait_time_check(&ts->wait_time, ts->wait != NULL, ts->min_wait != 0 || ts->max_wait != 0, who,
                                err, errlen))
        return LOCUST_ECLASS;

    size_t total = 0, n_tasks = 0;
    for (const locust_task *t = ts->tasks; t->fn || t->taskset || t->name; t++, n_tasks++) {
        const char *tn = t->name ? t->name : (t->taskset ? ts_name(t->taskset) : "(unnamed)");
        if (!t->fn && !t->taskset) {
            snprintf(err, errlen, "%s: task %zu ('%s') has neither .fn nor .taskset", who, n_tasks, tn);
            return LOCUST_ECLASS;
        }
        if (t->fn && t->taskset) {
            snprintf(err, errlen, "%s: task %zu ('%s') has both .fn and .taskset; give one", who, n_tasks,
                     tn);
            return LOCUST_ECLASS;
        }
        if (t->weight < LOCUST_WEIGHT_NEVER) {
            snprintf(err, errlen, "%s: task %zu ('%s'): field .weight (%d) is negative", who, n_tasks, tn,
                     t->weight);
            return LOCUST_ECLASS;
        }
        if (t->order < 0) {
            snprintf(err, errlen, "%s: task %zu ('%s'): field .order (%d) is negative", who, n_tasks, tn,
                     t->order);
            return LOCUST_ECLASS;
        }
        if (t->weight != LOCUST_WEIGHT_NEVER) total += t->weight ? (size_t)t->weight : 1;
        if (total > MAX_CHOICES) {
            snprintf(err, errlen, "%s: task weights add up to more than %d", who, MAX_CHOICES);
            return LOCUST_ECLASS;
        }
    }
    if (total == 0) {
        snprintf(err, errlen, "%s: every task has weight 0 (LOCUST_WEIGHT_NEVER); nothing could ever run",
                 who);
        return LOCUST_ECLASS;
    }
    if (m->n >= MAX_TASKSETS) {
        snprintf(err, errlen, "%s: more than %d task sets", who, MAX_TASKSETS);
        return LOCUST_ECLASS;
    }

    locust__tsinfo *info = calloc(1, sizeof *info);
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        locust__tsinfo **v = realloc(m->ts, cap * sizeof *v);
        if (v) {
            m->ts = v;
            m->cap = cap;
        }
    }
    if (!info || m->n == m->cap) {
        free(info);
        return LOCUST_ENOMEM;
    }
    info->def = ts;
    if (locust__model_build_choices(info, NULL, NULL)) {
        free(info);
        return LOCUST_ENOMEM;
    }
    m->ts[m->n++] = info;

    for (const locust_task *t = ts->tasks; t->fn || t->taskset || t->name; t++) {
        if (!t->taskset) continue;
        int rc = compile_taskset(m, cls, t->taskset, depth + 1, err, errlen);
        if (rc) return rc;
    }
    return 0;
}

int locust__model_set_filter(locust__model *m, const char *tags, const char *exclude_tags)
{
    char *t = tags && *tags ? locust__strdup(tags) : NULL;
    char *x = exclude_tags && *exclude_tags ? locust__strdup(exclude_tags) : NULL;
    if ((tags && *tags && !t) || (exclude_tags && *exclude_tags && !x)) {
        free(t);
        free(x);
        return LOCUST_ENOMEM;
    }
    free(m->tags);
    free(m->exclude_tags);
    m->tags = t;
    m->exclude_tags = x;
    return 0;
}

const char *locust__model_tags(const locust__model *m, bool exclude)
{
    return exclude ? m->exclude_tags : m->tags;
}

size_t locust__model_count(const locust__model *m)
{
    return m->n;
}

locust__tsinfo *locust__model_at(locust__model *m, size_t i)
{
    return i < m->n ? m->ts[i] : NULL;
}

int locust__model_build_choices(locust__tsinfo *info, bool (*keep)(const locust_task *t, void *ud), void *ud)
{
    const locust_taskset *ts = info->def;
    size_t total = 0;
    for (const locust_task *t = ts->tasks; t->fn || t->taskset || t->name; t++)
        if (t->weight != LOCUST_WEIGHT_NEVER && (!keep || keep(t, ud)))
            total += t->weight ? (size_t)t->weight : 1;
    const locust_task **choices = malloc((total ? total : 1) * sizeof *choices);
    if (!choices) return LOCUST_ENOMEM;
    /* Copies of a task stay adjacent, so in a sequence a task with weight w
     * runs w times in a row (docs/compatibility.md §7.3). */
    size_t k = 0;
    for (const locust_task *t = ts->tasks; t->fn || t->taskset || t->name; t++) {
        if (t->weight == LOCUST_WEIGHT_NEVER || (keep && !keep(t, ud))) continue;
        for (int w = t->weight ? t->weight : 1; w > 0; w--)
            choices[k++] = t;
    }
    if (ts->sequential) sort_sequence(choices, k);
    free(info->choices);
    info->choices = choices;
    info->n_choices = k;
    return 0;
}

int locust__model_add_class(locust__model *m, const locust_class *cls, char *err, size_t errlen)
{
    if (!cls) {
        snprintf(err, errlen, "class is NULL");
        return LOCUST_ECLASS;
    }
    if (!cls->name || !cls->name[0]) {
        snprintf(err, errlen, "class: field .name is missing");
        return LOCUST_ECLASS;
    }
    char who[160];
    snprintf(who, sizeof who, "class '%s'", cls->name);
    if (!cls->task_set) {
        snprintf(err, errlen, "%s: field .task_set is NULL", who);
        return LOCUST_ECLASS;
    }
    if (bad_wait(cls->min_wait, cls->max_wait, who, err, errlen)) return LOCUST_ECLASS;
    if (locust__wait_time_check(&cls->wait_time, cls->wait != NULL, cls->min_wait != 0 || cls->max_wait != 0,
                                who, err, errlen))
        return LOCUST_ECLASS;
    if (cls->weight < 0) {
        snprintf(err, errlen, "%s: field .weight (%d) is negative", who, cls->weight);
        return LOCUST_ECLASS;
    }
    if (cls->stack_size && cls->stack_size < LOCUST_MIN_STACK_SIZE) {
        snprintf(err, errlen, "%s: field .stack_size (%zu) is below the minimum of %d bytes", who,
                 cls->stack_size, LOCUST_MIN_STACK_SIZE);
        return LOCUST_ECLASS;
    }
    if (cls->stack_size > (size_t)256 << 20) {
        snprintf(err, errlen, "%s: field .stack_size (%zu) is above the maximum of 256 MiB", who,
                 cls->stack_size);
        return LOCUST_ECLASS;
    }
    if (cls->data_size > (size_t)64 << 20) {
        snprintf(err, errlen, "%s: field .data_size (%zu) is above the maximum of 64 MiB", who,
                 cls->data_size);
        return LOCUST_ECLASS;
    }
    return compile_taskset(m, cls, cls->task_set, 0, err, errlen);
}

int locust_weight_split(const int *weights, size_t n, unsigned users, unsigned *out)
{
    if (!weights || !out || n == 0) return LOCUST_EINVAL;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (weights[i] < 0) return LOCUST_EINVAL;
        total += (uint64_t)weights[i];
    }
    if (total == 0) return LOCUST_EINVAL;
    /* Largest remainder: floor every quota, then hand the users left over
     * to the largest fractional parts (earlier classes win ties), so the
     * counts always add up to `users`, unlike 0.9.0's independent rounding. */
    uint64_t given = 0;
    uint64_t *rem = malloc(n * sizeof *rem);
    if (!rem) return LOCUST_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        uint64_t q = (uint64_t)users * (uint64_t)weights[i];
        out[i] = (unsigned)(q / total);
        rem[i] = q % total;
        given += out[i];
    }
    for (uint64_t left = users - given; left > 0; left--) {
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (rem[i] > rem[best]) best = i;
        out[best]++;
        rem[best] = 0;
    }
    free(rem);
    return 0;
}
