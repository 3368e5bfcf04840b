/*
 * Locust 2.x's fixed_count (locust/dispatch.py): users of classes with a
 * fixed count are placed first, up to their count, and only the users left
 * over are shared by weight among the other classes. When the total is
 * smaller than the fixed counts together, the fixed classes share it in
 * proportion to their counts (2.x hands them out round robin, weighted by
 * fixed_count); when every class is fixed, users beyond their sum are not
 * started (2.x has no class to give them to).
 */
#include "core/runner.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static bool class_fixed(locust_runner *r, size_t i, unsigned *n)
{
    locust__class_state *cs = locust__runner_class_state(r, i);
    if (cs->fixed_set) {
        *n = cs->fixed;
        return true;
    }
    *n = cs->cls->fixed_count;
    return cs->cls->fixed_count > 0;
}

bool locust__runner_class_fixed(locust_runner *r, size_t i)
{
    unsigned n;
    return i < locust_runner_class_count(r) && class_fixed(r, i, &n);
}

bool locust__runner_has_fixed(locust_runner *r)
{
    for (size_t i = 0; i < locust_runner_class_count(r); i++)
        if (locust__runner_class_fixed(r, i)) return true;
    return false;
}

int locust__runner_split(locust_runner *r, unsigned users, unsigned *counts, unsigned *total)
{
    size_t n = locust_runner_class_count(r);
    int *w = malloc(n * sizeof *w);
    unsigned *part = malloc(n * sizeof *part);
    int err = LOCUST_ENOMEM;
    if (!w || !part) goto out;
    uint64_t sum_fixed = 0;
    size_t n_fixed = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned f;
        if (class_fixed(r, i, &f)) {
            sum_fixed += f;
            n_fixed++;
        }
    }
    memset(counts, 0, n * sizeof *counts);
    if (n_fixed && users < sum_fixed) {
        /* Too few users for every fixed count: share them by fixed count. */
        for (size_t i = 0; i < n; i++) {
            unsigned f;
            w[i] = class_fixed(r, i, &f) && f <= INT_MAX ? (int)f : 0;
        }
        if (sum_fixed == 0) {
            err = 0; /* every fixed count is 0 */
        } else if (!(err = locust_weight_split(w, n, users, part))) {
            memcpy(counts, part, n * sizeof *counts);
        }
        goto out;
    }
    unsigned rest = users - (unsigned)sum_fixed;
    for (size_t i = 0; i < n; i++) {
        unsigned f;
        bool fixed = class_fixed(r, i, &f);
        if (fixed) counts[i] = f;
        const locust_class *cls = locust_runner_class_at(r, i);
        w[i] = fixed ? 0 : cls->weight ? cls->weight : 10;
    }
    err = 0;
    if (rest && n_fixed < n && !(err = locust_weight_split(w, n, rest, part)))
        for (size_t i = 0; i < n; i++)
            counts[i] += part[i];
out:
    if (!err && total) {
        uint64_t t = 0;
        for (size_t i = 0; i < n; i++)
            t += counts[i];
        *total = (unsigned)t;
    }
    free(w);
    free(part);
    return err;
}

int locust_runner_set_fixed_count(locust_runner *r, const char *class_name, int count)
{
    if (!r || !class_name) return LOCUST_EINVAL;
    for (size_t i = 0; i < locust_runner_class_count(r); i++) {
        locust__class_state *cs = locust__runner_class_state(r, i);
        if (strcmp(cs->cls->name, class_name) != 0) continue;
        cs->fixed_set = count >= 0;
        cs->fixed = count >= 0 ? (unsigned)count : 0;
        return 0;
    }
    return locust__runner_error(r, LOCUST_ENOENT, "no locust class named '%s'", class_name);
}

int locust_runner_split_users(locust_runner *r, unsigned users, unsigned *counts)
{
    if (!r || !counts || locust_runner_class_count(r) == 0) return LOCUST_EINVAL;
    unsigned total;
    return locust__runner_split(r, users, counts, &total);
}
