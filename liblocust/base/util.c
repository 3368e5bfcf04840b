/* Small helpers shared by the library: clocks and string copies. */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

double locust__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double locust__mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *locust__strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

const void *locust__opts_adapt(const void *opts, size_t size, void *tmp, size_t lib_size, int *err)
{
    *err = 0;
    if (opts == NULL || size == lib_size) return opts;
    const unsigned char *src = opts;
    if (size > lib_size) {
        /* Fields past ours were added by a newer header: zero means "default",
         * so only a caller that set one asks for what we cannot do. */
        for (size_t i = lib_size; i < size; i++) {
            if (src[i] != 0) {
                *err = LOCUST_ENOTSUP;
                return NULL;
            }
        }
        memcpy(tmp, src, lib_size);
    } else {
        memcpy(tmp, src, size);
        memset((unsigned char *)tmp + size, 0, lib_size - size);
    }
    return tmp;
}
