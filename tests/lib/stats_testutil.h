/*
 * Helpers shared by the statistics tests: a fake clock, output capture and
 * a field-by-field comparison of two tables.
 */
#ifndef LOCUST_STATS_TESTUTIL_H
#define LOCUST_STATS_TESTUTIL_H

#include "stats/stats_internal.h"

#include <check.h>
#include <locust/stats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A clock the test sets by hand. */
typedef struct fake_clock {
    double now;
} fake_clock;

static inline double fake_now(void *udata)
{
    return ((fake_clock *)udata)->now;
}

/* A table on a fake clock, reset at the clock's time (start_time = now). */
static inline locust_stats *stats_on_clock(fake_clock *c)
{
    locust_stats *s = NULL;
    ck_assert_int_eq(locust_stats_new(&s), 0);
    locust_stats_set_clock(s, fake_now, c);
    locust_stats_reset(s);
    return s;
}

typedef int (*stats_writer)(const locust_stats *s, FILE *f);

/* Returns (malloc'ed) what `fn` writes for `s`; asserts that it succeeded. */
static inline char *capture(const locust_stats *s, stats_writer fn)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fn(s, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    return buf;
}

/* What to compare in assert_same_stats. */
enum {
    SAME_COUNTS = 0,         /* counts, sums, min, max, histograms, successes per second, errors */
    SAME_TIMES = 1 << 0,     /* also start_time and last_request_timestamp of every entry */
    SAME_FAIL_SECS = 1 << 1, /* also failures per second (the 0.9.0 wire does not carry them) */
};

/* The used seconds of an entry's ring as (t, ok, fail) sorted by t; returns how many. */
static inline size_t ring_of(const locust__entry *e, locust__sec out[LOCUST__SECS], bool with_fail)
{
    size_t n = 0;
    for (size_t i = 0; i < LOCUST__SECS; i++) {
        locust__sec sec = e->secs[i];
        if (!with_fail) sec.fail = 0;
        if (sec.t == LOCUST__SEC_NONE || (!sec.ok && !sec.fail)) continue;
        size_t j = n++;
        for (; j > 0 && out[j - 1].t > sec.t; j--)
            out[j] = out[j - 1];
        out[j] = sec;
    }
    return n;
}

static inline void assert_same_entry(const locust_stats *sa, const locust__entry *a, const locust_stats *sb,
                                     const locust__entry *b, int what)
{
    ck_assert_str_eq(a->name, b->name);
    if (a->method || b->method) ck_assert_str_eq(a->method, b->method);
    ck_assert_uint_eq(a->num_requests, b->num_requests);
    ck_assert_uint_eq(a->num_failures, b->num_failures);
    ck_assert_double_eq(a->total_response_time, b->total_response_time);
    ck_assert_int_eq(a->has_min, b->has_min);
    ck_assert_double_eq(a->min_response_time, b->min_response_time);
    ck_assert_double_eq(a->max_response_time, b->max_response_time);
    ck_assert_uint_eq(a->total_content_length, b->total_content_length);
    ck_assert_msg(locust__hist_equal(&a->hist, &b->hist), "histograms of %s differ", a->name);
    locust__sec ra[LOCUST__SECS], rb[LOCUST__SECS];
    size_t na = ring_of(a, ra, what & SAME_FAIL_SECS), nb = ring_of(b, rb, what & SAME_FAIL_SECS);
    ck_assert_uint_eq(na, nb);
    for (size_t i = 0; i < na; i++) {
        ck_assert_int_eq(ra[i].t, rb[i].t);
        ck_assert_uint_eq(ra[i].ok, rb[i].ok);
        ck_assert_uint_eq(ra[i].fail, rb[i].fail);
    }
    if (what & SAME_TIMES) {
        ck_assert_double_eq(a->start_time, b->start_time);
        ck_assert_int_eq(a->last_request_timestamp, b->last_request_timestamp);
    }
    /* The derived values follow; with SAME_TIMES the rates must agree too. */
    locust_entry_info ia, ib;
    locust__entry_info(sa, a, &ia);
    locust__entry_info(sb, b, &ib);
    ck_assert_double_eq(ia.avg_response_time, ib.avg_response_time);
    ck_assert_double_eq(ia.median_response_time, ib.median_response_time);
    ck_assert_double_eq(ia.fail_ratio, ib.fail_ratio);
    ck_assert_double_eq(ia.avg_content_length, ib.avg_content_length);
    if (what & SAME_TIMES) {
        ck_assert_double_eq(ia.current_rps, ib.current_rps);
        ck_assert_double_eq(ia.total_rps, ib.total_rps);
    }
}

/* Asserts that two tables hold the same statistics (errors compared as sets, in any order). */
static inline void assert_same_stats(const locust_stats *a, const locust_stats *b, int what)
{
    ck_assert_uint_eq(a->n, b->n);
    for (size_t i = 0; i < a->n; i++)
        assert_same_entry(a, a->entries[i], b, b->entries[i], what);
    assert_same_entry(a, &a->total, b, &b->total, what);
    ck_assert_uint_eq(a->nerrors, b->nerrors);
    for (size_t i = 0; i < a->nerrors; i++) {
        const locust__error *ea = &a->errors[i];
        bool found = false;
        for (size_t j = 0; j < b->nerrors && !found; j++) {
            const locust__error *eb = &b->errors[j];
            if (strcmp(ea->name, eb->name) || strcmp(ea->error, eb->error)) continue;
            if ((ea->method == NULL) != (eb->method == NULL)) continue;
            if (ea->method && strcmp(ea->method, eb->method)) continue;
            ck_assert_uint_eq(ea->occurrences, eb->occurrences);
            found = true;
        }
        ck_assert_msg(found, "error row %s %s %s missing", ea->method, ea->name, ea->error);
    }
}

#endif /* LOCUST_STATS_TESTUTIL_H */
