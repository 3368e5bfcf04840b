/*
 * Request statistics, with Locust 0.9.0's formulas (docs/compatibility.md §3): one entry per
 * (name, method) plus a Total, response-time histograms with Locust's
 * rounding, medians and percentiles, current and total RPS, and an error
 * table keyed by (method, name, error).
 *
 * One deliberate difference from 0.9.0: response times under 100 ms are
 * bucketed to the nearest whole millisecond (as Locust 1.0+ does) instead of
 * one bucket per distinct float, so memory stays bounded. min, max, average
 * and total keep full sub-millisecond precision.
 */
#ifndef LOCUST_STATS_H
#define LOCUST_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct locust_stats locust_stats;
typedef struct locust_runner locust_runner;

/** A snapshot of one entry with its derived values (docs/compatibility.md §3.5). */
typedef struct locust_entry_info {
    const char *method;    /* NULL for Total */
    const char *name;      /* "Total" for Total */
    uint64_t num_requests; /* successes (0.9.0 does not count failures here) */
    uint64_t num_failures;
    double total_response_time;     /* ms, successes only */
    double min_response_time;       /* ms; 0 when has_min is false */
    bool has_min;                   /* false until the first success (nil on the wire) */
    double max_response_time;       /* ms */
    uint64_t total_content_length;  /* bytes */
    double start_time;              /* seconds since the epoch */
    int64_t last_request_timestamp; /* whole seconds since the epoch */
    /* Derived. */
    double avg_response_time;    /* 0 with no requests */
    double median_response_time; /* a histogram key, 0 with no requests */
    double current_rps;          /* mean over the seconds L-12 .. L-3 */
    double total_rps;            /* num_requests / max(L - S, 1) */
    double fail_ratio;           /* failures / (requests + failures) */
    double avg_content_length;   /* 0 with no requests */
} locust_entry_info;

/** One row of the error table. */
typedef struct locust_error_info {
    const char *method;
    const char *name;
    const char *error;
    uint64_t occurrences;
} locust_error_info;

/** A clock for the statistics: seconds since the epoch. */
typedef double (*locust_clock_fn)(void *udata);

/** Creates an empty statistics table (start_time = now). */
int locust_stats_new(locust_stats **out);
/** Frees a table (NULL is fine). */
void locust_stats_free(locust_stats *s);
/** Returns the statistics of a runner (owned by the runner). */
locust_stats *locust_runner_stats(locust_runner *r);

/** Replaces the wall clock used for timestamps (tests use a fixed clock). NULL restores it. */
void locust_stats_set_clock(locust_stats *s, locust_clock_fn fn, void *udata);

/** Records a success: response time in ms, content length in bytes. */
int locust_stats_log_success(locust_stats *s, const char *method, const char *name, double response_time_ms,
                             int64_t content_length);
/** Records a failure with its error text (the response time is not counted, as in 0.9.0). */
int locust_stats_log_failure(locust_stats *s, const char *method, const char *name, double response_time_ms,
                             const char *error);

/** Resets every entry and the Total (start_time = now); errors are kept (0.9.0's reset_all). */
void locust_stats_reset(locust_stats *s);
/** Removes every entry and error and clears start_time (0.9.0's clear_all). */
void locust_stats_clear(locust_stats *s);
/** Sets the table's start time (seconds since the epoch). */
void locust_stats_set_start_time(locust_stats *s, double t);
/** Returns the table's start time (0 when cleared). */
double locust_stats_start_time(const locust_stats *s);

/** Returns the number of entries, Total excluded. */
size_t locust_stats_entry_count(const locust_stats *s);
/**
 * Fills `out` for the i-th entry in Locust's listing order (name, then
 * method, by byte order). i == locust_stats_entry_count() gives Total.
 * Strings in `out` stay valid until the table is next changed.
 */
int locust_stats_entry(const locust_stats *s, size_t i, locust_entry_info *out);
/** Fills `out` for the Total entry. */
int locust_stats_total(const locust_stats *s, locust_entry_info *out);
/** Fills `out` for (name, method); LOCUST_ENOENT if there is no such entry. */
int locust_stats_find(const locust_stats *s, const char *name, const char *method, locust_entry_info *out);

/**
 * Percentile p (0..1) of entry i (i == entry count for Total), by 0.9.0's
 * rule (docs/compatibility.md §3.5). Returns false when the histogram is empty.
 */
bool locust_stats_percentile(const locust_stats *s, size_t i, double p, double *out);

/**
 * The "current" percentile of the Total over the last ~10 s (docs/compatibility.md §3.7), for
 * charts. Returns false when there is no data in the window (JSON null).
 */
bool locust_stats_current_percentile(const locust_stats *s, double p, double *out);

/* ---- precise percentiles and scheduled runs (open-model load) ------------ */

/**
 * Which time a precise percentile is taken over: the service time (from the
 * moment a request was sent, what 0.9.0 reports) or the corrected time (from
 * the moment the task run was meant to start; only scheduled runs, see
 * locust_stats_log_success_scheduled).
 */
typedef enum locust_time_kind {
    LOCUST_TIME_SERVICE = 0,
    LOCUST_TIME_CORRECTED = 1,
} locust_time_kind;

/**
 * Records a success of a scheduled task run: `response_time_ms` is the
 * service time (counted exactly as by locust_stats_log_success) and
 * `corrected_ms` the time from the run's intended start to the response,
 * which is never less than the service time; a negative `corrected_ms` means
 * the run was not scheduled (no corrected time is recorded).
 */
int locust_stats_log_success_scheduled(locust_stats *s, const char *method, const char *name,
                                       double response_time_ms, double corrected_ms, int64_t content_length);

/**
 * Percentile p (0..1) in ms of entry i (i == entry count for Total) from its
 * precise log-linear histogram: at most 1% (in fact 0.8%) from the true
 * value of the nearest-rank percentile, for times from 1 us to an hour.
 * Merged exactly across slaves by a liblocust master. Returns false when the
 * entry has no sample of that kind.
 */
bool locust_stats_entry_percentile_precise(const locust_stats *s, size_t i, locust_time_kind kind, double p,
                                           double *out);

/** The number of samples in entry i's precise histogram of that kind (0 when i is out of range). */
uint64_t locust_stats_entry_sample_count(const locust_stats *s, size_t i, locust_time_kind kind);

/** Counts `n` scheduled task runs dropped because no user of the pool was free (on the Total). */
int locust_stats_add_dropped(locust_stats *s, uint64_t n);

/** The scheduled task runs dropped since the last reset (merged from slaves on a master). */
uint64_t locust_stats_dropped_runs(const locust_stats *s);

/**
 * Failures per second of entry i (i == entry count for Total): over the
 * window of current_rps and over the run, as total_rps (Locust 2.x's
 * current_fail_per_sec and total_fail_per_sec). Either pointer may be NULL.
 */
int locust_stats_fail_rates(const locust_stats *s, size_t i, double *current, double *total);

/** Returns the number of rows in the error table. */
size_t locust_stats_error_count(const locust_stats *s);
/** Fills `out` with error row i, in insertion order. */
int locust_stats_error(const locust_stats *s, size_t i, locust_error_info *out);

/** Adds everything in `from` to `into`, with 0.9.0's extend() rules but a correct min. */
int locust_stats_merge(locust_stats *into, const locust_stats *from);

/* ---- Locust 0.9.0's output formats (docs/compatibility.md §4.3 and §4.4) ---------------- */

/** Writes the periodic console table (print_stats) to `f`. */
int locust_stats_print(const locust_stats *s, FILE *f);
/** Writes the percentile table (print_percentile_stats) to `f`. */
int locust_stats_print_percentiles(const locust_stats *s, FILE *f);
/** Writes the error report (print_error_report) to `f`; nothing when there are no errors. */
int locust_stats_print_errors(const locust_stats *s, FILE *f);
/** Writes the `_requests.csv` content (no trailing newline, as 0.9.0). */
int locust_stats_write_requests_csv(const locust_stats *s, FILE *f);
/** Writes the `_distribution.csv` content (no trailing newline, as 0.9.0). */
int locust_stats_write_distribution_csv(const locust_stats *s, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* LOCUST_STATS_H */
