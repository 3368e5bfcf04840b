/* Safe msgpack decoding of untrusted bytes, and the helpers every codec shares. See msgpack_safe.h. */
#include "base/msgpack_safe.h"
#include "base/base.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

static int fail(char *err, size_t errlen, const char *why, size_t at)
{
    if (err) snprintf(err, errlen, "malformed msgpack at byte %zu: %s", at, why);
    return LOCUST_EPROTO;
}

int locust__msgpack_check(const char *buf, size_t len, char *err, size_t errlen)
{
    const unsigned char *p = (const unsigned char *)buf;
    /* pending[d]: elements still to read at depth d (depth 0 holds the one top object). */
    uint64_t pending[LOCUST__MSGPACK_MAX_DEPTH + 1];
    int depth = 0;
    pending[0] = 1;
    size_t i = 0;
    while (depth >= 0) {
        if (pending[depth] == 0) {
            depth--;
            continue;
        }
        if (i >= len) return fail(err, errlen, "truncated", i);
        pending[depth]--;
        unsigned char b = p[i];
        size_t head = 1;
        uint64_t body = 0;     /* bytes of payload after the header */
        uint64_t children = 0; /* objects contained (map: 2 per pair) */
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
        } else if (b >= 0x80 && b <= 0x8f) {
            children = 2 * (uint64_t)(b & 0x0f);
        } else if (b >= 0x90 && b <= 0x9f) {
            children = b & 0x0f;
        } else if (b >= 0xa0 && b <= 0xbf) {
            body = b & 0x1f;
        } else {
            /* Fixed-size headers: how many length bytes follow, and what they mean. */
            int lenbytes = 0;
            enum { RAW, ARR, MAP, EXT, FIXED } kind = FIXED;
            switch (b) {
            case 0xc4:
            case 0xd9:
                lenbytes = 1;
                kind = RAW;
                break;
            case 0xc5:
            case 0xda:
                lenbytes = 2;
                kind = RAW;
                break;
            case 0xc6:
            case 0xdb:
                lenbytes = 4;
                kind = RAW;
                break;
            case 0xc7:
                lenbytes = 1;
                kind = EXT;
                break;
            case 0xc8:
                lenbytes = 2;
                kind = EXT;
                break;
            case 0xc9:
                lenbytes = 4;
                kind = EXT;
                break;
            case 0xca:
                body = 4;
                break;
            case 0xcb:
                body = 8;
                break;
            case 0xcc:
            case 0xd0:
                body = 1;
                break;
            case 0xcd:
            case 0xd1:
                body = 2;
                break;
            case 0xce:
            case 0xd2:
                body = 4;
                break;
            case 0xcf:
            case 0xd3:
                body = 8;
                break;
            case 0xd4:
                body = 2;
                break;
            case 0xd5:
                body = 3;
                break;
            case 0xd6:
                body = 5;
                break;
            case 0xd7:
                body = 9;
                break;
            case 0xd8:
                body = 17;
                break;
            case 0xdc:
                lenbytes = 2;
                kind = ARR;
                break;
            case 0xdd:
                lenbytes = 4;
                kind = ARR;
                break;
            case 0xde:
                lenbytes = 2;
                kind = MAP;
                break;
            case 0xdf:
                lenbytes = 4;
                kind = MAP;
                break;
            default:
                return fail(err, errlen, "reserved type byte 0xc1", i);
            }
            if (kind != FIXED) {
                if (len - i - 1 < (size_t)lenbytes) return fail(err, errlen, "truncated length", i);
                uint64_t n = be(p + i + 1, lenbytes);
                head += (size_t)lenbytes;
                if (kind == RAW)
                    body = n;
                else if (kind == EXT)
                    body = n + 1; /* the type byte */
                else if (kind == ARR)
                    children = n;
                else
                    children = 2 * n;
            }
        }
        if (head + body > len - i) return fail(err, errlen, "length runs past the end", i);
        i += head + (size_t)body;
        if (children) {
            /* Every element takes at least one byte. */
            if (children > len - i)
                return fail(err, errlen, "container claims more elements than bytes left", i);
            if (depth == LOCUST__MSGPACK_MAX_DEPTH) return fail(err, errlen, "nested too deeply", i);
            pending[++depth] = children;
        }
    }
    if (i != len) return fail(err, errlen, "trailing bytes after the object", i);
    return 0;
}

int locust__msgpack_unpack(const char *buf, size_t len, msgpack_unpacked *out, char *err, size_t errlen)
{
    int rc = locust__msgpack_check(buf, len, err, errlen);
    if (rc) return rc;
    size_t off = 0;
    msgpack_unpack_return u = msgpack_unpack_next(out, buf, len, &off);
    if (u == MSGPACK_UNPACK_SUCCESS) return 0;
    if (u == MSGPACK_UNPACK_NOMEM_ERROR) {
        if (err) snprintf(err, errlen, "out of memory decoding a %zu-byte message", len);
        return LOCUST_ENOMEM;
    }
    if (err) snprintf(err, errlen, "malformed msgpack (msgpack-c error %d)", (int)u);
    return LOCUST_EPROTO;
}

/* ---- reading decoded objects ------------------------------------------------------ */

bool locust__mp_bytes(const msgpack_object *o, const char **ptr, size_t *len)
{
    if (!o) return false;
    if (o->type == MSGPACK_OBJECT_STR) {
        *ptr = o->via.str.ptr;
        *len = o->via.str.size;
        return true;
    }
    if (o->type == MSGPACK_OBJECT_BIN) {
        *ptr = o->via.bin.ptr;
        *len = o->via.bin.size;
        return true;
    }
    return false;
}

bool locust__mp_streq(const msgpack_object *o, const char *s)
{
    const char *p;
    size_t n;
    return locust__mp_bytes(o, &p, &n) && n == strlen(s) && memcmp(p, s, n) == 0;
}

const msgpack_object *locust__mp_get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP) return NULL;
    /* The last of duplicate keys wins, as in Python's dict. The key's length
     * is taken once: the master looks up every field of every report. */
    const msgpack_object *found = NULL;
    size_t klen = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const char *p;
        size_t n;
        if (locust__mp_bytes(&map->via.map.ptr[i].key, &p, &n) && n == klen && memcmp(p, key, n) == 0)
            found = &map->via.map.ptr[i].val;
    }
    return found;
}

char *locust__mp_strdup(const msgpack_object *o, size_t max)
{
    const char *p;
    size_t n;
    if (!locust__mp_bytes(o, &p, &n) || n > max || memchr(p, '\0', n)) return NULL;
    char *s = malloc(n + 1);
    if (!s) return NULL;
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

bool locust__mp_int(const msgpack_object *o, int64_t min, int64_t max, int64_t *out)
{
    if (!o) return false;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > (uint64_t)INT64_MAX || (int64_t)o->via.u64 > max || (int64_t)o->via.u64 < min)
            return false;
        *out = (int64_t)o->via.u64;
        return true;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        if (o->via.i64 < min || o->via.i64 > max) return false;
        *out = o->via.i64;
        return true;
    }
    if (o->type == MSGPACK_OBJECT_FLOAT32 || o->type == MSGPACK_OBJECT_FLOAT64) {
        double d = o->via.f64;
        if (!isfinite(d) || d != trunc(d) || d < (double)min || d > (double)max || fabs(d) >= 9.2e18)
            return false;
        *out = (int64_t)d;
        return true;
    }
    return false;
}

bool locust__mp_double(const msgpack_object *o, double *out)
{
    if (!o) return false;
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        *out = (double)o->via.u64;
        return true;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *out = (double)o->via.i64;
        return true;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        *out = o->via.f64;
        return true;
    default:
        return false;
    }
}

bool locust__mp_num(const msgpack_object *o, double *out)
{
    return locust__mp_double(o, out) && isfinite(*out);
}

const char *locust__mp_type_name(const msgpack_object *o)
{
    if (!o) return "nothing";
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        return "nil";
    case MSGPACK_OBJECT_BOOLEAN:
        return "bool";
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return "int";
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return "float";
    case MSGPACK_OBJECT_STR:
        return "str";
    case MSGPACK_OBJECT_BIN:
        return "bin";
    case MSGPACK_OBJECT_ARRAY:
        return "array";
    case MSGPACK_OBJECT_MAP:
        return "map";
    default:
        return "ext";
    }
}

/* ---- writing ---------------------------------------------------------------------- */

int locust__mp_pack_cstr(msgpack_packer *pk, const char *s)
{
    if (!s) return msgpack_pack_nil(pk) ? LOCUST_ENOMEM : 0;
    size_t n = strlen(s);
    return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n) ? LOCUST_ENOMEM : 0;
}
