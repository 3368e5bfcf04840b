/* See http_diff.h: the case files and the scripted server. */
#include "http_diff.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* A reply is capped: a case is a few kilobytes, or a few hundred with @fill. */
#define REPLY_MAX (4u * 1024 * 1024)

/* ---- case files ------------------------------------------------------------ */

static int load_fail(char *why, size_t n, const char *path, unsigned line, const char *fmt, ...)
{
    int k = snprintf(why, n, "%s:%u: ", path, line);
    va_list ap;
    va_start(ap, fmt);
    if (k >= 0 && (size_t)k < n) vsnprintf(why + k, n - (size_t)k, fmt, ap);
    va_end(ap);
    return -1;
}

static bool reply_add(http_diff_reply *r, const char *s, size_t n)
{
    if (r->len + n > REPLY_MAX) return false;
    char *p = realloc(r->bytes, r->len + n + 1);
    if (p == NULL) return false;
    memcpy(p + r->len, s, n);
    r->bytes = p;
    r->len += n;
    return true;
}

static int hex(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* Decodes the escapes of one line into `out` (as long as the line); returns its length or -1. */
static long unescape(const char *s, char *out)
{
    size_t n = 0;
    for (; *s; s++) {
        if (*s != '\\') {
            out[n++] = *s;
            continue;
        }
        switch (*++s) {
        case 'r':
            out[n++] = '\r';
            break;
        case 'n':
            out[n++] = '\n';
            break;
        case 't':
            out[n++] = '\t';
            break;
        case '0':
            out[n++] = '\0';
            break;
        case '\\':
            out[n++] = '\\';
            break;
        case 'x':
            if (hex(s[1]) < 0 || hex(s[2]) < 0) return -1;
            out[n++] = (char)(hex(s[1]) * 16 + hex(s[2]));
            s += 2;
            break;
        default:
            return -1;
        }
    }
    return (long)n;
}

static int parse_request(http_diff_request *q, char *args)
{
    char *save = NULL, *m = strtok_r(args, " \t", &save), *p = strtok_r(NULL, " \t", &save);
    if (m == NULL || p == NULL || strlen(m) >= sizeof q->method || strlen(p) >= sizeof q->path) return -1;
    *q = (http_diff_request){.timeout = 3};
    strcpy(q->method, m);
    strcpy(q->path, p);
    for (char *f; (f = strtok_r(NULL, " \t", &save)) != NULL;) {
        if (strcmp(f, "noredirect") == 0)
            q->no_redirects = true;
        else if (strncmp(f, "max_body=", 9) == 0)
            q->max_body = strtoul(f + 9, NULL, 10);
        else if (strncmp(f, "timeout=", 8) == 0)
            q->timeout = strtod(f + 8, NULL);
        else
            return -1;
    }
    return 0;
}

static int parse_reply(http_diff_reply *r, char *args)
{
    *r = (http_diff_reply){.after = DIFF_CLOSE, .pause_ms = 2};
    char *save = NULL;
    for (char *f = strtok_r(args, " \t", &save); f != NULL; f = strtok_r(NULL, " \t", &save)) {
        if (strcmp(f, "close") == 0)
            r->after = DIFF_CLOSE;
        else if (strcmp(f, "keep") == 0)
            r->after = DIFF_KEEP;
        else if (strcmp(f, "reset") == 0)
            r->after = DIFF_RESET;
        else if (strncmp(f, "split=", 6) == 0 && atoi(f + 6) > 0)
            r->split = (size_t)atoi(f + 6);
        else if (strncmp(f, "pause=", 6) == 0)
            r->pause_ms = (unsigned)atoi(f + 6);
        else
            return -1;
    }
    return 0;
}

/* "@fill N C": N bytes C. */
static int parse_fill(http_diff_reply *r, char *args)
{
    char *end, c[8];
    unsigned long n = strtoul(args, &end, 10);
    while (*end == ' ')
        end++;
    if (end == args || strlen(end) > 4 || unescape(end, c) != 1 || n > REPLY_MAX) return -1;
    char *fill = malloc(n ? n : 1);
    if (fill == NULL) return -1;
    memset(fill, c[0], n);
    bool ok = reply_add(r, fill, n);
    free(fill);
    return ok ? 0 : -1;
}

int http_diff_load(const char *path, http_diff_case *c, char *why, size_t why_len)
{
    memset(c, 0, sizeof *c);
    const char *base = strrchr(path, '/');
    snprintf(c->name, sizeof c->name, "%s", base ? base + 1 : path);
    FILE *f = fopen(path, "r");
    if (f == NULL) return load_fail(why, why_len, path, 0, "%s", strerror(errno));
    char line[8192], out[8192];
    unsigned ln = 0;
    int rc = 0;
    http_diff_reply *cur = NULL;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        ln++;
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
        if (line[0] == '#' || n == 0) continue;
        if (strncmp(line, "@request ", 9) == 0) {
            if (c->n_requests == HTTP_DIFF_MAX_REQUESTS ||
                parse_request(&c->requests[c->n_requests], line + 9))
                rc = load_fail(why, why_len, path, ln, "bad @request (or more than %d)",
                               HTTP_DIFF_MAX_REQUESTS);
            else
                c->n_requests++;
        } else if (strcmp(line, "@reply") == 0 || strncmp(line, "@reply ", 7) == 0) {
            if (c->n_replies == HTTP_DIFF_MAX_REQUESTS || parse_reply(&c->replies[c->n_replies], line + 6))
                rc =
                    load_fail(why, why_len, path, ln, "bad @reply (or more than %d)", HTTP_DIFF_MAX_REQUESTS);
            else
                cur = &c->replies[c->n_replies++];
        } else if (strncmp(line, "@fill ", 6) == 0) {
            if (cur == NULL || parse_fill(cur, line + 6)) rc = load_fail(why, why_len, path, ln, "bad @fill");
        } else if (strncmp(line, "@choice ", 8) == 0) {
            snprintf(c->choice, sizeof c->choice, "%.200s", line + 8);
        } else if (line[0] == '@') {
            rc = load_fail(why, why_len, path, ln, "unknown directive '%s'", line);
        } else {
            long k = unescape(line, out);
            if (cur == NULL)
                rc = load_fail(why, why_len, path, ln, "reply bytes before any @reply");
            else if (k < 0 || !reply_add(cur, out, (size_t)k))
                rc = load_fail(why, why_len, path, ln, "bad escape (\\r \\n \\t \\0 \\\\ \\xHH)");
        }
    }
    fclose(f);
    if (rc == 0 && c->n_requests == 0) {
        c->n_requests = 1;
        parse_request(&c->requests[0], (char[]){"GET /"});
    }
    if (rc == 0 && c->n_replies == 0) rc = load_fail(why, why_len, path, ln, "no @reply");
    if (rc != 0) http_diff_free(c);
    return rc;
}

void http_diff_free(http_diff_case *c)
{
    for (unsigned i = 0; i < c->n_replies; i++)
        free(c->replies[i].bytes);
    c->n_replies = 0;
}

/* ---- the scripted server ------------------------------------------------------- */

#define MAX_CONNS 8

typedef struct conn {
    int fd;
    SSL *ssl;     /* the server speaks TLS (http_diff_server_tls()) */
    bool closing; /* our side is shut: only drain what the client still sends */
    char buf[8192];
    size_t len;
} conn;

static void log_add(http_diff_server *s, const char *p, size_t n)
{
    if (s->log_len + n >= sizeof s->log) n = sizeof s->log - 1 - s->log_len;
    memcpy(s->log + s->log_len, p, n);
    s->log_len += n;
    s->log[s->log_len] = '\0';
}

static void conn_close(conn *c)
{
    SSL_free(c->ssl);
    c->ssl = NULL;
    close(c->fd);
    c->fd = -1;
}

/* Sends a reply as scripted; false when the connection is gone. */
static bool send_reply(conn *c, const http_diff_reply *r)
{
    size_t piece = r->split ? r->split : r->len, off = 0;
    while (off < r->len) {
        size_t n = r->len - off < piece ? r->len - off : piece;
        ssize_t k =
            c->ssl ? SSL_write(c->ssl, r->bytes + off, (int)n) : send(c->fd, r->bytes + off, n, MSG_NOSIGNAL);
        if (k <= 0) return false;
        off += (size_t)k;
        if (r->split && off < r->len) usleep(r->pause_ms * 1000u);
    }
    return true;
}

/* The length of the first complete request in the buffer (head and body), or 0. */
static size_t request_len(const conn *c)
{
    const char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (end == NULL) return 0;
    size_t head = (size_t)(end + 4 - c->buf), body = 0;
    for (const char *l = c->buf; l < end;) {
        if (strncasecmp(l, "Content-Length:", 15) == 0) body = strtoul(l + 15, NULL, 10);
        l = (const char *)memchr(l, '\n', (size_t)(end + 2 - l)) + 1;
    }
    return head + body <= c->len ? head + body : 0;
}

static void serve_requests(http_diff_server *s, conn *c)
{
    size_t n;
    while (c->fd >= 0 && !c->closing && (n = request_len(c)) > 0) {
        log_add(s, c->buf, n);
        memmove(c->buf, c->buf + n, c->len - n);
        c->len -= n;
        if (s->next_reply == s->c->n_replies) {
            conn_close(c);
            return;
        }
        const http_diff_reply *r = &s->c->replies[s->next_reply++];
        if (!send_reply(c, r)) {
            conn_close(c);
        } else if (r->after == DIFF_RESET) {
            struct linger lg = {1, 0};
            setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            conn_close(c);
        } else if (r->after == DIFF_CLOSE) {
            if (c->ssl) SSL_shutdown(c->ssl); /* close_notify, as a TLS server ends its side */
            shutdown(c->fd, SHUT_WR);
            c->closing = true;
        }
    }
}

/* The TLS handshake of a new connection, blocking (bounded by a receive timeout). */
static bool tls_accept(http_diff_server *s, conn *c)
{
    struct timeval tv = {5, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    c->ssl = SSL_new(s->tls);
    if (c->ssl != NULL && SSL_set_fd(c->ssl, c->fd) == 1 && SSL_accept(c->ssl) == 1) return true;
    conn_close(c);
    return false;
}

int http_diff_server_tls(http_diff_server *s, const char *cert, const char *key)
{
    SSL_CTX *x = SSL_CTX_new(TLS_server_method());
    if (x == NULL || SSL_CTX_use_certificate_chain_file(x, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(x, key, SSL_FILETYPE_PEM) != 1) {
        SSL_CTX_free(x);
        return -1;
    }
    s->tls = x;
    /* OpenSSL writes with write(): a client gone must not kill the test program. */
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static void *server_main(void *arg)
{
    http_diff_server *s = arg;
    conn conns[MAX_CONNS];
    for (int i = 0; i < MAX_CONNS; i++)
        conns[i].fd = -1;
    for (;;) {
        struct pollfd pf[MAX_CONNS + 2] = {{.fd = s->stop[0], .events = POLLIN},
                                           {.fd = s->listener, .events = POLLIN}};
        for (int i = 0; i < MAX_CONNS; i++)
            pf[i + 2] = (struct pollfd){.fd = conns[i].fd, .events = POLLIN};
        if (poll(pf, MAX_CONNS + 2, -1) < 0 && errno != EINTR) break;
        if (pf[0].revents) break;
        if (pf[1].revents & POLLIN) {
            int fd = accept(s->listener, NULL, NULL);
            int i = 0;
            while (i < MAX_CONNS && conns[i].fd >= 0)
                i++;
            if (fd >= 0 && i == MAX_CONNS) close(fd);
            if (fd >= 0 && i < MAX_CONNS) {
                conns[i] = (conn){.fd = fd};
                if (s->tls != NULL && !tls_accept(s, &conns[i])) continue;
                s->connections++;
                char mark[32];
                log_add(s, mark, (size_t)snprintf(mark, sizeof mark, "[connection %u]\n", s->connections));
            }
        }
        for (int i = 0; i < MAX_CONNS; i++) {
            conn *c = &conns[i];
            if (c->fd < 0 || !(pf[i + 2].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            /* TLS: every record OpenSSL holds is read (poll() does not see them). */
            ssize_t k = c->ssl && !c->closing
                            ? SSL_read(c->ssl, c->buf + c->len, (int)(sizeof c->buf - c->len))
                            : recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
            while (c->ssl && !c->closing && k > 0 && SSL_pending(c->ssl) > 0 &&
                   c->len + (size_t)k < sizeof c->buf) {
                int more =
                    SSL_read(c->ssl, c->buf + c->len + (size_t)k, (int)(sizeof c->buf - c->len - (size_t)k));
                if (more > 0)
                    k += more;
                else
                    break;
            }
            if (k <= 0 || (c->len += (size_t)k) == sizeof c->buf) {
                conn_close(c);
                continue;
            }
            if (c->closing)
                c->len = 0;
            else
                serve_requests(s, c);
        }
    }
    for (int i = 0; i < MAX_CONNS; i++)
        if (conns[i].fd >= 0) conn_close(&conns[i]);
    return NULL;
}

int http_diff_server_open(http_diff_server *s, const http_diff_case *c)
{
    memset(s, 0, sizeof *s);
    s->c = c;
    s->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (s->listener < 0 || bind(s->listener, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->listener, 16) != 0 || getsockname(s->listener, (struct sockaddr *)&a, &len) != 0)
        return -1;
    s->port = ntohs(a.sin_port);
    return 0;
}

int http_diff_server_start(http_diff_server *s)
{
    s->next_reply = 0;
    s->connections = 0;
    s->log_len = 0;
    s->log[0] = '\0';
    if (pipe(s->stop) != 0) return -1;
    return pthread_create(&s->thread, NULL, server_main, s) == 0 ? 0 : -1;
}

void http_diff_server_stop(http_diff_server *s)
{
    if (write(s->stop[1], "x", 1) != 1) abort();
    pthread_join(s->thread, NULL);
    close(s->stop[0]);
    close(s->stop[1]);
}

void http_diff_server_close(http_diff_server *s)
{
    if (s->listener >= 0) close(s->listener);
    s->listener = -1;
    SSL_CTX_free(s->tls);
    s->tls = NULL;
}
