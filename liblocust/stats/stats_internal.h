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
 *  - the table holds at most LOCUST__STATS_MAX_ENTRIES named entries and
 *    LOCUST__STATS_MAX_ERRORS error rows. Past the cap nothing is dropped:
 *    a request with a new name is counted in the overflow entry of its
 *    method, named LOCUST__STATS_OVERFLOW_NAME, and a new error in the
 *    overflow row of its method (stats_overflow.c). At most
 *    LOCUST__STATS_MAX_OVERFLOW overflow entries (and as many rows) exist;
 *    the last one takes every further method as LOCUST__STATS_OVERFLOW_METHOD.
 *  - each entry's two precise histograms (service and corrected time) hold
 *    at most LOCUST__HDR_CHUNKS chunks of 512 bytes each, 18.5 KB per
 *    histogram, allocated per octave as values arrive (a service answering
 *    in 1..100 ms uses about 3.5 KB for its service times).
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
/* The window of the current percentile, in seconds (docs/compatibility.md §3.7). */
#define LOCUST__CURRENT_WINDOW 10
/* Caps of the table (0.9.0 has none; a scenario naming every URL apart would exhaust memory). */
#define LOCUST__STATS_MAX_ENTRIES 10000
#define LOCUST__STATS_MAX_ERRORS  10000
/* The overflow entries and rows past the caps (documented in README.md and locust-run(1)). */
#define LOCUST__STATS_OVERFLOW_NAME   "(other names)"
#define LOCUST__STATS_OVERFLOW_ERROR  "(other errors)"
#define LOCUST__STATS_OVERFLOW_METHOD "(other methods)"
#define LOCUST__STATS_MAX_OVERFLOW    16
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

/* ---- the precise histogram (stats_hdr.c) --------------------------------- */

/* Counters per chunk; chunk 0 holds 0..63 ns, chunk k >= 1 the octave [2^(k+5), 2^(k+6)) ns. */
#define LOCUST__HDR_SUB     64
#define LOCUST__HDR_CHUNKS  37
#define LOCUST__HDR_BUCKETS (LOCUST__HDR_SUB * LOCUST__HDR_CHUNKS)
/* The largest value kept (about 73 minutes); longer times count as this. */
#define LOCUST__HDR_MAX_NS ((UINT64_C(1) << 42) - 1)

/*
 * A log-linear histogram of times in nanoseconds: at most 0.8% relative
 * error, exact merges, chunks allocated on first use (18.5 KB at most).
 */
typedef struct locust__hdr {
    uint64_t *chunk[LOCUST__HDR_CHUNKS];
    uint64_t total;    /* samples, placed or not */
    uint64_t unplaced; /* samples whose chunk could not be allocated (counted, not in percentiles) */
    uint64_t min_ns, max_ns;
} locust__hdr;

void locust__hdr_init(locust__hdr *h);
void locust__hdr_free(locust__hdr *h);
/* Empties a histogram, keeping its chunks. */
void locust__hdr_clear(locust__hdr *h);
/* A time in ms as whole nanoseconds (negative and NaN give 0, too large the maximum). */
uint64_t locust__hdr_ns(double ms);
/* The bucket of a value (values above LOCUST__HDR_MAX_NS go to the last one). */
size_t locust__hdr_index(uint64_t ns);
/* Adds `count` samples of `ns`; false when a chunk could not be allocated (then counted as unplaced). */
bool locust__hdr_record(locust__hdr *h, uint64_t ns, uint64_t count);
/* Adds `count` samples to bucket `index` (a received histogram); false for a bad index or no memory. */
bool locust__hdr_add_bucket(locust__hdr *h, size_t index, uint64_t count);
/* Sets the exact extremes of a histogram filled bucket by bucket. */
void locust__hdr_set_extremes(locust__hdr *h, uint64_t min_ns, uint64_t max_ns);
/* Adds every bucket of `from` to `into`; false when memory ran out (the rest counted as unplaced). */
bool locust__hdr_merge(locust__hdr *into, const locust__hdr *from);
/* Makes `dst` equal to `src`. */
bool locust__hdr_copy(locust__hdr *dst, const locust__hdr *src);
/* Iterates over the non-empty buckets in ascending order: `*pos` starts at 0. */
bool locust__hdr_next(const locust__hdr *h, size_t *pos, size_t *index, uint64_t *count);
/* The nearest-rank percentile p (0..1) in ms; false when the histogram is empty. */
bool locust__hdr_percentile(const locust__hdr *h, double p, double *out_ms);
/* The memory a histogram holds, in bytes. */
size_t locust__hdr_bytes(const locust__hdr *h);

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
    /* The precise histograms: service times of successes, and for scheduled runs the time from the
     * intended start (see locust_stats_log_success_scheduled). */
    locust__hdr precise, corrected;
    /* Scheduled runs dropped for want of a free user (kept on the Total only). */
    uint64_t dropped_runs;
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
    /* Entries sorted by (name, method), the listing order of docs/compatibility.md §3.8. */
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
    /* Overflow entries (named LOCUST__STATS_OVERFLOW_NAME) among `entries`, and overflow rows among `errors`.
     */
    size_t noverflow, nerrors_overflow;
    /* The cap's warning is logged once per table. */
    bool warned_entries, warned_errors;
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

/*
 * Every count (requests, failures, bytes, histogram buckets, occurrences)
 * stays at or below 2^53: exact in a double, in JSON (JavaScript's safe
 * integers) and in every sum of a few thousand of them in 64 bits, and far
 * beyond what any test makes. The wire refuses a larger count; sums
 * saturate here instead of wrapping (merged input may be hostile).
 */
#define LOCUST__COUNT_MAX ((uint64_t)1 << 53)
/* The largest sum of response times (ms) an entry holds: LOCUST__COUNT_MAX requests of LOCUST__RT_MAX. */
#define LOCUST__RT_SUM_MAX (9007199254740992.0 * LOCUST__RT_MAX)

static inline uint64_t locust__sat_add(uint64_t a, uint64_t b)
{
    if (a >= LOCUST__COUNT_MAX || b >= LOCUST__COUNT_MAX - a) return LOCUST__COUNT_MAX;
    return a + b;
}

/* The same for a sum of response times. */
static inline double locust__sat_add_rt(double a, double b)
{
    double sum = a + b;
    return sum > LOCUST__RT_SUM_MAX ? LOCUST__RT_SUM_MAX : sum;
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

/* Entry i in listing order, the Total for i == entry count, NULL beyond. */
const locust__entry *locust__stats_entry_at(const locust_stats *s, size_t i);
/* Resets the Total: 0.9.0 also empties its cache and takes a snapshot at int(now). */
void locust__stats_reset_total(locust_stats *s);
/* Stores a copy of the Total histogram in the cache under second t (0.9.0's _cache_response_times). */
void locust__stats_cache_snapshot(locust_stats *s, int64_t t);
/* Empties the error table. */
void locust__stats_clear_errors(locust_stats *s);

/* The entry of (name, method), or NULL. */
locust__entry *locust__stats_find_entry(const locust_stats *s, const char *name, const char *method);
/* Makes room for `extra` more entries, so that locust__stats_insert_entry cannot fail. */
int locust__stats_reserve_entries(locust_stats *s, size_t extra);
/* Inserts an entry that is not in the table yet (after reserving room), taking it. */
void locust__stats_insert_entry(locust_stats *s, locust__entry *e);
/* The error row of (method, name, error), or NULL. */
locust__error *locust__stats_find_error(const locust_stats *s, const char *method, const char *name,
                                        const char *error);
/* Makes room for `extra` more error rows, so that locust__stats_insert_error cannot fail. */
int locust__stats_reserve_errors(locust_stats *s, size_t extra);
/* Appends a row that is not in the table yet (after reserving room), taking its strings. */
void locust__stats_insert_error(locust_stats *s, locust__error *row);
void locust__stats_free_error(locust__error *row);

/* ---- the caps (stats_overflow.c) ----------------------------------------- */

/* True for the name of an overflow entry. */
bool locust__stats_is_overflow(const char *name);
/*
 * The key under which a new entry (name, method), absent from `s`, is
 * counted, when `new_named` named and `new_overflow` overflow entries are
 * about to be added besides (a merge plans several at once): itself while
 * the cap leaves room, else the overflow entry of its method, whose method
 * turns LOCUST__STATS_OVERFLOW_METHOD when only the last overflow slot is
 * left. `planned` (may be NULL) says whether a merge already plans to add
 * an overflow entry. Logs the cap's warning the first time a name is
 * rerouted. Returns true when the key changed.
 */
bool locust__stats_route_entry(locust_stats *s, size_t new_named, size_t new_overflow,
                               bool (*planned)(void *ud, const char *method), void *ud, const char **name,
                               const char **method);
/* The same for a new error row: its overflow row is (method, OVERFLOW_NAME, OVERFLOW_ERROR). */
bool locust__stats_route_error(locust_stats *s, size_t new_rows, size_t new_overflow,
                               bool (*planned)(void *ud, const char *method), void *ud, const char **method,
                               const char **name, const char **error);

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
 * (0.9.0's slave_report handler). Entries and rows past the caps are counted
 * in the overflow entries and rows, so nothing is ever refused for the cap.
 * Either everything is merged or, on LOCUST_ENOMEM, nothing is.
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
