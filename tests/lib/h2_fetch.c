/*
 * Fetching a case over the wire and through curl (see h2_fetch.h).
 */
#include "h2_fetch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_internal.h"
#include "http/http_wire.h"
#include "testutil.h"

static const h2_case *the_case;
static h2_outcome *the_outcome;
static const char *the_ca;

/* The response's headers, with the value of a Date header blanked: it changes with the second. */
static void keep_headers(h2_seen *s, const locust_response *r)
{
    s->hdrs_len = 0;
    for (size_t off = 0; off < r->hdrs_len;) {
        const char *k = r->hdrs + off, *v = k + strlen(k) + 1;
        size_t kl = strlen(k) + 1, vl = strlen(v) + 1;
        /* The clock's: the second of the response, a file's time (uploads are made again per fetch). */
        if (strcasecmp(k, "date") == 0 || strcasecmp(k, "last-modified") == 0 || strcasecmp(k, "etag") == 0)
            v = "", vl = 1;
        if (s->hdrs_len + kl + vl <= sizeof s->hdrs) {
            memcpy(s->hdrs + s->hdrs_len, k, kl);
            memcpy(s->hdrs + s->hdrs_len + kl, v, vl);
            s->hdrs_len += kl + vl;
        }
        off += kl + strlen(k + kl) + 1;
    }
}

static void run_steps(locust_ctx *ctx)
{
    locust_http *h = locust_client(ctx);
    for (unsigned i = 0; i < H2_MAX_STEPS && the_case->steps[i].method != NULL; i++) {
        const h2_step *q = &the_case->steps[i];
        if (q->pause_ms > 0) locust_sleep(ctx, q->pause_ms);
        locust_request_opts o = {.timeout = q->timeout > 0 ? q->timeout : 5,
                                 .no_redirects = q->no_redirects,
                                 .ca_bundle = the_ca,
                                 .headers = q->headers,
                                 .cookies = q->cookies,
                                 .body = q->body,
                                 .body_len = q->body_len,
                                 .body_len_set = q->body_len > 0,
                                 .http2 = true};
        locust_response *r = locust_request(ctx, q->method, q->path, &o);
        h2_seen *s = &the_outcome->seen[the_outcome->n++];
        s->status = locust_response_status(r);
        snprintf(s->reason, sizeof s->reason, "%s", locust_response_reason(r));
        keep_headers(s, r);
        const void *b = locust_response_body(r, &s->body_len);
        s->body = malloc(s->body_len + 1);
        ck_assert_ptr_nonnull(s->body);
        memcpy(s->body, b, s->body_len);
        snprintf(s->error, sizeof s->error, "%s", locust_response_error(r) ? locust_response_error(r) : "");
        snprintf(s->url, sizeof s->url, "%s", locust_response_url(r));
        s->redirects = locust_response_redirects(r);
        s->curl_code = (int)h->xfer.result;
        s->native = h->hop_native;
        s->h2 = h->hop_native && locust__wire_speaks_h2(h->wire);
        locust_response_free(r);
    }
    locust_stop_user(ctx);
}

static void on_error(const locust_event *ev, void *udata)
{
    snprintf(the_outcome->task_error, sizeof the_outcome->task_error, "%s", ev->message ? ev->message : "");
}

void fetch_stats_text(locust_runner *r, char *out, size_t cap)
{
    locust_stats *st = locust_runner_stats(r);
    size_t n = 0;
    locust_entry_info e;
    for (size_t i = 0; i < locust_stats_entry_count(st) && locust_stats_entry(st, i, &e) == 0; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s %s: %llu requests, %llu failures, %llu bytes\n", e.method,
                              e.name, (unsigned long long)e.num_requests, (unsigned long long)e.num_failures,
                              (unsigned long long)e.total_content_length);
    locust_error_info x;
    for (size_t i = 0; n < cap && i < locust_stats_error_count(st) && locust_stats_error(st, i, &x) == 0; i++)
        n += (size_t)snprintf(out + n, cap - n, "error %s %s: %s x%llu\n", x.method, x.name, x.error,
                              (unsigned long long)x.occurrences);
}

void h2_fetch(const h2_case *c, const char *host, const char *ca_bundle, bool curl, h2_outcome *out)
{
    static const locust_task tasks[] = {{.name = "h2", .fn = run_steps, .weight = 1}, LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "H2", .tasks = tasks};
    locust_class cls = {.name = "H2User", .task_set = &ts, .weight = 1, .host = host};
    memset(out, 0, sizeof *out);
    the_case = c;
    the_outcome = out;
    the_ca = ca_bundle;
    locust__wire_force_curl(curl);
    locust_runner *r;
    locust_runner_options o = {.seed = 1};
    ck_assert_int_eq(locust_runner_new(&r, &o), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &cls), 0);
    locust_on(r, LOCUST_EV_LOCUST_ERROR, on_error, NULL);
    ck_assert_int_eq(testutil_run_users(r, 1, 100, 60), 0);
    fetch_stats_text(r, out->stats, sizeof out->stats);
    locust_runner_free(r);
    locust__wire_force_curl(false);
}

/* ---- differences ---------------------------------------------------------------------------- */

typedef struct report {
    char *p;
    size_t len, cap;
} report;

static void say(report *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(report *rep, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (rep->len + 1 < rep->cap) {
        int k = vsnprintf(rep->p + rep->len, rep->cap - rep->len, fmt, ap);
        if (k > 0) rep->len += (size_t)k < rep->cap - rep->len ? (size_t)k : rep->cap - rep->len - 1;
    }
    va_end(ap);
}

/* Bytes shown with C escapes, at most `max` of them. */
static const char *shown(const char *p, size_t n, size_t max, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < max && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\0')
            o += (size_t)snprintf(out + o, cap - o, "\\0");
        else if (c < 0x20 || c >= 0x7f)
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
    if (n > max && o + 4 < cap) strcat(out, "...");
    return out;
}

static void compare_bytes(report *rep, const char *what, unsigned i, const char *a, size_t al, const char *b,
                          size_t bl)
{
    if (al == bl && memcmp(a, b, al) == 0) return;
    char sa[1024], sb[1024];
    say(rep, "  request %u %s:\n    wire (%zu bytes): %s\n    curl (%zu bytes): %s\n", i, what, al,
        shown(a, al, 300, sa, sizeof sa), bl, shown(b, bl, 300, sb, sizeof sb));
}

void h2_compare(const h2_outcome *w, const h2_outcome *c, char *text, size_t cap)
{
    report rep = {.p = text, .cap = cap};
    text[0] = '\0';
    if (w->n != c->n) say(&rep, "  requests made: wire %u, curl %u\n", w->n, c->n);
    for (unsigned i = 0; i < w->n && i < c->n; i++) {
        const h2_seen *a = &w->seen[i], *b = &c->seen[i];
        if (a->status != b->status)
            say(&rep, "  request %u status: wire %d, curl %d\n", i + 1, a->status, b->status);
        if (a->curl_code != b->curl_code)
            say(&rep, "  request %u curl code: wire %d, curl %d\n", i + 1, a->curl_code, b->curl_code);
        if (a->redirects != b->redirects)
            say(&rep, "  request %u redirects: wire %d, curl %d\n", i + 1, a->redirects, b->redirects);
        compare_bytes(&rep, "reason", i + 1, a->reason, strlen(a->reason), b->reason, strlen(b->reason));
        compare_bytes(&rep, "headers", i + 1, a->hdrs, a->hdrs_len, b->hdrs, b->hdrs_len);
        compare_bytes(&rep, "body", i + 1, a->body, a->body_len, b->body, b->body_len);
        compare_bytes(&rep, "error", i + 1, a->error, strlen(a->error), b->error, strlen(b->error));
        compare_bytes(&rep, "url", i + 1, a->url, strlen(a->url), b->url, strlen(b->url));
        if (!a->native) say(&rep, "  request %u did not go over the wire\n", i + 1);
        if (b->native) say(&rep, "  request %u did not go through curl\n", i + 1);
    }
    compare_bytes(&rep, "statistics", 0, w->stats, strlen(w->stats), c->stats, strlen(c->stats));
    compare_bytes(&rep, "task error", 0, w->task_error, strlen(w->task_error), c->task_error,
                  strlen(c->task_error));
}

/* Replaces every `from` in a string of cap bytes by `to` (no longer than `from`). */
static void swap_text(char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to);
    for (char *p = s; (p = strstr(p, from)) != NULL; p += tl) {
        memmove(p + tl, p + fl, strlen(p + fl) + 1);
        memcpy(p, to, tl);
    }
}

void h2_outcome_rehost(h2_outcome *o, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to);
    for (unsigned i = 0; i < o->n; i++) {
        h2_seen *s = &o->seen[i];
        for (char *p = s->hdrs; (p = memmem(p, s->hdrs_len - (size_t)(p - s->hdrs), from, fl)) != NULL;
             p += tl) {
            memmove(p + tl, p + fl, s->hdrs_len - (size_t)(p + fl - s->hdrs));
            memcpy(p, to, tl);
            s->hdrs_len -= fl - tl;
        }
        swap_text(o->seen[i].url, from, to);
        swap_text(o->seen[i].error, from, to);
    }
    swap_text(o->stats, from, to);
    swap_text(o->task_error, from, to);
}

void h2_outcome_free(h2_outcome *o)
{
    for (unsigned i = 0; i < o->n; i++)
        free(o->seen[i].body);
}
