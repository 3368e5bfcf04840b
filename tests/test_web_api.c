/*
 * The web UI's C API: starting and stopping it, binding, basic auth, a
 * master's slave list, and custom routes with the request and response
 * accessors (manual ch. 10.1).
 */
#include <cjson/cJSON.h>
#include <ev.h>
#include <locust/locust.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "testutil.h"
#include "web_client.h"

static locust_runner *r;
static struct ev_loop *loop;

static void setup(void)
{
    testutil_quiet_logs();
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    loop = locust_runner_loop(r);
}

static void teardown(void)
{
    locust_runner_free(r);
    r = NULL;
}

/* Starts a web UI on 127.0.0.1 and a free port, returning the port. */
static int start_web(locust_web **w, const char *auth)
{
    locust_web_options o = {.host = "127.0.0.1", .port = 0, .auth = auth};
    ck_assert_int_eq(locust_web_new(w, r, &o), 0);
    int port = locust_web_port(*w);
    ck_assert_int_gt(port, 0);
    return port;
}

static long get_status(int port, const char *path, const char *userpwd)
{
    web_req req = {.userpwd = userpwd};
    web_reply rep;
    web_do(loop, port, path, &req, &rep);
    long status = rep.status;
    web_reply_free(&rep);
    return status;
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

START_TEST(new_refuses_bad_arguments)
{
    locust_web *w = (locust_web *)1;
    ck_assert_int_eq(locust_web_new(NULL, r, NULL), LOCUST_EINVAL);
    ck_assert_int_eq(locust_web_new(&w, NULL, NULL), LOCUST_EINVAL);
    ck_assert_ptr_null(w);
    ck_assert_int_eq(locust_web_new(&w, r, &(locust_web_options){.port = 70000}), LOCUST_EINVAL);
    ck_assert_str_eq(locust_runner_last_error(r), "web UI: port 70000 is not a port number (0-65535)");
    ck_assert_int_eq(locust_web_new(&w, r, &(locust_web_options){.port = -1}), LOCUST_EINVAL);
    ck_assert_int_eq(locust_web_new(&w, r, &(locust_web_options){.auth = "nocolon"}), LOCUST_EINVAL);
    ck_assert_str_eq(locust_runner_last_error(r), "web UI: auth must be \"user:password\"");
    ck_assert_int_eq(locust_web_new(&w, r, &(locust_web_options){.host = "no such host!"}), LOCUST_EINVAL);
    ck_assert_ptr_nonnull(strstr(locust_runner_last_error(r), "cannot resolve host 'no such host!'"));
    ck_assert_ptr_null(w);
    ck_assert_int_eq(locust_web_port(NULL), LOCUST_EINVAL);
}
END_TEST

START_TEST(one_web_ui_per_runner)
{
    locust_web *w, *w2;
    start_web(&w, NULL);
    ck_assert_int_eq(locust_web_new(&w2, r, &(locust_web_options){.host = "127.0.0.1"}), LOCUST_EBUSY);
    ck_assert_str_eq(locust_runner_last_error(r), "web UI: this runner already has one");
    /* Freed explicitly, the slot is free again. */
    locust_web_free(w);
    start_web(&w2, NULL);
}
END_TEST

START_TEST(busy_port_is_an_error_naming_it)
{
    locust_web *w;
    int port = start_web(&w, NULL);
    locust_runner *other;
    locust_web *w2;
    ck_assert_int_eq(locust_runner_new(&other, NULL), 0);
    int err = locust_web_new(&w2, other, &(locust_web_options){.host = "127.0.0.1", .port = port});
    ck_assert_int_lt(err, 0);
    char want[128];
    snprintf(want, sizeof want, "web UI: cannot listen on 127.0.0.1 port %d: ", port);
    ck_assert_msg(strncmp(locust_runner_last_error(other), want, strlen(want)) == 0, "%s",
                  locust_runner_last_error(other));
    locust_runner_free(other);
}
END_TEST

START_TEST(free_closes_the_port)
{
    locust_web *w;
    int port = start_web(&w, NULL);
    ck_assert_int_eq(get_status(port, "/stats/requests", NULL), 200);
    locust_web_free(w);
    locust_web_free(NULL);
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, "/stats/requests", &rep), -1);
    ck_assert_int_eq(rep.status, 0);
    web_reply_free(&rep);
}
END_TEST

START_TEST(all_interfaces_by_default)
{
    locust_web *w;
    ck_assert_int_eq(locust_web_new(&w, r, NULL), 0);
    int port = locust_web_port(w);
    ck_assert_int_gt(port, 0);
    ck_assert_int_eq(get_status(port, "/", NULL), 200);
}
END_TEST

/* ---- basic auth ----------------------------------------------------------------------------- */

START_TEST(basic_auth_guards_every_route)
{
    locust_web *w;
    int port = start_web(&w, "admin:s3cr:t");
    const char *paths[] = {"/", "/stats/requests", "/static/app.js", "/no/such"};
    for (size_t i = 0; i < 4; i++) {
        web_reply rep;
        ck_assert_int_eq(web_get(loop, port, paths[i], &rep), 0);
        ck_assert_int_eq(rep.status, 401);
        char hdr[128];
        ck_assert_ptr_nonnull(web_header(&rep, "WWW-Authenticate", hdr, sizeof hdr));
        ck_assert_ptr_nonnull(strstr(hdr, "Basic realm=\"Locust\""));
        web_reply_free(&rep);
        ck_assert_int_eq(get_status(port, paths[i], "admin:wrong"), 401);
        ck_assert_int_eq(get_status(port, paths[i], "admin:s3cr"), 401);
        ck_assert_int_eq(get_status(port, paths[i], "root:s3cr:t"), 401);
    }
    /* The password may itself hold a colon. */
    ck_assert_int_eq(get_status(port, "/", "admin:s3cr:t"), 200);
    ck_assert_int_eq(get_status(port, "/stats/requests", "admin:s3cr:t"), 200);
    ck_assert_int_eq(get_status(port, "/no/such", "admin:s3cr:t"), 404);
    /* A refused swarm changes nothing. */
    web_reply rep;
    ck_assert_int_eq(web_post(loop, port, "/swarm", "locust_count=1&hatch_rate=1", &rep), 0);
    ck_assert_int_eq(rep.status, 401);
    web_reply_free(&rep);
    ck_assert_int_eq(locust_runner_state_get(r), LOCUST_STATE_READY);
}
END_TEST

/* ---- a master's slaves ---------------------------------------------------------------------- */

static size_t fake_slave_count(void *ud)
{
    (void)ud;
    return 2;
}

static int fake_slave(void *ud, size_t i, locust_slave_info *out)
{
    (void)ud;
    static const locust_slave_info slaves[] = {{"host-a_1f2e", "running", 7}, {"host-b_9c0d", "hatching", 3}};
    if (i >= 2) return LOCUST_ENOENT;
    *out = slaves[i];
    return 0;
}

static unsigned fake_user_count(void *ud)
{
    (void)ud;
    return 10;
}

START_TEST(master_lists_its_slaves)
{
    /* The delegate a master installs (dist.c), reduced to what the UI reads. */
    locust__delegate d = {.is_master = true,
                          .user_count = fake_user_count,
                          .slave_count = fake_slave_count,
                          .slave = fake_slave};
    locust__runner_set_delegate(r, &d);
    locust__runner_set_state(r, LOCUST_STATE_RUNNING);
    locust_web *w;
    int port = start_web(&w, NULL);
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, "/stats/requests", &rep), 0);
    cJSON *doc = cJSON_Parse(rep.body);
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(cJSON_GetObjectItem(doc, "user_count")->valueint, 10);
    ck_assert_str_eq(cJSON_GetObjectItem(doc, "state")->valuestring, "running");
    const cJSON *slaves = cJSON_GetObjectItem(doc, "slaves");
    ck_assert_int_eq(cJSON_GetArraySize(slaves), 2);
    const cJSON *b = cJSON_GetArrayItem(slaves, 1);
    ck_assert_str_eq(cJSON_GetObjectItem(b, "id")->valuestring, "host-b_9c0d");
    ck_assert_str_eq(cJSON_GetObjectItem(b, "state")->valuestring, "hatching");
    ck_assert_int_eq(cJSON_GetObjectItem(b, "user_count")->valueint, 3);
    /* Sorted keys: "slaves" sits between "fail_ratio" and "state". */
    ck_assert_str_eq(slaves->prev->string, "fail_ratio");
    ck_assert_str_eq(slaves->next->string, "state");
    cJSON_Delete(doc);
    web_reply_free(&rep);
    ck_assert_int_eq(web_get(loop, port, "/", &rep), 0);
    ck_assert_ptr_nonnull(strstr(rep.body, "data-distributed=\"true\""));
    web_reply_free(&rep);
    locust__runner_set_delegate(r, NULL);
}
END_TEST

START_TEST(local_runner_has_no_slaves_field)
{
    locust_web *w;
    int port = start_web(&w, NULL);
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, "/stats/requests", &rep), 0);
    cJSON *doc = cJSON_Parse(rep.body);
    ck_assert_ptr_null(cJSON_GetObjectItem(doc, "slaves"));
    cJSON_Delete(doc);
    web_reply_free(&rep);
}
END_TEST

/* ---- custom routes ------------------------------------------------------------------------------ */

static int added_page(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)req;
    (void)udata;
    return locust_web_response_printf(res, "Another page");
}

/* Echoes what the accessors see, as JSON. */
static int echo(const locust_web_request *req, locust_web_response *res, void *udata)
{
    int *calls = udata;
    (*calls)++;
    size_t len;
    const char *body = locust_web_request_body(req, &len);
    const char *name = locust_web_request_arg(req, "name");
    const char *q = locust_web_request_arg(req, "q");
    const char *agent = locust_web_request_header(req, "X-Test");
    locust_web_response_status(res, 201);
    locust_web_response_header(res, "Content-Type", "application/json");
    locust_web_response_header(res, "X-Handled-By", "echo");
    return locust_web_response_printf(
        res,
        "{\"method\":\"%s\",\"path\":\"%s\",\"len\":%zu,\"body\":\"%s\",\"name\":\"%s\","
        "\"q\":\"%s\",\"x\":\"%s\"}",
        locust_web_request_method(req), locust_web_request_path(req), len, body, name ? name : "(null)",
        q ? q : "(null)", agent ? agent : "(null)");
}

START_TEST(custom_route_added_before_start)
{
    ck_assert_int_eq(locust_web_route(r, "GET", "/added_page", added_page, NULL), 0);
    locust_web *w;
    int port = start_web(&w, NULL);
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, "/added_page", &rep), 0);
    ck_assert_int_eq(rep.status, 200);
    ck_assert_str_eq(rep.body, "Another page");
    char ct[64];
    /* Flask's default content type for a view returning a string. */
    ck_assert_str_eq(web_header(&rep, "Content-Type", ct, sizeof ct), "text/html; charset=utf-8");
    web_reply_free(&rep);
    ck_assert_int_eq(web_post(loop, port, "/added_page", "a=1", &rep), 0);
    ck_assert_int_eq(rep.status, 405);
    ck_assert_str_eq(web_header(&rep, "Allow", ct, sizeof ct), "GET, HEAD");
    web_reply_free(&rep);
}
END_TEST

START_TEST(custom_route_sees_the_request)
{
    int calls = 0;
    locust_web *w;
    int port = start_web(&w, NULL);
    /* Added after the UI started, with any method. */
    ck_assert_int_eq(locust_web_route(r, NULL, "/echo", echo, &calls), 0);
    web_req req = {.method = "PUT", .body = "name=web+ui&q=form", .header = "X-Test: yes"};
    web_reply rep;
    ck_assert_int_eq(web_do(loop, port, "/echo?q=query&other=1", &req, &rep), 0);
    ck_assert_int_eq(rep.status, 201);
    char hdr[64];
    ck_assert_str_eq(web_header(&rep, "X-Handled-By", hdr, sizeof hdr), "echo");
    ck_assert_str_eq(web_header(&rep, "Content-Type", hdr, sizeof hdr), "application/json");
    /* Form fields win over the query string, as 0.9's request.form is what /swarm reads. */
    ck_assert_str_eq(rep.body,
                     "{\"method\":\"PUT\",\"path\":\"/echo\",\"len\":18,\"body\":\"name=web+ui&q=form\","
                     "\"name\":\"web ui\",\"q\":\"form\",\"x\":\"yes\"}");
    web_reply_free(&rep);
    ck_assert_int_eq(web_get(loop, port, "/echo?q=a%20b", &rep), 0);
    ck_assert_str_eq(rep.body,
                     "{\"method\":\"GET\",\"path\":\"/echo\",\"len\":0,\"body\":\"\",\"name\":\"(null)\","
                     "\"q\":\"a b\",\"x\":\"(null)\"}");
    web_reply_free(&rep);
    ck_assert_int_eq(calls, 2);
}
END_TEST

START_TEST(custom_route_registration_errors)
{
    ck_assert_int_eq(locust_web_route(NULL, "GET", "/x", added_page, NULL), LOCUST_EINVAL);
    ck_assert_int_eq(locust_web_route(r, "GET", "x", added_page, NULL), LOCUST_EINVAL);
    ck_assert_str_eq(locust_runner_last_error(r),
                     "web route: path 'x' must start with '/' and have no query");
    ck_assert_int_eq(locust_web_route(r, "GET", "/x?y", added_page, NULL), LOCUST_EINVAL);
    ck_assert_int_eq(locust_web_route(r, "GET", NULL, added_page, NULL), LOCUST_EINVAL);
    ck_assert_int_eq(locust_web_route(r, "GET", "/x", NULL, NULL), LOCUST_EINVAL);
    ck_assert_int_eq(locust_web_route(r, "G E T", "/x", added_page, NULL), LOCUST_EINVAL);
    ck_assert_str_eq(locust_runner_last_error(r), "web route /x: 'G E T' is not an HTTP method");
    ck_assert_int_eq(locust_web_route(r, "GET", "/stats/requests", added_page, NULL), LOCUST_EEXIST);
    ck_assert_str_eq(locust_runner_last_error(r),
                     "web route /stats/requests: Locust's own route has that path");
    ck_assert_int_eq(locust_web_route(r, "POST", "/static/mine.js", added_page, NULL), LOCUST_EEXIST);
    ck_assert_int_eq(locust_web_route(r, "get", "/x", added_page, NULL), 0);
    ck_assert_int_eq(locust_web_route(r, "GET", "/x", added_page, NULL), LOCUST_EEXIST);
    ck_assert_int_eq(locust_web_route(r, NULL, "/x", added_page, NULL), LOCUST_EEXIST);
    ck_assert_int_eq(locust_web_route(r, "POST", "/x", added_page, NULL), 0);
    char path[32];
    for (int i = 0; i < 254; i++) {
        snprintf(path, sizeof path, "/r%d", i);
        ck_assert_int_eq(locust_web_route(r, "GET", path, added_page, NULL), 0);
    }
    ck_assert_int_eq(locust_web_route(r, "GET", "/one-too-many", added_page, NULL), LOCUST_ETOOBIG);
}
END_TEST

static int fails(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)req;
    (void)udata;
    locust_web_response_printf(res, "half a page");
    return LOCUST_EIO;
}

static int bad_status(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)req;
    (void)udata;
    locust_web_response_status(res, 42);
    return 0;
}

static int bad_header(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)req;
    (void)udata;
    ck_assert_int_eq(locust_web_response_header(res, "X-Evil", "a\r\nSet-Cookie: x=1"), LOCUST_EINVAL);
    ck_assert_int_eq(locust_web_response_header(res, "Bad Name", "v"), LOCUST_EINVAL);
    return 0;
}

static int too_big(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)req;
    (void)udata;
    size_t chunk = 1024 * 1024;
    char *mb = calloc(1, chunk);
    int err = 0;
    for (int i = 0; i < 17 && !err; i++)
        err = locust_web_response_write(res, mb, chunk);
    free(mb);
    ck_assert_int_eq(err, LOCUST_ETOOBIG);
    return 0; /* ignoring the error must not send a cut-off body */
}

START_TEST(failing_handlers_give_a_500)
{
    ck_assert_int_eq(locust_web_route(r, "GET", "/fails", fails, NULL), 0);
    ck_assert_int_eq(locust_web_route(r, "GET", "/bad-status", bad_status, NULL), 0);
    ck_assert_int_eq(locust_web_route(r, "GET", "/bad-header", bad_header, NULL), 0);
    ck_assert_int_eq(locust_web_route(r, "GET", "/too-big", too_big, NULL), 0);
    locust_web *w;
    int port = start_web(&w, NULL);
    static const struct {
        const char *path, *message;
    } cases[] = {
        {"/fails", "GET /fails failed: input/output error"},
        {"/bad-status", "GET /bad-status failed: invalid argument"},
        {"/bad-header", "GET /bad-header failed: invalid argument"},
        {"/too-big", "GET /too-big failed: size limit exceeded"},
    };
    for (size_t i = 0; i < 4; i++) {
        web_reply rep;
        ck_assert_int_eq(web_get(loop, port, cases[i].path, &rep), 0);
        ck_assert_int_eq(rep.status, 500);
        cJSON *doc = cJSON_Parse(rep.body);
        ck_assert_msg(doc != NULL, "%s: %.100s", cases[i].path, rep.body);
        ck_assert_str_eq(cJSON_GetObjectItem(doc, "message")->valuestring, cases[i].message);
        cJSON_Delete(doc);
        web_reply_free(&rep);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("web_api");
    TCase *tc = tcase_create("lifecycle");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, new_refuses_bad_arguments);
    tcase_add_test(tc, one_web_ui_per_runner);
    tcase_add_test(tc, busy_port_is_an_error_naming_it);
    tcase_add_test(tc, free_closes_the_port);
    tcase_add_test(tc, all_interfaces_by_default);
    tcase_add_test(tc, basic_auth_guards_every_route);
    tcase_add_test(tc, master_lists_its_slaves);
    tcase_add_test(tc, local_runner_has_no_slaves_field);
    suite_add_tcase(s, tc);

    tc = tcase_create("routes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, custom_route_added_before_start);
    tcase_add_test(tc, custom_route_sees_the_request);
    tcase_add_test(tc, custom_route_registration_errors);
    tcase_add_test(tc, failing_handlers_give_a_500);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
