/*
 * The stats payload of the master/slave protocols, packing side: the layout
 * of a report in both dialects (checked against real Locust captures),
 * reports as deltas, and pack -> merge round trips that must give the same
 * statistics as one table fed every request.
 */
#include "stats_wire_testutil.h"

#include "core/core.h"

static const char *const KEYS_09[] = {"name",
                                      "method",
                                      "last_request_timestamp",
                                      "start_time",
                                      "num_requests",
                                      "num_failures",
                                      "total_response_time",
                                      "max_response_time",
                                      "min_response_time",
                                      "total_content_length",
                                      "response_times",
                                      "num_reqs_per_sec"};
static const char *const KEYS_2X[] = {"name",
                                      "method",
                                      "last_request_timestamp",
                                      "start_time",
                                      "num_requests",
                                      "num_none_requests",
                                      "num_failures",
                                      "total_response_time",
                                      "max_response_time",
                                      "min_response_time",
                                      "total_content_length",
                                      "response_times",
                                      "num_reqs_per_sec",
                                      "num_fail_per_sec"};

/* ---- layout ---------------------------------------------------------------- */

START_TEST(report_09_layout)
{
    fake_clock c;
    locust_stats *s = slave_table(&c);
    msgpack_sbuffer sb;
    pack_data(s, LOCUST__STATS_PROTO_09, &sb);
    msgpack_unpacked u;
    unpack(sb.data, sb.size, &u);
    static const char *const top[] = {"stats", "stats_total", "errors", "user_count"};
    assert_keys(&u.data, top, 4);

    /* Only the entry with activity is sent. */
    msgpack_object *stats = get(&u.data, "stats");
    ck_assert_int_eq(stats->type, MSGPACK_OBJECT_ARRAY);
    ck_assert_uint_eq(stats->via.array.size, 1);
    msgpack_object *e = &stats->via.array.ptr[0];
    assert_keys_ext(e, KEYS_09, 12);
    ck_assert(str_is(get(e, "name"), "/"));
    ck_assert(str_is(get(e, "method"), "GET"));
    ck_assert_int_eq(get(e, "last_request_timestamp")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    ck_assert_uint_eq(get(e, "last_request_timestamp")->via.u64, 1030);
    ck_assert_int_eq(get(e, "start_time")->type, MSGPACK_OBJECT_FLOAT64);
    ck_assert_double_eq(get(e, "start_time")->via.f64, 1030.25); /* created at its first request */
    ck_assert_uint_eq(get(e, "num_requests")->via.u64, 2);
    ck_assert_uint_eq(get(e, "num_failures")->via.u64, 1);
    ck_assert_int_eq(get(e, "total_response_time")->type, MSGPACK_OBJECT_FLOAT64);
    ck_assert_double_eq(get(e, "total_response_time")->via.f64, 162.5);
    ck_assert_double_eq(get(e, "max_response_time")->via.f64, 150);
    ck_assert_double_eq(get(e, "min_response_time")->via.f64, 12.5);
    ck_assert_uint_eq(get(e, "total_content_length")->via.u64, 150);
    msgpack_object *rt = get(e, "response_times");
    ck_assert_uint_eq(rt->via.map.size, 2);
    ck_assert_int_eq(rt->via.map.ptr[0].key.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    ck_assert_uint_eq(rt->via.map.ptr[0].key.via.u64, 12); /* 12.5 rounds half to even */
    ck_assert_uint_eq(rt->via.map.ptr[1].key.via.u64, 150);
    msgpack_object *rps = get(e, "num_reqs_per_sec");
    ck_assert_uint_eq(rps->via.map.size, 1); /* 0.9.0 counts successes only */
    ck_assert_uint_eq(rps->via.map.ptr[0].key.via.u64, 1030);
    ck_assert_uint_eq(rps->via.map.ptr[0].val.via.u64, 2);

    msgpack_object *total = get(&u.data, "stats_total");
    assert_keys_ext(total, KEYS_09, 12);
    ck_assert(str_is(get(total, "name"), "Total"));
    ck_assert_int_eq(get(total, "method")->type, MSGPACK_OBJECT_NIL);
    ck_assert_uint_eq(get(total, "num_requests")->via.u64, 2);
    ck_assert_uint_eq(get(total, "num_failures")->via.u64, 1);
    /* The Total was reset by the first report at 1000.5. */
    ck_assert_double_eq(get(total, "start_time")->via.f64, 1000.5);

    msgpack_object *errors = get(&u.data, "errors");
    ck_assert_uint_eq(errors->via.map.size, 1);
    char key[33];
    ck_assert_int_eq(locust__error_key("GET", "/", "HTTPError('500')", key), 0);
    ck_assert(str_is(&errors->via.map.ptr[0].key, key));
    static const char *const row_keys[] = {"method", "name", "error", "occurences"};
    msgpack_object *row = &errors->via.map.ptr[0].val;
    assert_keys(row, row_keys, 4);
    ck_assert(str_is(get(row, "error"), "HTTPError('500')"));
    ck_assert_uint_eq(get(row, "occurences")->via.u64, 1);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);

    /* Packing reset what it sent: the next report is empty, and the table shows the reset. */
    locust_entry_info info;
    ck_assert_int_eq(locust_stats_find(s, "/", "GET", &info), 0);
    ck_assert_uint_eq(info.num_requests, 0);
    ck_assert_uint_eq(info.num_failures, 0);
    ck_assert_double_eq(info.start_time, 1031.75);
    ck_assert_uint_eq(locust_stats_error_count(s), 0);
    ck_assert_uint_eq(locust_stats_entry_count(s), 2);
    pack_data(s, LOCUST__STATS_PROTO_09, &sb);
    unpack(sb.data, sb.size, &u);
    ck_assert_uint_eq(get(&u.data, "stats")->via.array.size, 0);
    ck_assert_uint_eq(get(get(&u.data, "stats_total"), "num_requests")->via.u64, 0);
    ck_assert_int_eq(get(get(&u.data, "stats_total"), "min_response_time")->type, MSGPACK_OBJECT_NIL);
    ck_assert_uint_eq(get(&u.data, "errors")->via.map.size, 0);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    locust_stats_free(s);
}
END_TEST

START_TEST(idle_report_09_is_byte_identical_to_locust)
{
    /* The data map of the first stats frame of a real 0.9.0 slave (locust-0.9-wire-samples.txt). */
    static const char *capture =
        "84a5737461747390ab73746174735f746f74616c8ca46e616d65a5546f74616ca66d6574686f64c0b66c6173745f7265"
        "71756573745f74696d657374616d70ce6b0aefecaa73746172745f74696d65cb41dac2bbfb09e3c7ac6e756d5f726571"
        "756573747300ac6e756d5f6661696c7572657300b3746f74616c5f726573706f6e73655f74696d6500b16d61785f7265"
        "73706f6e73655f74696d6500b16d696e5f726573706f6e73655f74696d65c0b4746f74616c5f636f6e74656e745f6c65"
        "6e67746800ae726573706f6e73655f74696d657380b06e756d5f726571735f7065725f73656380a66572726f727380aa"
        "757365725f636f756e7400";
    char want[512];
    size_t n = unhex(capture, want);
    fake_clock c = {1795878892.1545274};
    locust_stats *s = stats_on_clock(&c);
    msgpack_sbuffer sb;
    pack_data(s, LOCUST__STATS_PROTO_09, &sb);
    ck_assert_uint_eq(sb.size, n);
    ck_assert(memcmp(sb.data, want, n) == 0);
    msgpack_sbuffer_destroy(&sb);
    locust_stats_free(s);
}
END_TEST

START_TEST(report_2x_layout)
{
    fake_clock c;
    locust_stats *s = slave_table(&c);
    msgpack_sbuffer sb;
    pack_data(s, LOCUST__STATS_PROTO_2X, &sb);
    msgpack_unpacked u;
    unpack(sb.data, sb.size, &u);
    msgpack_object *stats = get(&u.data, "stats");
    ck_assert_uint_eq(stats->via.array.size, 1);
    msgpack_object *e = &stats->via.array.ptr[0];
    assert_keys_ext(e, KEYS_2X, 14);
    /* 2.x counts failures as requests without a response time. */
    ck_assert_uint_eq(get(e, "num_requests")->via.u64, 3);
    ck_assert_uint_eq(get(e, "num_none_requests")->via.u64, 1);
    ck_assert_uint_eq(get(e, "num_failures")->via.u64, 1);
    ck_assert_int_eq(get(e, "last_request_timestamp")->type, MSGPACK_OBJECT_FLOAT64);
    ck_assert_double_eq(get(e, "last_request_timestamp")->via.f64, 1031.75);
    msgpack_object *rps = get(e, "num_reqs_per_sec");
    ck_assert_uint_eq(rps->via.map.size, 2);
    ck_assert_uint_eq(rps->via.map.ptr[0].key.via.u64, 1030);
    ck_assert_uint_eq(rps->via.map.ptr[0].val.via.u64, 2);
    ck_assert_uint_eq(rps->via.map.ptr[1].key.via.u64, 1031);
    ck_assert_uint_eq(rps->via.map.ptr[1].val.via.u64, 1);
    msgpack_object *fps = get(e, "num_fail_per_sec");
    ck_assert_uint_eq(fps->via.map.size, 1);
    ck_assert_uint_eq(fps->via.map.ptr[0].key.via.u64, 1031);
    ck_assert_uint_eq(fps->via.map.ptr[0].val.via.u64, 1);
    msgpack_object *total = get(&u.data, "stats_total");
    assert_keys_ext(total, KEYS_2X, 14);
    ck_assert(str_is(get(total, "name"), "Aggregated"));
    ck_assert(str_is(get(total, "method"), ""));
    msgpack_object *errors = get(&u.data, "errors");
    static const char *const row_keys[] = {"name", "method", "error", "occurrences"};
    assert_keys(&errors->via.map.ptr[0].val, row_keys, 4);
    ck_assert_uint_eq(errors->via.map.ptr[0].key.via.str.size, 32);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);

    /* Idle: no timestamp (nil) and int zeros, as the stock worker sends. */
    pack_data(s, LOCUST__STATS_PROTO_2X, &sb);
    unpack(sb.data, sb.size, &u);
    total = get(&u.data, "stats_total");
    ck_assert_int_eq(get(total, "last_request_timestamp")->type, MSGPACK_OBJECT_NIL);
    ck_assert_int_eq(get(total, "total_response_time")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    ck_assert_int_eq(get(total, "max_response_time")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    ck_assert_int_eq(get(total, "min_response_time")->type, MSGPACK_OBJECT_NIL);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    locust_stats_free(s);
}
END_TEST

/* A write callback that fails after `budget` bytes. */
typedef struct budget_buf {
    size_t budget;
} budget_buf;

static int budget_write(void *data, const char *buf, size_t len)
{
    (void)buf;
    budget_buf *b = data;
    if (len > b->budget) return -1;
    b->budget -= len;
    return 0;
}

START_TEST(failed_pack_resets_nothing)
{
    fake_clock c;
    locust_stats *s = slave_table(&c);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ck_assert_int_eq(locust__stats_pack_report(s, &pk, LOCUST__STATS_PROTO_2X), 0);
    size_t full = sb.size;
    msgpack_sbuffer_destroy(&sb);
    for (int proto = 1; proto <= 2; proto++) {
        for (size_t cut = 0; cut < full / 2; cut++) {
            locust_stats_free(s);
            s = slave_table(&c);
            budget_buf b = {cut};
            msgpack_packer_init(&pk, &b, budget_write);
            ck_assert_int_eq(locust__stats_pack_report(s, &pk, (locust__stats_proto)proto), LOCUST_ENOMEM);
            locust_entry_info e;
            ck_assert_int_eq(locust_stats_find(s, "/", "GET", &e), 0);
            ck_assert_uint_eq(e.num_requests, 2);
            ck_assert_uint_eq(locust_stats_error_count(s), 1);
        }
    }
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ck_assert_int_eq(locust__stats_pack_report(NULL, &pk, LOCUST__STATS_PROTO_09), LOCUST_EINVAL);
    ck_assert_int_eq(locust__stats_pack_report(s, NULL, LOCUST__STATS_PROTO_09), LOCUST_EINVAL);
    ck_assert_int_eq(locust__stats_pack_report(s, &pk, (locust__stats_proto)7), LOCUST_EINVAL);
    locust_stats_free(s);
}
END_TEST

/* ---- round trips -------------------------------------------------------------- */

/* A slave reporting every 3 s to a master equals one table fed every request. */
static void round_trip(locust__stats_proto proto, uint64_t seed)
{
    static const char *names[] = {"/", "/a", "/items/[id]"};
    static const char *errors[] = {"HTTPError('500')", "ConnectionError('boom')"};
    fake_clock c = {1000.5};
    locust_stats *slave = stats_on_clock(&c), *ref = stats_on_clock(&c), *master = stats_on_clock(&c);
    locust__rng g;
    locust__rng_seed(&g, seed);
    double next_report = c.now + 3;
    for (int i = 0; i < 1500; i++) {
        c.now += (double)locust__rng_below(&g, 40) / 1000; /* about 30 s in all */
        if (c.now >= next_report) {
            msgpack_sbuffer sb;
            pack_data(slave, proto, &sb);
            merge_ok(master, &sb, proto);
            msgpack_sbuffer_destroy(&sb);
            next_report += 3;
        }
        const char *name = names[locust__rng_below(&g, 3)];
        const char *method = locust__rng_below(&g, 2) ? "GET" : "POST";
        if (locust__rng_below(&g, 8) == 0) {
            const char *err = errors[locust__rng_below(&g, 2)];
            ck_assert_int_eq(locust_stats_log_failure(slave, method, name, 0, err), 0);
            ck_assert_int_eq(locust_stats_log_failure(ref, method, name, 0, err), 0);
        } else {
            double rt = (double)locust__rng_below(&g, 60000) / 4;
            ck_assert_int_eq(locust_stats_log_success(slave, method, name, rt, 10), 0);
            ck_assert_int_eq(locust_stats_log_success(ref, method, name, rt, 10), 0);
        }
    }
    msgpack_sbuffer sb;
    pack_data(slave, proto, &sb);
    merge_ok(master, &sb, proto);
    msgpack_sbuffer_destroy(&sb);
    /*
     * Timestamps follow 0.9.0's delta rules (a report moves them), so only
     * the counts are compared; the 0.9.0 wire has no failures per second.
     */
    assert_same_stats(master, ref, proto == LOCUST__STATS_PROTO_2X ? SAME_FAIL_SECS : SAME_COUNTS);
    locust_stats_free(slave);
    locust_stats_free(ref);
    locust_stats_free(master);
}

START_TEST(round_trip_09)
{
    for (uint64_t seed = 1; seed <= 3; seed++)
        round_trip(LOCUST__STATS_PROTO_09, seed);
}
END_TEST

START_TEST(round_trip_2x)
{
    for (uint64_t seed = 1; seed <= 3; seed++)
        round_trip(LOCUST__STATS_PROTO_2X, seed);
}
END_TEST

START_TEST(single_report_keeps_times)
{
    for (int proto = 1; proto <= 2; proto++) {
        fake_clock c;
        locust_stats *s = slave_table(&c);
        c.now = 1020.5;
        locust_stats *m = stats_on_clock(&c);
        c.now = 1040;
        msgpack_sbuffer sb;
        pack_data(s, (locust__stats_proto)proto, &sb);
        merge_ok(m, &sb, (locust__stats_proto)proto);
        msgpack_sbuffer_destroy(&sb);
        locust_entry_info e;
        ck_assert_int_eq(locust_stats_find(m, "/", "GET", &e), 0);
        ck_assert_double_eq(e.start_time, 1030.25);
        ck_assert_uint_eq(e.num_requests, 2);
        ck_assert_uint_eq(e.num_failures, 1);
        ck_assert_double_eq(e.min_response_time, 12.5);
        ck_assert_int_eq(e.last_request_timestamp, proto == 1 ? 1030 : 1031);
        /*
         * The master's Total advanced to the slave's timestamp: its last
         * success in 0.9.0, its last activity (the failure at 1031.75) in 2.x.
         */
        int64_t L = proto == 1 ? 1030 : 1031;
        ck_assert_int_eq(locust_stats_total(m, &e), 0);
        ck_assert_int_eq(e.last_request_timestamp, L);
        ck_assert_uint_eq(e.num_requests, 2);
        /* ... and took a current-percentile snapshot there. */
        ck_assert_uint_eq(m->ncache, 2);
        ck_assert_int_eq(m->cache[1].t, L);
        ck_assert_uint_eq(m->cache[1].num_requests, 2);
        locust_error_info r;
        ck_assert_int_eq(locust_stats_error(m, 0, &r), 0);
        ck_assert_str_eq(r.error, "HTTPError('500')");
        ck_assert_uint_eq(r.occurrences, 1);
        /* Idle entries are not sent, so the master does not know /idle. */
        ck_assert_int_eq(locust_stats_find(m, "/idle", "POST", &e), LOCUST_ENOENT);
        locust_stats_free(s);
        locust_stats_free(m);
    }
}
END_TEST

START_TEST(failure_only_report_keeps_the_master_min)
{
    fake_clock c;
    locust_stats *s = slave_table(&c), *m = stats_on_clock(&c);
    msgpack_sbuffer sb;
    pack_data(s, LOCUST__STATS_PROTO_09, &sb);
    merge_ok(m, &sb, LOCUST__STATS_PROTO_09);
    msgpack_sbuffer_destroy(&sb);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/", 0, "HTTPError('500')"), 0);
    pack_data(s, LOCUST__STATS_PROTO_09, &sb);
    merge_ok(m, &sb, LOCUST__STATS_PROTO_09);
    msgpack_sbuffer_destroy(&sb);
    /* 0.9.0's master would show min 0 for both now. */
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_find(m, "/", "GET", &e), 0);
    ck_assert(e.has_min);
    ck_assert_double_eq(e.min_response_time, 12.5);
    ck_assert_uint_eq(e.num_failures, 2);
    ck_assert_int_eq(locust_stats_total(m, &e), 0);
    ck_assert_double_eq(e.min_response_time, 12.5);
    locust_error_info r;
    ck_assert_int_eq(locust_stats_error(m, 0, &r), 0);
    ck_assert_uint_eq(r.occurrences, 2);
    locust_stats_free(s);
    locust_stats_free(m);
}
END_TEST

static Suite *wire_suite(void)
{
    Suite *s = suite_create("stats_wire");
    TCase *tc = tcase_create("pack");
    tcase_add_test(tc, report_09_layout);
    tcase_add_test(tc, idle_report_09_is_byte_identical_to_locust);
    tcase_add_test(tc, report_2x_layout);
    tcase_add_test(tc, failed_pack_resets_nothing);
    suite_add_tcase(s, tc);
    tc = tcase_create("round_trip");
    tcase_add_test(tc, round_trip_09);
    tcase_add_test(tc, round_trip_2x);
    tcase_add_test(tc, single_report_keeps_times);
    tcase_add_test(tc, failure_only_report_keeps_the_master_min);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(wire_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
