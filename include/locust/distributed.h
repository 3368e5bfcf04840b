/*
 * Distributed mode (manual ch. 5): a master that splits users over slaves
 * and merges their statistics, and a slave that runs users for a master.
 * Both attach to an ordinary runner, so the CLI, the web UI and embedding
 * programs use the same runner API in every mode.
 */
#ifndef LOCUST_DISTRIBUTED_H
#define LOCUST_DISTRIBUTED_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct locust_runner locust_runner;

/** Wire protocols: Locust 0.9's PUSH/PULL pair, or Locust 2.x's ROUTER/DEALER. */
typedef enum locust_protocol { LOCUST_PROTOCOL_09 = 1, LOCUST_PROTOCOL_2 = 2 } locust_protocol;

typedef struct locust_master_options {
    const char *bind_host;  /* default "*" */
    int bind_port;          /* 0 = 5557 (0.9 also binds port + 1, so a chosen port is never 0) */
    unsigned expect_slaves; /* with autostart: how many ready slaves to wait for; 0 = 1 (at least one) */
    bool autostart;         /* start autostart_users as soon as expect_slaves are ready (--no-web) */
    unsigned autostart_users;
    double autostart_rate;
    double run_time; /* with autostart: quit this many seconds after the hatch is sent; 0 = none */
} locust_master_options;

typedef struct locust_slave_options {
    const char *master_host;  /* default "127.0.0.1" */
    int master_port;          /* default 5557 */
    locust_protocol protocol; /* default LOCUST_PROTOCOL_09 */
} locust_slave_options;

/**
 * Makes `r` a master: locust_runner_start/stop/quit then drive the slaves,
 * and locust_runner_stats() holds the merged statistics. No users run here.
 */
int locust_master_attach_sized(locust_runner *r, const locust_master_options *opts, size_t opts_size);
/** Makes `r` a master (see locust_master_attach_sized()); opts may be NULL. */
#define locust_master_attach(r, ...)                                                                         \
    locust_master_attach_sized((r), (__VA_ARGS__), sizeof(locust_master_options))

/**
 * Makes `r` a slave of a master: the master starts and stops its users,
 * and its statistics are reported to the master. Run the loop with
 * locust_runner_run(); it returns when the master quits or goes away.
 */
int locust_slave_attach_sized(locust_runner *r, const locust_slave_options *opts, size_t opts_size);
/** Makes `r` a slave (see locust_slave_attach_sized()); opts may be NULL. */
#define locust_slave_attach(r, ...)                                                                          \
    locust_slave_attach_sized((r), (__VA_ARGS__), sizeof(locust_slave_options))

/** A slave as the master sees it. */
typedef struct locust_slave_info {
    const char *id;
    const char *state; /* "ready", "hatching", "running", "stopped", "missing" */
    unsigned user_count;
} locust_slave_info;

/**
 * Why a slave's run ended: 0 when the master told it to quit or it was quit
 * locally, LOCUST_EIO when the connection to the master was lost and did
 * not come back, LOCUST_ETIMEDOUT when a 2.x master never answered the
 * handshake. LOCUST_EINVAL when `r` is not a slave.
 */
int locust_slave_status(const locust_runner *r);
/** A slave's node id ("<hostname>_<32 hex digits>"), or NULL when `r` is not a slave. */
const char *locust_slave_id(const locust_runner *r);

/** True when `r` is a master. */
bool locust_runner_is_master(const locust_runner *r);
/** True when `r` is a slave. */
bool locust_runner_is_slave(const locust_runner *r);
/** The number of slaves a master knows (0 elsewhere). */
size_t locust_runner_slave_count(const locust_runner *r);
/** Fills `out` with slave i of a master. */
int locust_runner_slave(const locust_runner *r, size_t i, locust_slave_info *out);

/*
 * Custom messages between a master and its slaves (Locust 2.x's
 * register_message / send_message). A message is a type and JSON data
 * (cJSON, NULL = null), carried as any other message of the protocol.
 */
struct cJSON;

/** A custom message handler: `node_id` is the sender (the master's messages carry the master's id or ""). */
typedef void (*locust_message_fn)(locust_runner *r, const char *type, const struct cJSON *data,
                                  const char *node_id, void *udata);

/**
 * Calls `fn` for the messages of `type` this runner receives as a master or
 * a slave (either protocol). Register before or after attaching; a type
 * has one handler (LOCUST_EEXIST) and at most 64 types are registered.
 */
int locust_register_message(locust_runner *r, const char *type, locust_message_fn fn, void *udata);

/**
 * Sends a custom message: a slave sends it to its master; a master to every
 * connected slave (client_id NULL). The 0.9 protocol's master-to-slave
 * socket cannot address one slave, so a master refuses a client_id with
 * LOCUST_ENOTSUP. LOCUST_ESTATE when the runner is neither attached.
 */
int locust_send_message(locust_runner *r, const char *type, const struct cJSON *data, const char *client_id);

#ifdef __cplusplus
}
#endif

#endif /* LOCUST_DISTRIBUTED_H */
