/*
 * The precise histogram next to 0.9.0's rounded one: log-linear buckets over
 * nanoseconds (HDR-style), so that p50 .. p99.99 have at most 0.8% relative
 * error anywhere from 1 us to an hour, and two histograms merge exactly
 * (bucket by bucket).
 *
 * Layout: chunk 0 holds the values 0..63 ns one by one; chunk k >= 1 holds
 * the octave [2^(k+5), 2^(k+6)) ns in 64 equal buckets. A bucket's width is
 * then at most 1/64 of its lower bound, and reporting its middle is off by
 * at most 1/128 of the value. Chunks are allocated when first touched, so a
 * histogram only pays for the octaves its values fall in (a web service's
 * 1..100 ms spans 7 chunks, 3.5 KB); the most it can hold is
 * LOCUST__HDR_CHUNKS * 512 B = 18.5 KB.
 */
#include "stats/stats_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void locust__hdr_init(locust__hdr *h)
{
    memset(h, 0, sizeof(*h));
}

void locust__hdr_free(locust__hdr *h)
{
    for (size_t k = 0; k < LOCUST__HDR_CHUNKS; k++)
        free(h->chunk[k]);
    locust__hdr_init(h);
}

void locust__hdr_clear(locust__hdr *h)
{
    /* Keep the chunks: a slave empties its histograms at every report and refills the same octaves. */
    for (size_t k = 0; k < LOCUST__HDR_CHUNKS; k++)
        if (h->chunk[k]) memset(h->chunk[k], 0, LOCUST__HDR_SUB * sizeof(uint64_t));
    h->total = 0;
    h->unplaced = 0;
    h->min_ns = 0;
    h->max_ns = 0;
}

uint64_t locust__hdr_ns(double ms)
{
    if (!(ms > 0)) return 0;
    double ns = ms * 1e6 + 0.5;
    return ns >= (double)LOCUST__HDR_MAX_NS ? LOCUST__HDR_MAX_NS : (uint64_t)ns;
}

size_t locust__hdr_index(uint64_t ns)
{
    if (ns > LOCUST__HDR_MAX_NS) ns = LOCUST__HDR_MAX_NS;
    if (ns < LOCUST__HDR_SUB) return (size_t)ns;
    unsigned m = 63u - (unsigned)__builtin_clzll(ns); /* ns is in [2^m, 2^(m+1)), m >= 6 */
    unsigned shift = m - 6;
    return (size_t)(m - 5) * LOCUST__HDR_SUB + (size_t)((ns >> shift) - LOCUST__HDR_SUB);
}

/* The lowest value and the width of bucket `index` (ns). */
static void bucket_bounds(size_t index, uint64_t *low, uint64_t *width)
{
    size_t k = index / LOCUST__HDR_SUB, sub = index % LOCUST__HDR_SUB;
    if (k == 0) {
        *low = sub;
        *width = 1;
        return;
    }
    unsigned shift = (unsigned)k - 1;
    *low = (uint64_t)(LOCUST__HDR_SUB + sub) << shift;
    *width = (uint64_t)1 << shift;
}

static bool add_at(locust__hdr *h, size_t index, uint64_t count)
{
    uint64_t **chunk = &h->chunk[index / LOCUST__HDR_SUB];
    if (!*chunk && !(*chunk = calloc(LOCUST__HDR_SUB, sizeof(uint64_t)))) {
        /* Out of memory: the sample still counts, it just has no place among the percentiles. */
        h->unplaced = locust__sat_add(h->unplaced, count);
        return false;
    }
    uint64_t *c = &(*chunk)[index % LOCUST__HDR_SUB];
    *c = locust__sat_add(*c, count);
    return true;
}

static void widen(locust__hdr *h, uint64_t min_ns, uint64_t max_ns)
{
    if (!h->total || min_ns < h->min_ns) h->min_ns = min_ns;
    if (!h->total || max_ns > h->max_ns) h->max_ns = max_ns;
}

bool locust__hdr_record(locust__hdr *h, uint64_t ns, uint64_t count)
{
    if (!count) return true;
    if (ns > LOCUST__HDR_MAX_NS) ns = LOCUST__HDR_MAX_NS;
    widen(h, ns, ns);
    h->total = locust__sat_add(h->total, count);
    return add_at(h, locust__hdr_index(ns), count);
}

bool locust__hdr_add_bucket(locust__hdr *h, size_t index, uint64_t count)
{
    if (!count || index >= LOCUST__HDR_BUCKETS) return index < LOCUST__HDR_BUCKETS;
    uint64_t low, width;
    bucket_bounds(index, &low, &width);
    uint64_t high = low + width - 1;
    /* Bucket counts alone do not carry the exact extremes; the merge sets them afterwards. */
    widen(h, low, high > LOCUST__HDR_MAX_NS ? LOCUST__HDR_MAX_NS : high);
    h->total = locust__sat_add(h->total, count);
    return add_at(h, index, count);
}

void locust__hdr_set_extremes(locust__hdr *h, uint64_t min_ns, uint64_t max_ns)
{
    if (!h->total || min_ns > max_ns) return;
    h->min_ns = min_ns;
    h->max_ns = max_ns;
}

bool locust__hdr_merge(locust__hdr *into, const locust__hdr *from)
{
    if (!from->total) return true;
    bool ok = true;
    widen(into, from->min_ns, from->max_ns);
    into->total = locust__sat_add(into->total, from->total);
    into->unplaced = locust__sat_add(into->unplaced, from->unplaced);
    for (size_t k = 0; k < LOCUST__HDR_CHUNKS; k++) {
        if (!from->chunk[k]) continue;
        for (size_t i = 0; i < LOCUST__HDR_SUB; i++)
            if (from->chunk[k][i]) ok &= add_at(into, k * LOCUST__HDR_SUB + i, from->chunk[k][i]);
    }
    return ok;
}

bool locust__hdr_copy(locust__hdr *dst, const locust__hdr *src)
{
    locust__hdr_clear(dst);
    return locust__hdr_merge(dst, src);
}

bool locust__hdr_next(const locust__hdr *h, size_t *pos, size_t *index, uint64_t *count)
{
    for (size_t i = *pos; i < LOCUST__HDR_BUCKETS; i++) {
        const uint64_t *chunk = h->chunk[i / LOCUST__HDR_SUB];
        if (!chunk) {
            i = (i / LOCUST__HDR_SUB + 1) * LOCUST__HDR_SUB - 1;
            continue;
        }
        if (chunk[i % LOCUST__HDR_SUB]) {
            *index = i;
            *count = chunk[i % LOCUST__HDR_SUB];
            *pos = i + 1;
            return true;
        }
    }
    *pos = LOCUST__HDR_BUCKETS;
    return false;
}

bool locust__hdr_percentile(const locust__hdr *h, double p, double *out_ms)
{
    uint64_t placed = h->total - h->unplaced;
    if (!placed || !(p >= 0) || p > 1) return false;
    /* Nearest rank: the smallest value with at least p of the samples at or below it. */
    double r = ceil(p * (double)placed);
    uint64_t rank = r < 1 ? 1 : (uint64_t)r;
    /* The largest sample is known exactly. */
    if (rank >= placed) {
        *out_ms = (double)h->max_ns / 1e6;
        return true;
    }
    uint64_t seen = 0;
    size_t pos = 0, index = 0;
    uint64_t count = 0;
    while (locust__hdr_next(h, &pos, &index, &count)) {
        seen += count;
        if (seen >= rank) break;
    }
    uint64_t low, width;
    bucket_bounds(index, &low, &width);
    double v = (double)low + (double)(width - 1) / 2.0;
    /* The exact extremes are known: the middle of the first or last bucket never lies outside them. */
    if (v < (double)h->min_ns) v = (double)h->min_ns;
    if (v > (double)h->max_ns) v = (double)h->max_ns;
    *out_ms = v / 1e6;
    return true;
}

size_t locust__hdr_bytes(const locust__hdr *h)
{
    size_t n = sizeof(*h);
    for (size_t k = 0; k < LOCUST__HDR_CHUNKS; k++)
        if (h->chunk[k]) n += LOCUST__HDR_SUB * sizeof(uint64_t);
    return n;
}

/* ---- the public face ------------------------------------------------------- */

static const locust__hdr *entry_hdr(const locust_stats *s, size_t i, locust_time_kind kind)
{
    const locust__entry *e = locust__stats_entry_at(s, i);
    if (!e) return NULL;
    if (kind == LOCUST_TIME_SERVICE) return &e->precise;
    if (kind == LOCUST_TIME_CORRECTED) return &e->corrected;
    return NULL;
}

bool locust_stats_entry_percentile_precise(const locust_stats *s, size_t i, locust_time_kind kind, double p,
                                           double *out)
{
    const locust__hdr *h = entry_hdr(s, i, kind);
    if (!h || !out) return false;
    return locust__hdr_percentile(h, p, out);
}

uint64_t locust_stats_entry_sample_count(const locust_stats *s, size_t i, locust_time_kind kind)
{
    const locust__hdr *h = entry_hdr(s, i, kind);
    return h ? h->total : 0;
}

int locust_stats_add_dropped(locust_stats *s, uint64_t n)
{
    if (!s) return LOCUST_EINVAL;
    s->total.dropped_runs = locust__sat_add(s->total.dropped_runs, n);
    return 0;
}

uint64_t locust_stats_dropped_runs(const locust_stats *s)
{
    return s ? s->total.dropped_runs : 0;
}
