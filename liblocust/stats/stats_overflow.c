/*
 * The caps of the statistics table, and what happens past them. A scenario
 * that requests /item?id=1, /item?id=2, ... without a name makes one entry
 * per URL; the table stops making new ones at LOCUST__STATS_MAX_ENTRIES
 * named entries (and LOCUST__STATS_MAX_ERRORS error rows), so that memory
 * stays bounded. A request is never dropped for that: from then on, a
 * request with a new name is counted in the overflow entry of its method,
 * ("(other names)", method), with the Total and the failures as always,
 * and a warning tells once how to group URLs. A master applies the same
 * rule to what its slaves report, so it never refuses a report for the cap.
 *
 * Overflow entries are few (one per method, at most LOCUST__STATS_MAX_OVERFLOW
 * of them): when only the last slot is left, it goes to the method
 * "(other methods)", which then takes every further method.
 */
#include "stats/stats_internal.h"

#include <string.h>

#define LOG "locust.stats"

bool locust__stats_is_overflow(const char *name)
{
    return strcmp(name, LOCUST__STATS_OVERFLOW_NAME) == 0;
}

/*
 * The method of a new overflow entry or row: its own, or the catch-all
 * method once only the last slot is left. `exists` says whether the
 * overflow key of a method is already there (in the table or planned).
 */
static const char *overflow_method(const char *method, size_t used, bool (*exists)(void *, const char *),
                                   void *ud)
{
    if (exists(ud, method) || used + 1 < LOCUST__STATS_MAX_OVERFLOW) return method;
    return LOCUST__STATS_OVERFLOW_METHOD;
}

typedef struct lookup {
    locust_stats *s;
    const char *error; /* NULL: entries; else the overflow rows */
    bool (*planned)(void *ud, const char *method);
    void *ud;
} lookup;

static bool overflow_exists(void *p, const char *method)
{
    const lookup *l = p;
    if (l->planned && l->planned(l->ud, method)) return true;
    if (l->error)
        return locust__stats_find_error(l->s, method, LOCUST__STATS_OVERFLOW_NAME, l->error) != NULL;
    return locust__stats_find_entry(l->s, LOCUST__STATS_OVERFLOW_NAME, method) != NULL;
}

bool locust__stats_route_entry(locust_stats *s, size_t new_named, size_t new_overflow,
                               bool (*planned)(void *ud, const char *method), void *ud, const char **name,
                               const char **method)
{
    bool overflow_entry = locust__stats_is_overflow(*name);
    if (!overflow_entry) {
        if (s->n - s->noverflow + new_named < LOCUST__STATS_MAX_ENTRIES) return false;
        if (!s->warned_entries) {
            s->warned_entries = true;
            locust_log(LOCUST_LOG_WARNING, LOG,
                       "More than %d distinct request names: requests with a new name are counted under "
                       "\"%s\" (one entry per method), and in the Total and failures as always. Give "
                       "requests whose URLs differ by an id one name to group them (the request's .name, "
                       "e.g. \"/item?id=[id]\").",
                       LOCUST__STATS_MAX_ENTRIES, LOCUST__STATS_OVERFLOW_NAME);
        }
    }
    lookup l = {s, NULL, planned, ud};
    const char *was_method = *method;
    *name = LOCUST__STATS_OVERFLOW_NAME;
    *method = overflow_method(*method, s->noverflow + new_overflow, overflow_exists, &l);
    return !overflow_entry || *method != was_method;
}

bool locust__stats_route_error(locust_stats *s, size_t new_rows, size_t new_overflow,
                               bool (*planned)(void *ud, const char *method), void *ud, const char **method,
                               const char **name, const char **error)
{
    bool overflow_row = locust__stats_is_overflow(*name) && strcmp(*error, LOCUST__STATS_OVERFLOW_ERROR) == 0;
    if (!overflow_row) {
        if (s->nerrors - s->nerrors_overflow + new_rows < LOCUST__STATS_MAX_ERRORS) return false;
        if (!s->warned_errors) {
            s->warned_errors = true;
            locust_log(LOCUST_LOG_WARNING, LOG,
                       "More than %d distinct errors: new ones are counted in the row \"%s\" of \"%s\" (one "
                       "row per method); the requests' failures count as always.",
                       LOCUST__STATS_MAX_ERRORS, LOCUST__STATS_OVERFLOW_ERROR, LOCUST__STATS_OVERFLOW_NAME);
        }
    }
    lookup l = {s, LOCUST__STATS_OVERFLOW_ERROR, planned, ud};
    const char *was_method = *method;
    *name = LOCUST__STATS_OVERFLOW_NAME;
    *error = LOCUST__STATS_OVERFLOW_ERROR;
    *method = overflow_method(*method, s->nerrors_overflow + new_overflow, overflow_exists, &l);
    return !overflow_row || *method != was_method;
}
