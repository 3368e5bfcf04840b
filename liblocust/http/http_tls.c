/*
 * TLS on the session's own connection (see http_tls.h): OpenSSL, set up
 * and checked the way curl 7.88 sets it up with its OpenSSL backend, so
 * that an https:// hop over the wire verifies what curl verifies and fails
 * with curl's code and words. No cryptography here: OpenSSL does it all.
 *
 * - Certificates: the peer is verified against curl's default CA bundle
 *   and directory (what libcurl reports as CURLINFO_CAINFO and _CAPATH),
 *   or the bundle the request or session names, with curl's store flags
 *   (trusted first, partial chains); the host name is then checked as
 *   curl's verifyhost() does (subjectAltName, else the last common name).
 * - Settings: ALPN offers http/1.1, or "h2,http/1.1" on a connection
 *   opened for HTTP/2 (locust__tls_offer_h2(), as curl offers), SNI names
 *   the host unless it is an IP address, a session is resumed per user
 *   and host (the wire keeps one), and an idle connection holds no record
 *   buffers (SSL_MODE_RELEASE_BUFFERS and SSL_free_buffers(): about 19 KiB
 *   of OpenSSL's per idle connection, not 35), while a busy one (its next
 *   request within a second) keeps them until it rests a second (freeing
 *   them around every record costs 8% of a request). Records are read
 *   ahead: one recv() per response, not one per record header and body.
 * - Contexts (CA store, client certificate) are loaded once per thread
 *   and settings, not once per connection: loading the system bundle
 *   costs milliseconds.
 * - I/O goes through a BIO of our own on the non-blocking socket, so that
 *   a failure of the socket is known as what it was (curl's own socket
 *   layer words it: "Recv failure: Connection reset by peer").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/core.h"
#include "http/http_tls.h"

/* Contexts a thread keeps: one per distinct set of TLS settings in use. */
#define MAX_CTX 8

struct locust__tls_ctx {
    SSL_CTX *ctx;
    bool verify;
    char *ca, *cert, *key;
};

struct locust__tls {
    SSL *ssl;
    int fd;
    locust__tls_resume *resume;
    char host[256];
    uint16_t port;
    bool ip;
    /* What the socket said under OpenSSL (the BIO). */
    int sock_err;
    bool sock_err_write;
};

static _Thread_local locust__tls_ctx *ctxs[MAX_CTX];
static _Thread_local unsigned n_ctx;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static BIO_METHOD *bio_method;
static char *default_ca, *default_capath;

/* ---- the socket under OpenSSL -------------------------------------------------- */

static int bio_write(BIO *b, const char *buf, int n)
{
    locust__tls *t = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t k = send(t->fd, buf, (size_t)n, MSG_NOSIGNAL);
    if (k >= 0) return (int)k;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        BIO_set_retry_write(b);
    } else {
        t->sock_err = errno;
        t->sock_err_write = true;
    }
    return -1;
}

static int bio_read(BIO *b, char *buf, int n)
{
    locust__tls *t = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t k = recv(t->fd, buf, (size_t)n, 0);
    if (k >= 0) return (int)k;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        BIO_set_retry_read(b);
    } else {
        t->sock_err = errno;
        t->sock_err_write = false;
    }
    return -1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b, (void)num, (void)ptr;
    /* Nothing is buffered here: a flush has nothing to do. */
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

/* The process-wide parts: our BIO type and curl's default CA locations. */
static void init_once(void)
{
    bio_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "locust wire");
    if (bio_method != NULL) {
        BIO_meth_set_write(bio_method, bio_write);
        BIO_meth_set_read(bio_method, bio_read);
        BIO_meth_set_ctrl(bio_method, bio_ctrl);
        BIO_meth_set_create(bio_method, bio_create);
    }
    /* libcurl knows where its build looks (Debian: /etc/ssl/certs/ca-certificates.crt and /etc/ssl/certs). */
    CURL *e = curl_easy_init();
    char *ca = NULL, *capath = NULL;
#if LIBCURL_VERSION_NUM >= 0x075400
    if (e != NULL) {
        curl_easy_getinfo(e, CURLINFO_CAINFO, &ca);
        curl_easy_getinfo(e, CURLINFO_CAPATH, &capath);
    }
#else
    ca = (char *)X509_get_default_cert_file();
    capath = (char *)X509_get_default_cert_dir();
#endif
    default_ca = ca ? locust__strdup(ca) : NULL;
    default_capath = capath ? locust__strdup(capath) : NULL;
    if (e != NULL) curl_easy_cleanup(e);
}

const char *locust__tls_default_ca(void)
{
    pthread_once(&once, init_once);
    return default_ca;
}

/* ---- contexts ---------------------------------------------------------------------- */

/* curl's words for an OpenSSL error: "OpenSSL/3.0.19: error:0A000086:SSL routines::...". */
static void ossl_words(unsigned long e, char *out, size_t n)
{
    int k = snprintf(out, n, "OpenSSL/%s: ", OpenSSL_version(OPENSSL_VERSION_STRING));
    if (k < 0 || (size_t)k >= n) return;
    ERR_error_string_n(e, out + k, n - (size_t)k);
    if (out[k] == '\0') snprintf(out + k, n - (size_t)k, "Unknown error");
}

static int new_session(SSL *ssl, SSL_SESSION *s);

static void ctx_free(locust__tls_ctx *c)
{
    SSL_CTX_free(c->ctx);
    free(c->ca);
    free(c->cert);
    free(c->key);
    free(c);
}

/* Frees the contexts this thread keeps (a thread drain: connections hold their own references). */
static void tls_drain(void)
{
    for (unsigned i = 0; i < n_ctx; i++)
        ctx_free(ctxs[i]);
    n_ctx = 0;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Loads the client certificate and key as curl's cert_stuff() does for PEM files. */
static CURLcode load_client_cert(SSL_CTX *ctx, const locust__tls_cfg *cfg, char *msg, size_t n)
{
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->client_cert) != 1) {
        char why[256];
        ERR_error_string_n(ERR_get_error(), why, sizeof why);
        snprintf(msg, n,
                 "could not load PEM client certificate from %s, OpenSSL error %s, (no key found, wrong "
                 "pass phrase, or wrong file format?)",
                 cfg->client_cert, why);
        return CURLE_SSL_CERTPROBLEM;
    }
    const char *key = cfg->client_key ? cfg->client_key : cfg->client_cert;
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        snprintf(msg, n, "unable to set private key file: '%s' type PEM", key);
        return CURLE_SSL_CERTPROBLEM;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        snprintf(msg, n, "Private key does not match the certificate public key");
        return CURLE_SSL_CERTPROBLEM;
    }
    return CURLE_OK;
}

/* The CA store as curl's populate_x509_store() fills it. */
static CURLcode load_cas(SSL_CTX *ctx, const locust__tls_cfg *cfg, char *msg, size_t n)
{
    const char *ca = cfg->ca_bundle ? cfg->ca_bundle : default_ca;
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    if (ca != NULL && X509_STORE_load_file(store, ca) != 1) {
        snprintf(msg, n, "error setting certificate file: %s", ca);
        return CURLE_SSL_CACERT_BADFILE;
    }
    if (default_capath != NULL && X509_STORE_load_path(store, default_capath) != 1) {
        snprintf(msg, n, "error setting certificate path: %s", default_capath);
        return CURLE_SSL_CACERT_BADFILE;
    }
    X509_STORE_set_flags(store, X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);
    return CURLE_OK;
}

static locust__tls_ctx *ctx_new(const locust__tls_cfg *cfg, CURLcode *code, char *msg, size_t n)
{
    locust__tls_ctx *c = calloc(1, sizeof *c);
    *code = CURLE_OUT_OF_MEMORY;
    snprintf(msg, n, "out of memory");
    if (c == NULL) return NULL;
    c->verify = cfg->verify;
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (c->ctx == NULL || (cfg->ca_bundle && !(c->ca = locust__strdup(cfg->ca_bundle))) ||
        (cfg->client_cert && !(c->cert = locust__strdup(cfg->client_cert))) ||
        (cfg->client_key && !(c->key = locust__strdup(cfg->client_key)))) {
        ctx_free(c);
        return NULL;
    }
    SSL_CTX *x = c->ctx;
    /* curl's options: the workarounds of SSL_OP_ALL, no compression; an end of the stream without
     * close_notify is an end (curl 7.88 reports a body cut short, not a TLS error). */
    SSL_CTX_set_options(x, SSL_OP_ALL | SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_clear_options(x, SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS);
    /* SSL_MODE_RELEASE_BUFFERS (freed as soon as empty) until the wire finds the connection busy
     * (locust__tls_keep_buffers()). */
    SSL_CTX_set_mode(x, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* Read whole socket buffers, not a record's 5-byte header and then its body: one recv() per
     * response instead of two (SSL_has_pending() then also sees the bytes read ahead). */
    SSL_CTX_set_read_ahead(x, 1);
    static const unsigned char alpn[] = "\x08http/1.1";
    SSL_CTX_set_alpn_protos(x, alpn, sizeof alpn - 1);
    SSL_CTX_set_session_cache_mode(x, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(x, new_session);
    *code = CURLE_OK;
    if (cfg->client_cert != NULL) *code = load_client_cert(x, cfg, msg, n);
    /* With verification off curl ignores a bundle it cannot read: it is not loaded at all here. */
    if (*code == CURLE_OK && cfg->verify) *code = load_cas(x, cfg, msg, n);
    if (*code != CURLE_OK) {
        ctx_free(c);
        return NULL;
    }
    SSL_CTX_set_verify(x, cfg->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    return c;
}

locust__tls_ctx *locust__tls_ctx_get(const locust__tls_cfg *cfg, CURLcode *code, char *msg, size_t msg_len)
{
    pthread_once(&once, init_once);
    for (unsigned i = 0; i < n_ctx; i++) {
        locust__tls_ctx *c = ctxs[i];
        if (c->verify == cfg->verify && same_str(c->ca, cfg->ca_bundle) &&
            same_str(c->cert, cfg->client_cert) && same_str(c->key, cfg->client_key))
            return c;
    }
    *code = CURLE_OUT_OF_MEMORY;
    snprintf(msg, msg_len, "out of memory");
    if (bio_method == NULL || locust__thread_drain_register(tls_drain) != 0) return NULL;
    ERR_clear_error();
    locust__tls_ctx *c = ctx_new(cfg, code, msg, msg_len);
    if (c == NULL) return NULL;
    /* The oldest settings make room: their connections keep their own references. */
    if (n_ctx == MAX_CTX) {
        ctx_free(ctxs[0]);
        memmove(ctxs, ctxs + 1, (MAX_CTX - 1) * sizeof ctxs[0]);
        n_ctx--;
    }
    ctxs[n_ctx++] = c;
    return c;
}

/* ---- connections ----------------------------------------------------------------- */

void locust__tls_resume_clear(locust__tls_resume *r)
{
    if (r->sess != NULL) SSL_SESSION_free(r->sess);
    if (r->ctx != NULL) SSL_CTX_free(r->ctx);
    r->sess = r->ctx = NULL;
}

/* A session ticket arrived: it is the user's to resume with next time. */
static int new_session(SSL *ssl, SSL_SESSION *s)
{
    locust__tls *t = SSL_get_app_data(ssl);
    if (t == NULL || t->resume == NULL) return 0;
    locust__tls_resume *r = t->resume;
    locust__tls_resume_clear(r);
    r->sess = s;
    r->ctx = SSL_get_SSL_CTX(ssl);
    SSL_CTX_up_ref(r->ctx);
    snprintf(r->host, sizeof r->host, "%s", t->host);
    r->port = t->port;
    return 1; /* the reference is kept */
}

locust__tls *locust__tls_new(locust__tls_ctx *c, int fd, const char *host, size_t host_len, uint16_t port,
                             locust__tls_resume *resume)
{
    if (host_len >= sizeof((locust__tls *)0)->host) return NULL;
    locust__tls *t = calloc(1, sizeof *t);
    BIO *b = NULL;
    if (t == NULL || (t->ssl = SSL_new(c->ctx)) == NULL || (b = BIO_new(bio_method)) == NULL) {
        if (t != NULL) SSL_free(t->ssl);
        free(t);
        return NULL;
    }
    t->fd = fd;
    t->port = port;
    t->resume = resume;
    memcpy(t->host, host, host_len);
    t->host[host_len] = '\0';
    unsigned char addr[16];
    t->ip = inet_pton(AF_INET, t->host, addr) == 1 || inet_pton(AF_INET6, t->host, addr) == 1;
    BIO_set_data(b, t);
    SSL_set_bio(t->ssl, b, b);
    SSL_set_app_data(t->ssl, t);
    SSL_set_connect_state(t->ssl);
    /* SNI names a host, never an IP address (RFC 6066), and without a trailing dot, as curl sends it. */
    if (!t->ip) {
        char sni[sizeof t->host];
        size_t n = host_len;
        if (n > 0 && host[n - 1] == '.') n--;
        memcpy(sni, host, n);
        sni[n] = '\0';
        SSL_set_tlsext_host_name(t->ssl, sni);
    }
    if (resume != NULL && resume->sess != NULL && resume->ctx == (void *)c->ctx && resume->port == port &&
        strcasecmp(resume->host, t->host) == 0)
        SSL_set_session(t->ssl, resume->sess);
    return t;
}

void locust__tls_free(locust__tls *t)
{
    if (t == NULL) return;
    /* close_notify, one try, as curl closes: a connection freed without it would make OpenSSL
     * drop the session it resumes with (and the server would see a truncation). */
    ERR_clear_error();
    if (SSL_is_init_finished(t->ssl)) SSL_shutdown(t->ssl);
    ERR_clear_error();
    SSL_free(t->ssl);
    free(t);
}

bool locust__tls_idle(locust__tls *t)
{
    /* Fails (harmlessly) while OpenSSL still holds bytes in them. */
    return SSL_free_buffers(t->ssl) == 1;
}

void locust__tls_keep_buffers(locust__tls *t, bool keep)
{
    if (keep)
        SSL_clear_mode(t->ssl, SSL_MODE_RELEASE_BUFFERS);
    else
        SSL_set_mode(t->ssl, SSL_MODE_RELEASE_BUFFERS);
}

bool locust__tls_made_by(const locust__tls *t, const locust__tls_ctx *c)
{
    return SSL_get_SSL_CTX(t->ssl) == c->ctx;
}

bool locust__tls_pending(const locust__tls *t)
{
    return SSL_has_pending(t->ssl) == 1;
}

bool locust__tls_resumed(const locust__tls *t)
{
    return SSL_session_reused(t->ssl) == 1;
}

int locust__tls_offer_h2(locust__tls *t)
{
    /* curl's list when HTTP/2 is asked for: h2 first, HTTP/1.1 to fall back to. */
    static const unsigned char alpn[] = "\x02h2\x08http/1.1";
    return SSL_set_alpn_protos(t->ssl, alpn, sizeof alpn - 1) == 0 ? 0 : LOCUST_ENOMEM;
}

bool locust__tls_is_h2(const locust__tls *t)
{
    const unsigned char *p = NULL;
    unsigned n = 0;
    SSL_get0_alpn_selected(t->ssl, &p, &n);
    return n == 2 && memcmp(p, "h2", 2) == 0;
}

static const char *ssl_error_name(int e)
{
    switch (e) {
    case SSL_ERROR_NONE:
        return "SSL_ERROR_NONE";
    case SSL_ERROR_SSL:
        return "SSL_ERROR_SSL";
    case SSL_ERROR_WANT_READ:
        return "SSL_ERROR_WANT_READ";
    case SSL_ERROR_WANT_WRITE:
        return "SSL_ERROR_WANT_WRITE";
    case SSL_ERROR_WANT_X509_LOOKUP:
        return "SSL_ERROR_WANT_X509_LOOKUP";
    case SSL_ERROR_SYSCALL:
        return "SSL_ERROR_SYSCALL";
    case SSL_ERROR_ZERO_RETURN:
        return "SSL_ERROR_ZERO_RETURN";
    case SSL_ERROR_WANT_CONNECT:
        return "SSL_ERROR_WANT_CONNECT";
    case SSL_ERROR_WANT_ACCEPT:
        return "SSL_ERROR_WANT_ACCEPT";
    default:
        return "SSL_ERROR unknown";
    }
}

/*
 * curl's certificate host name check (Curl_cert_hostcheck()): case
 * insensitive, trailing dots ignored, a wildcard only as the whole
 * leftmost label of a pattern with at least two more labels, never for an
 * IP address.
 */
static bool host_matches(const char *pattern, size_t pl, const char *host, bool ip)
{
    size_t hl = strlen(host);
    if (pl > 0 && pattern[pl - 1] == '.') pl--;
    if (hl > 0 && host[hl - 1] == '.') hl--;
    if (pl == 0 || hl == 0) return false;
    if (pl == hl && strncasecmp(pattern, host, hl) == 0) return true;
    if (ip || pl < 3 || pattern[0] != '*' || pattern[1] != '.') return false;
    const char *rest = pattern + 1; /* ".example.com" */
    size_t rl = pl - 1;
    if (memchr(rest + 1, '.', rl - 1) == NULL) return false; /* "*.com" */
    const char *hdot = memchr(host, '.', hl);
    if (hdot == NULL || hdot == host) return false;
    return (size_t)(host + hl - hdot) == rl && strncasecmp(hdot, rest, rl) == 0;
}

/* curl's verifyhost(): subjectAltName entries of the host's kind, else the last common name. */
static CURLcode verify_host(locust__tls *t, char *msg, size_t n)
{
    X509 *cert = SSL_get1_peer_certificate(t->ssl);
    if (cert == NULL) {
        snprintf(msg, n, "SSL: couldn't get peer certificate");
        return CURLE_PEER_FAILED_VERIFICATION;
    }
    unsigned char addr[16];
    size_t addr_len = 0;
    if (inet_pton(AF_INET, t->host, addr) == 1)
        addr_len = 4;
    else if (inet_pton(AF_INET6, t->host, addr) == 1)
        addr_len = 16;
    int want = addr_len ? GEN_IPADD : GEN_DNS;
    bool matched = false, any_alt = false;
    GENERAL_NAMES *alts = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; alts != NULL && i < sk_GENERAL_NAME_num(alts) && !matched; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(alts, i);
        if (g->type == GEN_DNS || g->type == GEN_IPADD) any_alt = true;
        if (g->type != want) continue;
        const ASN1_STRING *s = g->type == GEN_DNS ? g->d.dNSName : g->d.iPAddress;
        const unsigned char *p = ASN1_STRING_get0_data(s);
        size_t len = (size_t)ASN1_STRING_length(s);
        if (want == GEN_IPADD)
            matched = len == addr_len && memcmp(p, addr, len) == 0;
        else /* a name with a NUL inside matches nothing */
            matched = memchr(p, '\0', len) == NULL && host_matches((const char *)p, len, t->host, false);
    }
    GENERAL_NAMES_free(alts);
    CURLcode rc = CURLE_OK;
    if (matched) {
        rc = CURLE_OK;
    } else if (any_alt) {
        snprintf(msg, n, "SSL: no alternative certificate subject name matches target host name '%s'",
                 t->host);
        rc = CURLE_PEER_FAILED_VERIFICATION;
    } else {
        X509_NAME *name = X509_get_subject_name(cert);
        int i = -1, last = -1;
        while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0)
            last = i;
        unsigned char *cn = NULL;
        int len = last >= 0
                      ? ASN1_STRING_to_UTF8(&cn, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last)))
                      : -1;
        if (len < 0 || cn == NULL || memchr(cn, '\0', (size_t)len) != NULL) {
            snprintf(msg, n, "SSL: unable to obtain common name from peer certificate");
            rc = CURLE_PEER_FAILED_VERIFICATION;
        } else if (!host_matches((const char *)cn, (size_t)len, t->host, addr_len > 0)) {
            snprintf(msg, n, "SSL: certificate subject name '%s' does not match target host name '%s'", cn,
                     t->host);
            rc = CURLE_PEER_FAILED_VERIFICATION;
        }
        OPENSSL_free(cn);
    }
    X509_free(cert);
    return rc;
}

int locust__tls_handshake(locust__tls *t, CURLcode *code, char *msg, size_t n)
{
    ERR_clear_error();
    t->sock_err = 0;
    int rc = SSL_connect(t->ssl);
    if (rc == 1) {
        bool verify = SSL_get_verify_mode(t->ssl) != SSL_VERIFY_NONE;
        *code = verify ? verify_host(t, msg, n) : CURLE_OK;
        if (*code != CURLE_OK && t->resume != NULL) locust__tls_resume_clear(t->resume);
        return *code == CURLE_OK ? LOCUST__TLS_DONE : LOCUST__TLS_FAILED;
    }
    int e = SSL_get_error(t->ssl, rc);
    if (e == SSL_ERROR_WANT_READ) return LOCUST__TLS_WANT_READ;
    if (e == SSL_ERROR_WANT_WRITE) return LOCUST__TLS_WANT_WRITE;
    if (t->resume != NULL) locust__tls_resume_clear(t->resume);
    *code = CURLE_SSL_CONNECT_ERROR;
    if (t->sock_err != 0) {
        /* curl's socket layer words it before OpenSSL's layer could. */
        snprintf(msg, n, "%s failure: %s", t->sock_err_write ? "Send" : "Recv", strerror(t->sock_err));
        return LOCUST__TLS_FAILED;
    }
    unsigned long d = ERR_get_error();
    int lib = ERR_GET_LIB(d), reason = ERR_GET_REASON(d);
    if (lib == ERR_LIB_SSL &&
        (reason == SSL_R_CERTIFICATE_VERIFY_FAILED || reason == SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED)) {
        *code = CURLE_PEER_FAILED_VERIFICATION;
        long v = SSL_get_verify_result(t->ssl);
        if (v != X509_V_OK)
            snprintf(msg, n, "SSL certificate problem: %s", X509_verify_cert_error_string(v));
        else
            snprintf(msg, n, "SSL certificate verification failed");
    } else if (lib == ERR_LIB_SSL && reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED) {
        *code = CURLE_SSL_CLIENTCERT;
        ossl_words(d, msg, n);
    } else if (d == 0) {
        snprintf(msg, n, "OpenSSL SSL_connect: %s in connection to %s:%u ", ssl_error_name(e), t->host,
                 (unsigned)t->port);
    } else {
        ossl_words(d, msg, n);
    }
    return LOCUST__TLS_FAILED;
}

/* What a failed SSL_read() or SSL_write() means; -1 with *want set, or 0 (the end). */
static ssize_t io_failed(locust__tls *t, int rc, const char *op, int *want, int *err, char *msg, size_t n)
{
    int e = SSL_get_error(t->ssl, rc);
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    *want = e == SSL_ERROR_WANT_READ    ? LOCUST__TLS_WANT_READ
            : e == SSL_ERROR_WANT_WRITE ? LOCUST__TLS_WANT_WRITE
                                        : LOCUST__TLS_FAILED;
    if (*want != LOCUST__TLS_FAILED) return -1;
    *err = t->sock_err;
    if (*err != 0) return -1; /* the socket's failure: the wire words it as curl's socket layer does */
    unsigned long d = ERR_get_error();
    if (d == 0 && e == SSL_ERROR_SYSCALL) return 0; /* an end without close_notify */
    char why[200];
    if (d != 0)
        ossl_words(d, why, sizeof why);
    else
        snprintf(why, sizeof why, "%s", ssl_error_name(e));
    snprintf(msg, n, "OpenSSL %s: %s, errno 0", op, why);
    return -1;
}

/* SSL_get_error() reads the thread's error queue: it must hold nothing older than the call. Clearing
 * walks all of its slots; looking costs a fifth of that, and the queue is almost always empty. */
static void clear_errors(void)
{
    if (ERR_peek_error() != 0) ERR_clear_error();
}

ssize_t locust__tls_read(locust__tls *t, char *buf, size_t n, int *want, int *err, char *msg, size_t msg_len)
{
    clear_errors();
    t->sock_err = 0;
    int rc = SSL_read(t->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
    if (rc > 0) return rc;
    return io_failed(t, rc, "SSL_read", want, err, msg, msg_len);
}

ssize_t locust__tls_write(locust__tls *t, const char *buf, size_t n, int *want, int *err, char *msg,
                          size_t msg_len)
{
    clear_errors();
    t->sock_err = 0;
    int rc = SSL_write(t->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
    if (rc > 0) return rc;
    ssize_t k = io_failed(t, rc, "SSL_write", want, err, msg, msg_len);
    if (k == 0) { /* the peer closed: a write cannot go on */
        *want = LOCUST__TLS_FAILED;
        *err = EPIPE;
        return -1;
    }
    return k;
}
