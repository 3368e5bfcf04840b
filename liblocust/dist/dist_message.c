/*
 * Custom messages (Locust 2.x's register_message / send_message). Handlers
 * live in a runner slot of their own, so they may be registered before the
 * runner is attached as a master or slave; the master's and the slaves'
 * receivers hand every message type they do not know to
 * locust__message_dispatch().
 */
#include "dist/dist_master.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TYPES 64

typedef struct handler {
    char type[LOCUST__RPC_TYPE_MAX + 1];
    locust_message_fn fn;
    void *udata;
} handler;

typedef struct registry {
    handler h[MAX_TYPES];
    size_t n;
} registry;

/* The protocols' own message types (0.9 and 2.x): their handlers always win. */
static const char *const reserved[] = {"ack",
                                       "client_ready",
                                       "client_stopped",
                                       "exception",
                                       "hatch",
                                       "hatch_complete",
                                       "hatching",
                                       "heartbeat",
                                       "quit",
                                       "reconnect",
                                       "spawn",
                                       "spawning",
                                       "spawning_complete",
                                       "stats",
                                       "stop",
                                       NULL};

int locust_register_message(locust_runner *r, const char *type, locust_message_fn fn, void *udata)
{
    if (!r || !type || !*type || !fn || strlen(type) > LOCUST__RPC_TYPE_MAX) return LOCUST_EINVAL;
    for (const char *const *p = reserved; *p; p++)
        if (strcmp(*p, type) == 0)
            return locust__runner_error(
                r, LOCUST_EINVAL, "'%s' is a message type of the protocol itself; choose another", type);
    registry *g = locust__runner_slot(r, LOCUST__SLOT_MESSAGES);
    if (!g) {
        if (!(g = calloc(1, sizeof *g))) return LOCUST_ENOMEM;
        locust__runner_set_slot(r, LOCUST__SLOT_MESSAGES, g, free);
    }
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->h[i].type, type) == 0)
            return locust__runner_error(r, LOCUST_EEXIST, "a handler for messages of type '%s' is registered",
                                        type);
    if (g->n == MAX_TYPES)
        return locust__runner_error(r, LOCUST_ETOOBIG, "more than %d custom message types", MAX_TYPES);
    handler *h = &g->h[g->n++];
    snprintf(h->type, sizeof h->type, "%s", type);
    h->fn = fn;
    h->udata = udata;
    return 0;
}

bool locust__message_dispatch(locust_runner *r, const locust__rpc_msg *m, const char *node_id)
{
    registry *g = locust__runner_slot(r, LOCUST__SLOT_MESSAGES);
    for (size_t i = 0; g && i < g->n; i++) {
        if (strcmp(g->h[i].type, m->type) != 0) continue;
        cJSON *data = locust__mp_to_json(m->data);
        g->h[i].fn(r, m->type, data, node_id ? node_id : "", g->h[i].udata);
        cJSON_Delete(data);
        return true;
    }
    return false;
}

static int begin(locust__rpc_out *o, const char *type, const cJSON *data)
{
    int err = locust__rpc_out_begin(o, type);
    if (!err)
        err = data ? locust__mp_pack_json(&o->pk, data) : (msgpack_pack_nil(&o->pk) ? LOCUST_ENOMEM : 0);
    if (err) locust__rpc_out_free(o);
    return err;
}

int locust_send_message(locust_runner *r, const char *type, const cJSON *data, const char *client_id)
{
    if (!r || !type || !*type || strlen(type) > LOCUST__RPC_TYPE_MAX) return LOCUST_EINVAL;
    int *kind = locust__runner_slot(r, LOCUST__SLOT_DIST);
    if (!kind) return locust__runner_error(r, LOCUST_ESTATE, "the runner is neither a master nor a slave");
    locust__rpc_out o;
    int err;
    if (*kind == LOCUST__DIST_SLAVE) {
        if ((err = begin(&o, type, data))) return err;
        return locust__node_send((locust__node *)kind, &o);
    }
    locust__master *m = (locust__master *)kind;
    if (client_id)
        return locust__runner_error(
            r, LOCUST_ENOTSUP, "a 0.9 master cannot send to one slave (its PUSH socket picks the slave)");
    if ((err = begin(&o, type, data))) return err;
    err = locust__rpc_out_finish(&o, NULL, LOCUST__RPC_STYLE_09);
    /* PUSH hands each copy to the next slave: one copy per connected slave reaches each. */
    locust__zsock_sync(m->push);
    size_t copies = m->n_pipes > locust__master_present(m) ? m->n_pipes : locust__master_present(m);
    for (size_t i = 0; !err && i < copies; i++)
        err = locust__zsock_send(m->push, o.frame, o.len);
    locust__rpc_out_free(&o);
    return err;
}
