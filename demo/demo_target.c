/*
 * locust-demo-target: a small HTTP server to point load tests at, on
 * libmicrohttpd. It serves the routes the examples, the tests and the
 * benchmarks need (see usage()), keeps thousands of keep-alive connections,
 * and counts the requests it served (/counter), so that a test can check
 * that every request a load test recorded really reached the server.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "demo_target.h"

/* What /counter reports; the /counter routes themselves are never counted. */
static atomic_ullong served;        /* requests received */
static atomic_ullong completed;     /* ... whose response was sent completely */
static atomic_ullong server_errors; /* responses with a 5xx status */

/* The /counter routes, which count nothing themselves. */
static bool is_counter_route(const char *url)
{
    return strncmp(url, "/counter", 8) == 0 &&
           (url[8] == '\0' || url[8] == '?' || strncmp(url + 8, "/reset", 6) == 0);
}

/* ---- per-request state ------------------------------------------------- */

/* Created by the URI log callback, freed when MHD completes the request. */
static void *request_begin(void *cls, const char *uri, struct MHD_Connection *c)
{
    demo_req *q = calloc(1, sizeof *q);
    if (q == NULL) return NULL;
    q->uri = strdup(uri);
    q->conn = c;
    return q;
}

static void request_end(void *cls, struct MHD_Connection *c, void **req_cls,
                        enum MHD_RequestTerminationCode toe)
{
    demo_req *q = *req_cls;
    if (q == NULL) return;
    /* A response cut short (the client went away, a reset) is served but not completed. */
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && q->started && !is_counter_route(q->uri))
        atomic_fetch_add(&completed, 1);
    demo_wait_cancel(q);
    free(q->uri);
    free(q->body);
    free(q);
    *req_cls = NULL;
}

/* Keeps the body of the routes that read it, up to a cap. */
static void take_body(demo_req *q, const char *data, size_t n)
{
    if (!q->wants_body || q->body_too_big) return;
    if (q->body_len + n > DEMO_MAX_BODY) {
        q->body_too_big = true;
        return;
    }
    if (q->body_len + n + 1 > q->body_cap) {
        size_t cap = q->body_cap ? q->body_cap : 1024;
        while (cap < q->body_len + n + 1)
            cap *= 2;
        char *p = realloc(q->body, cap);
        if (p == NULL) {
            q->body_too_big = true;
            return;
        }
        q->body = p;
        q->body_cap = cap;
    }
    memcpy(q->body + q->body_len, data, n);
    q->body_len += n;
    q->body[q->body_len] = '\0';
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
    demo_req *q = *req_cls;
    if (q == NULL || q->uri == NULL) return MHD_NO; /* out of memory: drop the connection */
    if (!q->started) {
        q->started = true;
        if (!is_counter_route(url)) atomic_fetch_add(&served, 1);
        if (strcmp(url, "/reset") == 0) {
            /* A zero linger turns the close into a TCP reset. */
            const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
            struct linger lg = {1, 0};
            if (ci != NULL) setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            return MHD_NO;
        }
        q->wants_body = strcmp(url, "/echo") == 0 || strcmp(url, "/login") == 0;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        take_body(q, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    return demo_route(q, c, url, method);
}

unsigned long long demo_served(void)
{
    return atomic_load(&served);
}

unsigned long long demo_completed(void)
{
    return atomic_load(&completed);
}

unsigned long long demo_server_errors(void)
{
    return atomic_load(&server_errors);
}

void demo_count_server_error(void)
{
    atomic_fetch_add(&server_errors, 1);
}

void demo_served_reset(void)
{
    atomic_store(&served, 0);
    atomic_store(&completed, 0);
    atomic_store(&server_errors, 0);
}

/*
 * MHD's error log. Once the server listens, what MHD reports is about
 * clients (closed connections, malformed requests), which the tests cause
 * on purpose: only --verbose shows it.
 */
static bool verbose, listening;
static void log_cb(void *cls, const char *fmt, va_list ap)
{
    if (listening && !verbose) return;
    fprintf(stderr, "locust-demo-target: ");
    vfprintf(stderr, fmt, ap);
}

/* ---- command line ------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: locust-demo-target [--host ADDR] [--port N] [--threads N] [--port-file FILE]\n"
               "                          [--tls-cert FILE --tls-key FILE] [--verbose]\n"
               "\n"
               "A demo HTTP server for load tests.\n"
               "  --host ADDR       address to listen on (default 127.0.0.1)\n"
               "  --port N          port, 0 picks a free one (default 8080)\n"
               "  --threads N       worker threads (default 2)\n"
               "  --port-file FILE  write the port chosen to FILE once listening\n"
               "  --verbose         log what goes wrong with clients' connections\n"
               "\n"
               "Routes: /  /login?user=NAME  /logout  /profile  /redirect  /redirect/N\n"
               "  /redirect-to?url=URL&status=CODE  /status/CODE  /delay/MS  /gzip  /json\n"
               "  /bytes/N  /echo  /reset  /hang  /counter  /counter/reset\n"
               "  /digest-auth/USER/PASS  /basic-auth/USER/PASS  demand digest (MD5) or basic auth\n"
               "  /slow/N?ms=MS&chunked=1  N body bytes, one every MS ms (default 10)\n"
               "  /storm?pct=P              a random 5xx (500, 502, 503, 504) P%% of the time\n"
               "                            (default 50), else 200\n"
               "/counter answers {\"requests\": received, \"completed\": answered in full,\n"
               "\"server_errors\": 5xx answers}, /counter/reset sets them back to 0.\n");
}

static int bad_flag(const char *fmt, const char *arg)
{
    fprintf(stderr, "locust-demo-target: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(try --help)\n");
    return 2;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (*s < '0' || *s > '9') return false;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max) return false;
    *out = v;
    return true;
}

/* Writes the port to a temporary file renamed into place: readers never see half of it. */
static int write_port_file(const char *path, unsigned port)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (tmp == NULL) return -1;
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = -1;
    if (f != NULL) {
        fprintf(f, "%u\n", port);
        if (fclose(f) == 0 && rename(tmp, path) == 0) rc = 0;
    }
    free(tmp);
    return rc;
}

/* Reads a PEM file for MHD, which wants it in memory; NULL (errno set) on failure. */
static char *read_pem(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return NULL;
    char *buf = malloc(65536 + 1);
    size_t n = buf ? fread(buf, 1, 65536 + 1, f) : 0;
    int bad = ferror(f) || n > 65536;
    fclose(f);
    if (buf == NULL || bad) {
        free(buf);
        if (errno == 0) errno = EFBIG;
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* Thousands of keep-alive connections need thousands of descriptors. */
static unsigned raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur > 1000000 ? 1000000 : (unsigned)rl.rlim_cur;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {{"host", required_argument, NULL, 'H'},
                                             {"port", required_argument, NULL, 'p'},
                                             {"threads", required_argument, NULL, 't'},
                                             {"port-file", required_argument, NULL, 'f'},
                                             {"tls-cert", required_argument, NULL, 'c'},
                                             {"tls-key", required_argument, NULL, 'k'},
                                             {"verbose", no_argument, NULL, 'v'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *host = "127.0.0.1", *port_file = NULL, *tls_cert = NULL, *tls_key = NULL;
    unsigned long port = 8080, threads = 2;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            if (!parse_uint(optarg, 65535, &port))
                return bad_flag("--port: '%s' is not a port (0-65535)", optarg);
            break;
        case 't':
            if (!parse_uint(optarg, 1024, &threads) || threads == 0)
                return bad_flag("--threads: '%s' is not a thread count (1-1024)", optarg);
            break;
        case 'f':
            port_file = optarg;
            break;
        case 'c':
            tls_cert = optarg;
            break;
        case 'k':
            tls_key = optarg;
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            /* getopt sets optopt to the option's value when its argument is missing. */
            for (const struct option *o = longopts; o->name != NULL; o++)
                if (optopt != 0 && o->val == optopt) return bad_flag("--%s needs a value", o->name);
            return bad_flag("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return bad_flag("unexpected argument '%s'", argv[optind]);
    if ((tls_cert == NULL) != (tls_key == NULL))
        return bad_flag("%s", "--tls-cert and --tls-key go together");
    char *cert_pem = NULL, *key_pem = NULL;
    if (tls_cert != NULL) {
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
            return bad_flag("%s", "--tls-cert: this libmicrohttpd was built without TLS");
        if ((cert_pem = read_pem(tls_cert)) == NULL)
            return bad_flag("--tls-cert: cannot read '%s'", tls_cert);
        if ((key_pem = read_pem(tls_key)) == NULL) return bad_flag("--tls-key: cannot read '%s'", tls_key);
    }

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        return bad_flag("--host: '%s' is not an IPv4 or IPv6 address", host);
    }

    /* Signals are taken by sigwait() below, never by the server's threads. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned fds = raise_fd_limit();
    if (demo_routes_init() != 0 || demo_wait_start() != 0) {
        fprintf(stderr, "locust-demo-target: cannot initialise: %s\n", strerror(errno));
        return 1;
    }
    size_t random_len;
    const char *random;
    if (demo_auth_init(&random_len, &random) != 0) {
        fprintf(stderr, "locust-demo-target: cannot seed digest nonces: %s\n", strerror(errno));
        return 1;
    }
    /* The optional options, ended by the first MHD_OPTION_END. */
    struct MHD_OptionItem extra[6];
    size_t nextra = 0;
    extra[nextra++] =
        (struct MHD_OptionItem){MHD_OPTION_DIGEST_AUTH_RANDOM, (intptr_t)random_len, (void *)random};
    /* Nonces remembered for their counts: enough for many digest users at once (MHD keeps 4). */
    extra[nextra++] = (struct MHD_OptionItem){MHD_OPTION_NONCE_NC_SIZE, 4096, NULL};
    if (threads > 1)
        extra[nextra++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL};
    if (cert_pem != NULL) {
        flags |= MHD_USE_TLS;
        extra[nextra++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert_pem};
        extra[nextra++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key_pem};
    }
    extra[nextra] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, NULL, MHD_OPTION_EXTERNAL_LOGGER, log_cb, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, (unsigned)(fds > 128 ? fds - 64 : fds),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)4096,
        MHD_OPTION_URI_LOG_CALLBACK, request_begin, NULL, MHD_OPTION_NOTIFY_COMPLETED, request_end, NULL,
        MHD_OPTION_ARRAY, extra, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "locust-demo-target: cannot listen on %s port %lu: %s\n", host, port,
                strerror(errno));
        return 1;
    }
    listening = true;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = di ? di->port : (unsigned)port;
    if (port_file != NULL && write_port_file(port_file, bound) != 0) {
        fprintf(stderr, "locust-demo-target: --port-file: cannot write '%s': %s\n", port_file,
                strerror(errno));
        MHD_stop_daemon(d);
        return 1;
    }
    printf("locust-demo-target listening on %s://%s%s%s:%u\n", cert_pem ? "https" : "http",
           strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", bound);
    fflush(stdout);

    int sig = 0;
    sigwait(&sigs, &sig);
    /* Suspended requests (/delay, /hang) must be resumed before MHD stops. */
    demo_wait_stop();
    usleep(100 * 1000);
    MHD_stop_daemon(d);
    demo_routes_free();
    free(cert_pem);
    free(key_pem);
    return 0;
}
