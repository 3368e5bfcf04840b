/*
 * The glue between libcurl's multi interface and the runner's libev loop.
 *
 * Every runner has one CURLM, created on first use. curl tells us which
 * sockets to watch (CURLMOPT_SOCKETFUNCTION, one ev_io per socket) and when
 * it wants to be called back (CURLMOPT_TIMERFUNCTION, one ev_timer); the
 * watchers' callbacks hand the events back with curl_multi_socket_action().
 * Finished transfers are collected with curl_multi_info_read(), removed from
 * the multi and their user's fiber is woken.
 *
 * curl forbids calling curl_multi_socket_action() from inside its own
 * callbacks, so the socket and timer callbacks only (re)arm libev watchers:
 * even a zero timeout becomes a zero-delay ev_timer, run by the loop after
 * the current curl call has returned.
 */
#include <pthread.h>
#include <stdlib.h>

#include "http/http_internal.h"

typedef struct sock_watch sock_watch;

struct locust__http_multi {
    locust_runner *runner;
    struct ev_loop *loop;
    CURLM *multi;
    ev_timer timer;
    int sessions;
    locust__list watches; /* every live socket watcher, to free them at the end */
};

/* One watched socket. */
struct sock_watch {
    ev_io io;
    locust__http_multi *m;
    locust__list link; /* in the multi's watches */
};

static void watch_free(locust__http_multi *m, sock_watch *sw)
{
    ev_io_stop(m->loop, &sw->io);
    locust__list_remove(&sw->link);
    free(sw);
}

static void check_done(locust__http_multi *m)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;
        locust__http_xfer *x = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
        /* msg is invalid once the handle is removed: copy first. */
        curl_multi_remove_handle(m->multi, easy);
        if (x == NULL) continue;
        x->added = false;
        x->done = true;
        x->result = result;
        x->end = locust__mono();
        if (x->user != NULL) locust__user_wake(x->user);
    }
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    sock_watch *sw = (sock_watch *)w;
    /* sw may be freed by the socket callback during the action. */
    locust__http_multi *m = sw->m;
    int flags = 0, running = 0;
    if (revents & EV_READ) flags |= CURL_CSELECT_IN;
    if (revents & EV_WRITE) flags |= CURL_CSELECT_OUT;
    if (revents & EV_ERROR) flags |= CURL_CSELECT_ERR;
    curl_multi_socket_action(m->multi, w->fd, flags, &running);
    check_done(m);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust__http_multi *m = w->data;
    int running = 0;
    curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(m);
}

/* CURLMOPT_SOCKETFUNCTION: watch, re-watch or forget a socket. */
static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    locust__http_multi *m = userp;
    sock_watch *sw = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (sw != NULL) {
            curl_multi_assign(m->multi, s, NULL);
            watch_free(m, sw);
        }
        return 0;
    }
    if (sw == NULL) {
        sw = calloc(1, sizeof *sw);
        if (sw == NULL) return -1; /* curl fails the transfers on this socket */
        sw->m = m;
        locust__list_push_head(&m->watches, &sw->link);
        curl_multi_assign(m->multi, s, sw);
    } else {
        ev_io_stop(m->loop, &sw->io);
    }
    int events = 0;
    if (what & CURL_POLL_IN) events |= EV_READ;
    if (what & CURL_POLL_OUT) events |= EV_WRITE;
    ev_io_init(&sw->io, on_io, s, events);
    if (events != 0) ev_io_start(m->loop, &sw->io);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: (re)arm or stop the single timer. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    locust__http_multi *m = userp;
    ev_timer_stop(m->loop, &m->timer);
    if (timeout_ms >= 0) {
        ev_timer_set(&m->timer, (double)timeout_ms / 1000.0, 0.0);
        ev_timer_start(m->loop, &m->timer);
    }
    return 0;
}

/* curl_global_init() is not thread-safe before 7.84: do it once per process. */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void multi_free_slot(void *m)
{
    locust__http_multi_free(m);
}

int locust__http_multi_get(locust_runner *r, locust__http_multi **out)
{
    locust__http_multi *have = locust__runner_slot(r, LOCUST__SLOT_HTTP);
    if (have != NULL) {
        *out = have;
        return 0;
    }
    pthread_once(&global_once, global_init);
    locust__http_multi *m = calloc(1, sizeof *m);
    if (m == NULL) return LOCUST_ENOMEM;
    m->runner = r;
    locust__list_init(&m->watches);
    m->loop = locust__runner_loop(r);
    m->multi = curl_multi_init();
    if (m->multi == NULL) {
        free(m);
        return LOCUST_ENOMEM;
    }
    ev_timer_init(&m->timer, on_timer, 0.0, 0.0);
    m->timer.data = m;
    curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
    curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
    /* A late slot: the runner frees it after its users, whose sessions
     * leave the multi as they end. */
    locust__runner_set_slot(r, LOCUST__SLOT_HTTP, m, multi_free_slot);
    *out = m;
    return 0;
}

int locust__http_multi_add(locust__http_multi *m, locust__http_xfer *x)
{
    x->done = false;
    x->result = CURLE_OK;
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, (char *)x);
    CURLMcode rc = curl_multi_add_handle(m->multi, x->easy);
    if (rc != CURLM_OK) return rc == CURLM_OUT_OF_MEMORY ? LOCUST_ENOMEM : LOCUST_EIO;
    x->added = true;
    return 0;
}

void locust__http_multi_remove(locust__http_multi *m, locust__http_xfer *x)
{
    if (x->added) curl_multi_remove_handle(m->multi, x->easy);
    x->added = false;
}

void locust__http_multi_sessions(locust__http_multi *m, int delta)
{
    m->sessions += delta;
    if (m->sessions < 0) m->sessions = 0;
    /*
     * curl's default cache holds 4 connections per easy handle *in the
     * multi*, and between requests a session's handle is not in it: idle
     * users would lose their keep-alive connections. Size it by sessions.
     */
    long max = (long)m->sessions * 2 + 16;
    curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS, max);
}

void locust__http_multi_free(locust__http_multi *m)
{
    if (m == NULL) return;
    /*
     * curl may or may not report the sockets it closes while cleaning up;
     * stop listening to it and free every watcher ourselves.
     */
    curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, NULL);
    curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, NULL);
    curl_multi_cleanup(m->multi);
    locust__list *l;
    while ((l = locust__list_first(&m->watches)) != NULL)
        watch_free(m, locust__list_entry(l, sock_watch, link));
    ev_timer_stop(m->loop, &m->timer);
    free(m);
}
