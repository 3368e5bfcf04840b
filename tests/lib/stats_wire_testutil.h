/*
 * Helpers shared by the stats payload tests: packing a report into a stats
 * message's data map, unpacking, and looking into msgpack objects.
 */
#ifndef LOCUST_STATS_WIRE_TESTUTIL_H
#define LOCUST_STATS_WIRE_TESTUTIL_H

#include "stats/stats_wire.h"
#include "stats_testutil.h"

/* Packs a report as the data map of a stats message: the stats keys plus user_count. */
static inline void pack_data(locust_stats *s, locust__stats_proto proto, msgpack_sbuffer *sb)
{
    msgpack_sbuffer_init(sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    ck_assert_int_eq(msgpack_pack_map(&pk, LOCUST__STATS_REPORT_KEYS + 1), 0);
    ck_assert_int_eq(locust__stats_pack_report(s, &pk, proto), 0);
    ck_assert_int_eq(msgpack_pack_str_with_body(&pk, "user_count", 10), 0);
    ck_assert_int_eq(msgpack_pack_int(&pk, 0), 0);
}

static inline void unpack(const char *data, size_t len, msgpack_unpacked *u)
{
    msgpack_unpacked_init(u);
    size_t off = 0;
    ck_assert_int_eq(msgpack_unpack_next(u, data, len, &off), MSGPACK_UNPACK_SUCCESS);
    ck_assert_uint_eq(off, len);
}

static inline bool str_is(const msgpack_object *o, const char *s)
{
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
           memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

/* The value of `key` in a map object (asserting it is there). */
static inline msgpack_object *get(const msgpack_object *map, const char *key)
{
    ck_assert_int_eq(map->type, MSGPACK_OBJECT_MAP);
    for (uint32_t i = 0; i < map->via.map.size; i++)
        if (str_is(&map->via.map.ptr[i].key, key)) return &map->via.map.ptr[i].val;
    ck_abort_msg("key %s missing", key);
    return NULL;
}

/* Asserts the keys of a map, in order. */
static inline void assert_keys(const msgpack_object *map, const char *const *keys, size_t n)
{
    ck_assert_int_eq(map->type, MSGPACK_OBJECT_MAP);
    ck_assert_uint_eq(map->via.map.size, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(str_is(&map->via.map.ptr[i].key, keys[i]), "key %zu is not %s", i, keys[i]);
}

/*
 * Asserts the keys of a StatsEntry map that had successes: the protocol's own
 * keys in order, then liblocust's extension (which Python masters ignore).
 */
static inline void assert_keys_ext(const msgpack_object *map, const char *const *keys, size_t n)
{
    ck_assert_int_eq(map->type, MSGPACK_OBJECT_MAP);
    ck_assert_uint_eq(map->via.map.size, n + 1);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(str_is(&map->via.map.ptr[i].key, keys[i]), "key %zu is not %s", i, keys[i]);
    ck_assert(str_is(&map->via.map.ptr[n].key, "liblocust_hdr"));
}

static inline size_t unhex(const char *hex, char *out)
{
    size_t n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned v;
        ck_assert_int_eq(sscanf(hex, "%2x", &v), 1);
        out[n++] = (char)v;
    }
    return n;
}

/* A slave table with GET / (12.5 and 150 ms, one failure) at second 1030 and an idle POST /idle. */
static inline locust_stats *slave_table(fake_clock *c)
{
    c->now = 1000.5;
    locust_stats *s = stats_on_clock(c);
    ck_assert_int_eq(locust_stats_log_success(s, "POST", "/idle", 5, 0), 0);
    msgpack_sbuffer sb;
    pack_data(s, LOCUST__STATS_PROTO_09, &sb); /* sends and resets /idle */
    msgpack_sbuffer_destroy(&sb);
    c->now = 1030.25;
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 12.5, 100), 0);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 150, 50), 0);
    c->now = 1031.75;
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/", 0, "HTTPError('500')"), 0);
    return s;
}

static inline void merge_ok(locust_stats *m, const msgpack_sbuffer *sb, locust__stats_proto proto)
{
    msgpack_unpacked u;
    unpack(sb->data, sb->size, &u);
    char err[256];
    int rc = locust__stats_merge_payload(m, &u.data, proto, err, sizeof(err));
    ck_assert_msg(rc == 0, "merge failed (%d): %s", rc, err);
    msgpack_unpacked_destroy(&u);
}

#endif /* LOCUST_STATS_WIRE_TESTUTIL_H */
