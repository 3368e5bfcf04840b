/* Curl on the runner's loop for the web UI tests; see web_client.h. */
#include "web_client.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct buf {
    char *p;
    size_t len;
} buf;

static size_t append(char *data, size_t size, size_t n, void *ud)
{
    buf *b = ud;
    size_t add = size * n;
    char *p = realloc(b->p, b->len + add + 1);
    if (!p) return 0;
    memcpy(p + b->len, data, add);
    b->len += add;
    p[b->len] = 0;
    b->p = p;
    return add;
}

int web_do(struct ev_loop *loop, int port, const char *path, const web_req *req, web_reply *out)
{
    static const web_req none = {0};
    if (!req) req = &none;
    memset(out, 0, sizeof *out);
    char url[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    buf body = {0}, head = {0};
    CURL *c = curl_easy_init();
    CURLM *m = curl_multi_init();
    struct curl_slist *hdrs = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, append);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, out->error);
    const char *method = req->method ? req->method : (req->body ? "POST" : "GET");
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (req->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(req->body_len ? req->body_len : strlen(req->body)));
        if (strcmp(method, "POST") != 0) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    if (req->content_type) {
        char h[256];
        snprintf(h, sizeof h, "Content-Type: %s", req->content_type);
        hdrs = curl_slist_append(hdrs, h);
    }
    if (req->header) hdrs = curl_slist_append(hdrs, req->header);
    /* No "Expect: 100-continue" round trip for larger bodies. */
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    if (req->userpwd) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, req->userpwd);
    }
    curl_multi_add_handle(m, c);
    int running = 1;
    CURLcode result = CURLE_OK;
    while (running) {
        curl_multi_perform(m, &running);
        if (!running) break;
        /* The server answers from the loop: let it turn between polls. */
        ev_run(loop, EVRUN_NOWAIT);
        curl_multi_poll(m, NULL, 0, 2, NULL);
    }
    int left;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(m, &left)))
        if (msg->msg == CURLMSG_DONE) result = msg->data.result;
    if (result == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    else if (!out->error[0])
        snprintf(out->error, sizeof out->error, "%s", curl_easy_strerror(result));
    curl_multi_remove_handle(m, c);
    curl_easy_cleanup(c);
    curl_multi_cleanup(m);
    curl_slist_free_all(hdrs);
    out->body = body.p ? body.p : calloc(1, 1);
    out->len = body.len;
    out->headers = head.p ? head.p : calloc(1, 1);
    out->headers_len = head.len;
    return result == CURLE_OK ? 0 : -1;
}

int web_get(struct ev_loop *loop, int port, const char *path, web_reply *out)
{
    return web_do(loop, port, path, NULL, out);
}

int web_post(struct ev_loop *loop, int port, const char *path, const char *form, web_reply *out)
{
    web_req req = {.method = "POST", .body = form};
    return web_do(loop, port, path, &req, out);
}

const char *web_header(const web_reply *r, const char *name, char *out, size_t len)
{
    size_t n = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        const char *end = strstr(line, "\r\n");
        if (!end) end = line + strlen(line);
        if ((size_t)(end - line) > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            snprintf(out, len, "%.*s", (int)(end - v), v);
            return out;
        }
        line = *end ? end + 2 : end;
    }
    return NULL;
}

void web_reply_free(web_reply *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof *r);
}

static void pump_done(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)t;
    (void)revents;
    ev_break(loop, EVBREAK_ONE);
}

void web_pump(struct ev_loop *loop, double seconds)
{
    ev_timer t;
    ev_timer_init(&t, pump_done, seconds, 0.);
    ev_timer_start(loop, &t);
    ev_run(loop, 0);
    ev_timer_stop(loop, &t);
}

void web_assert_content_type(const web_reply *rep, const char *want)
{
    char ct[256];
    ck_assert_ptr_nonnull(web_header(rep, "Content-Type", ct, sizeof ct));
    ck_assert_str_eq(ct, want);
}

cJSON *web_get_json(struct ev_loop *loop, int port, const char *path)
{
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, path, &rep), 0);
    ck_assert_int_eq(rep.status, 200);
    web_assert_content_type(&rep, "application/json");
    cJSON *doc = cJSON_Parse(rep.body);
    ck_assert_msg(doc != NULL, "not JSON: %s", rep.body);
    web_reply_free(&rep);
    return doc;
}

void web_assert_keys(const cJSON *o, const char *const *keys)
{
    const cJSON *item = o->child;
    for (size_t i = 0; keys[i]; i++, item = item->next) {
        ck_assert_msg(item != NULL, "missing key %s", keys[i]);
        ck_assert_str_eq(item->string, keys[i]);
    }
    ck_assert_msg(item == NULL, "unexpected key %s", item ? item->string : "");
}

double web_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsNumber(v), "%s is not a number", key);
    return v->valuedouble;
}

const char *web_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsString(v), "%s is not a string", key);
    return v->valuestring;
}
