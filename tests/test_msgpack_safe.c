/*
 * Untrusted msgpack is walked before msgpack-c sees it: a frame may not
 * claim more than it holds (msgpack-c would allocate for the claim first).
 */
#include "base/msgpack_safe.h"
#include "testutil.h"

#include <string.h>

static int check(const char *bytes, size_t len, char *err)
{
    return locust__msgpack_check(bytes, len, err, 256);
}

START_TEST(well_formed_frames_pass)
{
    char err[256] = "";
    /* ("hatch_complete", {"count": 5}, "h_1"), docs/compatibility.md §1.3. */
    const char frame[] = "\x93\xae"
                         "hatch_complete"
                         "\x81\xa5"
                         "count"
                         "\x05\xa3"
                         "h_1";
    ck_assert_int_eq(check(frame, sizeof frame - 1, err), 0);
    msgpack_unpacked m;
    msgpack_unpacked_init(&m);
    ck_assert_int_eq(locust__msgpack_unpack(frame, sizeof frame - 1, &m, err, sizeof err), 0);
    ck_assert_int_eq(m.data.type, MSGPACK_OBJECT_ARRAY);
    ck_assert_uint_eq(m.data.via.array.size, 3);
    msgpack_unpacked_destroy(&m);
    /* Every scalar form: nil, bools, ints, floats, str8/16, bin8, fixext. */
    const char scalars[] =
        "\x9d\xc0\xc2\xc3\x7f\xe0\xcc\x01\xcd\x01\x02\xd3\x00\x00\x00\x00\x00\x00\x00\x01"
        "\xca\x00\x00\x00\x00\xcb\x00\x00\x00\x00\x00\x00\x00\x00\xd9\x01x\xc4\x01y\xd4\x01\x02";
    ck_assert_int_eq(check(scalars, sizeof scalars - 1, err), 0);
}
END_TEST

START_TEST(huge_claims_are_refused)
{
    char err[256];
    /* A map32 claiming 2^32-1 pairs in 6 bytes: msgpack-c would ask for ~100 GiB. */
    ck_assert_int_eq(check("\xdf\xff\xff\xff\xff\x00", 6, err), LOCUST_EPROTO);
    ck_assert_str_eq(err, "malformed msgpack at byte 5: container claims more elements than bytes left");
    ck_assert_int_eq(check("\xdd\x00\x01\x00\x00\xc0", 6, err), LOCUST_EPROTO);
    /* A str32 longer than the frame. */
    ck_assert_int_eq(check("\xdb\x7f\xff\xff\xff"
                           "abc",
                           8, err),
                     LOCUST_EPROTO);
    ck_assert_str_eq(err, "malformed msgpack at byte 0: length runs past the end");
}
END_TEST

START_TEST(truncated_trailing_and_reserved_are_refused)
{
    char err[256];
    ck_assert_int_eq(check("", 0, err), LOCUST_EPROTO);
    ck_assert_str_eq(err, "malformed msgpack at byte 0: truncated");
    ck_assert_int_eq(check("\x92\x01", 2, err), LOCUST_EPROTO);
    ck_assert_str_eq(err, "malformed msgpack at byte 1: container claims more elements than bytes left");
    ck_assert_int_eq(check("\xcd\x01", 2, err), LOCUST_EPROTO);
    ck_assert_int_eq(check("\x01\x02", 2, err), LOCUST_EPROTO);
    ck_assert_str_eq(err, "malformed msgpack at byte 1: trailing bytes after the object");
    ck_assert_int_eq(check("\xc1", 1, err), LOCUST_EPROTO);
    ck_assert_str_eq(err, "malformed msgpack at byte 0: reserved type byte 0xc1");
}
END_TEST

START_TEST(deep_nesting_is_refused)
{
    char buf[100], err[256];
    memset(buf, 0x91, sizeof buf - 1);
    buf[sizeof buf - 1] = (char)0xc0;
    ck_assert_int_eq(check(buf, sizeof buf, err), LOCUST_EPROTO);
    ck_assert_str_eq(err, "malformed msgpack at byte 33: nested too deeply");
    /* Exactly the limit is fine. */
    ck_assert_int_eq(check(buf + sizeof buf - 33, 33, err), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("msgpack_safe");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, well_formed_frames_pass);
    tcase_add_test(tc, huge_claims_are_refused);
    tcase_add_test(tc, truncated_trailing_and_reserved_are_refused);
    tcase_add_test(tc, deep_nesting_is_refused);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
