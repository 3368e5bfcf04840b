/*
 * A master takes in every slave report it can trust, over real ZeroMQ
 * sockets: a report with more names than the statistics hold is merged
 * (past the cap into "(other names)"), never thrown away; a report whose
 * numbers would overflow is refused with a warning that names the slave
 * and the field, and the totals never wrap.
 */
#include "dist_world.h"
#include "stats/stats_internal.h"

/* Sends, as slave `id`, the report of a table (its stats, then user_count 0). */
static void send_report(void *push, const char *id, locust_stats *s, uint64_t num_requests_override)
{
    locust__rpc_out o;
    dist_stats_frame(&o, id, s, 0);
    if (num_requests_override) {
        /* A hostile slave: the Total's num_requests (a uint8 1 in the frame) becomes a uint64. */
        msgpack_unpacked u;
        msgpack_unpacked_init(&u);
        size_t off = 0;
        ck_assert_int_eq(msgpack_unpack_next(&u, o.frame, o.len, &off), MSGPACK_UNPACK_SUCCESS);
        msgpack_object *data = &u.data.via.array.ptr[1];
        msgpack_object *total = NULL;
        for (uint32_t i = 0; i < data->via.map.size; i++)
            if (data->via.map.ptr[i].key.via.str.size == 11) total = &data->via.map.ptr[i].val;
        ck_assert_ptr_nonnull(total);
        for (uint32_t i = 0; i < total->via.map.size; i++) {
            msgpack_object_kv *kv = &total->via.map.ptr[i];
            if (kv->key.via.str.size == 12 && memcmp(kv->key.via.str.ptr, "num_requests", 12) == 0)
                kv->val.via.u64 = num_requests_override;
        }
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        ck_assert_int_eq(msgpack_pack_object(&pk, u.data), 0);
        dist_raw_send(push, sb.data, sb.size);
        msgpack_sbuffer_destroy(&sb);
        msgpack_unpacked_destroy(&u);
    } else {
        dist_raw_send(push, o.frame, o.len);
    }
    locust__rpc_out_free(&o);
}

static uint64_t master_total(void)
{
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_total(locust_runner_stats(W->master), &e), 0);
    return e.num_requests;
}

static bool total_is(void *ud)
{
    return master_total() == (uint64_t)(uintptr_t)ud;
}

static int warnings;
static char last_warning[2048];
static void keep_warning(locust_log_level level, const char *logger, const char *msg, void *udata)
{
    if (level != LOCUST_LOG_WARNING || !strstr(msg, "Ignoring a stats report")) return;
    warnings++;
    snprintf(last_warning, sizeof last_warning, "%s", msg);
}

static bool warned(void *ud)
{
    return warnings > 0;
}

START_TEST(a_master_merges_reports_past_the_cap_and_refuses_counts_that_would_overflow)
{
    start_master(NULL);
    void *ctx = zmq_ctx_new();
    void *push = dist_raw_connect(ctx, ZMQ_PUSH, W->port);
    dist_raw_msg(push, "client_ready", NULL, "many_names");
    ck_assert_msg(dist_run_until(W->loop, all_ready, (void *)1, 10), "the slave did not join");

    /* 12,000 distinct names in one report: all counted, 2,000 of them under "(other names)". */
    locust_stats *s;
    ck_assert_int_eq(locust_stats_new(&s), 0);
    char name[32];
    for (int i = 0; i < 12000; i++) {
        snprintf(name, sizeof name, "/item?id=%d", i);
        ck_assert_int_eq(locust_stats_log_success(s, "GET", name, 1, 0), 0);
    }
    send_report(push, "many_names", s, 0);
    ck_assert_msg(dist_run_until(W->loop, total_is, (void *)12000, 10), "the master counts %llu requests",
                  (unsigned long long)master_total());
    locust_stats *ms = locust_runner_stats(W->master);
    ck_assert_uint_eq(locust_stats_entry_count(ms), LOCUST__STATS_MAX_ENTRIES + 1);
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_find(ms, "(other names)", "GET", &e), 0);
    ck_assert_uint_eq(e.num_requests, 2000);

    /* A Total of 2^64-1 requests, twice: refused, naming the slave and the field; nothing wraps. */
    warnings = 0;
    locust_log_set(keep_warning, NULL, LOCUST_LOG_WARNING);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 1, 0), 0);
    send_report(push, "many_names", s, UINT64_MAX);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 1, 0), 0);
    send_report(push, "many_names", s, UINT64_MAX);
    ck_assert_msg(dist_run_until(W->loop, warned, NULL, 10), "no warning");
    dist_run_for(W->loop, 0.3);
    ck_assert_str_eq(last_warning, "Ignoring a stats report from many_names: stats_total.num_requests: "
                                   "18446744073709551615 is above the limit of 9007199254740992");
    ck_assert_uint_eq(master_total(), 12000);
    testutil_quiet_logs();

    locust_stats_free(s);
    zmq_close(push);
    zmq_ctx_term(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dist_reports");
    TCase *tc = tcase_create("reports");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, a_master_merges_reports_past_the_cap_and_refuses_counts_that_would_overflow);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
