/*
 * The message framing of the master/slave protocols (internal): every
 * ZeroMQ frame holds one msgpack array [type, data, node_id] (docs/compatibility.md §1.2,
 * worker protocol §2).
 *
 * Writing: strings are always msgpack str (never bin), floats float64,
 * integers in their smallest encoding. Two string styles exist because the
 * two Python peers differ: msgpack-python 0.5 (Locust 0.9) writes strings of
 * 32-255 bytes as str16, msgpack-python 1.0 (Locust 2.x) as str8. Frames in
 * the 0.9 style are byte-identical to a 0.9.0 peer's for the same content.
 *
 * Reading is tolerant, as docs/compatibility.md §1.2 asks: every str encoding (fixstr, str8,
 * str16, str32), bin taken as a string, float32 and float64, int and float
 * map keys. It is also written for hostile input: the raw bytes are checked
 * (container counts against the bytes left, nesting depth, size cap) before
 * msgpack-c builds any object, so a tiny frame cannot make it allocate
 * gigabytes.
 */
#ifndef LOCUST_RPC_MSGPACK_H
#define LOCUST_RPC_MSGPACK_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The object readers (locust__mp_get, locust__mp_streq, ...) and locust__mp_pack_cstr live there. */
#include "base/msgpack_safe.h"

struct cJSON;

/* The largest frame sent or accepted (a stats report of 10,000 entries fits). */
#define LOCUST__RPC_MAX_FRAME (16u * 1024 * 1024)
/* The deepest nesting accepted in a frame (msgpack-c's own limit is 32). */
#define LOCUST__RPC_MAX_DEPTH 32
/* Node ids are ZeroMQ identities in 2.x: 1-255 bytes. */
#define LOCUST__NODE_ID_MAX 255
/* Message types are short words; longer ones are refused as malformed. */
#define LOCUST__RPC_TYPE_MAX 64

typedef enum locust__rpc_style {
    LOCUST__RPC_STYLE_09 = 1, /* msgpack-python 0.5: str16 for 32-255 bytes, never str8 */
    LOCUST__RPC_STYLE_2X = 2, /* msgpack-python 1.0: str8 for 32-255 bytes */
} locust__rpc_style;

/* ---- writing ---------------------------------------------------------------- */

/* A message being built. Pack `data` with `pk` between begin and finish. */
typedef struct locust__rpc_out {
    msgpack_sbuffer buf;
    msgpack_packer pk;
    char *frame; /* the finished frame (owned) */
    size_t len;
} locust__rpc_out;

/* Starts [type, ...: the caller then packs exactly one data object (or nil). */
int locust__rpc_out_begin(locust__rpc_out *o, const char *type);
/*
 * Ends the message with node_id (NULL packs nil) and lays out the frame in
 * `style` in o->frame / o->len. Returns 0, LOCUST_ENOMEM, LOCUST_ETOOBIG (the
 * frame would exceed LOCUST__RPC_MAX_FRAME) or LOCUST_EPROTO (the caller did
 * not pack exactly one data object).
 */
int locust__rpc_out_finish(locust__rpc_out *o, const char *node_id, locust__rpc_style style);
/* Frees a message (begun or not, finished or not). */
void locust__rpc_out_free(locust__rpc_out *o);

/*
 * Packs a cJSON value: objects as maps with str keys, arrays as arrays,
 * integral numbers that fit int64 as ints, other numbers as float64,
 * strings as str, true/false as bool, null as nil. Nesting deeper than
 * LOCUST__RPC_MAX_DEPTH is packed as nil.
 */
int locust__mp_pack_json(msgpack_packer *pk, const struct cJSON *j);

/*
 * Re-lays out one complete msgpack document in `style` (str8 <-> str16 for
 * 32-255 bytes, float32 widened to float64); the rest is copied as is.
 * *out is malloc'ed. Returns 0, LOCUST_EPROTO (not one valid document),
 * LOCUST_ENOMEM or LOCUST_ETOOBIG.
 */
int locust__mp_restyle(const void *buf, size_t len, locust__rpc_style style, char **out, size_t *outlen);

/* ---- reading ---------------------------------------------------------------- */

/*
 * Checks that buf holds exactly one well-formed msgpack document within the
 * limits (size, depth, every count <= the bytes left). Returns 0 or
 * LOCUST_EPROTO with the reason in err.
 */
int locust__mp_check(const void *buf, size_t len, char *err, size_t errlen);

/* A received message. */
typedef struct locust__rpc_msg {
    msgpack_unpacked up;
    char type[LOCUST__RPC_TYPE_MAX + 1];
    const msgpack_object *data;            /* never NULL; type NIL when absent */
    char node_id[LOCUST__NODE_ID_MAX + 1]; /* "" when nil */
    bool has_node_id;
} locust__rpc_msg;

/*
 * Decodes a frame. The envelope must be an array of exactly 3; type a
 * non-empty string without NUL; node_id a string (1-255 bytes, no NUL) or
 * nil. On error `m` needs no freeing and err says what is wrong, e.g.
 * "envelope: expected an array of 3, got an array of 4".
 * Returns 0, LOCUST_EPROTO or LOCUST_ENOMEM.
 */
int locust__rpc_decode(const void *buf, size_t len, locust__rpc_msg *m, char *err, size_t errlen);
/* Frees a decoded message. */
void locust__rpc_msg_free(locust__rpc_msg *m);

/*
 * Converts a msgpack value to cJSON (for slave_report listeners): maps
 * become objects (int, float and bool keys as their decimal text, other
 * non-string keys dropped), bin and str become strings (cut at a NUL),
 * ext becomes null. Returns NULL on allocation failure.
 */
struct cJSON *locust__mp_to_json(const msgpack_object *o);

/* Copies at most cap-1 bytes of s into out, replacing non-printable bytes by '?', for log lines. */
void locust__printable(const char *s, size_t len, char *out, size_t cap);

#endif /* LOCUST_RPC_MSGPACK_H */
