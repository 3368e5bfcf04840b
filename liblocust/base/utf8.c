/*
 * UTF-8 checks and the one sanitizer every output uses. Strings that come
 * from the network (slave ids, request names, error texts) or from a
 * scenario (URLs with raw bytes) may hold bytes that are not UTF-8; written
 * as they are, they make a JSON document invalid for every parser and a
 * CSV file or a terminal show garbage. Each output point (the log, the
 * statistics tables and CSV files, the web UI's JSON and CSV) writes such a
 * string through locust__utf8_clean(), which replaces each maximal invalid
 * subpart with U+FFFD, as Python's bytes.decode("utf-8", "replace") and
 * the WHATWG encoding standard do. Keys in the tables are left untouched,
 * so that two different raw names stay two entries.
 */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
static const char REPLACEMENT[3] = {'\xef', '\xbf', '\xbd'};

size_t locust__utf8_decode(const char *str, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    /* A NUL is not a continuation byte, so this never reads past the terminator. */
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    *cp = v;
    return len;
}

/*
 * The length of the maximal invalid subpart at s, where decoding failed:
 * the lead byte and the continuation bytes that could still have begun a
 * valid sequence (Unicode's "substitution of maximal subparts").
 */
static size_t invalid_len(const unsigned char *s)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t need;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        if (c == 0xe0) lo = 0xa0; /* no overlongs */
        if (c == 0xed) hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        if (c == 0xf0) lo = 0x90; /* no overlongs */
        if (c == 0xf4) hi = 0x8f; /* nothing above U+10FFFF */
    } else {
        return 1;
    }
    if (s[1] < lo || s[1] > hi) return 1;
    size_t n = 2;
    while (n <= need && (s[n] & 0xc0) == 0x80)
        n++;
    return n;
}

bool locust__utf8_valid(const char *s)
{
    uint32_t cp;
    for (size_t i = 0; s[i];) {
        size_t len = locust__utf8_decode(s + i, &cp);
        if (!len) return false;
        i += len;
    }
    return true;
}

size_t locust__utf8_sanitize_to(char *out, size_t cap, const char *s)
{
    if (cap == 0) return 0;
    size_t o = 0;
    uint32_t cp;
    for (size_t i = 0; s[i];) {
        size_t len = locust__utf8_decode(s + i, &cp);
        const char *piece = s + i;
        size_t plen = len;
        if (!len) {
            len = invalid_len((const unsigned char *)s + i);
            piece = REPLACEMENT;
            plen = sizeof REPLACEMENT;
        }
        /* Never cut a character in two: stop before one that does not fit. */
        if (plen > cap - 1 - o) break;
        memcpy(out + o, piece, plen);
        o += plen;
        i += len;
    }
    out[o] = '\0';
    return o;
}

size_t locust_utf8_copy(char *out, size_t cap, const char *s)
{
    if (!out || cap == 0) return 0;
    return locust__utf8_sanitize_to(out, cap, s ? s : "");
}

char *locust__utf8_sanitize(const char *s)
{
    /* Each invalid byte becomes at most 3 bytes. */
    size_t cap = strlen(s) * 3 + 1;
    char *out = malloc(cap);
    if (out) locust__utf8_sanitize_to(out, cap, s);
    return out;
}

const char *locust__utf8_clean(const char *s, char **tmp)
{
    *tmp = NULL;
    if (!s || locust__utf8_valid(s)) return s;
    return *tmp = locust__utf8_sanitize(s);
}
