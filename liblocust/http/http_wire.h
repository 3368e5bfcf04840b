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

/* Writes the request head of h->req (its target and authority parsed from the URL). */
void locust__wire_build_request(locust_http *h, locust__sbuf *b, const char *target, const char *authority,
                                size_t al, bool default_port);

/* The response being read. */
enum { ST_STATUS, ST_HEADERS, ST_BODY, ST_CHUNK_SIZE, ST_CHUNK_DATA, ST_CHUNK_END, ST_TRAILERS, ST_DONE };
enum { ENC_NONE, ENC_GZIP, ENC_DEFLATE };

struct locust__wire_msg {
    locust__wire *w;
    locust_http *h;
    char *buf;
    size_t cap, start, end;
    int state;
    bool head;
    int status, minor;
    bool close;      /* the connection ends with this response */
    bool keep_alive; /* HTTP/1.0 asked for keep-alive */
    bool chunked, has_length, until_close;
    int64_t left;     /* body bytes (or chunk bytes) still to come */
    int64_t received; /* body bytes on the wire */
    size_t got;       /* bytes of the response read so far */
    bool need_wait;   /* nothing to read before the socket says so */
    int enc;
    bool z_on, z_raw_tried, z_out_any;
    z_stream z;
    char *zout;
    CURLcode result;
};
typedef struct locust__wire_msg locust__wire_msg;

/* Parses what is buffered: returns with p->state ST_DONE, a failure (p->result), or more needed. */
CURLcode locust__wire_parse(locust__wire_msg *p);
/* Sets p->result and curl's words for it in the session's error buffer. */
CURLcode locust__wire_fail(locust__wire_msg *p, CURLcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Releases what reading the response held (buffers, the inflater). */
void locust__wire_msg_end(locust__wire_msg *p);
/* Writes the hop's Cookie header as curl would (the jar's cookies, then .cookies), if any
 * (http_cookie_hop.c). */
void locust__hop_cookie_line(locust_http *h, const struct curl_slist *hdrs, locust__sbuf *b);

#endif /* LOCUST_HTTP_WIRE_H */
