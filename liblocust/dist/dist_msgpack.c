/*
 * Framing of the master/slave messages in msgpack; see rpc_msgpack.h.
 *
 * Outgoing frames are packed with msgpack-c and then laid out again by a
 * small writer of our own, because msgpack-c always writes str8 where
 * Locust 0.9's msgpack-python wrote str16. Incoming frames are scanned byte
 * by byte before msgpack-c unpacks them.
 */
#include "dist/dist_msgpack.h"
#include "base/msgpack_safe.h"

#include "core/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return LOCUST_EPROTO;
}

/* ---- a capped byte writer ------------------------------------------------------ */

typedef struct wbuf {
    char *p;
    size_t len, cap;
    int err;
} wbuf;

static void put(wbuf *w, const void *data, size_t n)
{
    if (w->err) return;
    if (n > LOCUST__RPC_MAX_FRAME - w->len) {
        w->err = LOCUST_ETOOBIG;
        return;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n)
            cap *= 2;
        char *p = realloc(w->p, cap);
        if (!p) {
            w->err = LOCUST_ENOMEM;
            return;
        }
        w->p = p;
        w->cap = cap;
    }
    memcpy(w->p + w->len, data, n);
    w->len += n;
}

/* Writes a type byte followed by `size` bytes of v, big-endian. */
static void put_be(wbuf *w, uint8_t type, uint64_t v, int size)
{
    uint8_t b[9];
    b[0] = type;
    for (int i = 0; i < size; i++)
        b[1 + i] = (uint8_t)(v >> (8 * (size - 1 - i)));
    put(w, b, (size_t)size + 1);
}

/* A header for a length: the fix form below `fixlimit`, else the 8/16/32-bit forms (0 = no such form). */
static void put_len(wbuf *w, uint32_t n, uint8_t fixbase, uint32_t fixlimit, uint8_t t8, uint8_t t16,
                    uint8_t t32)
{
    if (n < fixlimit)
        put_be(w, (uint8_t)(fixbase | n), 0, 0);
    else if (t8 && n <= 0xff)
        put_be(w, t8, n, 1);
    else if (n <= 0xffff)
        put_be(w, t16, n, 2);
    else
        put_be(w, t32, n, 4);
}

static void write_obj(wbuf *w, const msgpack_object *o, locust__rpc_style style, int depth)
{
    if (depth > LOCUST__RPC_MAX_DEPTH) {
        w->err = LOCUST_EPROTO;
        return;
    }
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        put_be(w, 0xc0, 0, 0);
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        put_be(w, o->via.boolean ? 0xc3 : 0xc2, 0, 0);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: {
        uint64_t v = o->via.u64;
        if (v < 128)
            put_be(w, (uint8_t)v, 0, 0);
        else if (v <= 0xff)
            put_be(w, 0xcc, v, 1);
        else if (v <= 0xffff)
            put_be(w, 0xcd, v, 2);
        else if (v <= 0xffffffffu)
            put_be(w, 0xce, v, 4);
        else
            put_be(w, 0xcf, v, 8);
        break;
    }
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: {
        int64_t v = o->via.i64;
        if (v >= -32)
            put_be(w, (uint8_t)(int8_t)v, 0, 0);
        else if (v >= INT8_MIN)
            put_be(w, 0xd0, (uint64_t)v, 1);
        else if (v >= INT16_MIN)
            put_be(w, 0xd1, (uint64_t)v, 2);
        else if (v >= INT32_MIN)
            put_be(w, 0xd2, (uint64_t)v, 4);
        else
            put_be(w, 0xd3, (uint64_t)v, 8);
        break;
    }
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: {
        /* Python floats are doubles: always float64. */
        uint64_t bits;
        double d = o->via.f64;
        memcpy(&bits, &d, sizeof bits);
        put_be(w, 0xcb, bits, 8);
        break;
    }
    case MSGPACK_OBJECT_STR:
        put_len(w, o->via.str.size, 0xa0, 32, style == LOCUST__RPC_STYLE_2X ? 0xd9 : 0, 0xda, 0xdb);
        put(w, o->via.str.ptr, o->via.str.size);
        break;
    case MSGPACK_OBJECT_BIN:
        put_len(w, o->via.bin.size, 0, 0, 0xc4, 0xc5, 0xc6);
        put(w, o->via.bin.ptr, o->via.bin.size);
        break;
    case MSGPACK_OBJECT_ARRAY:
        put_len(w, o->via.array.size, 0x90, 16, 0, 0xdc, 0xdd);
        for (uint32_t i = 0; i < o->via.array.size && !w->err; i++)
            write_obj(w, &o->via.array.ptr[i], style, depth + 1);
        break;
    case MSGPACK_OBJECT_MAP:
        put_len(w, o->via.map.size, 0x80, 16, 0, 0xde, 0xdf);
        for (uint32_t i = 0; i < o->via.map.size && !w->err; i++) {
            write_obj(w, &o->via.map.ptr[i].key, style, depth + 1);
            write_obj(w, &o->via.map.ptr[i].val, style, depth + 1);
        }
        break;
    case MSGPACK_OBJECT_EXT: {
        uint32_t n = o->via.ext.size;
        uint8_t t = (uint8_t)o->via.ext.type;
        if (n == 1 || n == 2 || n == 4 || n == 8 || n == 16) {
            uint8_t code = n == 1 ? 0xd4 : n == 2 ? 0xd5 : n == 4 ? 0xd6 : n == 8 ? 0xd7 : 0xd8;
            put_be(w, code, t, 1);
        } else {
            put_len(w, n, 0, 0, 0xc7, 0xc8, 0xc9);
            put(w, &t, 1);
        }
        put(w, o->via.ext.ptr, n);
        break;
    }
    default:
        w->err = LOCUST_EPROTO;
    }
}

/* ---- checking raw bytes -------------------------------------------------------- */

int locust__mp_check(const void *vbuf, size_t len, char *err, size_t errlen)
{
    if (len == 0) return fail(err, errlen, "empty frame");
    if (len > LOCUST__RPC_MAX_FRAME)
        return fail(err, errlen, "frame of %zu bytes exceeds the limit of %u", len, LOCUST__RPC_MAX_FRAME);
    /* The structure walk (counts against bytes left, nesting) is shared with
     * every other decoder of untrusted msgpack. */
    return locust__msgpack_check(vbuf, len, err, errlen);
}

/* ---- writing messages ------------------------------------------------------------ */

int locust__rpc_out_begin(locust__rpc_out *o, const char *type)
{
    memset(o, 0, sizeof *o);
    msgpack_sbuffer_init(&o->buf);
    msgpack_packer_init(&o->pk, &o->buf, msgpack_sbuffer_write);
    if (msgpack_pack_array(&o->pk, 3)) return LOCUST_ENOMEM;
    return locust__mp_pack_cstr(&o->pk, type);
}

int locust__mp_restyle(const void *buf, size_t len, locust__rpc_style style, char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (locust__mp_check(buf, len, NULL, 0)) return LOCUST_EPROTO;
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    int rc = msgpack_unpack_next(&up, buf, len, &off);
    if (rc != MSGPACK_UNPACK_SUCCESS) {
        msgpack_unpacked_destroy(&up);
        return rc == MSGPACK_UNPACK_NOMEM_ERROR ? LOCUST_ENOMEM : LOCUST_EPROTO;
    }
    wbuf w = {0};
    write_obj(&w, &up.data, style, 0);
    msgpack_unpacked_destroy(&up);
    if (w.err) {
        free(w.p);
        return w.err;
    }
    *out = w.p;
    *outlen = w.len;
    return 0;
}

int locust__rpc_out_finish(locust__rpc_out *o, const char *node_id, locust__rpc_style style)
{
    int err = locust__mp_pack_cstr(&o->pk, node_id);
    if (err) return err;
    if (o->buf.size > LOCUST__RPC_MAX_FRAME) return LOCUST_ETOOBIG;
    /* Laying the frame out again also proves it is exactly one 3-array. */
    free(o->frame);
    o->frame = NULL;
    err = locust__mp_restyle(o->buf.data, o->buf.size, style, &o->frame, &o->len);
    if (err) return err;
    if (o->len == 0 || (uint8_t)o->frame[0] != 0x93) return LOCUST_EPROTO;
    return 0;
}

void locust__rpc_out_free(locust__rpc_out *o)
{
    msgpack_sbuffer_destroy(&o->buf);
    free(o->frame);
    o->frame = NULL;
    o->len = 0;
}

/* ---- reading messages ------------------------------------------------------------ */

void locust__printable(const char *s, size_t len, char *out, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; i < len && j + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        out[j++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (cap) out[j] = '\0';
}

int locust__rpc_decode(const void *buf, size_t len, locust__rpc_msg *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    int rc = locust__mp_check(buf, len, err, errlen);
    if (rc) return rc;
    msgpack_unpacked_init(&m->up);
    size_t off = 0;
    rc = msgpack_unpack_next(&m->up, buf, len, &off);
    if (rc != MSGPACK_UNPACK_SUCCESS || off != len) {
        msgpack_unpacked_destroy(&m->up);
        if (rc == MSGPACK_UNPACK_NOMEM_ERROR) {
            fail(err, errlen, "out of memory while decoding");
            return LOCUST_ENOMEM;
        }
        return fail(err, errlen, "not a valid msgpack document");
    }
    const msgpack_object *root = &m->up.data;
    const char *p;
    size_t n;
    if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size != 3) {
        if (root->type == MSGPACK_OBJECT_ARRAY)
            fail(err, errlen, "envelope: expected an array of 3, got an array of %u",
                 (unsigned)root->via.array.size);
        else
            fail(err, errlen, "envelope: expected an array of 3, got %s", locust__mp_type_name(root));
        goto bad;
    }
    const msgpack_object *t = &root->via.array.ptr[0], *id = &root->via.array.ptr[2];
    if (!locust__mp_bytes(t, &p, &n)) {
        fail(err, errlen, "type: expected a string, got %s", locust__mp_type_name(t));
        goto bad;
    }
    if (n == 0 || n > LOCUST__RPC_TYPE_MAX || memchr(p, '\0', n)) {
        fail(err, errlen, "type: %zu bytes, not a message type", n);
        goto bad;
    }
    memcpy(m->type, p, n);
    m->type[n] = '\0';
    m->data = &root->via.array.ptr[1];
    if (id->type != MSGPACK_OBJECT_NIL) {
        if (!locust__mp_bytes(id, &p, &n)) {
            fail(err, errlen, "node_id: expected a string or nil, got %s", locust__mp_type_name(id));
            goto bad;
        }
        if (n == 0 || n > LOCUST__NODE_ID_MAX || memchr(p, '\0', n)) {
            fail(err, errlen, "node_id: %zu bytes, not a node id (1-%d bytes without NUL)", n,
                 LOCUST__NODE_ID_MAX);
            goto bad;
        }
        memcpy(m->node_id, p, n);
        m->node_id[n] = '\0';
        m->has_node_id = true;
    }
    return 0;
bad:
    msgpack_unpacked_destroy(&m->up);
    memset(m, 0, sizeof *m);
    return LOCUST_EPROTO;
}

void locust__rpc_msg_free(locust__rpc_msg *m)
{
    if (m->data) msgpack_unpacked_destroy(&m->up);
    memset(m, 0, sizeof *m);
}
