/*
 * Safe msgpack decoding of untrusted bytes (frames from the network).
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
#include <stddef.h>

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

#endif /* LOCUST_MSGPACK_SAFE_H */
