/*
 * libFuzzer harness: one ZeroMQ frame as a master, a slave or a 2.x worker
 * receives it (both protocols frame every message as msgpack
 * [type, data, node_id]). The frame is decoded as liblocust/dist/dist_msgpack.c
 * decodes it, then everything a handler does with a decoded message is
 * done to it: field look-ups, numbers, strings, the cJSON form the
 * slave_report listeners get, and laying it out again in both string
 * styles. Anything may be refused; nothing may crash, leak or hang, and a
 * frame laid out again must decode to the same message.
 */
#include "dist/dist_msgpack.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Visits every value the way handlers read them. */
static void touch(const msgpack_object *o, int depth)
{
    const char *p;
    size_t n;
    int64_t i;
    double d;
    (void)locust__mp_type_name(o);
    (void)locust__mp_int(o, INT64_MIN, INT64_MAX, &i);
    (void)locust__mp_int(o, 0, 1000000, &i);
    (void)locust__mp_num(o, &d);
    if (locust__mp_bytes(o, &p, &n)) {
        char buf[64];
        locust__printable(p, n, buf, sizeof buf);
        free(locust__mp_strdup(o, 1024));
    }
    if (depth > 40) return;
    if (o->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t k = 0; k < o->via.array.size; k++)
            touch(&o->via.array.ptr[k], depth + 1);
    if (o->type == MSGPACK_OBJECT_MAP) {
        static const char *const keys[] = {"stats",       "stats_total", "errors", "user_count",
                                           "num_clients", "hatch_rate",  "host",   "user_classes_count",
                                           "num_users",   "state"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            (void)locust__mp_get(o, keys[k]);
        for (uint32_t k = 0; k < o->via.map.size; k++) {
            touch(&o->via.map.ptr[k].key, depth + 1);
            touch(&o->via.map.ptr[k].val, depth + 1);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    locust__rpc_msg m;
    if (locust__rpc_decode(data, size, &m, err, sizeof err) != 0) {
        if (err[0] == '\0') abort(); /* a refusal always says why */
        return 0;
    }
    touch(m.data, 0);
    cJSON *j = locust__mp_to_json(m.data);
    char *text = j ? cJSON_PrintUnformatted(j) : NULL;
    free(text);
    cJSON_Delete(j);
    /* Laid out again in either style, the frame decodes to the same message. */
    for (int style = LOCUST__RPC_STYLE_09; style <= LOCUST__RPC_STYLE_2X; style++) {
        char *out;
        size_t outlen;
        int rc = locust__mp_restyle(data, size, (locust__rpc_style)style, &out, &outlen);
        if (rc != 0) continue;
        locust__rpc_msg again;
        if (locust__rpc_decode(out, outlen, &again, err, sizeof err) != 0) abort();
        if (strcmp(again.type, m.type) != 0 || strcmp(again.node_id, m.node_id) != 0 ||
            again.has_node_id != m.has_node_id)
            abort();
        locust__rpc_msg_free(&again);
        free(out);
    }
    locust__rpc_msg_free(&m);
    return 0;
}
