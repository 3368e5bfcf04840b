/*
 * Conversions between msgpack and cJSON for the distributed mode: the
 * report_to_master and slave_report events carry the extra keys of a stats
 * report as cJSON objects, while the wire carries msgpack. Declared in
 * rpc_msgpack.h.
 */
#include "core/core.h"
#include "dist/dist_msgpack.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- cJSON to msgpack ------------------------------------------------------------- */

static int pack_json(msgpack_packer *pk, const cJSON *j, int depth)
{
    if (depth > LOCUST__RPC_MAX_DEPTH) return msgpack_pack_nil(pk) ? LOCUST_ENOMEM : 0;
    int err = 0;
    if (cJSON_IsObject(j)) {
        size_t n = 0;
        for (const cJSON *c = j->child; c; c = c->next)
            n += c->string != NULL;
        if (msgpack_pack_map(pk, n)) return LOCUST_ENOMEM;
        for (const cJSON *c = j->child; c && !err; c = c->next) {
            if (!c->string) continue;
            err = locust__mp_pack_cstr(pk, c->string);
            if (!err) err = pack_json(pk, c, depth + 1);
        }
        return err;
    }
    if (cJSON_IsArray(j)) {
        size_t n = (size_t)cJSON_GetArraySize(j);
        if (msgpack_pack_array(pk, n)) return LOCUST_ENOMEM;
        for (const cJSON *c = j->child; c && !err; c = c->next)
            err = pack_json(pk, c, depth + 1);
        return err;
    }
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (!isfinite(d)) return msgpack_pack_nil(pk) ? LOCUST_ENOMEM : 0;
        /* JSON has one number type; Python would have sent an int for a whole value. */
        if (d == trunc(d) && fabs(d) < 9.2e18) return msgpack_pack_int64(pk, (int64_t)d) ? LOCUST_ENOMEM : 0;
        return msgpack_pack_double(pk, d) ? LOCUST_ENOMEM : 0;
    }
    if (cJSON_IsString(j) || cJSON_IsRaw(j))
        return locust__mp_pack_cstr(pk, j->valuestring ? j->valuestring : "");
    if (cJSON_IsTrue(j)) return msgpack_pack_true(pk) ? LOCUST_ENOMEM : 0;
    if (cJSON_IsFalse(j)) return msgpack_pack_false(pk) ? LOCUST_ENOMEM : 0;
    return msgpack_pack_nil(pk) ? LOCUST_ENOMEM : 0;
}

int locust__mp_pack_json(msgpack_packer *pk, const cJSON *j)
{
    if (!pk) return LOCUST_EINVAL;
    if (!j) return msgpack_pack_nil(pk) ? LOCUST_ENOMEM : 0;
    return pack_json(pk, j, 0);
}

/* ---- msgpack to cJSON -------------------------------------------------------------- */

static cJSON *string_json(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) return NULL;
    memcpy(s, p, n);
    s[n] = '\0';
    cJSON *j = cJSON_CreateString(s); /* a NUL inside cuts the string */
    free(s);
    return j;
}

/* A map key as JSON object key text, or false when the key has no text form. */
static bool key_text(const msgpack_object *k, char *buf, size_t cap, const char **out)
{
    const char *p;
    size_t n;
    if (locust__mp_bytes(k, &p, &n)) {
        if (n + 1 > cap) return false;
        memcpy(buf, p, n);
        buf[n] = '\0';
    } else if (k->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        snprintf(buf, cap, "%llu", (unsigned long long)k->via.u64);
    } else if (k->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        snprintf(buf, cap, "%lld", (long long)k->via.i64);
    } else if (k->type == MSGPACK_OBJECT_FLOAT32 || k->type == MSGPACK_OBJECT_FLOAT64) {
        snprintf(buf, cap, "%.17g", k->via.f64);
    } else if (k->type == MSGPACK_OBJECT_BOOLEAN) {
        snprintf(buf, cap, "%s", k->via.boolean ? "true" : "false");
    } else {
        return false;
    }
    *out = buf;
    return true;
}

static cJSON *to_json(const msgpack_object *o, int depth)
{
    const char *p;
    size_t n;
    if (depth > LOCUST__RPC_MAX_DEPTH) return cJSON_CreateNull();
    switch (o->type) {
    case MSGPACK_OBJECT_BOOLEAN:
        return cJSON_CreateBool(o->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return cJSON_CreateNumber((double)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return cJSON_CreateNumber((double)o->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return isfinite(o->via.f64) ? cJSON_CreateNumber(o->via.f64) : cJSON_CreateNull();
    case MSGPACK_OBJECT_STR:
    case MSGPACK_OBJECT_BIN:
        locust__mp_bytes(o, &p, &n);
        return string_json(p, n);
    case MSGPACK_OBJECT_ARRAY: {
        cJSON *a = cJSON_CreateArray();
        for (uint32_t i = 0; a && i < o->via.array.size; i++) {
            cJSON *c = to_json(&o->via.array.ptr[i], depth + 1);
            if (!c || !cJSON_AddItemToArray(a, c)) {
                cJSON_Delete(c);
                cJSON_Delete(a);
                return NULL;
            }
        }
        return a;
    }
    case MSGPACK_OBJECT_MAP: {
        cJSON *obj = cJSON_CreateObject();
        char kbuf[1024];
        for (uint32_t i = 0; obj && i < o->via.map.size; i++) {
            const char *key;
            if (!key_text(&o->via.map.ptr[i].key, kbuf, sizeof kbuf, &key)) continue;
            cJSON *c = to_json(&o->via.map.ptr[i].val, depth + 1);
            if (!c) {
                cJSON_Delete(obj);
                return NULL;
            }
            /* A repeated key keeps the last value, as a Python dict does. */
            if (cJSON_GetObjectItemCaseSensitive(obj, key))
                cJSON_ReplaceItemInObjectCaseSensitive(obj, key, c);
            else
                cJSON_AddItemToObject(obj, key, c);
        }
        return obj;
    }
    default:
        return cJSON_CreateNull();
    }
}

cJSON *locust__mp_to_json(const msgpack_object *o)
{
    return o ? to_json(o, 0) : cJSON_CreateNull();
}
