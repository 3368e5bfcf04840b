/*
 * Merging statistics into a table: a batch of entries, a Total and error
 * rows (a slave's report on a master, or locust_stats_merge) is planned
 * first, so that the merge itself cannot fail half-way: entries and rows
 * past the table's caps are renamed to their overflow entry or row
 * (stats_overflow.c), room is reserved, and only then is the table touched.
 */
#include "stats/stats_internal.h"

#include "base/base.h"

#include <stdlib.h>
#include <string.h>

void locust__batch_free(locust__batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        locust__entry_free(b->entries[i]);
    free(b->entries);
    locust__entry_free(b->total);
    for (size_t i = 0; i < b->nerrors; i++)
        locust__stats_free_error(&b->errors[i]);
    free(b->errors);
    *b = (locust__batch){0};
}

/* The overflow keys (their methods) a merge is about to add. */
typedef struct plan {
    const char *methods[LOCUST__STATS_MAX_OVERFLOW];
    size_t n;
} plan;

static bool same_method(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

static bool planned(void *ud, const char *method)
{
    const plan *p = ud;
    for (size_t i = 0; i < p->n; i++)
        if (same_method(p->methods[i], method)) return true;
    return false;
}

static void plan_add(plan *p, const char *method)
{
    /* The routing never plans more than the slots left, so this always has room. */
    if (!planned(p, method) && p->n < LOCUST__STATS_MAX_OVERFLOW) p->methods[p->n++] = method;
}

/* Replaces *str with a copy of `to` (which may alias *str). */
static int rename_str(char **str, const char *to)
{
    char *copy = NULL;
    if (to && !(copy = locust__strdup(to))) return LOCUST_ENOMEM;
    free(*str);
    *str = copy;
    return 0;
}

/* Renames the batch's entries that would pass the cap; returns how many entries the merge adds at most. */
static int plan_entries(locust_stats *s, locust__batch *b, size_t *adds)
{
    size_t new_named = 0;
    plan p = {.n = 0};
    for (size_t i = 0; i < b->n; i++) {
        locust__entry *e = b->entries[i];
        if (locust__stats_find_entry(s, e->name, e->method)) continue;
        const char *name = e->name, *method = e->method;
        if (!locust__stats_route_entry(s, new_named, p.n, planned, &p, &name, &method)) {
            if (locust__stats_is_overflow(name))
                plan_add(&p, e->method);
            else
                new_named++;
            continue;
        }
        if (rename_str(&e->method, method) || rename_str(&e->name, name)) return LOCUST_ENOMEM;
        if (!locust__stats_find_entry(s, e->name, e->method)) plan_add(&p, e->method);
    }
    *adds = new_named + p.n;
    return 0;
}

/* The same for error rows. */
static int plan_errors(locust_stats *s, locust__batch *b, size_t *adds)
{
    size_t new_rows = 0;
    plan p = {.n = 0};
    for (size_t i = 0; i < b->nerrors; i++) {
        locust__error *row = &b->errors[i];
        if (locust__stats_find_error(s, row->method, row->name, row->error)) continue;
        const char *method = row->method, *name = row->name, *error = row->error;
        if (!locust__stats_route_error(s, new_rows, p.n, planned, &p, &method, &name, &error)) {
            if (locust__stats_is_overflow(name) && strcmp(error, LOCUST__STATS_OVERFLOW_ERROR) == 0)
                plan_add(&p, row->method);
            else
                new_rows++;
            continue;
        }
        if (rename_str(&row->method, method) || rename_str(&row->name, name) ||
            rename_str(&row->error, error))
            return LOCUST_ENOMEM;
        if (!locust__stats_find_error(s, row->method, row->name, row->error)) plan_add(&p, row->method);
    }
    *adds = new_rows + p.n;
    return 0;
}

int locust__stats_apply(locust_stats *s, locust__batch *b)
{
    /* Plan and reserve everything first, so that the merge below cannot fail half-way. */
    size_t new_entries, new_errors;
    int err = plan_entries(s, b, &new_entries);
    if (!err) err = plan_errors(s, b, &new_errors);
    if (!err) err = locust__stats_reserve_entries(s, new_entries);
    if (!err) err = locust__stats_reserve_errors(s, new_errors);
    if (err) return err;

    for (size_t i = 0; i < b->n; i++) {
        /* A key may come twice (renamed to the same overflow entry): the second is found. */
        locust__entry *e = locust__stats_find_entry(s, b->entries[i]->name, b->entries[i]->method);
        if (e) {
            locust__entry_extend(e, b->entries[i]);
        } else {
            locust__stats_insert_entry(s, b->entries[i]);
            b->entries[i] = NULL;
        }
    }
    for (size_t i = 0; i < b->nerrors; i++) {
        locust__error *in = &b->errors[i];
        locust__error *row = locust__stats_find_error(s, in->method, in->name, in->error);
        if (row)
            row->occurrences = locust__sat_add(row->occurrences, in->occurrences);
        else
            locust__stats_insert_error(s, in);
    }
    if (b->total) {
        int64_t old = s->total.last_request_timestamp;
        locust__entry_extend(&s->total, b->total);
        if (s->total.last_request_timestamp > old)
            locust__stats_cache_snapshot(s, s->total.last_request_timestamp);
    }
    return 0;
}

int locust_stats_merge(locust_stats *into, const locust_stats *from)
{
    if (!into || !from || into == from) return LOCUST_EINVAL;
    locust__batch b = {0};
    int err = LOCUST_ENOMEM;
    if (from->n && !(b.entries = calloc(from->n, sizeof(*b.entries)))) goto out;
    for (; b.n < from->n; b.n++)
        if (!(b.entries[b.n] = locust__entry_clone(from->entries[b.n]))) goto out;
    if (!(b.total = locust__entry_clone(&from->total))) goto out;
    if (from->nerrors && !(b.errors = calloc(from->nerrors, sizeof(*b.errors)))) goto out;
    for (; b.nerrors < from->nerrors; b.nerrors++) {
        const locust__error *src = &from->errors[b.nerrors];
        locust__error *dst = &b.errors[b.nerrors];
        *dst = (locust__error){src->method ? locust__strdup(src->method) : NULL, locust__strdup(src->name),
                               locust__strdup(src->error), src->occurrences};
        if ((src->method && !dst->method) || !dst->name || !dst->error) {
            b.nerrors++;
            goto out;
        }
    }
    err = locust__stats_apply(into, &b);
out:
    locust__batch_free(&b);
    return err;
}
