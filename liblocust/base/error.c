/*
 * Error codes and version: the libuv convention of negative errno values,
 * plus liblocust's own codes from -4000 down.
 */
#include "base/base.h"

#include <string.h>

const char *locust_version(void)
{
    return LOCUST_VERSION_STRING;
}

typedef struct err_entry {
    int code;
    const char *name;
    const char *text;
} err_entry;

static const err_entry errors[] = {
    {LOCUST_OK, "LOCUST_OK", "success"},
    {LOCUST_EINVAL, "LOCUST_EINVAL", "invalid argument"},
    {LOCUST_ENOMEM, "LOCUST_ENOMEM", "out of memory"},
    {LOCUST_ENOENT, "LOCUST_ENOENT", "no such entry"},
    {LOCUST_EEXIST, "LOCUST_EEXIST", "already exists"},
    {LOCUST_ERANGE, "LOCUST_ERANGE", "value out of range"},
    {LOCUST_EBUSY, "LOCUST_EBUSY", "resource busy"},
    {LOCUST_EIO, "LOCUST_EIO", "input/output error"},
    {LOCUST_EPROTO, "LOCUST_EPROTO", "protocol error"},
    {LOCUST_ENOTSUP, "LOCUST_ENOTSUP", "operation not supported"},
    {LOCUST_ETIMEDOUT, "LOCUST_ETIMEDOUT", "timed out"},
    {LOCUST_ECANCELED, "LOCUST_ECANCELED", "operation canceled"},
    {LOCUST_ECONNREFUSED, "LOCUST_ECONNREFUSED", "connection refused"},
    {LOCUST_EMFILE, "LOCUST_EMFILE", "too many open files"},
    {LOCUST_EAGAIN, "LOCUST_EAGAIN", "try again"},
    {LOCUST_ECLASS, "LOCUST_ECLASS", "invalid locust class or task set definition"},
    {LOCUST_EABI, "LOCUST_EABI", "scenario built against another liblocust ABI version"},
    {LOCUST_EHTTP, "LOCUST_EHTTP", "HTTP request failed"},
    {LOCUST_EJSON, "LOCUST_EJSON", "not valid JSON"},
    {LOCUST_ESTATE, "LOCUST_ESTATE", "not allowed in the current state"},
    {LOCUST_ETOOBIG, "LOCUST_ETOOBIG", "size limit exceeded"},
    {LOCUST_ENOTFIBER, "LOCUST_ENOTFIBER", "must be called from a simulated user's task"},
};

static const err_entry *find(int code)
{
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].code == code) return &errors[i];
    return NULL;
}

const char *locust_strerror(int err)
{
    const err_entry *e = find(err);
    if (e) return e->text;
    /* Any other negative errno still has a meaning worth showing. */
    if (err < 0 && err > -4000) return strerror(-err);
    return "unknown error";
}

const char *locust_err_name(int err)
{
    const err_entry *e = find(err);
    return e ? e->name : "LOCUST_EUNKNOWN";
}
