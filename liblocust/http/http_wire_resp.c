/*
 * The response side of the session's own HTTP/1.1 connection (http_wire.c):
 * the bytes the system under test sends, read as curl 7.88 reads them, so
 * that a response does not tell which path fetched it. The rules below are
 * curl's, found by reading its http.c, http_chunks.c and content_encoding.c
 * and pinned by the differential test (tests/test_http_diff.c, a corpus of
 * odd and illegal replies fetched both ways):
 *
 * - the status line is read with curl's leniency (leading blanks before the
 *   code, "HTTP/2 200", any "HTTP/"-prefixed line taken as 200 over 1.0) and
 *   refused with curl's words; a first line that does not start with
 *   "HTTP/" is HTTP/0.9, refused as soon as its first bytes show it;
 * - a head line holding a NUL byte, or a header line without a colon (but a
 *   folded continuation) fails the response; a head line of 100 kB or more
 *   fails it too ("Out of memory", curl's dynbuf cap);
 * - Content-Length, Transfer-Encoding and Content-Encoding are ignored on
 *   1xx, 204 and 304 replies; a Content-Length past 2^63 is ignored and
 *   the connection closed, a negative or non-numeric one fails; a
 *   Transfer-Encoding without "chunked" means the body ends at the close;
 * - 1xx heads but 101 are followed by the real one; 101 is final;
 * - codings (up to five, transfer codings first) are stacked; an unknown
 *   one fails at the first body byte; raw deflate is tried in place of
 *   zlib only within the first piece of the body; bytes after the end of a
 *   gzip or zlib stream fail the response;
 * - chunked bodies are read byte by byte (at most 16 hex digits, extensions
 *   skipped, CRs before the LF after the data tolerated, trailers handed to
 *   the header callback);
 * - when the connection ends early: "Empty reply from server" when nothing
 *   of the final response came, else the missing bytes of a known length,
 *   an unfinished chunked body, or (a head cut short without either) the
 *   response as it came.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_wire.h"

/* curl's cap on one trailer line (DYN_H1_TRAILER), with its CRLF and a NUL. */
#define TRAILER_MAX 4096u

/* The chunked reader's states (curl's). */
enum { CH_HEX, CH_LF, CH_DATA, CH_POSTLF, CH_TRAILER, CH_TRAILER_CR, CH_TRAILER_POSTCR, CH_STOP };

CURLcode locust__wire_fail(locust__wire_msg *p, CURLcode code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->h->errbuf, sizeof p->h->errbuf, fmt, ap);
    va_end(ap);
    p->result = code;
    return code;
}

CURLcode locust__wire_fail_quiet(locust__wire_msg *p, CURLcode code)
{
    p->h->errbuf[0] = '\0';
    p->result = code;
    return code;
}

void locust__wire_msg_init(locust__wire_msg *p)
{
    p->state = ST_STATUS;
    p->size = -1;
}

/* ---- the head ------------------------------------------------------------------ */

/*
 * Whether a header's name, `nl` bytes up to its first colon, is `name`, in
 * any case. The length is compared first: every header of every response
 * passes here for each name the parser knows, and a name of another length
 * costs no strncasecmp() call (measured: most of a response's calls went
 * to names that differ).
 */
static inline bool name_is_n(const char *line, size_t nl, const char *name, size_t n)
{
    return nl == n && strncasecmp(line, name, n) == 0;
}
#define name_is(line, nl, lit) name_is_n((line), (nl), (lit), sizeof(lit) - 1)

/* Whether the value of a header line holds `word` anywhere before the line's end, in any case. */
static bool value_holds(const char *v, const char *end, const char *word, size_t wl)
{
    while (v < end && isspace((unsigned char)*v))
        v++;
    const char *cr = memchr(v, '\r', (size_t)(end - v));
    if (cr != NULL) end = cr;
    /* The first letter first: strncasecmp() at every place of the value cost
     * ~150 instructions for the "Connection: keep-alive" of each response. */
    for (; (size_t)(end - v) >= wl; v++)
        if ((*v | 0x20) == word[0] && strncasecmp(v, word, wl) == 0) return true;
    return false;
}
#define value_has(v, end, lit) value_holds((v), (end), (lit), sizeof(lit) - 1)

static CURLcode status_code(locust__wire_msg *p, int code);

/* The status line (with its line end): version and code, refused in curl's words. */
static CURLcode status_line(locust__wire_msg *p, const char *s, size_t n)
{
    /* The usual "HTTP/1.x DDD": what the scan below gives for it, without its cost per response. */
    if (n >= 13 && memcmp(s, "HTTP/1.", 7) == 0 && isdigit((unsigned char)s[7]) && s[8] == ' ' &&
        isdigit((unsigned char)s[9]) && isdigit((unsigned char)s[10]) && isdigit((unsigned char)s[11]) &&
        !isdigit((unsigned char)s[12]) && s[9] != '0' && (s[7] == '0' || s[7] == '1')) {
        p->version = 10 + (s[7] - '0');
        return status_code(p, (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0'));
    }
    /* "HTTP/2 DDD": how curl (and the wire's HTTP/2, http_wire_h2.c) hands on an HTTP/2 head; the scan's
     * result again, without its ~1,500 instructions per response. */
    if (n >= 11 && memcmp(s, "HTTP/2 ", 7) == 0 && s[7] >= '1' && s[7] <= '9' &&
        isdigit((unsigned char)s[8]) && isdigit((unsigned char)s[9]) && !isdigit((unsigned char)s[10])) {
        p->version = 20;
        return status_code(p, (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0'));
    }
    char small[256], *l = n < sizeof small ? small : malloc(n + 1);
    if (l == NULL) return locust__wire_fail_quiet(p, CURLE_OUT_OF_MEMORY);
    memcpy(l, s, n);
    l[n] = '\0';
    int major = 0, minor = 0, code = 0, nc;
    char sep = 0, digit4 = 0, two[2];
    nc = sscanf(l, " HTTP/%1d.%1d%c%3d%c", &major, &minor, &sep, &code, &digit4);
    CURLcode rc = CURLE_OK;
    if (nc == 1 && major >= 2 && sscanf(l, " HTTP/%1[23] %d", two, &code) == 2) {
        nc = 4;
        sep = ' ';
        minor = 0;
    } else if (isdigit((unsigned char)digit4) || (nc >= 4 && code < 100)) {
        rc = locust__wire_fail(p, CURLE_UNSUPPORTED_PROTOCOL, "Unsupported response code in HTTP response");
    }
    if (rc == CURLE_OK && nc >= 4 && sep == ' ') {
        int v = major * 10 + minor;
        if (v != 10 && v != 11 && v != 20)
            rc = locust__wire_fail(p, CURLE_UNSUPPORTED_PROTOCOL,
                                   "Unsupported HTTP version (%u.%d) in response", (unsigned)v / 10, v % 10);
        p->version = v;
    } else if (rc == CURLE_OK && nc == 0) {
        /* Any other "HTTP/" line: curl takes it as a 200 over HTTP/1.0. */
        if (sscanf(l, " HTTP %3d", &code) != 1) code = 200;
        p->version = 10;
    } else if (rc == CURLE_OK) {
        rc = locust__wire_fail(p, CURLE_UNSUPPORTED_PROTOCOL, "Unsupported HTTP version in response");
    }
    if (l != small) free(l);
    if (rc != CURLE_OK) return rc;
    return status_code(p, code);
}

/* What the status code decides: an HTTP/1.0 connection closes, and which replies have no body. */
static CURLcode status_code(locust__wire_msg *p, int code)
{
    p->status = code;
    if (p->version == 10) p->close = true;
    p->bodyless = code >= 100 && code < 200;
    if (code == 204 || code == 304) {
        p->size = 0;
        p->bodyless = true;
    }
    return CURLE_OK;
}

/*
 * strtoll() of a Content-Length value: up to 18 digits (which cannot
 * overflow) are read here, anything else by strtoll() itself, whose result
 * this equals (strtoll() costs ~150 instructions per response). *e is set
 * as strtoll() sets it; errno too.
 */
static long long content_length(const char *v, char **e)
{
    long long cl = 0;
    const char *d = v;
    for (; d - v < 18 && *d >= '0' && *d <= '9'; d++)
        cl = cl * 10 + (*d - '0');
    errno = 0;
    if (d > v && (*d < '0' || *d > '9')) {
        *e = (char *)d;
        return cl;
    }
    return strtoll(v, e, 10);
}

/*
 * A header field of the head: what curl's Curl_http_header() takes from it.
 * `colon` is the line's first colon (NULL in a continuation without one):
 * the names are told apart by their length first.
 */
static CURLcode header_field(locust__wire_msg *p, const char *s, size_t n, const char *colon)
{
    const char *end = s + n;
    size_t nl = colon != NULL ? (size_t)(colon - s) : 0;
    if (!p->bodyless && name_is(s, nl, "Content-Length")) {
        const char *v = s + 15;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        /* The line ends with its LF, which ends the number at the latest. */
        if (*v == '-' || isspace((unsigned char)*v))
            return locust__wire_fail(p, CURLE_WEIRD_SERVER_REPLY, "Invalid Content-Length: value");
        char *e;
        long long cl = content_length(v, &e);
        if (errno == ERANGE)
            p->close = true; /* too big to believe: read until the close */
        else if (e == v)
            return locust__wire_fail(p, CURLE_WEIRD_SERVER_REPLY, "Invalid Content-Length: value");
        else
            p->size = cl;
    } else if (p->version == 10 && name_is(s, nl, "Connection") && value_has(s + 11, end, "keep-alive")) {
        p->close = false;
    } else if (name_is(s, nl, "Connection") && value_has(s + 11, end, "close")) {
        p->close = true;
    } else if (!p->bodyless && name_is(s, nl, "Transfer-Encoding")) {
        if (locust__wire_add_codings(p, s + 18, end, 2, &p->chunked) != CURLE_OK) return p->result;
        if (!p->chunked) {
            /* Only the close can end a body whose transfer coding is not chunked. */
            p->close = true;
            p->ignore_cl = true;
        }
    } else if (!p->bodyless && name_is(s, nl, "Content-Encoding")) {
        bool unused = false;
        if (locust__wire_add_codings(p, s + 17, end, 1, &unused) != CURLE_OK) return p->result;
    }
    return CURLE_OK;
}

/*
 * Whether curl's header store (Curl_headers_push(), which every header
 * line but the status line goes through) takes a line: a continuation
 * needs a header before it, any other line a colon before its first CR or
 * LF, and no NUL byte may come before that.
 */
static bool header_storable(locust__wire_msg *p, const char *s, size_t n)
{
    if (s[0] == '\r' || s[0] == '\n') return true;
    /* The line ends at its first CR or LF; a NUL before that is refused. memchr()
     * instead of a loop over each byte: this runs for every header of every
     * response (measured: ~1,500 instructions per response with the loop). */
    const char *cr = memchr(s, '\r', n), *lf = memchr(s, '\n', n);
    const char *e = cr != NULL && (lf == NULL || cr < lf) ? cr : lf;
    if (e == NULL || memchr(s, '\0', (size_t)(e - s)) != NULL) return false;
    size_t end = (size_t)(e - s);
    if (s[0] == ' ' || s[0] == '\t') return p->have_prev;
    if (memchr(s, ':', end) == NULL) return false;
    p->have_prev = true;
    return true;
}

/*
 * header_storable() for a line of the head, which head_line() has already
 * found free of NUL bytes, ending with its only LF, its first colon at
 * `colon`: the colon has to come before the first CR.
 */
static bool head_storable(locust__wire_msg *p, const char *s, const char *colon)
{
    if (s[0] == ' ' || s[0] == '\t') return p->have_prev;
    if (colon == NULL || memchr(s, '\r', (size_t)(colon - s)) != NULL) return false;
    p->have_prev = true;
    return true;
}

static CURLcode to_header_cb(locust__wire_msg *p, const char *s, size_t n)
{
    if (locust__http_header_cb((char *)s, 1, n, p->h) != n)
        return locust__wire_fail(p, CURLE_WRITE_ERROR, "Failed writing header");
    return CURLE_OK;
}

/* The blank line that ends a head. */
static CURLcode head_end(locust__wire_msg *p, const char *s, size_t n)
{
    bool interim = p->status >= 100 && p->status <= 199 && p->status != 101;
    if (!interim && p->size == -1 && !p->chunked && !p->close && p->version == 11 && !p->head)
        p->close = true; /* no length, not chunked: the close ends the body */
    if (to_header_cb(p, s, n) != CURLE_OK) return p->result;
    p->line_bytes += (int64_t)n;
    p->head_bytes += (int64_t)n;
    if (interim) {
        /* Another head follows; what this one said does not count as the response. */
        p->state = ST_STATUS;
        p->line_no = 0;
        p->head_bytes = 0;
        return CURLE_OK;
    }
    if (p->ignore_cl || p->chunked) p->size = -1;
    if (p->head || p->size == 0) {
        p->state = ST_DONE;
    } else if (p->chunked) {
        p->state = ST_CHUNKED;
        p->cstate = CH_HEX;
    } else if (p->size > 0) {
        p->state = ST_BODY;
        p->left = p->size;
    } else {
        p->until_close = true;
        p->close = true;
        p->state = ST_BODY;
    }
    return CURLE_OK;
}

/*
 * A header line (not the status line) to the session, as the header
 * callback would take it: the colon found here is handed on rather than
 * searched for again. A line starting with "HTTP/" goes the callback's own
 * way (it reads it as a status line).
 */
static CURLcode field_to_session(locust__wire_msg *p, const char *s, size_t n, const char *colon)
{
    if (colon == NULL || s[0] == ' ' || s[0] == '\t' || (n >= 5 && memcmp(s, "HTTP/", 5) == 0))
        return to_header_cb(p, s, n);
    /* The line ends with its only LF; CRs may come before it. */
    size_t len = n - 1;
    while (len > 0 && s[len - 1] == '\r')
        len--;
    if (locust__http_header_field(p->h, s, n, len, colon) != n)
        return locust__wire_fail(p, CURLE_WRITE_ERROR, "Failed writing header");
    return CURLE_OK;
}

/*
 * Whether the n bytes at s start like "HTTP/" (all of it when n >= 5), in
 * any case: strncasecmp(s, "HTTP/", min(n, 5)) == 0 without its call.
 */
static bool http_prefix(const char *s, size_t n)
{
    static const char want[] = "http/";
    for (size_t i = 0; i < n && i < 5; i++) {
        /* Setting bit 0x20 lowers a letter; '/' must match as itself. */
        char c = i < 4 ? (char)(s[i] | 0x20) : s[i];
        if (c != want[i]) return false;
    }
    return true;
}

/*
 * One complete line of a head, with its line end. Each header line is
 * scanned once for a NUL byte and once for its colon; what follows uses
 * that colon (measured: the checks searching the line anew cost ~1,500
 * instructions per response).
 */
static CURLcode head_line(locust__wire_msg *p, const char *s, size_t n)
{
    if (n + 1 > LOCUST__WIRE_MAX_LINE) return locust__wire_fail_quiet(p, CURLE_OUT_OF_MEMORY);
    if (p->line_no == 0 && !http_prefix(s, n))
        return locust__wire_fail(p, CURLE_UNSUPPORTED_PROTOCOL, "Received HTTP/0.9 when not allowed");
    if (s[0] == '\r' || s[0] == '\n') return head_end(p, s, n);
    if (p->line_no++ == 0) {
        if (status_line(p, s, n) != CURLE_OK) return p->result;
        if (memchr(s, '\0', n) != NULL)
            return locust__wire_fail(p, CURLE_WEIRD_SERVER_REPLY, "Nul byte in header");
        if (to_header_cb(p, s, n) != CURLE_OK) return p->result;
        /* The status the session keeps is the one read here (curl's), whatever the line says after it. */
        if (p->h->cur != NULL) p->h->cur->status = p->status;
    } else {
        if (memchr(s, '\0', n) != NULL)
            return locust__wire_fail(p, CURLE_WEIRD_SERVER_REPLY, "Nul byte in header");
        bool fold = (s[0] == ' ' || s[0] == '\t') && p->line_no > 2;
        const char *colon = memchr(s, ':', n);
        if (!fold && colon == NULL)
            return locust__wire_fail(p, CURLE_WEIRD_SERVER_REPLY, "Header without colon");
        if (header_field(p, s, n, colon) != CURLE_OK) return p->result;
        if (!head_storable(p, s, colon)) return locust__wire_fail_quiet(p, CURLE_BAD_FUNCTION_ARGUMENT);
        if (field_to_session(p, s, n, colon) != CURLE_OK) return p->result;
    }
    p->line_bytes += (int64_t)n;
    p->head_bytes += (int64_t)n;
    return CURLE_OK;
}

/* ---- chunked bodies -------------------------------------------------------------- */

static CURLcode chunk_fail(locust__wire_msg *p, const char *what)
{
    return locust__wire_fail(p, CURLE_RECV_ERROR, "%s in chunked-encoding", what);
}

/* A failure under a chunk's data: curl's words when the failure brought none. */
static CURLcode chunk_passthru(locust__wire_msg *p)
{
    if (p->h->errbuf[0] == '\0')
        snprintf(p->h->errbuf, sizeof p->h->errbuf, "Failed reading the chunked-encoded stream");
    return p->result;
}

/* A trailer line is over: it goes to the header callback like curl's, with a CRLF. */
static CURLcode trailer_line(locust__wire_msg *p)
{
    if (p->tr_len + 3 > TRAILER_MAX) return chunk_fail(p, "Out of memory");
    memcpy(p->tr + p->tr_len, "\r\n", 2);
    if (!header_storable(p, p->tr, p->tr_len + 2)) {
        locust__wire_fail_quiet(p, CURLE_BAD_FUNCTION_ARGUMENT);
        return chunk_passthru(p);
    }
    CURLcode rc = to_header_cb(p, p->tr, p->tr_len + 2);
    p->tr_len = 0;
    return rc == CURLE_OK ? CURLE_OK : chunk_passthru(p);
}

/* Reads chunked body bytes; returns how many it used (all, or up to the end of the body). */
static size_t chunked(locust__wire_msg *p, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && p->result == CURLE_OK && p->state != ST_DONE) {
        char c = s[i];
        switch (p->cstate) {
        case CH_HEX:
            if (isxdigit((unsigned char)c)) {
                if (p->hexlen == sizeof p->hex - 1) return chunk_fail(p, "Too long hexadecimal number"), i;
                p->hex[p->hexlen++] = c;
                i++;
            } else {
                if (p->hexlen == 0) return chunk_fail(p, "Illegal or missing hexadecimal sequence"), i;
                p->hex[p->hexlen] = '\0';
                errno = 0;
                p->left = strtoll(p->hex, NULL, 16);
                if (errno == ERANGE) return chunk_fail(p, "Illegal or missing hexadecimal sequence"), i;
                p->cstate = CH_LF; /* an extension may follow: skipped up to the LF */
            }
            break;
        case CH_LF:
            if (c == '\n') p->cstate = p->left == 0 ? CH_TRAILER : CH_DATA;
            i++;
            break;
        case CH_DATA: {
            size_t take = (int64_t)(n - i) < p->left ? n - i : (size_t)p->left;
            if (locust__wire_body(p, s + i, take) != CURLE_OK) return chunk_passthru(p), i;
            p->left -= (int64_t)take;
            i += take;
            if (p->left == 0) p->cstate = CH_POSTLF;
            break;
        }
        case CH_POSTLF:
            if (c == '\n') {
                p->cstate = CH_HEX;
                p->hexlen = 0;
            } else if (c != '\r') {
                return chunk_fail(p, "Malformed encoding found"), i;
            }
            i++;
            break;
        case CH_TRAILER:
            if (c == '\r' || c == '\n') {
                if (p->tr_len == 0) {
                    p->cstate = CH_TRAILER_POSTCR;
                    break;
                }
                if (trailer_line(p) != CURLE_OK) return i;
                p->cstate = CH_TRAILER_CR;
                if (c == '\n') break;
            } else {
                if (p->tr == NULL && (p->tr = malloc(TRAILER_MAX)) == NULL)
                    return locust__wire_fail_quiet(p, CURLE_OUT_OF_MEMORY), i;
                if (p->tr_len + 2 > TRAILER_MAX) return chunk_fail(p, "Out of memory"), i;
                p->tr[p->tr_len++] = c;
            }
            i++;
            break;
        case CH_TRAILER_CR:
            if (c != '\n') return chunk_fail(p, "Malformed encoding found"), i;
            p->cstate = CH_TRAILER_POSTCR;
            i++;
            break;
        case CH_TRAILER_POSTCR:
            if (c != '\r' && c != '\n') {
                p->cstate = CH_TRAILER; /* another trailer line */
                break;
            }
            if (c == '\r') i++;
            p->cstate = CH_STOP;
            break;
        case CH_STOP:
            if (c != '\n') return chunk_fail(p, "Malformed encoding found"), i;
            i++;
            p->state = ST_DONE;
            break;
        }
    }
    return i;
}

/* ---- the whole response ------------------------------------------------------------- */

CURLcode locust__wire_parse(locust__wire_msg *p)
{
    while (p->start < p->end && p->state != ST_DONE && p->result == CURLE_OK) {
        char *s = p->buf + p->start;
        size_t n = p->end - p->start;
        if (p->state == ST_BODY) {
            size_t take = p->until_close ? n : (size_t)(p->left < (int64_t)n ? p->left : (int64_t)n);
            p->start += take;
            if (!p->until_close) p->left -= (int64_t)take;
            if (locust__wire_body(p, s, take) != CURLE_OK) return p->result;
            if (!p->until_close && p->left == 0) p->state = ST_DONE;
            continue;
        }
        if (p->state == ST_CHUNKED) {
            p->start += chunked(p, s, n);
            continue;
        }
        char *nl = memchr(s, '\n', n);
        if (nl == NULL) {
            /* A line still coming: as long as curl's cap, and visibly not HTTP/0.9. */
            if (n + 1 > LOCUST__WIRE_MAX_LINE) return locust__wire_fail_quiet(p, CURLE_OUT_OF_MEMORY);
            if (p->line_no == 0 && !http_prefix(s, n))
                return locust__wire_fail(p, CURLE_UNSUPPORTED_PROTOCOL, "Received HTTP/0.9 when not allowed");
            return CURLE_OK;
        }
        size_t len = (size_t)(nl - s) + 1;
        p->start += len;
        if (head_line(p, s, len) != CURLE_OK) return p->result;
    }
    return p->result;
}

/* Makes room in the read buffer: moves what is left to its start, or grows it for a long head line. */
int locust__wire_room(locust__wire_msg *p)
{
    if (p->start > 0 && p->start == p->end) p->start = p->end = 0;
    if (p->end < p->cap) return 0;
    if (p->start > 0) {
        memmove(p->buf, p->buf + p->start, p->end - p->start);
        p->end -= p->start;
        p->start = 0;
        return 0;
    }
    /* One head line longer than the buffer: grow, up to past curl's cap (parsing stops there). */
    size_t cap = p->cap * 2;
    char *nb = cap <= 2 * LOCUST__WIRE_MAX_LINE ? malloc(cap) : NULL;
    if (nb == NULL) return locust__wire_fail_quiet(p, CURLE_OUT_OF_MEMORY), -1;
    memcpy(nb, p->buf, p->end);
    locust__wire_buf_put(p->buf, p->cap);
    p->buf = nb;
    p->cap = cap;
    return 0;
}

void locust__wire_eof(locust__wire_msg *p)
{
    if (p->state == ST_BODY && p->until_close) {
        p->state = ST_DONE;
    } else if (!p->head && p->size != -1 && p->body_bytes != p->size && p->state != ST_DONE) {
        locust__wire_fail(p, CURLE_PARTIAL_FILE, "transfer closed with %lld bytes remaining to read",
                          (long long)(p->size - p->body_bytes));
    } else if (!p->head && p->chunked && p->state != ST_DONE) {
        locust__wire_fail(p, CURLE_PARTIAL_FILE, "transfer closed with outstanding read data remaining");
    } else if (p->head_bytes + p->body_bytes <= 0) {
        locust__wire_fail(p, CURLE_GOT_NOTHING, "Empty reply from server");
    } else {
        p->state = ST_DONE; /* a head cut short: the response as it came */
    }
}

void locust__wire_msg_end(locust__wire_msg *p)
{
    locust__wire_codings_end(p);
    free(p->tr);
    p->tr = NULL;
    if (p->buf) locust__wire_buf_put(p->buf, p->cap);
    p->buf = NULL;
}
