/*
 * The precise histograms and the dropped-run count on the wire: one extra
 * key, "liblocust_hdr", in a StatsEntry map of the stats payload, present
 * only when the entry has something in it (so an idle report stays
 * byte-identical to Locust's):
 *
 *     "liblocust_hdr": {"service":   [min_ns, max_ns, {bucket: count, ...}],
 *                       "corrected": [min_ns, max_ns, {bucket: count, ...}],
 *                       "dropped":   n}            (each part optional)
 *
 * Python masters never read it: 0.9.0's StatsEntry.unserialize reads exactly
 * its 12 keys, and 2.12.1's skips every key that is not a StatsEntryDict
 * field. A liblocust master adds the buckets exactly, so its percentiles are
 * those of every sample its slaves took.
 */
#include "stats/stats_hdr_wire.h"

#include "base/msgpack_safe.h"

#include <stdio.h>

#define PACK(x)                                                                                              \
    do {                                                                                                     \
        if ((x) != 0) return LOCUST_ENOMEM;                                                                  \
    } while (0)

bool locust__hdr_ext_present(const locust__entry *e)
{
    return e->precise.total || e->corrected.total || e->dropped_runs;
}

static int pack_hdr(msgpack_packer *pk, const char *key, const locust__hdr *h)
{
    size_t n = 0, pos = 0, index;
    uint64_t count;
    while (locust__hdr_next(h, &pos, &index, &count))
        n++;
    PACK(locust__mp_pack_cstr(pk, key));
    PACK(msgpack_pack_array(pk, 3));
    PACK(msgpack_pack_uint64(pk, h->min_ns));
    PACK(msgpack_pack_uint64(pk, h->max_ns));
    PACK(msgpack_pack_map(pk, n));
    for (pos = 0; locust__hdr_next(h, &pos, &index, &count);) {
        PACK(msgpack_pack_uint64(pk, index));
        PACK(msgpack_pack_uint64(pk, count));
    }
    return 0;
}

int locust__hdr_ext_pack(msgpack_packer *pk, const locust__entry *e)
{
    size_t n = (e->precise.total != 0) + (e->corrected.total != 0) + (e->dropped_runs != 0);
    PACK(locust__mp_pack_cstr(pk, LOCUST__HDR_EXT_KEY));
    PACK(msgpack_pack_map(pk, n));
    if (e->precise.total) PACK(pack_hdr(pk, "service", &e->precise));
    if (e->corrected.total) PACK(pack_hdr(pk, "corrected", &e->corrected));
    if (e->dropped_runs) {
        PACK(locust__mp_pack_cstr(pk, "dropped"));
        PACK(msgpack_pack_uint64(pk, e->dropped_runs));
    }
    return 0;
}

static int bad(char *why, size_t len, const char *fmt, const char *a, const char *b)
{
    snprintf(why, len, fmt, a, b);
    return LOCUST_EPROTO;
}

static int parse_hdr(const msgpack_object *o, const char *key, locust__hdr *h, char *why, size_t len)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 3)
        return bad(why, len, "%s: expected [min_ns, max_ns, buckets], got %s", key, locust__mp_type_name(o));
    const msgpack_object *a = o->via.array.ptr;
    int64_t min_ns, max_ns;
    if (!locust__mp_int(&a[0], 0, (int64_t)LOCUST__HDR_MAX_NS, &min_ns) ||
        !locust__mp_int(&a[1], min_ns, (int64_t)LOCUST__HDR_MAX_NS, &max_ns))
        return bad(why, len, "%s: min_ns and max_ns must be integers with 0 <= min <= max <= 2^42%s", key,
                   "");
    if (a[2].type != MSGPACK_OBJECT_MAP || a[2].via.map.size > LOCUST__HDR_BUCKETS)
        return bad(why, len, "%s: buckets must be a map of at most 2368 pairs, got %s", key,
                   locust__mp_type_name(&a[2]));
    for (uint32_t i = 0; i < a[2].via.map.size; i++) {
        const msgpack_object_kv *kv = &a[2].via.map.ptr[i];
        int64_t index;
        if (!locust__mp_int(&kv->key, 0, LOCUST__HDR_BUCKETS - 1, &index))
            return bad(why, len, "%s: bucket index %s is not an integer in [0, 2367]", key,
                       locust__mp_type_name(&kv->key));
        if (kv->val.type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return bad(why, len, "%s: bucket count must be a non-negative integer, got %s", key,
                       locust__mp_type_name(&kv->val));
        if (!locust__hdr_add_bucket(h, (size_t)index, kv->val.via.u64)) return LOCUST_ENOMEM;
    }
    locust__hdr_set_extremes(h, (uint64_t)min_ns, (uint64_t)max_ns);
    return 0;
}

int locust__hdr_ext_parse(const msgpack_object *o, locust__entry *e, char *why, size_t len)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return bad(why, len, "expected a map, got %s%s", locust__mp_type_name(o), "");
    const msgpack_object *f;
    int err = 0;
    if ((f = locust__mp_get(o, "service"))) err = parse_hdr(f, "service", &e->precise, why, len);
    if (!err && (f = locust__mp_get(o, "corrected")))
        err = parse_hdr(f, "corrected", &e->corrected, why, len);
    if (!err && (f = locust__mp_get(o, "dropped"))) {
        if (f->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return bad(why, len, "dropped: expected a non-negative integer, got %s%s",
                       locust__mp_type_name(f), "");
        e->dropped_runs = f->via.u64;
    }
    return err;
}
