/*
 * Internals shared by http_wire.c (the session's own connection and one
 * hop over it) and http_wire_msg.c (the request and response messages).
 */
#ifndef LOCUST_HTTP_WIRE_H
#define LOCUST_HTTP_WIRE_H

#include <zlib.h>

#include "http/http_internal.h"

/* The read buffer: one per request in flight, pooled (idle users hold none). */
#define LOCUST__WIRE_BUF (16u * 1024)
/* curl's cap on one response header line (CURL_MAX_HTTP_HEADER). */
#define LOCUST__WIRE_MAX_LINE (100u * 1024)

char *locust__wire_buf_get(void);
void locust__wire_buf_put(char *b, size_t cap);

/* A growable string for the request head; capped like every buffer. */
typedef struct locust__sbuf {
    char *p;
    size_t n, cap;
    bool failed;
    char local[1024];
} locust__sbuf;

void locust__sb_add(locust__sbuf *b, const char *s, size_t n);
void locust__sb_str(locust__sbuf *b, const char *s);
void locust__sb_free(locust__sbuf *b);

/* The custom header named `name`, as curl's Curl_checkheaders() finds it. */
const char *locust__wire_find_header(const struct curl_slist *l, const char *name);
/* Whether a "Name: value" line's value is empty (only blanks). */
bool locust__wire_value_empty(const char *line);

/* Writes the request head of h->req (its target and authority parsed from the URL); HTTP/1.0 when
 * the server of a kept connection spoke it, as curl does. */
void locust__wire_build_request(locust_http *h, locust__sbuf *b, const char *target, const char *authority,
                                size_t al, bool default_port, bool http10);

/*
 * A test hook, not an option: with `on`, every hop goes through curl, so
 * that a test can fetch the same response over both paths and compare
 * (tests/test_http_diff.c). Set it while no runner runs.
 */
void locust__wire_force_curl(bool on);

/* The response being read (http_wire_resp.c). */
enum { ST_STATUS, ST_HEADERS, ST_BODY, ST_CHUNKED, ST_DONE };

/* The codings of a body: those curl 7.88 undoes here, and any other. */
enum { DEC_IDENTITY, DEC_DEFLATE, DEC_GZIP, DEC_UNKNOWN };

/* curl's limit on stacked codings (MAX_ENCODE_STACK). */
#define LOCUST__WIRE_MAX_DEC 5

/* One coding of the body to undo: identity, deflate, gzip, or one not known here. */
typedef struct locust__wire_dec {
    unsigned char kind, order, zstate;
    bool started;     /* the inflater was set up */
    unsigned trailer; /* bytes tolerated after a raw deflate stream */
    z_stream z;
    char *out;
} locust__wire_dec;

struct locust__wire_msg {
    locust__wire *w;
    locust_http *h;
    char *buf;
    size_t cap, start, end;
    int state;
    bool head;           /* the request was a HEAD: no body */
    int status, version; /* version: 10, 11 or 20 */
    unsigned line_no;    /* lines of the current head so far (curl's headerline) */
    bool bodyless;       /* 1xx, 204, 304: length and codings are ignored */
    bool close;          /* the connection ends with this response */
    bool chunked, ignore_cl, until_close;
    bool have_prev;     /* a header line was stored: a continuation may follow */
    int64_t size;       /* the Content-Length, -1 when none */
    int64_t left;       /* body bytes (or chunk bytes) still to come */
    int64_t line_bytes; /* bytes of complete head lines, interim heads too */
    int64_t head_bytes; /* ... of the final response's head only */
    int64_t body_bytes; /* body bytes on the wire */
    size_t got;         /* bytes of the response read so far */
    bool need_wait;     /* nothing to read before the socket says so */
    int cstate;         /* the chunked reader */
    unsigned hexlen;
    char hex[17];
    char *tr; /* the trailer line being read */
    size_t tr_len;
    locust__wire_dec dec[LOCUST__WIRE_MAX_DEC]; /* the codings, the first to undo first */
    unsigned ndec;
    CURLcode result;
};
typedef struct locust__wire_msg locust__wire_msg;

/* Sets a response up for reading (after zeroing it, with w, h, head set). */
void locust__wire_msg_init(locust__wire_msg *p);
/* Parses what is buffered: returns with p->state ST_DONE, a failure (p->result), or more needed. */
CURLcode locust__wire_parse(locust__wire_msg *p);
/* Makes room in the read buffer for more bytes; -1 (p->result set) when a head line is too long. */
int locust__wire_room(locust__wire_msg *p);
/* The connection ended before the response did: curl's outcome, in p->state or p->result. */
void locust__wire_eof(locust__wire_msg *p);
/* Sets p->result and curl's words for it in the session's error buffer. */
CURLcode locust__wire_fail(locust__wire_msg *p, CURLcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A failure curl reports without words of its own (its strerror text is shown). */
CURLcode locust__wire_fail_quiet(locust__wire_msg *p, CURLcode code);

/* The body's codings (http_wire_dec.c). Adds those of a Transfer-Encoding (order 2) or
 * Content-Encoding (order 1) value [v, end); sets *chunked for a transfer coding "chunked". */
CURLcode locust__wire_add_codings(locust__wire_msg *p, const char *v, const char *end, int order,
                                  bool *chunked);
/* Body bytes as they came: undone and handed to the session's write callback. */
CURLcode locust__wire_body(locust__wire_msg *p, const char *data, size_t n);
/* Releases the inflaters. */
void locust__wire_codings_end(locust__wire_msg *p);
/* Releases what reading the response held (buffers, the inflaters). */
void locust__wire_msg_end(locust__wire_msg *p);
/* Writes the hop's Cookie header as curl would (the jar's cookies, then .cookies), if any
 * (http_cookie_hop.c). True when curl's cap, which counts the request's bytes before the
 * header, left cookies out. */
bool locust__hop_cookie_line(locust_http *h, const struct curl_slist *hdrs, locust__sbuf *b);

/*
 * The origin (scheme and authority, NUL-terminated) of the last URL the
 * session's own connection took apart, and where in it the authority and
 * the host began (http_wire_memo.c). len 0: none.
 */
typedef struct locust__wire_memo {
    char origin[72];
    size_t len, authority_off, host_off;
} locust__wire_memo;

/*
 * Whether `url` has the memo's origin: then the connection's address, name,
 * port and scheme (TLS or not) from the last parse still hold, and *target,
 * *authority and *host are pointed into `url`. A miss forgets the memo,
 * since the parse that follows overwrites what it vouched for.
 */
bool locust__wire_memo_hit(locust__wire_memo *m, const char *url, const char **target, const char **authority,
                           const char **host);
/* Keeps the origin of a URL just taken apart (its target, authority and host point into it). */
void locust__wire_memo_keep(locust__wire_memo *m, const char *url, const char *target, const char *authority,
                            const char *host);

#endif /* LOCUST_HTTP_WIRE_H */
