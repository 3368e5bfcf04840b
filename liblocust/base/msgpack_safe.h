/*
 * Safe msgpack decoding of untrusted bytes (frames from the network), and
 * the small readers and writers that every msgpack codec of the library
 * (rpc_msgpack.c, stats_wire.c) shares.
 *
 * msgpack-c allocates the storage of an array or map from the count in its
 * header before it reads the elements, so a 6-byte frame that claims 2^32
 * elements asks for ~100 GiB. Every frame is therefore walked first: a
 * container may not claim more elements than there are bytes left (each
 * element takes at least one), strings may not run past the end, and
 * nesting is capped.
 */
#ifndef LOCUST_MSGPACK_SAFE_H
#define LOCUST_MSGPACK_SAFE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The deepest nesting of arrays and maps accepted. */
#define LOCUST__MSGPACK_MAX_DEPTH 32

/*
 * Checks that buf[0..len) holds exactly one well-formed msgpack object
 * within the limits above. Returns 0, or LOCUST_EPROTO with a reason in
 * `err` (if not NULL).
 */
int locust__msgpack_check(const char *buf, size_t len, char *err, size_t errlen);

/*
 * Checks and then unpacks one object into `out` (initialised by the
 * caller with msgpack_unpacked_init, destroyed by the caller). Returns 0 or
 * LOCUST_EPROTO / LOCUST_ENOMEM with a reason in `err`.
 */
int locust__msgpack_unpack(const char *buf, size_t len, msgpack_unpacked *out, char *err, size_t errlen);

/*
 * ---- reading decoded objects ----
 *
 * Every reader of a decoded message (the master/slave frames, the stats
 * payload) takes its objects apart with these, so that all of them are
 * tolerant in the same way (docs/compatibility.md §1.2: bin is taken as a string, str or
 * bin keys, the last of repeated keys wins, as a Python dict keeps) and
 * name wrong types in the same words. Each accepts NULL as "absent".
 */

/* The value of `key` in a map (str or bin keys; the last one when repeated), or NULL. */
const msgpack_object *locust__mp_get(const msgpack_object *map, const char *key);
/* A str or bin object's bytes. */
bool locust__mp_bytes(const msgpack_object *o, const char **ptr, size_t *len);
/* True when `o` is a string (str or bin) equal to `s`. */
bool locust__mp_streq(const msgpack_object *o, const char *s);
/* A str or bin object as a malloc'ed C string (NULL: not a string, has a NUL, longer than max, or no memory).
 */
char *locust__mp_strdup(const msgpack_object *o, size_t max);
/* An integer (or an integral float) in [min, max]. */
bool locust__mp_int(const msgpack_object *o, int64_t min, int64_t max, int64_t *out);
/* Any finite number. */
bool locust__mp_num(const msgpack_object *o, double *out);
/*
 * Any number, NaN and the infinities included: for a reader that names
 * such a value in its own range error rather than calling it "not a number".
 */
bool locust__mp_double(const msgpack_object *o, double *out);
/* A short name of an object's type for messages: "nil", "int", "str", ... */
const char *locust__mp_type_name(const msgpack_object *o);

/* ---- writing ---- */

/* Packs a C string as msgpack str; NULL packs nil. Returns 0 or LOCUST_ENOMEM. */
int locust__mp_pack_cstr(msgpack_packer *pk, const char *s);

#endif /* LOCUST_MSGPACK_SAFE_H */
