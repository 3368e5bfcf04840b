/*
 * Option structs grow (locust.h, "Option structs grow"): a program built
 * against older headers passes a smaller struct and keeps working; one built
 * against newer headers is refused only when it sets a field this library
 * does not know; a program built against other static definitions (another
 * LOCUST_API_VERSION) is refused with LOCUST_EABI.
 */
#include "testutil.h"

#include <stddef.h>
#include <string.h>

/* The runner options as a program built against a newer header sees them:
 * ours, then one more field. */
typedef struct newer_runner_options {
    locust_runner_options known;
    double field_from_the_future;
} newer_runner_options;

START_TEST(a_smaller_struct_from_older_headers_is_read_with_the_rest_as_zero)
{
    /* An older header ended after `host`: everything after reads as zero,
     * whatever the bytes that follow in the caller's memory. */
    locust_runner_options o;
    memset(&o, 0xff, sizeof o);
    o.loop = NULL;
    o.host = "http://127.0.0.1:1";
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new_sized(&r, &o, offsetof(locust_runner_options, host) + sizeof o.host,
                                             LOCUST_API_VERSION),
                     0);
    ck_assert_str_eq(locust_runner_host(r), "http://127.0.0.1:1");
    locust_runner_free(r);
}
END_TEST

START_TEST(a_larger_struct_with_unknown_fields_left_zero_is_accepted)
{
    newer_runner_options o = {.known = {.host = "http://127.0.0.1:2"}};
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new_sized(&r, &o.known, sizeof o, LOCUST_API_VERSION), 0);
    ck_assert_str_eq(locust_runner_host(r), "http://127.0.0.1:2");
    locust_runner_free(r);
}
END_TEST

START_TEST(a_larger_struct_that_sets_an_unknown_field_is_refused)
{
    newer_runner_options o = {.field_from_the_future = 1.5};
    locust_runner *r = (locust_runner *)&o;
    ck_assert_int_eq(locust_runner_new_sized(&r, &o.known, sizeof o, LOCUST_API_VERSION), LOCUST_ENOTSUP);
    ck_assert_ptr_null(r);
}
END_TEST

START_TEST(another_api_version_is_refused_with_eabi)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new_sized(&r, NULL, sizeof(locust_runner_options), LOCUST_API_VERSION + 1),
                     LOCUST_EABI);
    ck_assert_ptr_null(r);
}
END_TEST

START_TEST(the_macros_pass_sizes_and_take_compound_literals)
{
    /* What a program writes: designated initializers in a compound literal. */
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, &(locust_runner_options){.host = "http://h:1", .seed = 7}), 0);
    locust_web *w;
    ck_assert_int_eq(locust_web_new(&w, r, &(locust_web_options){.host = "127.0.0.1", .port = 0}), 0);
    ck_assert_int_gt(locust_web_port(w), 0);
    locust_web_free(w);
    locust_runner_free(r);
}
END_TEST

START_TEST(every_options_struct_refuses_an_unknown_field_that_is_set)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    struct {
        locust_web_options known;
        int extra;
    } web = {.known = {.host = "127.0.0.1"}, .extra = 1};
    locust_web *w;
    ck_assert_int_eq(locust_web_new_sized(&w, r, &web.known, sizeof web), LOCUST_ENOTSUP);
    struct {
        locust_master_options known;
        int extra;
    } master = {.extra = 1};
    ck_assert_int_eq(locust_master_attach_sized(r, &master.known, sizeof master), LOCUST_ENOTSUP);
    struct {
        locust_slave_options known;
        int extra;
    } slave = {.extra = 1};
    ck_assert_int_eq(locust_slave_attach_sized(r, &slave.known, sizeof slave), LOCUST_ENOTSUP);
    ck_assert_ptr_nonnull(strstr(locust_runner_last_error(r), "does not know"));
    locust_runner_free(r);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("abi");
    TCase *tc = tcase_create("options");
    tcase_add_test(tc, a_smaller_struct_from_older_headers_is_read_with_the_rest_as_zero);
    tcase_add_test(tc, a_larger_struct_with_unknown_fields_left_zero_is_accepted);
    tcase_add_test(tc, a_larger_struct_that_sets_an_unknown_field_is_refused);
    tcase_add_test(tc, another_api_version_is_refused_with_eabi);
    tcase_add_test(tc, the_macros_pass_sizes_and_take_compound_literals);
    tcase_add_test(tc, every_options_struct_refuses_an_unknown_field_that_is_set);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
