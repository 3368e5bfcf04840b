/*
 * Host names for the session's own connection: each name is resolved once
 * per runner, asynchronously with c-ares on the runner's libev loop, kept
 * in the runner's cache and resolved again after LOCUST__DNS_TTL (curl's
 * DNS cache keeps names for 60 s too). A user that needs a name being
 * resolved waits on its fiber; the other users go on. An old entry keeps
 * serving while it is refreshed, so a load test never waits for DNS after
 * its first connection to a host.
 *
 * "localhost" and names under ".localhost" are not asked for: like curl
 * they are 127.0.0.1 and then ::1. Every other name is asked for both
 * families (the order c-ares sorts them in, RFC 6724), and the connection
 * tries the addresses in turn.
 */
#include <ares.h>
#include <arpa/inet.h>
#include <ev.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_resolve.h"

/* Names a runner keeps (a test that makes up host names does not grow it without end). */
#define MAX_ENTRIES 4096

typedef struct dns_waiter {
    locust_user *user;
    struct dns_waiter *next;
    ev_timer timer; /* the request's deadline */
    bool timed_out;
} dns_waiter;

typedef struct dns_entry {
    struct dns_entry *next;
    struct locust__resolver *res;
    char *name;
    size_t len;
    bool resolving;          /* a query is out */
    bool known;              /* an answer (addresses or not found) came */
    double at;               /* when that answer came */
    locust__dns_addrs addrs; /* n == 0: the name does not resolve */
    dns_waiter *waiters;
} dns_entry;

typedef struct dns_sock {
    struct dns_sock *next;
    ev_io io;
    struct locust__resolver *res;
} dns_sock;

typedef struct locust__resolver {
    struct ev_loop *loop;
    ares_channel ch;
    bool ch_ok;
    ev_timer timer;
    dns_sock *socks;
    dns_entry *entries;
    size_t n_entries;
} locust__resolver;

const char *locust__dns_servers;
double locust__dns_ttl;

static pthread_once_t ares_once = PTHREAD_ONCE_INIT;
static int ares_init_rc = -1;

static void ares_global_init(void)
{
    ares_init_rc = ares_library_init(ARES_LIB_INIT_ALL);
}

/* ---- c-ares on the loop ---------------------------------------------------- */

static void arm_timer(locust__resolver *res)
{
    struct timeval max = {1, 0}, tv, *t = ares_timeout(res->ch, &max, &tv);
    ev_timer_stop(res->loop, &res->timer);
    ev_timer_set(&res->timer, t->tv_sec + t->tv_usec / 1e6, 0.);
    ev_timer_start(res->loop, &res->timer);
}

static void on_sock(struct ev_loop *loop, ev_io *io, int revents)
{
    dns_sock *s = io->data;
    locust__resolver *res = s->res;
    ares_process_fd(res->ch, (revents & EV_READ) ? io->fd : ARES_SOCKET_BAD,
                    (revents & EV_WRITE) ? io->fd : ARES_SOCKET_BAD);
    arm_timer(res);
}

static void on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    locust__resolver *res = t->data;
    ares_process_fd(res->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    /* Nothing in flight: no need to keep the loop awake. */
    if (res->socks != NULL) arm_timer(res);
}

/* c-ares says which of its sockets to watch for what. */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    locust__resolver *res = data;
    dns_sock **pp = &res->socks, *s;
    while ((s = *pp) != NULL && s->io.fd != fd)
        pp = &s->next;
    if (s != NULL) ev_io_stop(res->loop, &s->io);
    if (!readable && !writable) {
        if (s != NULL) {
            *pp = s->next;
            free(s);
        }
        return;
    }
    if (s == NULL) {
        /* Without a watcher the query times out; c-ares then reports it failed. */
        if ((s = calloc(1, sizeof *s)) == NULL) return;
        s->res = res;
        s->next = res->socks;
        res->socks = s;
        ev_io_init(&s->io, on_sock, fd, 0);
        s->io.data = s;
    }
    ev_io_set(&s->io, fd, (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0));
    ev_io_start(res->loop, &s->io);
}

static void resolver_free(void *ptr)
{
    locust__resolver *res = ptr;
    if (res == NULL) return;
    /* Ends the queries in flight: their callbacks see ARES_EDESTRUCTION. */
    if (res->ch_ok) ares_destroy(res->ch);
    while (res->socks != NULL) {
        dns_sock *s = res->socks;
        res->socks = s->next;
        ev_io_stop(res->loop, &s->io);
        free(s);
    }
    ev_timer_stop(res->loop, &res->timer);
    while (res->entries != NULL) {
        dns_entry *e = res->entries;
        res->entries = e->next;
        free(e->name);
        free(e);
    }
    free(res);
}

static int resolver_get(locust_runner *r, locust__resolver **out)
{
    locust__resolver *res = locust__runner_slot(r, LOCUST__SLOT_HTTP_DNS);
    if (res != NULL) {
        *out = res;
        return 0;
    }
    pthread_once(&ares_once, ares_global_init);
    if (ares_init_rc != ARES_SUCCESS || (res = calloc(1, sizeof *res)) == NULL) return LOCUST_ENOMEM;
    res->loop = locust__runner_loop(r);
    ev_timer_init(&res->timer, on_timer, 0., 0.);
    res->timer.data = res;
    struct ares_options o = {.sock_state_cb = sock_state, .sock_state_cb_data = res};
    if (ares_init_options(&res->ch, &o, ARES_OPT_SOCK_STATE_CB) != ARES_SUCCESS) {
        free(res);
        return LOCUST_ENOMEM;
    }
    res->ch_ok = true;
    if (locust__dns_servers != NULL &&
        ares_set_servers_ports_csv(res->ch, locust__dns_servers) != ARES_SUCCESS) {
        resolver_free(res);
        return LOCUST_EINVAL;
    }
    locust__runner_set_slot(r, LOCUST__SLOT_HTTP_DNS, res, resolver_free);
    *out = res;
    return 0;
}

/* ---- entries ------------------------------------------------------------------- */

static void wake_waiters(dns_entry *e)
{
    for (dns_waiter *w = e->waiters; w != NULL; w = w->next)
        locust__user_wake(w->user);
    e->waiters = NULL;
}

static void on_answer(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
    dns_entry *e = arg;
    (void)timeouts;
    if (status == ARES_EDESTRUCTION) {
        if (ai != NULL) ares_freeaddrinfo(ai);
        return; /* the runner is going: the entry goes with it */
    }
    locust__dns_addrs got = {0};
    for (struct ares_addrinfo_node *n = ai ? ai->nodes : NULL; n != NULL && got.n < LOCUST__DNS_MAX_ADDRS;
         n = n->ai_next) {
        locust__sockaddr *a = &got.a[got.n];
        if (n->ai_family == AF_INET && n->ai_addrlen >= sizeof a->in4) {
            memcpy(&a->in4, n->ai_addr, sizeof a->in4);
        } else if (n->ai_family == AF_INET6 && n->ai_addrlen >= sizeof a->in6) {
            memcpy(&a->in6, n->ai_addr, sizeof a->in6);
        } else {
            continue;
        }
        got.n++;
    }
    if (ai != NULL) ares_freeaddrinfo(ai);
    e->resolving = false;
    /* A refresh that failed for a passing reason keeps the addresses that worked. */
    bool transient = status != ARES_SUCCESS && status != ARES_ENOTFOUND && status != ARES_ENODATA;
    if (got.n > 0 || !e->known || !transient || e->addrs.n == 0) e->addrs = got;
    e->known = true;
    e->at = ev_now(e->res->loop);
    wake_waiters(e);
}

/* "localhost" and "*.localhost" as curl answers them: 127.0.0.1, then ::1. */
static bool is_localhost(const char *name, size_t len)
{
    static const char sub[] = ".localhost";
    size_t sl = sizeof sub - 1;
    return (len == 9 && strncasecmp(name, "localhost", 9) == 0) ||
           (len > sl && strncasecmp(name + len - sl, sub, sl) == 0);
}

static void localhost_addrs(locust__dns_addrs *out)
{
    memset(out, 0, sizeof *out);
    out->n = 2;
    out->a[0].in4.sin_family = AF_INET;
    out->a[0].in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    out->a[1].in6.sin6_family = AF_INET6;
    out->a[1].in6.sin6_addr = in6addr_loopback;
}

static void start_query(dns_entry *e)
{
    struct ares_addrinfo_hints hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    e->resolving = true;
    ares_getaddrinfo(e->res->ch, e->name, NULL, &hints, on_answer, e);
    /* The answer may have come already (a name from /etc/hosts). */
    if (e->resolving) arm_timer(e->res);
}

/* Drops the entries nobody waits for once the cache is full. */
static void evict(locust__resolver *res)
{
    for (dns_entry **pp = &res->entries, *e; (e = *pp) != NULL;) {
        if (e->resolving || e->waiters != NULL) {
            pp = &e->next;
            continue;
        }
        *pp = e->next;
        free(e->name);
        free(e);
        res->n_entries--;
    }
}

static dns_entry *entry_get(locust__resolver *res, const char *name, size_t len)
{
    for (dns_entry *e = res->entries; e != NULL; e = e->next)
        if (e->len == len && strncasecmp(e->name, name, len) == 0) return e;
    if (res->n_entries >= MAX_ENTRIES) evict(res);
    if (res->n_entries >= MAX_ENTRIES) return NULL;
    dns_entry *e = calloc(1, sizeof *e);
    char *nm = malloc(len + 1);
    if (e == NULL || nm == NULL) {
        free(e);
        free(nm);
        return NULL;
    }
    memcpy(nm, name, len);
    nm[len] = '\0';
    *e = (dns_entry){.next = res->entries, .res = res, .name = nm, .len = len};
    res->entries = e;
    res->n_entries++;
    return e;
}

static void on_deadline(struct ev_loop *loop, ev_timer *t, int revents)
{
    dns_waiter *w = t->data;
    w->timed_out = true;
    locust__user_wake(w->user);
}

static void unlink_waiter(dns_entry *e, dns_waiter *me)
{
    for (dns_waiter **pp = &e->waiters; *pp != NULL; pp = &(*pp)->next)
        if (*pp == me) {
            *pp = me->next;
            return;
        }
}

int locust__resolve(locust_runner *r, locust_user *u, const char *name, size_t len, double deadline,
                    locust__dns_addrs *out)
{
    if (is_localhost(name, len)) {
        localhost_addrs(out);
        return 0;
    }
    locust__resolver *res;
    int rc = resolver_get(r, &res);
    if (rc != 0) return rc;
    dns_entry *e = entry_get(res, name, len);
    if (e == NULL) return LOCUST_ENOMEM;
    double ttl = locust__dns_ttl > 0 ? locust__dns_ttl : LOCUST__DNS_TTL;
    if (!e->resolving && (!e->known || ev_now(res->loop) - e->at >= ttl)) start_query(e);
    while (!e->known) {
        double left = deadline - locust__mono();
        if (left <= 0) return LOCUST_ETIMEDOUT;
        dns_waiter me = {.user = u, .next = e->waiters};
        ev_timer_init(&me.timer, on_deadline, left, 0.);
        me.timer.data = &me;
        ev_timer_start(res->loop, &me.timer);
        e->waiters = &me;
        rc = locust__user_block_io(u);
        ev_timer_stop(res->loop, &me.timer);
        /* A wake from elsewhere (a stop) leaves us listed: list us once only. */
        unlink_waiter(e, &me);
        if (rc != 0) return rc;
        if (me.timed_out && !e->known) return LOCUST_ETIMEDOUT;
    }
    if (e->addrs.n == 0) return LOCUST_ENOENT;
    *out = e->addrs;
    return 0;
}
