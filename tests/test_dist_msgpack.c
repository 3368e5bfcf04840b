/*
 * The master/slave framing: frames byte-identical to Locust 0.9.0's (spec
 * §1.3), the 2.x string style, a tolerant reader, and refusal of malformed
 * or hostile frames with a message naming the problem.
 */
#include "test_dist_util.h"
#include "testutil.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

/* Hex text ("93 ac 63...", spaces ignored) to bytes. */
static size_t unhex(const char *hex, unsigned char *out)
{
    size_t n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        ck_assert(sscanf(p, "%2x", &v) == 1);
        out[n++] = (unsigned char)v;
        p += 2;
    }
    return n;
}

static void assert_frame(const char *type, const char *json, const char *node, locust__rpc_style style,
                         const char *hex)
{
    locust__rpc_out o;
    ck_assert_int_eq(locust__rpc_out_begin(&o, type), 0);
    cJSON *j = json ? cJSON_Parse(json) : NULL;
    ck_assert_int_eq(locust__mp_pack_json(&o.pk, j), 0);
    cJSON_Delete(j);
    ck_assert_int_eq(locust__rpc_out_finish(&o, node, style), 0);
    unsigned char want[512];
    size_t n = unhex(hex, want);
    ck_assert_uint_eq(o.len, n);
    ck_assert_msg(memcmp(o.frame, want, n) == 0, "frame of %s differs", type);
    locust__rpc_out_free(&o);
}

/* The byte examples of docs/compatibility.md §1.3, packed as a 0.9.0 peer packs them. */
START_TEST(test_frames_match_spec_examples)
{
    assert_frame("client_ready", NULL, "h_1", LOCUST__RPC_STYLE_09,
                 "93 ac 636c69656e745f7265616479 c0 a3 685f31");
    assert_frame("hatching", NULL, "h_1", LOCUST__RPC_STYLE_09, "93 a8 6861746368696e67 c0 a3 685f31");
    assert_frame("hatch_complete", "{\"count\":5}", "h_1", LOCUST__RPC_STYLE_09,
                 "93 ae 68617463685f636f6d706c657465 81 a5 636f756e74 05 a3 685f31");
    assert_frame("stop", NULL, NULL, LOCUST__RPC_STYLE_09, "93 a4 73746f70 c0 c0");
    assert_frame("exception", "{\"msg\":\"boom\",\"traceback\":\"tb\"}", "h_1", LOCUST__RPC_STYLE_09,
                 "93 a9 657863657074696f6e 82 a3 6d7367 a4 626f6f6d a9 74726163656261636b a2 7462 a3 685f31");
    /* hatch_rate is a float64 even when whole: packed by hand as the master does. */
    locust__rpc_out o;
    ck_assert_int_eq(locust__rpc_out_begin(&o, "hatch"), 0);
    msgpack_pack_map(&o.pk, 4);
    locust__mp_pack_cstr(&o.pk, "hatch_rate");
    msgpack_pack_double(&o.pk, 2.5);
    locust__mp_pack_cstr(&o.pk, "num_clients");
    msgpack_pack_unsigned_int(&o.pk, 4);
    locust__mp_pack_cstr(&o.pk, "host");
    locust__mp_pack_cstr(&o.pk, "http://x");
    locust__mp_pack_cstr(&o.pk, "stop_timeout");
    msgpack_pack_nil(&o.pk);
    ck_assert_int_eq(locust__rpc_out_finish(&o, NULL, LOCUST__RPC_STYLE_09), 0);
    unsigned char want[256];
    size_t n =
        unhex("93 a5 6861746368 84 aa 68617463685f72617465 cb 4004000000000000 ab 6e756d5f636c69656e7473 04 "
              "a4 686f7374 a8 687474703a2f2f78 ac 73746f705f74696d656f7574 c0 c0",
              want);
    ck_assert_uint_eq(o.len, n);
    ck_assert(memcmp(o.frame, want, n) == 0);
    locust__rpc_out_free(&o);
}
END_TEST

/* Strings of 32-255 bytes: str16 for 0.9 (msgpack-python 0.5), str8 for 2.x (msgpack-python 1.0). */
START_TEST(test_string_styles)
{
    const char *id = "vm_97a0801a28696d4b11b6af3301fb4f2a"; /* 35 bytes, from the 0.9 capture */
    locust__rpc_out o;
    ck_assert_int_eq(locust__rpc_out_begin(&o, "client_ready"), 0);
    msgpack_pack_nil(&o.pk);
    ck_assert_int_eq(locust__rpc_out_finish(&o, id, LOCUST__RPC_STYLE_09), 0);
    ck_assert_uint_eq(o.len, 53); /* the captured frame's size */
    ck_assert_uint_eq((unsigned char)o.frame[15], 0xda);
    ck_assert_uint_eq((unsigned char)o.frame[16], 0x00);
    ck_assert_uint_eq((unsigned char)o.frame[17], 35);
    locust__rpc_out_free(&o);
    ck_assert_int_eq(locust__rpc_out_begin(&o, "client_ready"), 0);
    msgpack_pack_int(&o.pk, -1);
    ck_assert_int_eq(locust__rpc_out_finish(&o, id, LOCUST__RPC_STYLE_2X), 0);
    ck_assert_uint_eq((unsigned char)o.frame[14], 0xff); /* -1 as a negative fixint */
    ck_assert_uint_eq((unsigned char)o.frame[15], 0xd9);
    ck_assert_uint_eq((unsigned char)o.frame[16], 35);
    locust__rpc_out_free(&o);
}
END_TEST

START_TEST(test_restyle_widens_floats_and_keeps_ints_small)
{
    /* [float32 1.5, uint16 5 (too wide), -1 as int8, "ab" as str8] */
    unsigned char in[32];
    size_t n = unhex("94 ca 3fc00000 cd 0005 d0 ff d9 02 6162", in);
    char *out;
    size_t len;
    ck_assert_int_eq(locust__mp_restyle(in, n, LOCUST__RPC_STYLE_09, &out, &len), 0);
    unsigned char want[32];
    size_t wn = unhex("94 cb 3ff8000000000000 05 ff a2 6162", want);
    ck_assert_uint_eq(len, wn);
    ck_assert(memcmp(out, want, wn) == 0);
    free(out);
}
END_TEST

/* The reader takes every str form, bin as a string, and int and float map keys. */
START_TEST(test_tolerant_reader)
{
    unsigned char buf[128];
    locust__rpc_msg m;
    char err[128];
    /* type as str8, data a map with an int and a float key, node id as bin8. */
    size_t n = unhex("93 d9 05 7374617473 82 01 02 cb 3ff8000000000000 03 c4 03 685f31", buf);
    ck_assert_int_eq(locust__rpc_decode(buf, n, &m, err, sizeof err), 0);
    ck_assert_str_eq(m.type, "stats");
    ck_assert_str_eq(m.node_id, "h_1");
    ck_assert(m.has_node_id);
    ck_assert_int_eq(m.data->type, MSGPACK_OBJECT_MAP);
    cJSON *j = locust__mp_to_json(m.data);
    char *text = cJSON_PrintUnformatted(j);
    ck_assert_str_eq(text, "{\"1\":2,\"1.5\":3}");
    free(text);
    cJSON_Delete(j);
    locust__rpc_msg_free(&m);
    /* str16 and str32 types, nil node id. */
    n = unhex("93 da 0004 71756974 c0 c0", buf);
    ck_assert_int_eq(locust__rpc_decode(buf, n, &m, err, sizeof err), 0);
    ck_assert_str_eq(m.type, "quit");
    ck_assert(!m.has_node_id);
    locust__rpc_msg_free(&m);
    n = unhex("93 db 00000004 71756974 c0 a1 78", buf);
    ck_assert_int_eq(locust__rpc_decode(buf, n, &m, err, sizeof err), 0);
    ck_assert_str_eq(m.type, "quit");
    locust__rpc_msg_free(&m);
}
END_TEST

static void assert_refused(const char *hex, const char *reason)
{
    unsigned char buf[256];
    size_t n = unhex(hex, buf);
    locust__rpc_msg m;
    char err[256] = "";
    ck_assert_int_eq(locust__rpc_decode(buf, n, &m, err, sizeof err), LOCUST_EPROTO);
    ck_assert_msg(strstr(err, reason) != NULL, "'%s' does not say '%s'", err, reason);
}

START_TEST(test_malformed_frames_are_refused_with_a_reason)
{
    assert_refused("", "empty frame");
    assert_refused("93 a4 71756974 c0", "truncated");
    assert_refused("94 a4 71756974 c0 c0 c0", "array of 4");
    assert_refused("a4 71756974", "expected an array of 3, got str");
    assert_refused("93 a4 71756974 c0 c0 ff", "trailing bytes after the object");
    assert_refused("93 01 c0 c0", "type: expected a string, got int");
    assert_refused("93 a0 c0 c0", "not a message type");
    assert_refused("93 a4 71756974 c0 01", "node_id: expected a string or nil, got int");
    assert_refused("93 a4 71756974 c0 a0", "node_id: 0 bytes");
    assert_refused("93 a4 71756974 c0 a3 61 00 62", "node_id");
    assert_refused("93 c1 c0 c0", "reserved type byte 0xc1");
    /* Counts larger than the bytes left would make msgpack-c allocate for nothing. */
    assert_refused("93 a4 71756974 dd ffffffff c0", "claims more elements");
    assert_refused("93 a4 71756974 df 7fffffff c0", "claims more elements");
    assert_refused("93 a4 71756974 c6 ffffffff c0", "runs past the end");
    /* Nesting: 40 arrays deep. */
    char deep[256] = "93 a4 71756974 ";
    for (int i = 0; i < 40; i++)
        strcat(deep, "91 ");
    strcat(deep, "c0 c0");
    assert_refused(deep, "nested too deeply");
}
END_TEST

START_TEST(test_frame_size_cap)
{
    size_t big = LOCUST__RPC_MAX_FRAME + 1;
    unsigned char *buf = calloc(1, big);
    char err[128];
    ck_assert_int_eq(locust__mp_check(buf, big, err, sizeof err), LOCUST_EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "exceeds the limit"));
    free(buf);
    /* Building a frame past the cap fails with LOCUST_ETOOBIG, not a crash. */
    locust__rpc_out o;
    ck_assert_int_eq(locust__rpc_out_begin(&o, "stats"), 0);
    char *chunk = malloc(1024 * 1024);
    memset(chunk, 'x', 1024 * 1024);
    msgpack_pack_array(&o.pk, 17);
    for (int i = 0; i < 17; i++) {
        msgpack_pack_str(&o.pk, 1024 * 1024);
        msgpack_pack_str_body(&o.pk, chunk, 1024 * 1024);
    }
    ck_assert_int_eq(locust__rpc_out_finish(&o, "h_1", LOCUST__RPC_STYLE_09), LOCUST_ETOOBIG);
    locust__rpc_out_free(&o);
    free(chunk);
}
END_TEST

START_TEST(test_json_round_trip)
{
    const char *json =
        "{\"i\":42,\"neg\":-7,\"f\":1.25,\"s\":\"x\",\"t\":true,\"n\":null,\"a\":[1,{\"b\":[]}]}";
    size_t len;
    char *f = dist_frame("x", json, "h_1", &len);
    locust__rpc_msg m;
    ck_assert_int_eq(locust__rpc_decode(f, len, &m, NULL, 0), 0);
    /* Whole numbers travel as ints, others as float64. */
    ck_assert_int_eq(locust__mp_get(m.data, "i")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    ck_assert_int_eq(locust__mp_get(m.data, "neg")->type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
    ck_assert_int_eq(locust__mp_get(m.data, "f")->type, MSGPACK_OBJECT_FLOAT64);
    cJSON *j = locust__mp_to_json(m.data);
    char *text = cJSON_PrintUnformatted(j);
    ck_assert_str_eq(text, json);
    free(text);
    cJSON_Delete(j);
    int64_t v;
    ck_assert(locust__mp_int(locust__mp_get(m.data, "i"), 0, 100, &v) && v == 42);
    ck_assert(!locust__mp_int(locust__mp_get(m.data, "i"), 0, 10, &v));
    ck_assert(!locust__mp_int(locust__mp_get(m.data, "f"), 0, 10, &v));
    ck_assert(!locust__mp_int(locust__mp_get(m.data, "s"), 0, 10, &v));
    ck_assert_ptr_null(locust__mp_strdup(locust__mp_get(m.data, "i"), 10));
    char *s = locust__mp_strdup(locust__mp_get(m.data, "s"), 10);
    ck_assert_str_eq(s, "x");
    free(s);
    locust__rpc_msg_free(&m);
    free(f);
}
END_TEST

START_TEST(test_node_id_form)
{
    char a[300], b[300];
    locust__dist_node_id(a, sizeof a);
    locust__dist_node_id(b, sizeof b);
    ck_assert_str_ne(a, b);
    const char *us = strrchr(a, '_');
    ck_assert_ptr_nonnull(us);
    ck_assert_uint_eq(strlen(us + 1), 32);
    ck_assert_uint_eq(strspn(us + 1, "0123456789abcdef"), 32);
}
END_TEST

START_TEST(test_endpoints)
{
    char ep[128];
    bool v6;
    ck_assert_int_eq(locust__zendpoint(ep, sizeof ep, "127.0.0.1", 5557, &v6), 0);
    ck_assert_str_eq(ep, "tcp://127.0.0.1:5557");
    ck_assert(!v6);
    ck_assert_int_eq(locust__zendpoint(ep, sizeof ep, "::1", 5558, &v6), 0);
    ck_assert_str_eq(ep, "tcp://[::1]:5558");
    ck_assert(v6);
    ck_assert_int_eq(locust__zendpoint(ep, sizeof ep, "a b", 1, NULL), LOCUST_EINVAL);
    ck_assert_int_eq(locust__zendpoint(ep, sizeof ep, "", 1, NULL), LOCUST_EINVAL);
    ck_assert_int_eq(locust__zendpoint(ep, sizeof ep, "h", 70000, NULL), LOCUST_EINVAL);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("dist_msgpack");
    TCase *tc = tcase_create("framing");
    tcase_add_test(tc, test_frames_match_spec_examples);
    tcase_add_test(tc, test_string_styles);
    tcase_add_test(tc, test_restyle_widens_floats_and_keeps_ints_small);
    tcase_add_test(tc, test_tolerant_reader);
    tcase_add_test(tc, test_malformed_frames_are_refused_with_a_reason);
    tcase_add_test(tc, test_frame_size_cap);
    tcase_add_test(tc, test_json_round_trip);
    tcase_add_test(tc, test_node_id_form);
    tcase_add_test(tc, test_endpoints);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
