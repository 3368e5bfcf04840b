/*
 * The statistics payload of the master/slave protocols in msgpack: packing
 * a report (as deltas) and merging a received one. See stats_wire.h for the
 * two dialects and the rules.
 *
 * Merging is written for hostile input (it is fuzzed): every object's type
 * is checked before use, every number is range-checked, and the payload is
 * parsed completely into a batch before anything touches the table.
 */
#include "stats/stats_wire.h"

#include "base/msgpack_safe.h"
#include "stats/stats_hdr_wire.h"
#include "stats/stats_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Epoch seconds beyond this are refused (year 33658), which keeps every conversion exact. */
#define MAX_EPOCH 1e12

#define PACK(x)                                                                                              \
    do {                                                                                                     \
        if ((x) != 0) return LOCUST_ENOMEM;                                                                  \
    } while (0)

/* ---- packing ---------------------------------------------------------------- */

/* Fills `out` with the used seconds of the ring, oldest first; returns how many. */
static size_t sorted_secs(const locust__entry *e, locust__sec out[LOCUST__SECS])
{
    size_t n = 0;
    for (size_t i = 0; i < LOCUST__SECS; i++) {
        if (e->secs[i].t == LOCUST__SEC_NONE) continue;
        size_t j = n++;
        for (; j > 0 && out[j - 1].t > e->secs[i].t; j--)
            out[j] = out[j - 1];
        out[j] = e->secs[i];
    }
    return n;
}

enum { SEC_OK, SEC_ALL, SEC_FAIL };

/* Packs {second: count} for the seconds with a non-zero count of the given kind. */
static int pack_secs(msgpack_packer *pk, const locust__entry *e, int kind)
{
    locust__sec secs[LOCUST__SECS];
    uint64_t counts[LOCUST__SECS];
    size_t n = sorted_secs(e, secs), used = 0;
    for (size_t i = 0; i < n; i++) {
        counts[i] = kind == SEC_OK ? secs[i].ok : kind == SEC_FAIL ? secs[i].fail : secs[i].ok + secs[i].fail;
        if (counts[i]) used++;
    }
    PACK(msgpack_pack_map(pk, used));
    for (size_t i = 0; i < n; i++) {
        if (!counts[i]) continue;
        PACK(msgpack_pack_int64(pk, secs[i].t));
        PACK(msgpack_pack_uint64(pk, counts[i]));
    }
    return 0;
}

static int pack_hist(msgpack_packer *pk, const locust__hist *h)
{
    size_t n = 0, pos = 0;
    int64_t key;
    uint64_t count;
    while (locust__hist_next(h, &pos, &key, &count))
        n++;
    PACK(msgpack_pack_map(pk, n));
    for (pos = 0; locust__hist_next(h, &pos, &key, &count);) {
        PACK(msgpack_pack_int64(pk, key));
        PACK(msgpack_pack_uint64(pk, count));
    }
    return 0;
}

/*
 * total_response_time and max_response_time start as int 0 in Python and
 * turn float with the first (float) response time. Packing 0 as an int
 * until there is a success keeps an idle report byte-identical to Locust's.
 */
static int pack_time_sum(msgpack_packer *pk, const locust__entry *e, double v)
{
    if (v == 0 && !e->num_requests) return msgpack_pack_int64(pk, 0);
    return msgpack_pack_double(pk, v);
}

/* Packs one StatsEntry map under the given name and method (NULL method = nil). */
static int pack_entry(msgpack_packer *pk, const locust__entry *e, const char *name, const char *method,
                      locust__stats_proto proto)
{
    bool v2 = proto == LOCUST__STATS_PROTO_2X;
    bool ext = locust__hdr_ext_present(e);
    PACK(msgpack_pack_map(pk, (v2 ? 14 : 12) + ext));
    PACK(locust__mp_pack_cstr(pk, "name"));
    PACK(locust__mp_pack_cstr(pk, name));
    PACK(locust__mp_pack_cstr(pk, "method"));
    PACK(locust__mp_pack_cstr(pk, method));
    PACK(locust__mp_pack_cstr(pk, "last_request_timestamp"));
    if (!v2)
        PACK(msgpack_pack_int64(pk, e->last_request_timestamp));
    else if (e->last_activity)
        PACK(msgpack_pack_double(pk, e->last_activity));
    else
        PACK(msgpack_pack_nil(pk));
    PACK(locust__mp_pack_cstr(pk, "start_time"));
    PACK(msgpack_pack_double(pk, e->start_time));
    PACK(locust__mp_pack_cstr(pk, "num_requests"));
    /*
     * 2.x counts failures in num_requests. Our failures carry no response
     * time, which is exactly 2.x's num_none_requests: its master then
     * averages over the successes, as 0.9.0 does.
     */
    PACK(msgpack_pack_uint64(pk, v2 ? e->num_requests + e->num_failures : e->num_requests));
    if (v2) {
        PACK(locust__mp_pack_cstr(pk, "num_none_requests"));
        PACK(msgpack_pack_uint64(pk, e->num_failures));
    }
    PACK(locust__mp_pack_cstr(pk, "num_failures"));
    PACK(msgpack_pack_uint64(pk, e->num_failures));
    PACK(locust__mp_pack_cstr(pk, "total_response_time"));
    PACK(pack_time_sum(pk, e, e->total_response_time));
    PACK(locust__mp_pack_cstr(pk, "max_response_time"));
    PACK(pack_time_sum(pk, e, e->max_response_time));
    PACK(locust__mp_pack_cstr(pk, "min_response_time"));
    PACK(e->has_min ? msgpack_pack_double(pk, e->min_response_time) : msgpack_pack_nil(pk));
    PACK(locust__mp_pack_cstr(pk, "total_content_length"));
    PACK(msgpack_pack_uint64(pk, e->total_content_length));
    PACK(locust__mp_pack_cstr(pk, "response_times"));
    PACK(pack_hist(pk, &e->hist));
    PACK(locust__mp_pack_cstr(pk, "num_reqs_per_sec"));
    PACK(pack_secs(pk, e, v2 ? SEC_ALL : SEC_OK));
    if (v2) {
        PACK(locust__mp_pack_cstr(pk, "num_fail_per_sec"));
        PACK(pack_secs(pk, e, SEC_FAIL));
    }
    if (ext) PACK(locust__hdr_ext_pack(pk, e));
    return 0;
}

static int pack_errors(msgpack_packer *pk, const locust_stats *s, locust__stats_proto proto)
{
    bool v2 = proto == LOCUST__STATS_PROTO_2X;
    PACK(msgpack_pack_map(pk, s->nerrors));
    for (size_t i = 0; i < s->nerrors; i++) {
        const locust__error *row = &s->errors[i];
        /* 2.x's own key is a SHA-256; its master only compares keys, so 0.9.0's MD5 key serves both. */
        char key[33];
        int err = locust__error_key(row->method, row->name, row->error, key);
        if (err) return err;
        PACK(locust__mp_pack_cstr(pk, key));
        PACK(msgpack_pack_map(pk, 4));
        if (v2) {
            PACK(locust__mp_pack_cstr(pk, "name"));
            PACK(locust__mp_pack_cstr(pk, row->name));
            PACK(locust__mp_pack_cstr(pk, "method"));
            PACK(locust__mp_pack_cstr(pk, row->method));
        } else {
            PACK(locust__mp_pack_cstr(pk, "method"));
            PACK(locust__mp_pack_cstr(pk, row->method));
            PACK(locust__mp_pack_cstr(pk, "name"));
            PACK(locust__mp_pack_cstr(pk, row->name));
        }
        PACK(locust__mp_pack_cstr(pk, "error"));
        PACK(locust__mp_pack_cstr(pk, row->error));
        PACK(locust__mp_pack_cstr(pk, v2 ? "occurrences" : "occurences"));
        PACK(msgpack_pack_uint64(pk, row->occurrences));
    }
    return 0;
}

static bool active(const locust__entry *e)
{
    return e->num_requests || e->num_failures;
}

int locust__stats_pack_report(locust_stats *s, msgpack_packer *pk, locust__stats_proto proto)
{
    if (!s || !pk || (proto != LOCUST__STATS_PROTO_09 && proto != LOCUST__STATS_PROTO_2X))
        return LOCUST_EINVAL;
    bool v2 = proto == LOCUST__STATS_PROTO_2X;
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += active(s->entries[i]);
    PACK(locust__mp_pack_cstr(pk, "stats"));
    PACK(msgpack_pack_array(pk, n));
    for (size_t i = 0; i < s->n; i++) {
        const locust__entry *e = s->entries[i];
        if (!active(e)) continue;
        int err = pack_entry(pk, e, e->name, e->method, proto);
        if (err) return err;
    }
    PACK(locust__mp_pack_cstr(pk, "stats_total"));
    int err = pack_entry(pk, &s->total, v2 ? "Aggregated" : "Total", v2 ? "" : NULL, proto);
    if (!err) err = locust__mp_pack_cstr(pk, "errors") ? LOCUST_ENOMEM : 0;
    if (!err) err = pack_errors(pk, s, proto);
    if (err) return err;

    /* Sent: start the next delta. */
    double now = locust__stats_now(s);
    for (size_t i = 0; i < s->n; i++)
        if (active(s->entries[i])) locust__entry_reset(s->entries[i], now);
    locust__stats_reset_total(s);
    locust__stats_clear_errors(s);
    return 0;
}

/* ---- merging ---------------------------------------------------------------- */

typedef struct parser {
    char *err;
    size_t errlen;
    locust__stats_proto proto;
    double now;
} parser;

static int fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parser *p, const char *fmt, ...)
{
    if (p->err && p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
    }
    return LOCUST_EPROTO;
}

/* Looks a field up; fails naming it when it is required and absent. */
static int field(parser *p, const char *where, const msgpack_object *map, const char *key, bool required,
                 const msgpack_object **out)
{
    *out = locust__mp_get(map, key);
    if (!*out && required) return fail(p, "%s: missing field '%s'", where, key);
    return 0;
}

/* A string field as a malloc'ed C string; nil gives NULL when allowed. */
static int get_str(parser *p, const char *where, const char *key, const msgpack_object *o, bool nil_ok,
                   char **out)
{
    const char *ptr;
    size_t len;
    *out = NULL;
    if (o->type == MSGPACK_OBJECT_NIL && nil_ok) return 0;
    if (!locust__mp_bytes(o, &ptr, &len))
        return fail(p, "%s.%s: expected a string, got %s", where, key, locust__mp_type_name(o));
    if (memchr(ptr, '\0', len)) return fail(p, "%s.%s: string contains a NUL byte", where, key);
    if (!(*out = malloc(len + 1))) return LOCUST_ENOMEM;
    memcpy(*out, ptr, len);
    (*out)[len] = '\0';
    return 0;
}

/* A finite number in [0, max]. */
static int get_number(parser *p, const char *where, const char *key, const msgpack_object *o, double max,
                      double *out)
{
    if (!locust__mp_double(o, out))
        return fail(p, "%s.%s: expected a number, got %s", where, key, locust__mp_type_name(o));
    if (!isfinite(*out) || *out < 0 || *out > max)
        return fail(p, "%s.%s: %g is out of range [0, %g]", where, key, *out, max);
    return 0;
}

static int get_count(parser *p, const char *where, const char *key, const msgpack_object *o, uint64_t *out)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        /* A larger count is no real report's, and sums of it could not stay exact (stats_internal.h). */
        if (o->via.u64 > LOCUST__COUNT_MAX)
            return fail(p, "%s.%s: %" PRIu64 " is above the limit of %" PRIu64, where, key, o->via.u64,
                        LOCUST__COUNT_MAX);
        *out = o->via.u64;
        return 0;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return fail(p, "%s.%s: expected a non-negative integer, got %lld", where, key, (long long)o->via.i64);
    return fail(p, "%s.%s: expected a non-negative integer, got %s", where, key, locust__mp_type_name(o));
}

static int parse_hist(parser *p, const char *where, const msgpack_object *o, locust__hist *h)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return fail(p, "%s.response_times: expected a map, got %s", where, locust__mp_type_name(o));
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        double rt;
        uint64_t count;
        int err = get_number(p, where, "response_times key", &kv->key, LOCUST__RT_MAX, &rt);
        if (!err) err = get_count(p, where, "response_times value", &kv->val, &count);
        if (err) return err;
        /* Bucket again: 0.9.0 slaves send unrounded float keys below 100 ms. */
        locust__hist_add(h, locust__rt_key(rt), count);
    }
    return 0;
}

/*
 * Reads a {second: count} map. kind SEC_OK and SEC_FAIL add the counts as
 * successes or failures; SEC_ALL (2.x's num_reqs_per_sec, which counts
 * failures too) adds count minus the failures already read for that second.
 */
static int parse_secs(parser *p, const char *where, const char *key, const msgpack_object *o, int kind,
                      locust__entry *e)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return fail(p, "%s.%s: expected a map, got %s", where, key, locust__mp_type_name(o));
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        double t;
        uint64_t count;
        char what[64];
        snprintf(what, sizeof(what), "%s key", key);
        int err = get_number(p, where, what, &kv->key, MAX_EPOCH, &t);
        snprintf(what, sizeof(what), "%s value", key);
        if (!err) err = get_count(p, where, what, &kv->val, &count);
        if (err) return err;
        int64_t sec = (int64_t)t;
        if (kind == SEC_FAIL) {
            locust__entry_add_sec(e, sec, 0, count);
        } else if (kind == SEC_OK) {
            locust__entry_add_sec(e, sec, count, 0);
        } else {
            const locust__sec *slot = &e->secs[(uint64_t)sec & (LOCUST__SECS - 1)];
            uint64_t fails = slot->t == sec ? slot->fail : 0;
            locust__entry_add_sec(e, sec, count > fails ? count - fails : 0, 0);
        }
    }
    return 0;
}

/* Parses one StatsEntry map into a new entry. */
static int parse_entry(parser *p, const char *where, const msgpack_object *o, locust__entry **out)
{
    *out = NULL;
    if (o->type != MSGPACK_OBJECT_MAP)
        return fail(p, "%s: expected a map, got %s", where, locust__mp_type_name(o));
    bool v2 = p->proto == LOCUST__STATS_PROTO_2X;
    bool all = !v2; /* 0.9.0 requires every key; 2.x only name and method */
    const msgpack_object *f;
    char *name = NULL, *method = NULL;
    int err = field(p, where, o, "name", true, &f);
    if (!err) err = get_str(p, where, "name", f, false, &name);
    if (!err) err = field(p, where, o, "method", true, &f);
    if (!err) err = get_str(p, where, "method", f, true, &method);
    locust__entry *e = NULL;
    if (!err && !(e = locust__entry_new(name, method, p->now))) err = LOCUST_ENOMEM;
    free(name);
    free(method);
    if (err) return err;

    double num;
    uint64_t count;
    if (!(err = field(p, where, o, "last_request_timestamp", all, &f)) && f &&
        !(v2 && f->type == MSGPACK_OBJECT_NIL)) {
        if (!(err = get_number(p, where, "last_request_timestamp", f, MAX_EPOCH, &num))) {
            e->last_request_timestamp = (int64_t)num;
            if (v2) e->last_activity = num;
        }
    } else if (!err && v2) {
        e->last_request_timestamp = 0; /* 2.x: no request in the window; 0 never wins a max */
    }
    if (!err && !(err = field(p, where, o, "start_time", all, &f)) && f)
        err = get_number(p, where, "start_time", f, MAX_EPOCH, &e->start_time);
    if (!err && !(err = field(p, where, o, "num_requests", all, &f)) && f)
        err = get_count(p, where, "num_requests", f, &e->num_requests);
    if (!err && v2 && !(err = field(p, where, o, "num_none_requests", false, &f)) && f)
        err = get_count(p, where, "num_none_requests", f, &count);
    if (!err && !(err = field(p, where, o, "num_failures", all, &f)) && f)
        err = get_count(p, where, "num_failures", f, &e->num_failures);
    if (!err && !(err = field(p, where, o, "total_response_time", all, &f)) && f)
        err = get_number(p, where, "total_response_time", f, LOCUST__RT_SUM_MAX, &e->total_response_time);
    if (!err && !(err = field(p, where, o, "max_response_time", all, &f)) && f)
        err = get_number(p, where, "max_response_time", f, LOCUST__RT_MAX, &e->max_response_time);
    if (!err && !(err = field(p, where, o, "min_response_time", all, &f)) && f &&
        f->type != MSGPACK_OBJECT_NIL) {
        err = get_number(p, where, "min_response_time", f, LOCUST__RT_MAX, &e->min_response_time);
        e->has_min = !err;
    }
    if (!err && !(err = field(p, where, o, "total_content_length", all, &f)) && f)
        err = get_count(p, where, "total_content_length", f, &e->total_content_length);
    if (!err && !(err = field(p, where, o, "response_times", all, &f)) && f)
        err = parse_hist(p, where, f, &e->hist);
    /* 2.x: failures per second first, so that successes = requests - failures per second. */
    if (!err && v2 && !(err = field(p, where, o, "num_fail_per_sec", false, &f)) && f)
        err = parse_secs(p, where, "num_fail_per_sec", f, SEC_FAIL, e);
    if (!err && !(err = field(p, where, o, "num_reqs_per_sec", all, &f)) && f)
        err = parse_secs(p, where, "num_reqs_per_sec", f, v2 ? SEC_ALL : SEC_OK, e);
    if (!err && (f = locust__mp_get(o, LOCUST__HDR_EXT_KEY))) {
        char why[160];
        err = locust__hdr_ext_parse(f, e, why, sizeof(why));
        if (err == LOCUST_EPROTO) fail(p, "%s.%s: %s", where, LOCUST__HDR_EXT_KEY, why);
    }
    if (!err && v2) {
        /* 2.x counts failures in num_requests; 0.9.0's num_requests are the successes. */
        e->num_requests = e->num_requests > e->num_failures ? e->num_requests - e->num_failures : 0;
    }
    if (err) {
        locust__entry_free(e);
        return err;
    }
    *out = e;
    return 0;
}

/* A short printable rendering of an error key for messages. */
static void describe_key(const msgpack_object *k, uint32_t i, char *buf, size_t len)
{
    const char *ptr;
    size_t n;
    if (!locust__mp_bytes(k, &ptr, &n)) {
        snprintf(buf, len, "errors[#%u]", (unsigned)i);
        return;
    }
    char text[41];
    size_t j = 0;
    for (; j < n && j < sizeof(text) - 1; j++)
        text[j] = ptr[j] >= 0x20 && ptr[j] < 0x7f ? ptr[j] : '?';
    text[j] = '\0';
    snprintf(buf, len, "errors[\"%s%s\"]", text, n > j ? "..." : "");
}

static int parse_error_row(parser *p, const char *where, const msgpack_object *o, locust__error *row)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return fail(p, "%s: expected a map, got %s", where, locust__mp_type_name(o));
    const msgpack_object *f;
    int err = field(p, where, o, "method", true, &f);
    if (!err) err = get_str(p, where, "method", f, true, &row->method);
    if (!err) err = field(p, where, o, "name", true, &f);
    if (!err) err = get_str(p, where, "name", f, false, &row->name);
    if (!err) err = field(p, where, o, "error", true, &f);
    if (!err) err = get_str(p, where, "error", f, true, &row->error);
    if (!err && !row->error) {
        /* A None error (Python's repr "None"), as locust_stats_log_failure records a NULL one. */
        if ((row->error = malloc(5)))
            memcpy(row->error, "None", 5);
        else
            err = LOCUST_ENOMEM;
    }
    if (err) return err;
    /* Accept both spellings; the protocol's own is looked up first. */
    const char *mine = p->proto == LOCUST__STATS_PROTO_2X ? "occurrences" : "occurences";
    const char *other = p->proto == LOCUST__STATS_PROTO_2X ? "occurences" : "occurrences";
    const char *used = mine;
    if (!(f = locust__mp_get(o, mine)) && (f = locust__mp_get(o, other))) used = other;
    if (!f) return fail(p, "%s: missing field '%s'", where, mine);
    return get_count(p, where, used, f, &row->occurrences);
}

int locust__stats_merge_payload(locust_stats *s, const msgpack_object *data, locust__stats_proto proto,
                                char *errbuf, size_t errlen)
{
    if (errbuf && errlen) errbuf[0] = '\0';
    if (!s || !data || (proto != LOCUST__STATS_PROTO_09 && proto != LOCUST__STATS_PROTO_2X))
        return LOCUST_EINVAL;
    parser p = {errbuf, errlen, proto, locust__stats_now(s)};
    if (data->type != MSGPACK_OBJECT_MAP)
        return fail(&p, "data: expected a map, got %s", locust__mp_type_name(data));
    const msgpack_object *stats, *total, *errors;
    int err = field(&p, "data", data, "stats", true, &stats);
    if (!err) err = field(&p, "data", data, "stats_total", true, &total);
    if (!err) err = field(&p, "data", data, "errors", true, &errors);
    if (err) return err;
    if (stats->type != MSGPACK_OBJECT_ARRAY)
        return fail(&p, "stats: expected an array, got %s", locust__mp_type_name(stats));
    if (errors->type != MSGPACK_OBJECT_MAP)
        return fail(&p, "errors: expected a map, got %s", locust__mp_type_name(errors));
    /*
     * No limit on the number of entries or rows here: what passes the
     * table's caps is merged into the overflow entries (stats_overflow.c),
     * so a report is never refused for the cap, and the frame's own limit
     * (16 MiB) bounds the work.
     */

    locust__batch b = {0};
    if (stats->via.array.size && !(b.entries = calloc(stats->via.array.size, sizeof(*b.entries)))) goto nomem;
    if (errors->via.map.size && !(b.errors = calloc(errors->via.map.size, sizeof(*b.errors)))) goto nomem;
    char where[96];
    for (uint32_t i = 0; !err && i < stats->via.array.size; i++) {
        snprintf(where, sizeof(where), "stats[%u]", (unsigned)i);
        if (!(err = parse_entry(&p, where, &stats->via.array.ptr[i], &b.entries[b.n]))) b.n++;
    }
    if (!err) err = parse_entry(&p, "stats_total", total, &b.total);
    for (uint32_t i = 0; !err && i < errors->via.map.size; i++) {
        describe_key(&errors->via.map.ptr[i].key, i, where, sizeof(where));
        err = parse_error_row(&p, where, &errors->via.map.ptr[i].val, &b.errors[b.nerrors]);
        b.nerrors++; /* the batch frees the strings of a half-parsed row too */
    }
    if (!err) err = locust__stats_apply(s, &b);
    if (err == LOCUST_ENOMEM) fail(&p, "out of memory while merging stats");
    locust__batch_free(&b);
    return err;
nomem:
    locust__batch_free(&b);
    fail(&p, "out of memory while merging stats");
    return LOCUST_ENOMEM;
}
