/*
 * Response-time histograms with Locust's bucketing (docs/compatibility.md §3.4), and 0.9.0's
 * median and percentile rules (docs/compatibility.md §3.5).
 *
 * Every key Locust's rounding can produce below 10 s has a fixed slot: whole
 * milliseconds 0..99, tens 100..990 and hundreds 1000..9900. Above that the
 * keys are whole seconds, kept in a small sorted array. Unlike 0.9.0, keys
 * below 100 ms are whole milliseconds (Locust 1.0+ does the same): 0.9.0
 * keeps one key per distinct float, which grows without bound.
 */
#include "stats/stats_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double locust__py_round(double x, int digits)
{
    static const double scale[] = {1, 10, 100, 1000};
    double m = scale[digits];
    if (m == 1 && x >= 0 && x < 4503599627370496.0) {
        /* Whole milliseconds, every request's case below 100 ms: below 2^52
         * the truncation and x - i are exact, so this is fmod()'s answer
         * without its ~100 instructions. */
        int64_t i = (int64_t)x;
        double r = x - (double)i;
        if (r > 0.5 || (r == 0.5 && (i & 1))) i++;
        return (double)i;
    }
    /*
     * fmod is exact, and so is x - r (an exactly representable multiple of
     * m), so ties are detected on the exact binary value as Python does:
     * 145.0 is a tie (-> 140), 100.4 is not.
     */
    double r = fmod(x, m);
    double base = x - r;
    double half = m / 2;
    if (r > half) return base + m;
    if (r < half) return base;
    return fmod(base / m, 2.0) == 0.0 ? base : base + m;
}

int64_t locust__rt_key(double rt)
{
    int digits = rt < 100 ? 0 : rt < 1000 ? 1 : rt < 10000 ? 2 : 3;
    return (int64_t)locust__py_round(rt, digits);
}

/* Slot of a key below LOCUST__HIST_DENSE_LIMIT. */
static size_t dense_slot(int64_t key)
{
    if (key < 100) return (size_t)key;
    if (key < 1000) return 100 + (size_t)(key - 100) / 10;
    return 190 + (size_t)(key - 1000) / 100;
}

static int64_t dense_key(size_t slot)
{
    if (slot < 100) return (int64_t)slot;
    if (slot < 190) return 100 + (int64_t)(slot - 100) * 10;
    return 1000 + (int64_t)(slot - 190) * 100;
}

void locust__hist_init(locust__hist *h)
{
    memset(h, 0, sizeof(*h));
}

void locust__hist_free(locust__hist *h)
{
    free(h->big);
    locust__hist_init(h);
}

void locust__hist_clear(locust__hist *h)
{
    memset(h->dense, 0, sizeof(h->dense));
    h->nbig = 0;
    h->total = 0;
}

/* Index of the first big key >= key. */
static size_t big_lower_bound(const locust__hist *h, int64_t key)
{
    size_t lo = 0, hi = h->nbig;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->big[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool big_grow(locust__hist *h)
{
    if (h->nbig < h->capbig) return true;
    if (h->capbig >= LOCUST__HIST_BIG_MAX) return false;
    size_t cap = h->capbig ? h->capbig * 2 : 8;
    if (cap > LOCUST__HIST_BIG_MAX) cap = LOCUST__HIST_BIG_MAX;
    locust__hist_big *big = realloc(h->big, cap * sizeof(*big));
    if (!big) return false;
    h->big = big;
    h->capbig = cap;
    return true;
}

void locust__hist_add(locust__hist *h, int64_t key, uint64_t count)
{
    if (count == 0) return;
    h->total = locust__sat_add(h->total, count);
    if (key < LOCUST__HIST_DENSE_LIMIT) {
        uint64_t *slot = &h->dense[dense_slot(key < 0 ? 0 : key)];
        *slot = locust__sat_add(*slot, count);
        return;
    }
    size_t i = big_lower_bound(h, key);
    if (i < h->nbig && h->big[i].key == key) {
        h->big[i].count = locust__sat_add(h->big[i].count, count);
        return;
    }
    if (big_grow(h)) {
        memmove(&h->big[i + 1], &h->big[i], (h->nbig - i) * sizeof(h->big[0]));
        h->big[i].key = key;
        h->big[i].count = locust__sat_add(0, count);
        h->nbig++;
        return;
    }
    /*
     * Full (or out of memory): rather than lose the sample, count it in the
     * nearest existing key. Percentiles then stay close to the truth.
     */
    if (h->nbig == 0) {
        h->dense[LOCUST__HIST_DENSE - 1] = locust__sat_add(h->dense[LOCUST__HIST_DENSE - 1], count);
        return;
    }
    size_t near = i;
    if (i == h->nbig || (i > 0 && key - h->big[i - 1].key < h->big[i].key - key)) near = i - 1;
    h->big[near].count = locust__sat_add(h->big[near].count, count);
}

void locust__hist_merge(locust__hist *into, const locust__hist *from)
{
    for (size_t i = 0; i < LOCUST__HIST_DENSE; i++) {
        into->dense[i] = locust__sat_add(into->dense[i], from->dense[i]);
        into->total = locust__sat_add(into->total, from->dense[i]);
    }
    for (size_t i = 0; i < from->nbig; i++)
        locust__hist_add(into, from->big[i].key, from->big[i].count);
}

bool locust__hist_copy(locust__hist *dst, const locust__hist *src)
{
    if (dst->capbig < src->nbig) {
        locust__hist_big *big = realloc(dst->big, src->nbig * sizeof(*big));
        if (!big) {
            locust__hist_clear(dst);
            return false;
        }
        dst->big = big;
        dst->capbig = src->nbig;
    }
    memcpy(dst->dense, src->dense, sizeof(dst->dense));
    if (src->nbig) memcpy(dst->big, src->big, src->nbig * sizeof(src->big[0]));
    dst->nbig = src->nbig;
    dst->total = src->total;
    return true;
}

uint64_t locust__hist_count(const locust__hist *h, int64_t key)
{
    if (key < 0) return 0;
    if (key < LOCUST__HIST_DENSE_LIMIT) {
        size_t slot = dense_slot(key);
        return dense_key(slot) == key ? h->dense[slot] : 0;
    }
    size_t i = big_lower_bound(h, key);
    return i < h->nbig && h->big[i].key == key ? h->big[i].count : 0;
}

bool locust__hist_equal(const locust__hist *a, const locust__hist *b)
{
    if (a->total != b->total || a->nbig != b->nbig) return false;
    if (memcmp(a->dense, b->dense, sizeof(a->dense)) != 0) return false;
    for (size_t i = 0; i < a->nbig; i++)
        if (a->big[i].key != b->big[i].key || a->big[i].count != b->big[i].count) return false;
    return true;
}

bool locust__hist_next(const locust__hist *h, size_t *pos, int64_t *key, uint64_t *count)
{
    while (*pos < LOCUST__HIST_DENSE) {
        size_t slot = (*pos)++;
        if (h->dense[slot]) {
            *key = dense_key(slot);
            *count = h->dense[slot];
            return true;
        }
    }
    size_t i = *pos - LOCUST__HIST_DENSE;
    if (i >= h->nbig) return false;
    (*pos)++;
    *key = h->big[i].key;
    *count = h->big[i].count;
    return true;
}

bool locust__hist_median(const locust__hist *h, uint64_t n, int64_t *out)
{
    if (h->total == 0) return false;
    /* 0.9.0: pos = (total - 1) / 2, a float in Python 3; the first key with pos < count wins. */
    double pos = ((double)n - 1) / 2;
    size_t it = 0;
    int64_t key = 0;
    uint64_t count;
    while (locust__hist_next(h, &it, &key, &count)) {
        if (pos < (double)count) {
            *out = key;
            return true;
        }
        pos -= (double)count;
    }
    /*
     * Only reachable when num_requests exceeds the histogram (inconsistent
     * merged data); 0.9.0 would return None and crash its CSV writer. The
     * largest key is the sensible answer.
     */
    *out = key;
    return true;
}

/* Count of a bucket in `h` minus the same bucket in `minus`, floored at 0. */
static uint64_t diff_count(uint64_t c, const locust__hist *minus, int64_t key)
{
    uint64_t m = minus ? locust__hist_count(minus, key) : 0;
    return c > m ? c - m : 0;
}

bool locust__hist_percentile(const locust__hist *h, const locust__hist *minus, int64_t n, double p,
                             int64_t *out)
{
    /* target = int(num_requests * percent): computed in double and truncated. */
    int64_t target = (int64_t)((double)n * p);
    /*
     * 0.9.0 stops at the first key where n - processed <= target. The sum of
     * up to 1,304 buckets of at most 2^53 each fits in 64 unsigned bits, not
     * in 63: compare processed with the (non-negative) distance instead.
     */
    uint64_t need = n > target ? (uint64_t)(n - target) : 0;
    uint64_t processed = 0;
    for (size_t i = h->nbig; i-- > 0;) {
        uint64_t c = diff_count(h->big[i].count, minus, h->big[i].key);
        if (c == 0) continue;
        processed += c;
        if (processed >= need) {
            *out = h->big[i].key;
            return true;
        }
    }
    for (size_t slot = LOCUST__HIST_DENSE; slot-- > 0;) {
        if (!h->dense[slot]) continue;
        int64_t key = dense_key(slot);
        uint64_t c = diff_count(h->dense[slot], minus, key);
        if (c == 0) continue;
        processed += c;
        if (processed >= need) {
            *out = key;
            return true;
        }
    }
    return false;
}
