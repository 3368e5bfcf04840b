/*
 * Internal layout of the statistics table (stats.c), shared with the
 * histogram code (stats_hist.c), the output formats (stats_report.c) and the
 * wire code (stats_wire.c). Nothing here is public.
 *
 * Memory is bounded everywhere:
 *  - a histogram keeps response times below 10 s in a fixed array of 280
 *    buckets (every key Locust's rounding can produce there) and the keys of
 *    10 s and more in a sorted array capped at LOCUST__HIST_BIG_MAX keys;
 *  - per-second counts live in a ring of the last LOCUST__SECS seconds. Only
 *    those are ever needed: current_rps looks at the seconds L-12 .. L-3, and
 *    a worker reports every 3 s (as deltas), so older seconds are dead data;
 *  - the current-percentile cache keeps at most LOCUST__CACHE_MAX snapshots;
 *  - the table holds at most LOCUST__STATS_MAX_ENTRIES entries and
 *    LOCUST__STATS_MAX_ERRORS error rows.
 */
#ifndef LOCUST_STATS_INTERNAL_H
#define LOCUST_STATS_INTERNAL_H

#include <locust/locust.h>
#include <locust/stats.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 100 one-ms buckets (0..99), 90 of 10 ms (100..990), 90 of 100 ms (1000..9900). */
#define LOCUST__HIST_DENSE 280
/* The dense part covers keys below this value; larger keys are multiples of 1000. */
#define LOCUST__HIST_DENSE_LIMIT 10000
/* Distinct keys of 10 s and more (whole seconds); more are folded into the nearest key. */
#define LOCUST__HIST_BIG_MAX 1024
/* Response times (ms) above this are refused: no real request takes 30 years. */
#define LOCUST__RT_MAX 1e12
/* Seconds kept in the per-second ring (a power of two). */
#define LOCUST__SECS 64
/* Snapshots kept by the current-percentile cache: CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW + 10. */
#define LOCUST__CACHE_MAX 20
/* The window of the current percentile, in seconds (spec §3.7). */
#define LOCUST__CURRENT_WINDOW 10
/* Caps of the table (0.9.0 has none; a scenario naming every URL apart would exhaust memory). */
#define LOCUST__STATS_MAX_ENTRIES 10000
#define LOCUST__STATS_MAX_ERRORS  10000
/* Marks an unused slot of the per-second ring. */
#define LOCUST__SEC_NONE INT64_MIN

/* ---- histograms (stats_hist.c) ------------------------------------------ */

typedef struct locust__hist_big {
    int64_t key; /* a multiple of 1000, >= 10000 */
    uint64_t count;
} locust__hist_big;

typedef struct locust__hist {
    uint64_t dense[LOCUST__HIST_DENSE];
    locust__hist_big *big; /* sorted by key, ascending */
    size_t nbig, capbig;
    uint64_t total; /* sum of all counts */
} locust__hist;

/*
 * Locust's bucket key of a response time (ms, finite, >= 0): whole ms below
 * 100, then nearest 10, 100 and 1000, with Python 3's round-half-even on the
 * exact binary value.
 */
int64_t locust__rt_key(double rt);
/* Python 3's round(x, -digits) for x >= 0, half to even, exact. digits is 0..3. */
double locust__py_round(double x, int digits);

void locust__hist_init(locust__hist *h);
void locust__hist_free(locust__hist *h);
/* Empties a histogram, keeping its memory. */
void locust__hist_clear(locust__hist *h);
/*
 * Adds `count` samples at bucket `key` (a value returned by locust__rt_key).
 * Never fails: when the big-key array is full (or cannot grow), the samples
 * go to the nearest existing key.
 */
void locust__hist_add(locust__hist *h, int64_t key, uint64_t count);
/* Adds every bucket of `from` to `into`. */
void locust__hist_merge(locust__hist *into, const locust__hist *from);
/* Makes `dst` (initialised) a copy of `src`; false when memory runs out (dst is then empty). */
bool locust__hist_copy(locust__hist *dst, const locust__hist *src);
/* Returns the count of bucket `key` (0 when absent). */
uint64_t locust__hist_count(const locust__hist *h, int64_t key);
bool locust__hist_equal(const locust__hist *a, const locust__hist *b);

/*
 * Iterates over the non-empty buckets in ascending key order: `*pos` starts
 * at 0; returns false when done.
 */
bool locust__hist_next(const locust__hist *h, size_t *pos, int64_t *key, uint64_t *count);

/* 0.9.0's median_from_dict(n, hist): the lower median. False when the histogram is empty. */
bool locust__hist_median(const locust__hist *h, uint64_t n, int64_t *out);
/*
 * 0.9.0's calculate_response_time_percentile over `h` minus `minus` (NULL
 * for none; negative differences count as 0) with `n` requests. False when
 * no key qualifies (Python's None).
 */
bool locust__hist_percentile(const locust__hist *h, const locust__hist *minus, int64_t n, double p,
                             int64_t *out);

/* ---- entries and the table ----------------------------------------------- */

typedef struct locust__sec {
    int64_t t;     /* whole second, LOCUST__SEC_NONE when unused */
    uint64_t ok;   /* successes logged in that second */
    uint64_t fail; /* failures logged in that second */
} locust__sec;

typedef struct locust__entry {
    char *name;
    char *method;          /* NULL for the Total (Python None) */
    uint64_t num_requests; /* successes */
    uint64_t num_failures;
    double total_response_time;
    double min_response_time;
    bool has_min;
    double max_response_time;
    uint64_t total_content_length;
    double start_time;
    int64_t last_request_timestamp;
    /* Time of the last success or failure since the last reset, 0 if none (2.x's float timestamp). */
    double last_activity;
    locust__hist hist;
    locust__sec secs[LOCUST__SECS];
} locust__entry;

typedef struct locust__error {
    char *method; /* may be NULL (Python None) */
    char *name;
    char *error;
    uint64_t occurrences;
} locust__error;

typedef struct locust__snapshot {
    int64_t t;
    uint64_t num_requests;
    locust__hist hist;
} locust__snapshot;

struct locust_stats {
    locust__entry total;
    /* Entries sorted by (name, method), the listing order of spec §3.8. */
    locust__entry **entries;
    size_t n, cap;
    /* Open-addressing index over `entries` (NULL = free slot); size is a power of two. */
    locust__entry **index;
    size_t index_size;
    /* Error rows in insertion order, with an index holding row number + 1. */
    locust__error *errors;
    size_t nerrors, caperrors;
    size_t *error_index;
    size_t error_index_size;
    uint64_t errors_dropped; /* new rows refused because the table was full */
    /* Current-percentile cache, oldest first. */
    locust__snapshot cache[LOCUST__CACHE_MAX];
    size_t ncache;
    double start_time; /* 0 after clear (Python None) */
    locust_clock_fn clock;
    void *clock_udata;
};

/* Returns the table's clock reading (seconds since the epoch). */
double locust__stats_now(const locust_stats *s);

/* Python's int(time.time()): truncation toward zero. */
static inline int64_t locust__whole_seconds(double t)
{
    return (int64_t)t;
}

/* Counters saturate instead of wrapping (merged input may be hostile). */
static inline uint64_t locust__sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---- entries (stats_entry.c) -------------------------------------------- */

/* Initialises an entry in place (name and method copied; method may be NULL) started at `now`. */
int locust__entry_init(locust__entry *e, const char *name, const char *method, double now);
/* Releases what an entry initialised in place holds. */
void locust__entry_fini(locust__entry *e);
/* Allocates an empty entry (name and method copied; method may be NULL) started at `now`. */
locust__entry *locust__entry_new(const char *name, const char *method, double now);
void locust__entry_free(locust__entry *e);
/* Allocates a deep copy of an entry; NULL when memory runs out. */
locust__entry *locust__entry_clone(const locust__entry *src);
/* 0.9.0's StatsEntry.reset() without the Total's cache handling. */
void locust__entry_reset(locust__entry *e, double now);
/* 0.9.0's extend(), with a correct min (the min of the values present). */
void locust__entry_extend(locust__entry *into, const locust__entry *from);
/* Adds ok/fail counts to second t of the ring (older seconds than the ring holds are dropped). */
void locust__entry_add_sec(locust__entry *e, int64_t t, uint64_t ok, uint64_t fail);
/* Failures per second over current_rps's window and over the run (total_rps's). */
void locust__entry_fail_rates(const locust_stats *s, const locust__entry *e, double *current, double *total);
/* Fills the snapshot of an entry (Total when e == &s->total). */
void locust__entry_info(const locust_stats *s, const locust__entry *e, locust_entry_info *out);

/* ---- the table (stats.c) ------------------------------------------------- */

/* Resets the Total: 0.9.0 also empties its cache and takes a snapshot at int(now). */
void locust__stats_reset_total(locust_stats *s);
/* Stores a copy of the Total histogram in the cache under second t (0.9.0's _cache_response_times). */
void locust__stats_cache_snapshot(locust_stats *s, int64_t t);
/* Empties the error table. */
void locust__stats_clear_errors(locust_stats *s);
/* Returns the number of error rows refused since the last clear because the table was full. */
uint64_t locust__stats_errors_dropped(const locust_stats *s);

/*
 * A set of entries, a Total and error rows to merge into a table at once
 * (locust_stats_merge and the wire's payload merge). Everything in it is
 * owned by the batch; locust__stats_apply() takes what it uses and
 * locust__batch_free() releases the rest.
 */
typedef struct locust__batch {
    locust__entry **entries;
    size_t n;
    locust__entry *total; /* may be NULL */
    locust__error *errors;
    size_t nerrors;
} locust__batch;

void locust__batch_free(locust__batch *b);
/*
 * Merges a batch into the table: entries are extended (or moved in when
 * new), error occurrences added (new rows appended), the Total extended, and
 * a cache snapshot taken when the Total's last_request_timestamp advanced
 * (0.9.0's slave_report handler). Either everything is merged or, on
 * LOCUST_ENOMEM / LOCUST_ETOOBIG (too many entries), nothing is.
 */
int locust__stats_apply(locust_stats *s, locust__batch *b);

/* ---- text helpers (stats_text.c) ---------------------------------------- */

/*
 * Python 3's repr() of a str given as UTF-8, as a malloc'ed string (NULL
 * when memory runs out). Bytes that are not UTF-8 are shown as \xNN.
 */
char *locust__py_repr(const char *s);
/* The 32-hex-digit error key: MD5 of method + "." + name + "." + repr(error), as 0.9.0. */
int locust__error_key(const char *method, const char *name, const char *error, char out[33]);
/* MD5 of a buffer (RFC 1321). */
void locust__md5(const void *data, size_t len, unsigned char digest[16]);
/* Number of code points in a UTF-8 string (Python's len(), used for %-Ns padding). */
size_t locust__utf8_len(const char *s);

#endif /* LOCUST_STATS_INTERNAL_H */
