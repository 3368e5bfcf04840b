/*
 * The limits of the statistics table, as a specification: past 10,000
 * names (and 10,000 error rows) nothing is dropped, it is counted in the
 * overflow entries and rows, locally and when a master merges its slaves'
 * reports; counts from the wire that would overflow are refused naming the
 * field, and sums saturate instead of wrapping.
 */
#include "stats_testutil.h"
#include "stats_wire_testutil.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The i-th entry of a payload's "stats", and the first row of its "errors". */
static msgpack_object *entry_at(msgpack_object *d, int i)
{
    return &get(d, "stats")->via.array.ptr[i];
}

static msgpack_object *first_error(msgpack_object *d)
{
    return &get(d, "errors")->via.map.ptr[0].val;
}

static void set_float(msgpack_object *o, double v)
{
    o->type = MSGPACK_OBJECT_FLOAT64;
    o->via.f64 = v;
}

/* Log records of the stats' logger, kept by a test sink. */
static int cap_warnings;
static char cap_warning[2048];

static void keep_warnings(locust_log_level level, const char *logger, const char *msg, void *udata)
{
    if (level == LOCUST_LOG_WARNING && strcmp(logger, "locust.stats") == 0) {
        cap_warnings++;
        snprintf(cap_warning, sizeof(cap_warning), "%s", msg);
    }
}

START_TEST(requests_past_the_entry_cap_are_counted_in_the_overflow_entry)
{
    fake_clock c = {1000.5};
    locust_stats *s = stats_on_clock(&c);
    cap_warnings = 0;
    locust_log_set(keep_warnings, NULL, LOCUST_LOG_WARNING);
    char name[32];
    for (int i = 0; i < LOCUST__STATS_MAX_ENTRIES; i++) {
        snprintf(name, sizeof(name), "/%d", i);
        ck_assert_int_eq(locust_stats_log_failure(s, "GET", name, 0, name), 0);
    }
    ck_assert_int_eq(cap_warnings, 0);
    /* Past the cap: new names go to the overflow entry of their method; nothing is refused. */
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "/new/%d", i);
        ck_assert_int_eq(locust_stats_log_success(s, i % 2 ? "POST" : "GET", name, 7, 10), 0);
    }
    ck_assert_int_eq(cap_warnings, 1);
    ck_assert_msg(strstr(cap_warning, "10000") && strstr(cap_warning, "(other names)") &&
                      strstr(cap_warning, ".name"),
                  "warning: %s", cap_warning);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/one-too-many", 1, "x"), 0);
    ck_assert_uint_eq(locust_stats_entry_count(s), LOCUST__STATS_MAX_ENTRIES + 2);
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_find(s, "(other names)", "GET", &e), 0);
    ck_assert_uint_eq(e.num_requests, 2500);
    ck_assert_uint_eq(e.num_failures, 1);
    ck_assert_int_eq(locust_stats_find(s, "(other names)", "POST", &e), 0);
    ck_assert_uint_eq(e.num_requests, 2500);
    ck_assert_int_eq(locust_stats_find(s, "/new/1", "POST", &e), LOCUST_ENOENT);
    /* Existing entries still count as themselves. */
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/0", 0, "another error"), 0);
    ck_assert_int_eq(locust_stats_find(s, "/0", "GET", &e), 0);
    ck_assert_uint_eq(e.num_failures, 2);
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_uint_eq(e.num_requests, 5000);
    ck_assert_uint_eq(e.num_failures, LOCUST__STATS_MAX_ENTRIES + 2);

    /* The error table: two errors past its cap share the overflow row, with one warning of its own. */
    ck_assert_uint_eq(locust_stats_error_count(s), LOCUST__STATS_MAX_ERRORS + 1);
    ck_assert_int_eq(cap_warnings, 2);
    locust_error_info row;
    ck_assert_int_eq(locust_stats_error(s, LOCUST__STATS_MAX_ERRORS, &row), 0);
    ck_assert_str_eq(row.method, "GET");
    ck_assert_str_eq(row.name, "(other names)");
    ck_assert_str_eq(row.error, "(other errors)");
    ck_assert_uint_eq(row.occurrences, 2);

    /* At most 16 overflow entries: the last one takes every further method. */
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "M%d", i);
        ck_assert_int_eq(locust_stats_log_success(s, name, "/yet-another", 1, 0), 0);
    }
    ck_assert_uint_eq(locust_stats_entry_count(s), LOCUST__STATS_MAX_ENTRIES + LOCUST__STATS_MAX_OVERFLOW);
    ck_assert_int_eq(locust_stats_find(s, "(other names)", "(other methods)", &e), 0);
    ck_assert_uint_eq(e.num_requests, 40 - (LOCUST__STATS_MAX_OVERFLOW - 3));
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_uint_eq(e.num_requests, 5040);
    ck_assert_int_eq(cap_warnings, 2);

    locust_stats_clear(s);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/one-too-many", 1, 0), 0);
    ck_assert_int_eq(locust_stats_find(s, "/one-too-many", "GET", &e), 0);
    testutil_quiet_logs();
    locust_stats_free(s);
}
END_TEST

/* A slave's table with `names` distinct GET names from `first` on, one success each, and `errors` distinct
 * errors. */
static locust_stats *busy_slave(fake_clock *c, int first, int names, int errors)
{
    locust_stats *s = stats_on_clock(c);
    char name[32];
    for (int i = 0; i < names; i++) {
        snprintf(name, sizeof(name), "/s%d", first + i);
        ck_assert_int_eq(locust_stats_log_success(s, "GET", name, 1, 0), 0);
    }
    for (int i = 0; i < errors; i++) {
        snprintf(name, sizeof(name), "error %d", i);
        ck_assert_int_eq(locust_stats_log_failure(s, "POST", "/e", 0, name), 0);
    }
    return s;
}

START_TEST(reports_past_the_caps_are_merged_into_the_overflow_entries)
{
    fake_clock c = {1000.5};
    locust_stats *m = stats_on_clock(&c);
    char name[32];
    for (int i = 0; i < LOCUST__STATS_MAX_ENTRIES - 1; i++) {
        snprintf(name, sizeof(name), "/m%d", i);
        ck_assert_int_eq(locust_stats_log_success(m, "GET", name, 1, 0), 0);
    }
    /* A report of more entries than the cap (the slave's own overflow entry among them) is merged, never
     * refused. */
    locust_stats *slave = busy_slave(&c, 0, 12000, 10500);
    ck_assert_uint_eq(locust_stats_entry_count(slave), LOCUST__STATS_MAX_ENTRIES + 2);
    msgpack_sbuffer sb;
    pack_data(slave, LOCUST__STATS_PROTO_09, &sb);
    merge_ok(m, &sb, LOCUST__STATS_PROTO_09);
    msgpack_sbuffer_destroy(&sb);
    locust_stats_free(slave);
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_total(m, &e), 0);
    ck_assert_uint_eq(e.num_requests, LOCUST__STATS_MAX_ENTRIES - 1 + 12000);
    ck_assert_uint_eq(e.num_failures, 10500);
    /* The master had room for one more name; the rest went to its overflow entries. */
    ck_assert_uint_eq(locust_stats_entry_count(m), LOCUST__STATS_MAX_ENTRIES + 2);
    ck_assert_int_eq(locust_stats_find(m, "(other names)", "GET", &e), 0);
    ck_assert_uint_eq(e.num_requests, 12000 - 1);
    ck_assert_int_eq(locust_stats_find(m, "(other names)", "POST", &e), 0);
    ck_assert_uint_eq(e.num_failures, 10500);
    /* The error rows past the cap arrive in the slave's overflow row and stay in the master's. */
    ck_assert_uint_eq(locust_stats_error_count(m), LOCUST__STATS_MAX_ERRORS + 1);
    locust_error_info row;
    ck_assert_int_eq(locust_stats_error(m, LOCUST__STATS_MAX_ERRORS, &row), 0);
    ck_assert_str_eq(row.name, "(other names)");
    ck_assert_str_eq(row.error, "(other errors)");
    ck_assert_uint_eq(row.occurrences, 500);

    /* A second slave whose names the master has not seen either: every request still counts. */
    slave = busy_slave(&c, 50000, 3000, 0);
    pack_data(slave, LOCUST__STATS_PROTO_09, &sb);
    merge_ok(m, &sb, LOCUST__STATS_PROTO_09);
    msgpack_sbuffer_destroy(&sb);
    locust_stats_free(slave);
    ck_assert_int_eq(locust_stats_total(m, &e), 0);
    ck_assert_uint_eq(e.num_requests, LOCUST__STATS_MAX_ENTRIES - 1 + 15000);
    ck_assert_int_eq(locust_stats_find(m, "(other names)", "GET", &e), 0);
    ck_assert_uint_eq(e.num_requests, 15000 - 1);
    ck_assert_uint_eq(locust_stats_entry_count(m), LOCUST__STATS_MAX_ENTRIES + 2);
    locust_stats_free(m);
}
END_TEST

static void set_u64(msgpack_object *o, uint64_t v)
{
    o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
    o->via.u64 = v;
}

/* The first value of an entry's response_times map. */
static msgpack_object *first_bucket(msgpack_object *e)
{
    return &get(e, "response_times")->via.map.ptr[0].val;
}

START_TEST(numbers_that_would_overflow_are_refused_or_saturate)
{
    fake_clock c = {1000.5};
    locust_stats *slave = stats_on_clock(&c);
    ck_assert_int_eq(locust_stats_log_success(slave, "GET", "/a", 12, 1), 0);
    ck_assert_int_eq(locust_stats_log_failure(slave, "GET", "/a", 0, "boom"), 0);
    msgpack_sbuffer sb;
    pack_data(slave, LOCUST__STATS_PROTO_09, &sb);
    locust_stats_free(slave);
    locust_stats *m = stats_on_clock(&c);
    char err[256];

    /* A count above 2^53 is refused, naming the field: no real report holds one. */
    static const char *const fields[] = {"num_requests", "num_failures", "total_content_length"};
    for (size_t i = 0; i < 3; i++) {
        msgpack_unpacked u;
        unpack(sb.data, sb.size, &u);
        set_u64(get(entry_at(&u.data, 0), fields[i]), UINT64_MAX);
        ck_assert_int_eq(locust__stats_merge_payload(m, &u.data, LOCUST__STATS_PROTO_09, err, sizeof(err)),
                         LOCUST_EPROTO);
        char want[160];
        snprintf(want, sizeof(want),
                 "stats[0].%s: 18446744073709551615 is above the limit of 9007199254740992", fields[i]);
        ck_assert_str_eq(err, want);
        msgpack_unpacked_destroy(&u);
    }
    msgpack_unpacked u;
    unpack(sb.data, sb.size, &u);
    set_u64(first_bucket(entry_at(&u.data, 0)), UINT64_MAX);
    ck_assert_int_eq(locust__stats_merge_payload(m, &u.data, LOCUST__STATS_PROTO_09, err, sizeof(err)),
                     LOCUST_EPROTO);
    ck_assert_str_eq(err, "stats[0].response_times value: 18446744073709551615 is above the limit of "
                          "9007199254740992");
    msgpack_unpacked_destroy(&u);
    unpack(sb.data, sb.size, &u);
    set_u64(get(first_error(&u.data), "occurences"), UINT64_MAX);
    ck_assert_int_eq(locust__stats_merge_payload(m, &u.data, LOCUST__STATS_PROTO_09, err, sizeof(err)),
                     LOCUST_EPROTO);
    ck_assert(strstr(err, "occurences: 18446744073709551615 is above the limit") != NULL);
    msgpack_unpacked_destroy(&u);
    unpack(sb.data, sb.size, &u);
    set_float(get(entry_at(&u.data, 0), "total_response_time"), 1e300);
    ck_assert_int_eq(locust__stats_merge_payload(m, &u.data, LOCUST__STATS_PROTO_09, err, sizeof(err)),
                     LOCUST_EPROTO);
    ck_assert(strstr(err, "stats[0].total_response_time: 1e+300 is out of range") != NULL);
    msgpack_unpacked_destroy(&u);
    ck_assert_uint_eq(m->total.num_requests, 0);

    /* Counts at the limit, merged again and again, saturate there: they never wrap. */
    const uint64_t max = 9007199254740992u;
    for (int i = 0; i < 3; i++) {
        unpack(sb.data, sb.size, &u);
        msgpack_object *objs[2] = {entry_at(&u.data, 0), get(&u.data, "stats_total")};
        for (int k = 0; k < 2; k++) {
            set_u64(get(objs[k], "num_requests"), max);
            set_u64(get(objs[k], "num_failures"), max);
            set_u64(get(objs[k], "total_content_length"), max);
            set_u64(first_bucket(objs[k]), max);
            set_float(get(objs[k], "total_response_time"), 1e27);
        }
        set_u64(get(first_error(&u.data), "occurences"), max);
        ck_assert_int_eq(locust__stats_merge_payload(m, &u.data, LOCUST__STATS_PROTO_09, err, sizeof(err)),
                         0);
        msgpack_unpacked_destroy(&u);
    }
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_total(m, &e), 0);
    ck_assert_uint_eq(e.num_requests, max);
    ck_assert_uint_eq(e.num_failures, max);
    ck_assert_uint_eq(e.total_content_length, max);
    ck_assert_double_eq(e.fail_ratio, 0.5);
    ck_assert(isfinite(e.total_response_time) && e.total_response_time >= 1e27);
    ck_assert_int_eq(locust_stats_find(m, "/a", "GET", &e), 0);
    ck_assert_uint_eq(e.num_requests, max);
    ck_assert_double_eq(e.median_response_time, 12);
    double p;
    ck_assert(locust_stats_percentile(m, 0, 0.95, &p));
    ck_assert_double_eq(p, 12);
    locust_error_info row;
    ck_assert_int_eq(locust_stats_error(m, 0, &row), 0);
    ck_assert_uint_eq(row.occurrences, max);
    ck_assert_uint_eq(m->total.hist.total, max);
    msgpack_sbuffer_destroy(&sb);
    locust_stats_free(m);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("stats_caps");
    TCase *tc = tcase_create("caps");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, requests_past_the_entry_cap_are_counted_in_the_overflow_entry);
    tcase_add_test(tc, reports_past_the_caps_are_merged_into_the_overflow_entries);
    tcase_add_test(tc, numbers_that_would_overflow_are_refused_or_saturate);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
