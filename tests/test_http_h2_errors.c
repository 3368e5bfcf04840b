/*
 * HTTP/2 failures on the session's own connection against curl's, as a
 * specification: a scripted server (tests/lib/h2_server.c, nghttp2's
 * server session, h2c with prior knowledge) resets streams, refuses them,
 * sends GOAWAY, closes the connection under a stream, answers with bytes
 * that are not HTTP/2, or says nothing; the task must see from the wire
 * what it sees through curl: the same status, error text (curl's words,
 * requests' exception class), statistics entries and errors, each request
 * counted once. Also odd but legal answers: a 103 before the response,
 * trailers, a gzip body without a length in several frames.
 */
#include <stdio.h>
#include <string.h>

#include "h2_fetch.h"
#include "h2_server.h"
#include "testutil.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

typedef struct err_case {
    const char *name;
    h2s_mode mode;
    const char *want_error; /* the error the wire must give (and curl, when the paths agree); "" none */
    unsigned want_conns;    /* connections the wire opened for its two requests (0: not checked) */
} err_case;

#define CLOSED_UNDER                                                                                         \
    "ConnectionError('HTTP/2 stream 1 was not closed cleanly before end of the underlying stream')"
#define PROTOCOL "ConnectionError('HTTP/2 stream 1 was not closed cleanly: PROTOCOL_ERROR (err 1)')"

static const err_case cases[] = {
    {"ok", H2S_OK, "", 1},
    {"rst_stream", H2S_RST,
     "ConnectionError('HTTP/2 stream 1 was not closed cleanly: INTERNAL_ERROR (err 2)')", 1},
    {"rst_no_error_before_head", H2S_RST_NO_ERROR,
     "ConnectionError('HTTP/2 stream 1 was closed cleanly, but before getting  all response header fields, "
     "treated as error')",
     1},
    {"rst_mid_body", H2S_RST_MID, "ConnectionError('HTTP/2 stream 1 was not closed cleanly: CANCEL (err 8)')",
     1},
    {"refused_once", H2S_REFUSE_ONCE, "", 2},
    {"goaway", H2S_GOAWAY, "ConnectionError('Error in the HTTP2 framing layer')"},
    {"goaway_after_response", H2S_GOAWAY_AFTER, "", 2},
    {"garbage", H2S_GARBAGE, "ConnectionError('Empty reply from server')"},
    {"close_mid_body", H2S_CLOSE_MID, CLOSED_UNDER},
    {"close_at_once", H2S_CLOSE_AT_ONCE, CLOSED_UNDER},
    {"silent", H2S_SILENT, NULL},
    {"early_hints_and_trailers", H2S_TRAILERS, "", 1},
    {"forbidden_response_field", H2S_BAD_HEADER, PROTOCOL, 1},
    {"gzip_without_length", H2S_NO_LENGTH_GZIP, "", 1},
    {"length_mismatch", H2S_LENGTH_MISMATCH, PROTOCOL, 1},
    {"goaway_while_idle", H2S_GOAWAY_IDLE, "", 2},
};

static char rep[32768];

START_TEST(the_wire_fails_an_h2_stream_as_curl_does)
{
    const err_case *e = &cases[_i];
    /* The second request comes once the first's connection has idled a while (300 ms). */
    h2_case c = {e->name,
                 {{"GET", "/first", .timeout = 2}, {"GET", "/second", .timeout = 2, .pause_ms = 300}}};
    static h2_outcome wire, curl;
    h2_server s;
    char host[64];
    ck_assert_int_eq(h2_server_start(&s, e->mode), 0);
    snprintf(host, sizeof host, "http://127.0.0.1:%d", s.port);
    h2_fetch(&c, host, NULL, false, &wire);
    unsigned wire_conns = s.connections;
    h2_server_stop(&s);
    /* curl 7.88 fails a second request on an h2c connection: each path's first request is compared on a
     * fresh server, and the second request only from the wire's own server. */
    ck_assert_int_eq(h2_server_start(&s, e->mode), 0);
    char chost[64];
    snprintf(chost, sizeof chost, "http://127.0.0.1:%d", s.port);
    h2_case one = {e->name, {c.steps[0]}};
    h2_fetch(&one, chost, NULL, true, &curl);
    h2_server_stop(&s);
    h2_outcome_rehost(&curl, chost, host);
    static h2_outcome first;
    first = wire;
    first.n = 1;
    /* Only the first request's statistics line and errors: the wire made two. */
    char *second = strstr(first.stats, "GET /second");
    if (second != NULL) {
        char *nl = strchr(second, '\n');
        memmove(second, nl + 1, strlen(nl + 1) + 1);
        while ((second = strstr(first.stats, "error GET /second")) != NULL) {
            nl = strchr(second, '\n');
            memmove(second, nl + 1, strlen(nl + 1) + 1);
        }
    }
    h2_compare(&first, &curl, rep, sizeof rep);
    if (getenv("LOCUST_H2_SHOW"))
        fprintf(stderr, "%s: wire %d '%s' conns %u | curl %d '%s'\n%s", e->name, wire.seen[0].status,
                wire.seen[0].error, wire_conns, curl.seen[0].status, curl.seen[0].error, wire.stats);
    ck_assert_msg(rep[0] == '\0', "%s: the wire and curl differ:\n%s", e->name, rep);
    if (e->want_error != NULL) ck_assert_str_eq(wire.seen[0].error, e->want_error);
    /* The connection is kept across requests (a stream's reset does not end it) unless the server ends it. */
    if (e->want_conns != 0) ck_assert_uint_eq(wire_conns, e->want_conns);
    /* Every request counted once, and the second still gets an answer of its own. */
    ck_assert_uint_eq(wire.n, 2);
    h2_outcome_free(&wire);
    h2_outcome_free(&curl);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("http_h2_errors");
    TCase *tc = tcase_create("scripted");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, the_wire_fails_an_h2_stream_as_curl_does, 0,
                        (int)(sizeof cases / sizeof cases[0]));
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
