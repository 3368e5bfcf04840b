/*
 * The statistics table as a specification: Locust's bucketing, the median
 * and percentile rules, request rates, the error table, reset and clear, the
 * current-percentile cache and merging (docs/compatibility.md §3).
 */
#include "stats_testutil.h"

#include "core/core.h"

#include <math.h>
#include <time.h>

/* ---- bucketing ---------------------------------------------------------- */

START_TEST(rounding_follows_python3_round_half_even)
{
    /* Spec §3.4 and its checked examples, plus the whole-ms buckets below 100 ms. */
    static const struct {
        double rt;
        int64_t key;
    } cases[] = {
        {145.0, 140},      {155.0, 160},   {1250.0, 1200}, {995, 1000},    {147, 150},
        {3432, 3400},      {58760, 59000}, {100.4, 100},   {999.6, 1000},  {0, 0},
        {0.5, 0},          {1.5, 2},       {2.5, 2},       {55.5, 56},     {99.4, 99},
        {99.5, 100},       {12.3, 12},     {100, 100},     {105, 100},     {115, 120},
        {9950, 10000},     {9949.9, 9900}, {10500, 10000}, {11500, 12000}, {10499, 10000},
        {145.000001, 150}, {1000, 1000},   {1050, 1000},   {1150, 1200},   {2e6 + 500, 2000000},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(locust__rt_key(cases[i].rt) == cases[i].key, "rt %.17g gave %lld, expected %lld",
                      cases[i].rt, (long long)locust__rt_key(cases[i].rt), (long long)cases[i].key);
}
END_TEST

START_TEST(logged_times_land_in_rounded_buckets)
{
    fake_clock c = {1000.5};
    locust_stats *s = stats_on_clock(&c);
    double rts[] = {145.0, 155.0, 1250.0, 995, 12.3, 58760, 58760};
    for (size_t i = 0; i < sizeof(rts) / sizeof(rts[0]); i++)
        ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", rts[i], 0), 0);
    const locust__hist *h = &s->entries[0]->hist;
    ck_assert_uint_eq(locust__hist_count(h, 140), 1);
    ck_assert_uint_eq(locust__hist_count(h, 160), 1);
    ck_assert_uint_eq(locust__hist_count(h, 1200), 1);
    ck_assert_uint_eq(locust__hist_count(h, 1000), 1);
    ck_assert_uint_eq(locust__hist_count(h, 12), 1);
    ck_assert_uint_eq(locust__hist_count(h, 59000), 2);
    ck_assert_uint_eq(h->total, 7);
    /* min, max and the sum keep full precision. */
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_find(s, "/", "GET", &e), 0);
    ck_assert_double_eq(e.min_response_time, 12.3);
    ck_assert_double_eq(e.max_response_time, 58760);
    ck_assert_double_eq_tol(e.total_response_time, 145 + 155 + 1250 + 995 + 12.3 + 2 * 58760, 1e-9);
    locust_stats_free(s);
}
END_TEST

START_TEST(big_keys_are_capped_and_folded)
{
    locust__hist h;
    locust__hist_init(&h);
    /* More distinct whole-second keys than the cap: samples are kept, keys are not. */
    for (int64_t i = 0; i < LOCUST__HIST_BIG_MAX + 10; i++)
        locust__hist_add(&h, 10000 + 1000 * i, 1);
    ck_assert_uint_eq(h.nbig, LOCUST__HIST_BIG_MAX);
    ck_assert_uint_eq(h.total, LOCUST__HIST_BIG_MAX + 10);
    uint64_t sum = 0;
    for (size_t i = 0; i < h.nbig; i++)
        sum += h.big[i].count;
    ck_assert_uint_eq(sum, LOCUST__HIST_BIG_MAX + 10);
    /* The overflow went to the largest key, the nearest one. */
    ck_assert_uint_eq(h.big[h.nbig - 1].count, 11);
    locust__hist_free(&h);
}
END_TEST

/* ---- median and percentiles --------------------------------------------- */

/* The spec's 10-value example (§3.5). 1.2, 12.3 and 55.5 become 1, 12 and 56; 99.99 becomes 100. */
static locust_stats *spec_ten(fake_clock *c)
{
    locust_stats *s = stats_on_clock(c);
    double rts[] = {1.2, 12.3, 55.5, 99.99, 100, 150, 1000, 1000, 3400, 59000};
    for (size_t i = 0; i < 10; i++)
        ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", rts[i], 0), 0);
    return s;
}

START_TEST(median_is_the_lower_median_and_differs_from_p50)
{
    fake_clock c = {1000.5};
    locust_stats *s = spec_ten(&c);
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_entry(s, 0, &e), 0);
    ck_assert_double_eq(e.median_response_time, 100);
    double p;
    ck_assert(locust_stats_percentile(s, 0, 0.5, &p));
    ck_assert_double_eq(p, 150);
    /* The other columns of the percentile table, by the descending rule. */
    static const double ps[] = {0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 1.0, 0.0};
    static const double want[] = {1000, 1000, 3400, 59000, 59000, 59000, 59000, 59000, 1};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        ck_assert(locust_stats_percentile(s, 0, ps[i], &p));
        ck_assert_msg(p == want[i], "p%.2f = %g, expected %g", ps[i], p, want[i]);
    }
    /* Total holds the same requests. */
    ck_assert(locust_stats_percentile(s, 1, 0.5, &p));
    ck_assert_double_eq(p, 150);
    locust_stats_free(s);
}
END_TEST

START_TEST(median_of_even_and_odd_counts)
{
    fake_clock c = {1000.5};
    locust_stats *s = stats_on_clock(&c);
    locust_entry_info e;
    /* Empty: 0 and no percentile. */
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_double_eq(e.median_response_time, 0);
    double p;
    ck_assert(!locust_stats_percentile(s, 0, 0.5, &p));
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 20, 0), 0);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 30, 0), 0);
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_double_eq(e.median_response_time, 20); /* index floor((2-1)/2) = 0 */
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 40, 0), 0);
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_double_eq(e.median_response_time, 30);
    locust_stats_free(s);
}
END_TEST

/* ---- rates and ratios ------------------------------------------------- */

START_TEST(current_rps_averages_seconds_L12_to_L3)
{
    fake_clock c = {1000.5};
    locust_stats *s = stats_on_clock(&c);
    /* Successes at 1001 (x3), 1005 (x2), 1010 (x4), 1013 and 1015; failures do not count. */
    static const struct {
        double t;
        int n;
    } at[] = {{1001.2, 3}, {1005.1, 2}, {1010.9, 4}, {1013.0, 1}, {1015.7, 1}};
    for (size_t i = 0; i < 5; i++) {
        c.now = at[i].t;
        for (int k = 0; k < at[i].n; k++)
            ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 10, 0), 0);
    }
    c.now = 1011.5;
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/", 0, "x"), 0);
    /* L = 1015, window 1003 .. 1012 (10 seconds) holding 2 + 4 successes. */
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_int_eq(e.last_request_timestamp, 1015);
    ck_assert_double_eq_tol(e.current_rps, 0.6, 1e-12);
    /* total_rps = successes / (L - S) = 11 / 14.5. */
    ck_assert_double_eq_tol(e.total_rps, 11 / 14.5, 1e-12);
    /* The window follows the last request, not the clock. */
    c.now = 5000;
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_double_eq_tol(e.current_rps, 0.6, 1e-12);
    /* A late start_time shortens the window: start = max(L-12, int(S)) = 1008, window 1008 .. 1012. */
    locust_stats_set_start_time(s, 1008.7);
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_double_eq_tol(e.current_rps, 4 / 5.0, 1e-12);
    /* A start_time after L-3 leaves no second: 0. */
    locust_stats_set_start_time(s, 1014.2);
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_double_eq(e.current_rps, 0);
    /* total_rps divides by at least 1 second. */
    ck_assert_double_eq(e.total_rps, 11);
    locust_stats_free(s);
}
END_TEST

START_TEST(entry_rates_use_the_total_timestamp)
{
    fake_clock c = {1000.5};
    locust_stats *s = stats_on_clock(&c);
    c.now = 1005.5;
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/a", 10, 0), 0);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/a", 10, 0), 0);
    c.now = 1020.5;
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/b", 10, 0), 0);
    /* L = 1020 for /a too: its window 1008 .. 1017 holds nothing. */
    locust_entry_info a;
    ck_assert_int_eq(locust_stats_find(s, "/a", "GET", &a), 0);
    ck_assert_int_eq(a.last_request_timestamp, 1005);
    ck_assert_double_eq(a.current_rps, 0);
    ck_assert_double_eq_tol(a.total_rps, 2 / 19.5, 1e-12);
    c.now = 1015.5;
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/b", 10, 0), 0);
    /* The Total's timestamp is the last logged second (1015), even going back; /a's 1005 is now in. */
    ck_assert_int_eq(locust_stats_find(s, "/a", "GET", &a), 0);
    ck_assert_double_eq_tol(a.current_rps, 2 / 10.0, 1e-12);
    locust_stats_free(s);
}
END_TEST

START_TEST(total_rps_is_zero_without_a_start_time)
{
    fake_clock c = {1000.5};
    locust_stats *s = stats_on_clock(&c);
    c.now = 1010;
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 10, 0), 0);
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_double_eq_tol(e.total_rps, 1 / 9.5, 1e-12);
    locust_stats_set_start_time(s, 0);
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_double_eq(e.total_rps, 0);
    locust_stats_free(s);
}
END_TEST

START_TEST(fail_ratio_counts_failures_against_all_attempts)
{
    fake_clock c = {1000.5};
    locust_stats *s = stats_on_clock(&c);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 10, 100), 0);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/", 10, "boom"), 0);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/fail", 10, "boom"), 0);
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_find(s, "/", "GET", &e), 0);
    ck_assert_uint_eq(e.num_requests, 3); /* failures are not requests in 0.9.0 */
    ck_assert_uint_eq(e.num_failures, 1);
    ck_assert_double_eq(e.fail_ratio, 0.25);
    ck_assert_double_eq(e.avg_content_length, 100);
    ck_assert_int_eq(locust_stats_find(s, "/fail", "GET", &e), 0);
    ck_assert_double_eq(e.fail_ratio, 1.0);
    ck_assert(!e.has_min);
    ck_assert_double_eq(e.avg_response_time, 0);
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_uint_eq(e.num_requests, 3);
    ck_assert_uint_eq(e.num_failures, 2);
    ck_assert_double_eq(e.fail_ratio, 0.4);
    /* Failures never reach the histogram. */
    ck_assert_uint_eq(s->total.hist.total, 3);
    locust_stats_reset(s);
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_double_eq(e.fail_ratio, 0);
    locust_stats_free(s);
}
END_TEST

/* ---- listing, errors, bad input --------------------------------------- */

START_TEST(entries_are_listed_by_name_then_method)
{
    fake_clock c = {1000.5};
    locust_stats *s = stats_on_clock(&c);
    ck_assert_int_eq(locust_stats_log_success(s, "POST", "/b", 1, 0), 0);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/b", 1, 0), 0);
    ck_assert_int_eq(locust_stats_log_success(s, "POST", "/a", 1, 0), 0);
    ck_assert_int_eq(locust_stats_log_success(s, NULL, "/a", 1, 0), 0);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/B", 1, "x"), 0);
    ck_assert_uint_eq(locust_stats_entry_count(s), 5);
    static const char *names[] = {"/B", "/a", "/a", "/b", "/b"};
    static const char *methods[] = {"GET", NULL, "POST", "GET", "POST"};
    for (size_t i = 0; i < 5; i++) {
        locust_entry_info e;
        ck_assert_int_eq(locust_stats_entry(s, i, &e), 0);
        ck_assert_str_eq(e.name, names[i]);
        if (methods[i])
            ck_assert_str_eq(e.method, methods[i]);
        else
            ck_assert_ptr_null(e.method);
    }
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_entry(s, 5, &e), 0);
    ck_assert_str_eq(e.name, "Total");
    ck_assert_ptr_null(e.method);
    ck_assert_int_eq(locust_stats_entry(s, 6, &e), LOCUST_ERANGE);
    ck_assert_int_eq(locust_stats_find(s, "/a", "GET", &e), LOCUST_ENOENT);
    locust_stats_free(s);
}
END_TEST

START_TEST(error_rows_keep_insertion_order_and_count)
{
    fake_clock c = {1000.5};
    locust_stats *s = stats_on_clock(&c);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/z", 0, "HTTPError('500')"), 0);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/a", 0, "ConnectionError('boom')"), 0);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/z", 0, "HTTPError('500')"), 0);
    ck_assert_int_eq(locust_stats_log_failure(s, "POST", "/z", 0, "HTTPError('500')"), 0);
    ck_assert_int_eq(locust_stats_log_failure(s, NULL, "/z", 0, NULL), 0);
    ck_assert_uint_eq(locust_stats_error_count(s), 4);
    locust_error_info r;
    ck_assert_int_eq(locust_stats_error(s, 0, &r), 0);
    ck_assert_str_eq(r.method, "GET");
    ck_assert_str_eq(r.name, "/z");
    ck_assert_str_eq(r.error, "HTTPError('500')");
    ck_assert_uint_eq(r.occurrences, 2);
    ck_assert_int_eq(locust_stats_error(s, 1, &r), 0);
    ck_assert_str_eq(r.name, "/a");
    ck_assert_uint_eq(r.occurrences, 1);
    ck_assert_int_eq(locust_stats_error(s, 2, &r), 0);
    ck_assert_str_eq(r.method, "POST");
    ck_assert_int_eq(locust_stats_error(s, 3, &r), 0);
    ck_assert_ptr_null(r.method);
    ck_assert_str_eq(r.error, "None"); /* a NULL error is Python's None */
    ck_assert_int_eq(locust_stats_error(s, 4, &r), LOCUST_ERANGE);
    locust_stats_free(s);
}
END_TEST

START_TEST(error_keys_match_locust_09)
{
    char key[33];
    /* The spec's worked example (§3.6) and a key captured from a real 0.9.0 slave. */
    ck_assert_int_eq(
        locust__error_key("GET", "/fail",
                          "HTTPError('500 Server Error: INTERNAL SERVER ERROR for url: http://x/fail')", key),
        0);
    ck_assert_str_eq(key, "b4b8f1ce8ca44690cfbb29cf36c5f8bb");
    ck_assert_int_eq(locust__error_key("GET", "/missing",
                                       "HTTPError('404 Client Error: File not found for url: "
                                       "http://127.0.0.1:47630/missing')",
                                       key),
                     0);
    ck_assert_str_eq(key, "9ca182c37eeae2c7bc93afa4afb1a493");
    /* md5("None./x.'boom'"): a None method prints as None. */
    ck_assert_int_eq(locust__error_key(NULL, "/x", "boom", key), 0);
    ck_assert_str_eq(key, "28c93cf05b72911683fc7c96f6e3e333");
}
END_TEST

START_TEST(md5_matches_rfc1321_vectors)
{
    static const char *in[] = {
        "",
        "a",
        "abc",
        "message digest",
        "abcdefghijklmnopqrstuvwxyz",
        "12345678901234567890123456789012345678901234567890123456789012345678901234567890"};
    static const char *want[] = {"d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
                                 "900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0",
                                 "c3fcd3d76192e4007dfb496cca67e13b", "57edf4a22be3c955ac49da2e2107b67a"};
    for (size_t i = 0; i < 6; i++) {
        unsigned char d[16];
        char hex[33];
        locust__md5(in[i], strlen(in[i]), d);
        for (int k = 0; k < 16; k++)
            sprintf(hex + 2 * k, "%02x", d[k]);
        ck_assert_str_eq(hex, want[i]);
    }
}
END_TEST

START_TEST(python_repr_of_strings)
{
    static const char *in[] = {
        "abc",         "it's",         "it's \"x\"",   "a\\b",         "\n\t\r\x01\x7f",
        "caf\xc3\xa9", "\xc2\xa0",     "\xe2\x80\xa8", "\xee\x80\x80", "\xf3\xb0\x80\x80",
        "\xc2\xad",    "\xe6\x97\xa5", "\xc2\x85",     "bad\xff",      ""};
    static const char *want[] = {
        "'abc'",         "\"it's\"",       "'it\\'s \"x\"'", "'a\\\\b'",   "'\\n\\t\\r\\x01\\x7f'",
        "'caf\xc3\xa9'", "'\\xa0'",        "'\\u2028'",      "'\\ue000'",  "'\\U000f0000'",
        "'\\xad'",       "'\xe6\x97\xa5'", "'\\x85'",        "'bad\\xff'", "''"};
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        char *r = locust__py_repr(in[i]);
        ck_assert_ptr_nonnull(r);
        ck_assert_str_eq(r, want[i]);
        free(r);
    }
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
    fake_clock c = {1000.5};
    locust_stats *s = stats_on_clock(&c);
    ck_assert_int_eq(locust_stats_new(NULL), LOCUST_EINVAL);
    ck_assert_int_eq(locust_stats_log_success(NULL, "GET", "/", 1, 0), LOCUST_EINVAL);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", NULL, 1, 0), LOCUST_EINVAL);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", -1, 0), LOCUST_EINVAL);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", NAN, 0), LOCUST_EINVAL);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", INFINITY, 0), LOCUST_EINVAL);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 1, -5), LOCUST_EINVAL);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", NULL, 1, "x"), LOCUST_EINVAL);
    /* Nothing was recorded by the refused calls. */
    ck_assert_uint_eq(locust_stats_entry_count(s), 0);
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_entry(s, 0, NULL), LOCUST_EINVAL);
    ck_assert_int_eq(locust_stats_total(NULL, &e), LOCUST_EINVAL);
    ck_assert_int_eq(locust_stats_find(s, NULL, "GET", &e), LOCUST_EINVAL);
    ck_assert_int_eq(locust_stats_merge(s, s), LOCUST_EINVAL);
    ck_assert_int_eq(locust_stats_merge(NULL, s), LOCUST_EINVAL);
    double p;
    ck_assert(!locust_stats_percentile(s, 7, 0.5, &p));
    ck_assert(!locust_stats_current_percentile(NULL, 0.5, &p));
    locust_stats_free(s);
    locust_stats_free(NULL);
}
END_TEST

START_TEST(default_clock_is_the_wall_clock)
{
    locust_stats *s = NULL;
    ck_assert_int_eq(locust_stats_new(&s), 0);
    double before = (double)time(NULL);
    ck_assert(fabs(locust_stats_start_time(s) - before) < 5);
    fake_clock c = {42.5};
    locust_stats_set_clock(s, fake_now, &c);
    locust_stats_reset(s);
    ck_assert_double_eq(locust_stats_start_time(s), 42.5);
    locust_stats_set_clock(s, NULL, NULL);
    locust_stats_reset(s);
    ck_assert(fabs(locust_stats_start_time(s) - before) < 5);
    locust_stats_free(s);
}
END_TEST

/* ---- reset and clear ---------------------------------------------------- */

START_TEST(reset_keeps_entries_and_errors_clear_drops_them)
{
    fake_clock c = {1000.5};
    locust_stats *s = stats_on_clock(&c);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 10, 5), 0);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/", 0, "boom"), 0);
    c.now = 1003.25;
    locust_stats_reset(s);
    ck_assert_double_eq(locust_stats_start_time(s), 1003.25);
    ck_assert_uint_eq(locust_stats_entry_count(s), 1);
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_entry(s, 0, &e), 0);
    ck_assert_uint_eq(e.num_requests, 0);
    ck_assert_uint_eq(e.num_failures, 0);
    ck_assert(!e.has_min);
    ck_assert_double_eq(e.max_response_time, 0);
    ck_assert_uint_eq(e.total_content_length, 0);
    ck_assert_double_eq(e.start_time, 1003.25);
    ck_assert_int_eq(e.last_request_timestamp, 1003);
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_uint_eq(e.num_requests, 0);
    ck_assert_double_eq(e.start_time, 1003.25);
    /* /stats/reset keeps the errors (0.9.0's reset_all). */
    ck_assert_uint_eq(locust_stats_error_count(s), 1);

    locust_stats_clear(s);
    ck_assert_double_eq(locust_stats_start_time(s), 0);
    ck_assert_uint_eq(locust_stats_entry_count(s), 0);
    ck_assert_uint_eq(locust_stats_error_count(s), 0);
    ck_assert_int_eq(locust_stats_total(s, &e), 0);
    ck_assert_uint_eq(e.num_requests, 0);
    ck_assert_str_eq(e.name, "Total");
    /* The table works after a clear. */
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 10, 5), 0);
    ck_assert_uint_eq(locust_stats_entry_count(s), 1);
    locust_stats_free(s);
}
END_TEST

/* ---- the current-percentile cache ---------------------------------------- */

START_TEST(current_percentile_covers_about_the_last_ten_seconds)
{
    fake_clock c = {1000.5};
    locust_stats *s = stats_on_clock(&c);
    /* One request a second: 10 ms until 1015, then 500 ms. */
    for (int t = 1001; t <= 1030; t++) {
        c.now = t + 0.5;
        ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", t <= 1015 ? 10 : 500, 0), 0);
    }
    /* At most 20 snapshots, the newest ones: 1010 .. 1029 (taken when 1011 .. 1030 began). */
    ck_assert_uint_eq(s->ncache, LOCUST__CACHE_MAX);
    ck_assert_int_eq(s->cache[0].t, 1010);
    ck_assert_int_eq(s->cache[LOCUST__CACHE_MAX - 1].t, 1029);
    /* Now 1030: the snapshot of 1020 holds 1001 .. 1020, so the window is 1021 .. 1030, all 500 ms. */
    double p;
    ck_assert(locust_stats_current_percentile(s, 0.5, &p));
    ck_assert_double_eq(p, 500);
    ck_assert(locust_stats_current_percentile(s, 0.0, &p));
    ck_assert_double_eq(p, 500);
    /* At 1024 the snapshot of 1014 is used: 1015 .. 1030, 1 x 10 ms and 15 x 500 ms. */
    c.now = 1024.2;
    ck_assert(locust_stats_current_percentile(s, 0.0, &p));
    ck_assert_double_eq(p, 10);
    ck_assert(locust_stats_current_percentile(s, 0.95, &p));
    ck_assert_double_eq(p, 500);
    /* At 1049 the oldest candidate is 1031: none of 1010 .. 1029 qualifies, so null. */
    c.now = 1049.0;
    ck_assert(!locust_stats_current_percentile(s, 0.5, &p));
    /* At 1039 the snapshot of 1029 comes first: the window holds the request of 1030. */
    c.now = 1039.9;
    ck_assert(locust_stats_current_percentile(s, 0.5, &p));
    ck_assert_double_eq(p, 500);
    locust_stats_reset(s);
    ck_assert_uint_eq(s->ncache, 1);
    ck_assert_int_eq(s->cache[0].t, 1039);
    /* A reset snapshots at int(now); with no request since, the window is empty: null. */
    c.now = 1049.5;
    ck_assert(!locust_stats_current_percentile(s, 0.5, &p));
    locust_stats_free(s);
}
END_TEST

/* ---- merging -------------------------------------------------------------- */

START_TEST(merge_keeps_the_true_minimum)
{
    fake_clock c = {1000.5};
    locust_stats *a = stats_on_clock(&c), *b = stats_on_clock(&c);
    ck_assert_int_eq(locust_stats_log_success(a, "GET", "/", 5, 0), 0);
    ck_assert_int_eq(locust_stats_log_failure(b, "GET", "/", 0, "x"), 0);
    /* 0.9.0 would take b's nil min here and show 0. */
    ck_assert_int_eq(locust_stats_merge(a, b), 0);
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_find(a, "/", "GET", &e), 0);
    ck_assert(e.has_min);
    ck_assert_double_eq(e.min_response_time, 5);
    ck_assert_int_eq(locust_stats_total(a, &e), 0);
    ck_assert_double_eq(e.min_response_time, 5);
    /* And the other way round. */
    ck_assert_int_eq(locust_stats_log_success(b, "GET", "/", 3, 0), 0);
    ck_assert_int_eq(locust_stats_merge(a, b), 0);
    ck_assert_int_eq(locust_stats_find(a, "/", "GET", &e), 0);
    ck_assert_double_eq(e.min_response_time, 3);
    locust_stats_free(a);
    locust_stats_free(b);
}
END_TEST

/* A response time that sums exactly in any order (a multiple of 1/4 ms). */
static double random_rt(locust__rng *g)
{
    uint64_t kind = locust__rng_below(g, 10);
    uint64_t max = kind < 5 ? 400 : kind < 8 ? 4000 : kind < 9 ? 40000 : 240000;
    return (double)locust__rng_below(g, max) / 4;
}

START_TEST(merge_of_two_tables_equals_the_union)
{
    static const char *names[] = {"/", "/a", "/b", "/items/[id]", "/login"};
    static const char *methods[] = {"GET", "POST"};
    static const char *errors[] = {"HTTPError('500')", "ConnectionError('boom')",
                                   "CatchResponseError('bad')"};
    for (uint64_t seed = 1; seed <= 5; seed++) {
        fake_clock c = {1000.5};
        locust_stats *a = stats_on_clock(&c), *b = stats_on_clock(&c), *u = stats_on_clock(&c);
        locust__rng g;
        locust__rng_seed(&g, seed);
        /*
         * Shared names start with a success on both sides at the same time,
         * so every entry's creation time and last_request_timestamp mean
         * the same in the three tables (0.9.0 sets the timestamp of a
         * failure-only entry to its creation time).
         */
        for (size_t n = 0; n < 5; n++)
            for (size_t m = 0; m < 2; m++)
                for (int k = 0; k < 2; k++) {
                    ck_assert_int_eq(locust_stats_log_success(k ? b : a, methods[m], names[n], 10, 1), 0);
                    ck_assert_int_eq(locust_stats_log_success(u, methods[m], names[n], 10, 1), 0);
                }
        for (int i = 0; i < 3000; i++) {
            c.now += (double)locust__rng_below(&g, 40) / 1000; /* about 60 s in all */
            locust_stats *side = locust__rng_below(&g, 2) ? a : b;
            char name[32];
            const char *method = methods[locust__rng_below(&g, 2)];
            /* Some names exist on one side only. */
            uint64_t pick = locust__rng_below(&g, 7);
            if (pick < 5)
                snprintf(name, sizeof(name), "%s", names[pick]);
            else
                snprintf(name, sizeof(name), "/only-%s", side == a ? "a" : "b");
            if (locust__rng_below(&g, 10) == 0) {
                const char *err = errors[locust__rng_below(&g, 3)];
                ck_assert_int_eq(locust_stats_log_failure(side, method, name, 0, err), 0);
                ck_assert_int_eq(locust_stats_log_failure(u, method, name, 0, err), 0);
            } else {
                double rt = random_rt(&g);
                int64_t len = (int64_t)locust__rng_below(&g, 5000);
                ck_assert_int_eq(locust_stats_log_success(side, method, name, rt, len), 0);
                ck_assert_int_eq(locust_stats_log_success(u, method, name, rt, len), 0);
            }
        }
        ck_assert_int_eq(locust_stats_merge(a, b), 0);
        assert_same_stats(a, u, SAME_TIMES | SAME_FAIL_SECS);
        /* The merged-from table is untouched. */
        ck_assert_uint_eq(b->n, 12);
        locust_stats_free(a);
        locust_stats_free(b);
        locust_stats_free(u);
    }
}
END_TEST

START_TEST(merge_into_an_empty_table_copies)
{
    fake_clock c = {1000.5};
    locust_stats *a = stats_on_clock(&c);
    c.now = 1002.5;
    ck_assert_int_eq(locust_stats_log_success(a, "GET", "/", 250, 7), 0);
    ck_assert_int_eq(locust_stats_log_failure(a, "GET", "/x", 0, "e"), 0);
    c.now = 1100;
    locust_stats *m = stats_on_clock(&c);
    locust_stats_set_start_time(m, 1000.5);
    ck_assert_int_eq(locust_stats_merge(m, a), 0);
    /* Entries keep their own start and timestamp; the Total takes min start and max timestamp. */
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_find(m, "/", "GET", &e), 0);
    ck_assert_double_eq(e.start_time, 1002.5);
    ck_assert_int_eq(e.last_request_timestamp, 1002);
    ck_assert_int_eq(locust_stats_total(m, &e), 0);
    ck_assert_double_eq(e.start_time, 1000.5);
    ck_assert_int_eq(e.last_request_timestamp, 1100); /* m's Total was reset at 1100 */
    ck_assert_uint_eq(e.num_requests, 1);
    ck_assert_uint_eq(e.num_failures, 1);
    ck_assert_uint_eq(locust_stats_error_count(m), 1);
    /* Merging again adds. */
    ck_assert_int_eq(locust_stats_merge(m, a), 0);
    ck_assert_int_eq(locust_stats_find(m, "/", "GET", &e), 0);
    ck_assert_uint_eq(e.num_requests, 2);
    ck_assert_double_eq(e.total_response_time, 500);
    locust_error_info r;
    ck_assert_int_eq(locust_stats_error(m, 0, &r), 0);
    ck_assert_uint_eq(r.occurrences, 2);
    locust_stats_free(a);
    locust_stats_free(m);
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("bucketing");
    tcase_add_test(tc, rounding_follows_python3_round_half_even);
    tcase_add_test(tc, logged_times_land_in_rounded_buckets);
    tcase_add_test(tc, big_keys_are_capped_and_folded);
    suite_add_tcase(s, tc);
    tc = tcase_create("median_percentile");
    tcase_add_test(tc, median_is_the_lower_median_and_differs_from_p50);
    tcase_add_test(tc, median_of_even_and_odd_counts);
    suite_add_tcase(s, tc);
    tc = tcase_create("rates");
    tcase_add_test(tc, current_rps_averages_seconds_L12_to_L3);
    tcase_add_test(tc, entry_rates_use_the_total_timestamp);
    tcase_add_test(tc, total_rps_is_zero_without_a_start_time);
    tcase_add_test(tc, fail_ratio_counts_failures_against_all_attempts);
    suite_add_tcase(s, tc);
    tc = tcase_create("table");
    tcase_add_test(tc, entries_are_listed_by_name_then_method);
    tcase_add_test(tc, error_rows_keep_insertion_order_and_count);
    tcase_add_test(tc, error_keys_match_locust_09);
    tcase_add_test(tc, md5_matches_rfc1321_vectors);
    tcase_add_test(tc, python_repr_of_strings);
    tcase_add_test(tc, bad_arguments_are_refused);
    tcase_add_test(tc, default_clock_is_the_wall_clock);
    tcase_add_test(tc, reset_keeps_entries_and_errors_clear_drops_them);
    suite_add_tcase(s, tc);
    tc = tcase_create("cache");
    tcase_add_test(tc, current_percentile_covers_about_the_last_ten_seconds);
    suite_add_tcase(s, tc);
    tc = tcase_create("merge");
    tcase_add_test(tc, merge_keeps_the_true_minimum);
    tcase_add_test(tc, merge_of_two_tables_equals_the_union);
    tcase_add_test(tc, merge_into_an_empty_table_copies);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stats_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
