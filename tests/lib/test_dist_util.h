/* Helpers shared by the distributed-mode tests: free ports, loop driving, raw ZeroMQ peers. */
#ifndef LOCUST_TEST_DIST_UTIL_H
#define LOCUST_TEST_DIST_UTIL_H

#include "dist/dist_internal.h"
#include "port_helper.h"

#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

/* Drives a shared loop until pred(ud) holds or `seconds` pass; returns pred's last value. */
typedef bool (*dist_pred)(void *ud);
static void dist_tick_cb(struct ev_loop *loop, ev_timer *w, int revents) {}
static inline bool dist_run_until(struct ev_loop *loop, dist_pred pred, void *ud, double seconds)
{
    ev_timer tick;
    ev_timer_init(&tick, dist_tick_cb, 0.005, 0.005);
    ev_timer_start(loop, &tick);
    double end = locust__mono() + seconds;
    bool ok;
    while (!(ok = pred(ud)) && locust__mono() < end)
        ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &tick);
    return ok;
}

static inline bool dist_never(void *ud)
{
    return false;
}

/* Runs the loop for `seconds`. */
static inline void dist_run_for(struct ev_loop *loop, double seconds)
{
    dist_run_until(loop, dist_never, NULL, seconds);
}

/* Packs and returns a 0.9 frame [type, data-from-json, node_id] (malloc'ed). */
static inline char *dist_frame(const char *type, const char *json, const char *node_id, size_t *len)
{
    locust__rpc_out o;
    ck_assert_int_eq(locust__rpc_out_begin(&o, type), 0);
    cJSON *j = json ? cJSON_Parse(json) : NULL;
    ck_assert_msg(!json || j, "bad test JSON: %s", json);
    ck_assert_int_eq(locust__mp_pack_json(&o.pk, j), 0);
    cJSON_Delete(j);
    ck_assert_int_eq(locust__rpc_out_finish(&o, node_id, LOCUST__RPC_STYLE_09), 0);
    char *f = malloc(o.len);
    memcpy(f, o.frame, o.len);
    *len = o.len;
    locust__rpc_out_free(&o);
    return f;
}

/* Sends a frame on a raw socket (blocking at most 1 s). */
static inline void dist_raw_send(void *sock, const void *data, size_t len)
{
    int rc = zmq_send(sock, data, len, 0);
    ck_assert_msg(rc >= 0, "zmq_send: %s", zmq_strerror(errno));
}

/* Sends [type, json, id] on a raw socket. */
static inline void dist_raw_msg(void *sock, const char *type, const char *json, const char *id)
{
    size_t len;
    char *f = dist_frame(type, json, id, &len);
    dist_raw_send(sock, f, len);
    free(f);
}

/* Opens a raw socket of `type` connected to 127.0.0.1:port with a 1 s send timeout. */
static inline void *dist_raw_connect(void *ctx, int type, int port)
{
    void *s = zmq_socket(ctx, type);
    int t = 1000, linger = 0;
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &t, sizeof t);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    ck_assert_int_eq(zmq_connect(s, ep), 0);
    return s;
}

/*
 * Makes a master with new_node() and attaches it on a free 127.0.0.1 port
 * pair (retrying when another test took the port first). Returns the port.
 */
static inline int dist_attach_master(locust_runner *(*new_node)(void), locust_runner **out)
{
    for (int tries = 0; tries < 20; tries++) {
        locust_runner *m = new_node();
        locust_master_options mo = {.bind_host = "127.0.0.1", .bind_port = dist_free_port_pair()};
        if (locust_master_attach(m, &mo) == 0) {
            *out = m;
            return mo.bind_port;
        }
        locust_runner_free(m);
    }
    ck_abort_msg("no port for the master");
    return 0;
}

/* Attaches a slave to the master on 127.0.0.1:port. */
static inline void dist_attach_slave(locust_runner *r, int port)
{
    locust_slave_options so = {.master_host = "127.0.0.1", .master_port = port};
    ck_assert_int_eq(locust_slave_attach(r, &so), 0);
}

#endif /* LOCUST_TEST_DIST_UTIL_H */
