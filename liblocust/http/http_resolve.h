/*
 * The runner's host name cache for the session's own connection
 * (http_resolve.c): every name resolved once per runner, asynchronously on
 * the runner's loop (c-ares), kept and refreshed on a schedule.
 */
#ifndef LOCUST_HTTP_RESOLVE_H
#define LOCUST_HTTP_RESOLVE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "core/core.h"

/* A socket address of either family, smaller than sockaddr_storage (one per user). */
typedef union locust__sockaddr {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
} locust__sockaddr;

/* The addresses a name has, in the order to try them; ports are 0. */
#define LOCUST__DNS_MAX_ADDRS 8
typedef struct locust__dns_addrs {
    unsigned n;
    locust__sockaddr a[LOCUST__DNS_MAX_ADDRS];
} locust__dns_addrs;

/* How long a resolved name is used before it is resolved again (curl's DNS cache default). */
#define LOCUST__DNS_TTL 60.0

/*
 * For the tests, which answer names from a DNS server of their own on
 * loopback: the servers ("127.0.0.1:5353,...") that resolvers created from
 * now on ask instead of the system's, and the time a name is kept (0:
 * LOCUST__DNS_TTL). Set them before the runner's first request.
 */
extern const char *locust__dns_servers;
extern double locust__dns_ttl;

/*
 * The addresses of host name `name` (`len` bytes, not NUL-terminated) for
 * a hop of user `u`: from the runner's cache, else resolved while the user
 * waits (other users go on). An entry older than LOCUST__DNS_TTL is
 * refreshed in the background while its addresses keep serving. Returns 0
 * with *out filled, LOCUST_ENOENT when the name does not resolve (also
 * remembered for LOCUST__DNS_TTL), LOCUST_ETIMEDOUT past `deadline`
 * (locust__mono()), LOCUST_ECANCELED (the user is being killed) or
 * LOCUST_ENOMEM.
 */
int locust__resolve(locust_runner *r, locust_user *u, const char *name, size_t len, double deadline,
                    locust__dns_addrs *out);

/* Socket address length of an address of either family. */
static inline socklen_t locust__sockaddr_len(const locust__sockaddr *a)
{
    return a->sa.sa_family == AF_INET6 ? (socklen_t)sizeof a->in6 : (socklen_t)sizeof a->in4;
}

#endif /* LOCUST_HTTP_RESOLVE_H */
