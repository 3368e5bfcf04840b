/*
 * The precise (log-linear) histogram: its error bound from 1 us to an hour,
 * its memory bound, exact merges (in one process and through the stats
 * payload's extension), the corrected time of scheduled runs and the
 * dropped-run counter.
 */
#include "stats_wire_testutil.h"

#include <math.h>

/* The exact nearest-rank percentile of sorted values. */
static double exact_percentile(const double *sorted, size_t n, double p)
{
    size_t rank = (size_t)ceil(p * (double)n);
    if (rank < 1) rank = 1;
    return sorted[rank - 1];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A deterministic generator (xorshift), so that a failure reproduces. */
static double next_unit(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (double)(*state >> 11) / 9007199254740992.0;
}

static const double PERCENTILES[] = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0};

START_TEST(error_is_under_one_percent_from_1us_to_1h)
{
    /* Log-uniform over 1 us .. 1 h (in ms), and a narrow band, where bucket edges matter most. */
    enum { N = 200000 };
    static double v[N];
    for (int band = 0; band < 2; band++) {
        locust_stats *s;
        ck_assert_int_eq(locust_stats_new(&s), 0);
        uint64_t st = 0x9e3779b97f4a7c15u + (uint64_t)band;
        for (size_t i = 0; i < N; i++) {
            double lo = band ? log(40.0) : log(0.001), hi = band ? log(60.0) : log(3600e3);
            v[i] = exp(lo + (hi - lo) * next_unit(&st));
            ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", v[i], 0), 0);
        }
        qsort(v, N, sizeof(v[0]), cmp_double);
        for (size_t k = 0; k < sizeof(PERCENTILES) / sizeof(PERCENTILES[0]); k++) {
            double got, want = exact_percentile(v, N, PERCENTILES[k]);
            ck_assert(locust_stats_entry_percentile_precise(s, 0, LOCUST_TIME_SERVICE, PERCENTILES[k], &got));
            ck_assert_msg(fabs(got - want) <= 0.01 * want, "band %d p%g: %.9f ms, exact %.9f ms", band,
                          PERCENTILES[k] * 100, got, want);
            /* The Total holds the same samples. */
            double total;
            ck_assert(
                locust_stats_entry_percentile_precise(s, 1, LOCUST_TIME_SERVICE, PERCENTILES[k], &total));
            ck_assert_double_eq(total, got);
        }
        ck_assert_uint_eq(locust_stats_entry_sample_count(s, 0, LOCUST_TIME_SERVICE), N);
        locust_stats_free(s);
    }
}
END_TEST

START_TEST(every_value_in_range_is_within_the_bound)
{
    /* One sample at a time: the single value must come back within 1% (exactly at the extremes). */
    locust__hdr h;
    locust__hdr_init(&h);
    for (double us = 1; us <= 3600e6; us *= 1.0137) {
        locust__hdr_clear(&h);
        uint64_t ns = locust__hdr_ns(us / 1000);
        locust__hdr_record(&h, ns, 1);
        locust__hdr_record(&h, 0, 1);
        locust__hdr_record(&h, LOCUST__HDR_MAX_NS, 1);
        double got;
        ck_assert(locust__hdr_percentile(&h, 0.5, &got));
        ck_assert_msg(fabs(got - us / 1000) <= 0.01 * us / 1000, "%g us came back as %g ms", us, got);
        ck_assert(locust__hdr_percentile(&h, 1.0, &got));
        ck_assert_double_eq(got, (double)LOCUST__HDR_MAX_NS / 1e6);
        ck_assert(locust__hdr_percentile(&h, 0.0, &got));
        ck_assert_double_eq(got, 0);
    }
    locust__hdr_free(&h);
}
END_TEST

START_TEST(memory_is_bounded)
{
    /* Values in every octave: every chunk is allocated, and that is the most a histogram holds. */
    locust__hdr h;
    locust__hdr_init(&h);
    ck_assert_uint_eq(locust__hdr_bytes(&h), sizeof(h));
    for (uint64_t ns = 1; ns <= LOCUST__HDR_MAX_NS; ns = ns * 3 + 1)
        for (int i = 0; i < 64; i++)
            locust__hdr_record(&h, ns + (uint64_t)i * (ns / 64 + 1), 1);
    locust__hdr_record(&h, UINT64_MAX, 1); /* beyond the range: counted as the maximum */
    size_t most = sizeof(h) + LOCUST__HDR_CHUNKS * LOCUST__HDR_SUB * sizeof(uint64_t);
    ck_assert_uint_le(locust__hdr_bytes(&h), most);
    ck_assert_uint_le(most, 19 * 1024);
    ck_assert_uint_eq(h.max_ns, LOCUST__HDR_MAX_NS);
    /* A web service's 1 ms .. 100 ms touches 7 or 8 chunks. */
    locust__hdr w;
    locust__hdr_init(&w);
    for (double ms = 1; ms <= 100; ms += 0.25)
        locust__hdr_record(&w, locust__hdr_ns(ms), 1);
    ck_assert_uint_le(locust__hdr_bytes(&w), sizeof(w) + 8 * 512);
    locust__hdr_free(&w);
    locust__hdr_free(&h);
}
END_TEST

/* Asserts that two histograms hold the same buckets and extremes. */
static void assert_same_hdr(const locust__hdr *a, const locust__hdr *b)
{
    ck_assert_uint_eq(a->total, b->total);
    ck_assert_uint_eq(a->min_ns, b->min_ns);
    ck_assert_uint_eq(a->max_ns, b->max_ns);
    size_t pa = 0, pb = 0, ia, ib;
    uint64_t ca, cb;
    bool more;
    while ((more = locust__hdr_next(a, &pa, &ia, &ca))) {
        ck_assert(locust__hdr_next(b, &pb, &ib, &cb));
        ck_assert_uint_eq(ia, ib);
        ck_assert_uint_eq(ca, cb);
    }
    ck_assert(!locust__hdr_next(b, &pb, &ib, &cb));
}

/* Logs the same samples into `all` and, alternately, into one of the slaves. */
static void feed(locust_stats *all, locust_stats **slaves, size_t nslaves, size_t n)
{
    uint64_t st = 12345;
    for (size_t i = 0; i < n; i++) {
        double rt = 0.2 + 300 * next_unit(&st) * next_unit(&st);
        double late = i % 7 == 0 ? 2000 * next_unit(&st) : 0;
        const char *name = i % 3 ? "/a" : "/b";
        ck_assert_int_eq(locust_stats_log_success_scheduled(all, "GET", name, rt, rt + late, 10), 0);
        ck_assert_int_eq(
            locust_stats_log_success_scheduled(slaves[i % nslaves], "GET", name, rt, rt + late, 10), 0);
        if (i % 1000 == 0) {
            ck_assert_int_eq(locust_stats_add_dropped(all, 3), 0);
            ck_assert_int_eq(locust_stats_add_dropped(slaves[i % nslaves], 3), 0);
        }
    }
}

START_TEST(merge_in_process_is_exact)
{
    locust_stats *all, *a, *b, *merged;
    ck_assert_int_eq(locust_stats_new(&all), 0);
    ck_assert_int_eq(locust_stats_new(&a), 0);
    ck_assert_int_eq(locust_stats_new(&b), 0);
    ck_assert_int_eq(locust_stats_new(&merged), 0);
    locust_stats *slaves[] = {a, b};
    feed(all, slaves, 2, 20000);
    ck_assert_int_eq(locust_stats_merge(merged, a), 0);
    ck_assert_int_eq(locust_stats_merge(merged, b), 0);
    for (size_t i = 0; i <= locust_stats_entry_count(all); i++) {
        assert_same_hdr(&locust__stats_entry_at(all, i)->precise,
                        &locust__stats_entry_at(merged, i)->precise);
        assert_same_hdr(&locust__stats_entry_at(all, i)->corrected,
                        &locust__stats_entry_at(merged, i)->corrected);
    }
    ck_assert_uint_eq(locust_stats_dropped_runs(merged), locust_stats_dropped_runs(all));
    ck_assert_uint_eq(locust_stats_dropped_runs(all), 60);
    locust_stats_free(all);
    locust_stats_free(a);
    locust_stats_free(b);
    locust_stats_free(merged);
}
END_TEST

/* Ships a slave's report to a master table over the wire, as the distributed mode does. */
static void ship(locust_stats *slave, locust_stats *master, locust__stats_proto proto)
{
    msgpack_sbuffer sb;
    pack_data(slave, proto, &sb);
    msgpack_unpacked u;
    unpack(sb.data, sb.size, &u);
    char err[256];
    ck_assert_msg(locust__stats_merge_payload(master, &u.data, proto, err, sizeof(err)) == 0, "%s", err);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

START_TEST(merge_over_the_wire_is_exact)
{
    locust__stats_proto protos[] = {LOCUST__STATS_PROTO_09, LOCUST__STATS_PROTO_2X};
    for (int k = 0; k < 2; k++) {
        locust_stats *all, *slaves[3], *master;
        ck_assert_int_eq(locust_stats_new(&all), 0);
        ck_assert_int_eq(locust_stats_new(&master), 0);
        for (int i = 0; i < 3; i++)
            ck_assert_int_eq(locust_stats_new(&slaves[i]), 0);
        /* Two rounds of reports: the master adds deltas. */
        for (int round = 0; round < 2; round++) {
            feed(all, slaves, 3, 9000);
            for (int i = 0; i < 3; i++)
                ship(slaves[i], master, protos[k]);
        }
        ck_assert_uint_eq(locust_stats_entry_count(master), 2);
        for (size_t i = 0; i <= 2; i++) {
            assert_same_hdr(&locust__stats_entry_at(all, i)->precise,
                            &locust__stats_entry_at(master, i)->precise);
            assert_same_hdr(&locust__stats_entry_at(all, i)->corrected,
                            &locust__stats_entry_at(master, i)->corrected);
            double p1, p2;
            ck_assert(locust_stats_entry_percentile_precise(all, i, LOCUST_TIME_CORRECTED, 0.999, &p1));
            ck_assert(locust_stats_entry_percentile_precise(master, i, LOCUST_TIME_CORRECTED, 0.999, &p2));
            ck_assert_double_eq(p1, p2);
        }
        ck_assert_uint_eq(locust_stats_dropped_runs(master), locust_stats_dropped_runs(all));
        /* A report resets the slave's precise histograms and dropped count with the rest. */
        ck_assert_uint_eq(locust_stats_entry_sample_count(slaves[0], 0, LOCUST_TIME_SERVICE), 0);
        ck_assert_uint_eq(locust_stats_dropped_runs(slaves[0]), 0);
        for (int i = 0; i < 3; i++)
            locust_stats_free(slaves[i]);
        locust_stats_free(master);
        locust_stats_free(all);
    }
}
END_TEST

START_TEST(idle_entries_carry_no_extension)
{
    locust_stats *s;
    ck_assert_int_eq(locust_stats_new(&s), 0);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/f", 0, "boom"), 0);
    msgpack_sbuffer sb;
    pack_data(s, LOCUST__STATS_PROTO_09, &sb);
    msgpack_unpacked u;
    unpack(sb.data, sb.size, &u);
    /* Failures only: no sample, so the entry and the Total keep 0.9.0's 12 keys. */
    ck_assert_uint_eq(get(&u.data, "stats")->via.array.ptr[0].via.map.size, 12);
    ck_assert_uint_eq(get(&u.data, "stats_total")->via.map.size, 12);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    /* Dropped runs alone are worth the key on the Total. */
    ck_assert_int_eq(locust_stats_add_dropped(s, 5), 0);
    pack_data(s, LOCUST__STATS_PROTO_09, &sb);
    unpack(sb.data, sb.size, &u);
    msgpack_object *ext = get(get(&u.data, "stats_total"), "liblocust_hdr");
    ck_assert_uint_eq(get(ext, "dropped")->via.u64, 5);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    locust_stats_free(s);
}
END_TEST

/* Merges a one-entry payload whose extension is `ext_hex` (msgpack) and returns the error text. */
static int merge_ext(const char *ext, size_t ext_len, char *err, size_t errlen)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    msgpack_pack_str_with_body(&pk, "stats", 5);
    msgpack_pack_array(&pk, 0);
    msgpack_pack_str_with_body(&pk, "stats_total", 11);
    msgpack_pack_map(&pk, 3);
    msgpack_pack_str_with_body(&pk, "name", 4);
    msgpack_pack_str_with_body(&pk, "Total", 5);
    msgpack_pack_str_with_body(&pk, "method", 6);
    msgpack_pack_nil(&pk);
    msgpack_pack_str_with_body(&pk, "liblocust_hdr", 13);
    msgpack_sbuffer_write(&sb, ext, ext_len);
    msgpack_pack_str_with_body(&pk, "errors", 6);
    msgpack_pack_map(&pk, 0);
    msgpack_unpacked u;
    unpack(sb.data, sb.size, &u);
    locust_stats *s;
    ck_assert_int_eq(locust_stats_new(&s), 0);
    int rc = locust__stats_merge_payload(s, &u.data, LOCUST__STATS_PROTO_2X, err, errlen);
    if (rc == 0) {
        double p;
        ck_assert(locust_stats_entry_percentile_precise(s, 0, LOCUST_TIME_SERVICE, 0.5, &p));
        ck_assert_double_eq(p, 0.000064); /* bucket 64 holds exactly 64 ns */
    }
    locust_stats_free(s);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

START_TEST(bad_extension_is_refused_with_its_field)
{
    char err[256];
    char buf[64];
    /* {"service": [64, 64, {64: 2}]} */
    size_t n = unhex("81a773657276696365934040814002", buf);
    ck_assert_int_eq(merge_ext(buf, n, err, sizeof(err)), 0);
    /* A bucket beyond the last one. */
    n = unhex("81a7736572766963659340cd0fff81cd0fff02", buf);
    ck_assert_int_eq(merge_ext(buf, n, err, sizeof(err)), LOCUST_EPROTO);
    ck_assert_str_eq(err,
                     "stats_total.liblocust_hdr: service: bucket index int is not an integer in [0, 2367]");
    /* min above max. */
    n = unhex("81a77365727669636593414081400a", buf);
    ck_assert_int_eq(merge_ext(buf, n, err, sizeof(err)), LOCUST_EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "min <= max"));
    /* Not a map at all. */
    n = unhex("a3666f6f", buf);
    ck_assert_int_eq(merge_ext(buf, n, err, sizeof(err)), LOCUST_EPROTO);
    ck_assert_str_eq(err, "stats_total.liblocust_hdr: expected a map, got str");
    /* A negative dropped count. */
    n = unhex("81a764726f70706564ff", buf);
    ck_assert_int_eq(merge_ext(buf, n, err, sizeof(err)), LOCUST_EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "dropped"));
}
END_TEST

START_TEST(corrected_time_is_never_below_the_service_time)
{
    locust_stats *s;
    ck_assert_int_eq(locust_stats_new(&s), 0);
    ck_assert_int_eq(locust_stats_log_success_scheduled(s, "GET", "/", 50, 49, 0), LOCUST_EINVAL);
    ck_assert_int_eq(locust_stats_log_success_scheduled(s, "GET", "/", 50, NAN, 0), LOCUST_EINVAL);
    ck_assert_int_eq(locust_stats_log_success_scheduled(s, "GET", "/", 50, 2050, 0), 0);
    ck_assert_int_eq(locust_stats_log_success_scheduled(s, "GET", "/", 50, -1, 0), 0); /* not scheduled */
    ck_assert_uint_eq(locust_stats_entry_sample_count(s, 0, LOCUST_TIME_SERVICE), 2);
    ck_assert_uint_eq(locust_stats_entry_sample_count(s, 0, LOCUST_TIME_CORRECTED), 1);
    double p;
    ck_assert(locust_stats_entry_percentile_precise(s, 0, LOCUST_TIME_CORRECTED, 0.5, &p));
    ck_assert_double_eq(p, 2050);
    ck_assert(!locust_stats_entry_percentile_precise(s, 2, LOCUST_TIME_SERVICE, 0.5, &p));
    ck_assert(!locust_stats_entry_percentile_precise(s, 0, (locust_time_kind)7, 0.5, &p));
    /* 0.9.0's numbers do not change: one success of 50 ms each. */
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_entry(s, 0, &e), 0);
    ck_assert_uint_eq(e.num_requests, 2);
    ck_assert_double_eq(e.max_response_time, 50);
    locust_stats_reset(s);
    ck_assert_uint_eq(locust_stats_entry_sample_count(s, 0, LOCUST_TIME_CORRECTED), 0);
    locust_stats_free(s);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("stats_hdr");
    TCase *tc = tcase_create("hdr");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, error_is_under_one_percent_from_1us_to_1h);
    tcase_add_test(tc, every_value_in_range_is_within_the_bound);
    tcase_add_test(tc, memory_is_bounded);
    tcase_add_test(tc, merge_in_process_is_exact);
    tcase_add_test(tc, merge_over_the_wire_is_exact);
    tcase_add_test(tc, idle_entries_carry_no_extension);
    tcase_add_test(tc, bad_extension_is_refused_with_its_field);
    tcase_add_test(tc, corrected_time_is_never_below_the_service_time);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
