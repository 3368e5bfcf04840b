/*
 * The origin of the last URL the session's own connection took apart
 * (parse_target() in http_wire_route.c): a session's requests nearly always go
 * to the origin of the one before, and taking the URL apart again
 * (inet_pton(), strtoul()) was ~550 instructions of every request. While
 * the scheme and authority are the same bytes, the address, name and port
 * it found still hold; only the pointers into the new URL move.
 */
#include <string.h>

#include "http/http_wire.h"

bool locust__wire_memo_hit(locust__wire_memo *m, const char *url, const char **target, const char **authority,
                           const char **host)
{
    char after = m->len > 0 && strncmp(url, m->origin, m->len) == 0 ? url[m->len] : 'x';
    if (after != '/' && after != '?' && after != '#' && after != '\0') {
        /* parse_target() may now change what the memo vouched for. */
        m->len = 0;
        return false;
    }
    *target = url + m->len;
    *authority = url + m->authority_off;
    *host = url + m->host_off;
    return true;
}

void locust__wire_memo_keep(locust__wire_memo *m, const char *url, const char *target, const char *authority,
                            const char *host)
{
    size_t len = (size_t)(target - url);
    m->len = 0;
    if (len >= sizeof m->origin) return; /* a long origin is just taken apart each time */
    memcpy(m->origin, url, len);
    m->origin[len] = '\0';
    m->authority_off = (size_t)(authority - url);
    m->host_off = (size_t)(host - url);
    m->len = len;
}
