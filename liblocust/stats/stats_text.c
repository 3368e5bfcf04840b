/*
 * Text helpers for the statistics: Python's repr() of a string (used by the
 * console error report and the error keys), the 0.9.0 error key (an MD5
 * digest) and code-point counting for Python's %-Ns padding.
 *
 * MD5 is written out here (RFC 1321) because none of liblocust's
 * dependencies exports one, and the key must be MD5 to match what a Python
 * 0.9.0 slave sends for the same error: a master then merges the rows of
 * mixed Python and C slaves. Only equality of keys matters on the wire, so
 * this is not used for anything security-related.
 */
#include "stats/stats_internal.h"

#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 ------------------------------------------------------------------ */

size_t locust__utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) n++;
    return n;
}

/*
 * Python's str.isprintable() for one code point above U+007F. Python
 * escapes the categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs; the ranges
 * below are the assigned ones of those categories that matter in practice.
 * Unassigned code points (Cn) are taken as printable: telling them apart
 * needs the whole Unicode database, and error texts do not contain them.
 */
static bool printable(uint32_t c)
{
    static const uint32_t ranges[][2] = {
        {0x80, 0xa0},       {0xad, 0xad},       {0x600, 0x605},     {0x61c, 0x61c},      {0x6dd, 0x6dd},
        {0x70f, 0x70f},     {0x8e2, 0x8e2},     {0x1680, 0x1680},   {0x180e, 0x180e},    {0x2000, 0x200f},
        {0x2028, 0x202f},   {0x205f, 0x2064},   {0x2066, 0x206f},   {0x3000, 0x3000},    {0xe000, 0xf8ff},
        {0xfeff, 0xfeff},   {0xfff9, 0xfffb},   {0xfffe, 0xffff},   {0x110bd, 0x110bd},  {0x1bca0, 0x1bca3},
        {0x1d173, 0x1d17a}, {0xe0001, 0xe0001}, {0xe0020, 0xe007f}, {0xf0000, 0x10ffff},
    };
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
        if (c >= ranges[i][0] && c <= ranges[i][1]) return false;
    return true;
}

char *locust__py_repr(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    /* Python picks double quotes only for text with a ' and no ". */
    char quote = strchr(str, '\'') && !strchr(str, '"') ? '"' : '\'';
    /* The longest escape, \U0010ffff, is 10 bytes for a 4-byte code point: 4 bytes of output per input byte.
     */
    char *out = malloc(n * 4 + 3);
    if (!out) return NULL;
    char *o = out;
    *o++ = quote;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t len = locust__utf8_decode(str + i, &c);
        if (len == 0) {
            /* Not UTF-8: show the byte as Python shows the bytes of a bytes object. */
            o += sprintf(o, "\\x%02x", s[i]);
            i++;
            continue;
        }
        if (c == (uint32_t)quote || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c == '\t') {
            o += sprintf(o, "\\t");
        } else if (c == '\n') {
            o += sprintf(o, "\\n");
        } else if (c == '\r') {
            o += sprintf(o, "\\r");
        } else if (c < 0x20 || c == 0x7f) {
            o += sprintf(o, "\\x%02x", (unsigned)c);
        } else if (c < 0x7f || printable(c)) {
            memcpy(o, s + i, len);
            o += len;
        } else if (c <= 0xff) {
            o += sprintf(o, "\\x%02x", (unsigned)c);
        } else if (c <= 0xffff) {
            o += sprintf(o, "\\u%04x", (unsigned)c);
        } else {
            o += sprintf(o, "\\U%08x", (unsigned)c);
        }
        i += len;
    }
    *o++ = quote;
    *o = '\0';
    return out;
}

/* ---- MD5 (RFC 1321) -------------------------------------------------------- */

typedef struct md5_ctx {
    uint32_t a, b, c, d;
    uint64_t len;
    unsigned char buf[64];
} md5_ctx;

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

static void md5_block(md5_ctx *m, const unsigned char *p)
{
    static const uint32_t K[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
    };
    static const int R[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                              5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                              4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[i * 4] | (uint32_t)p[i * 4 + 1] << 8 | (uint32_t)p[i * 4 + 2] << 16 |
               (uint32_t)p[i * 4 + 3] << 24;
    uint32_t a = m->a, b = m->b, c = m->c, d = m->d;
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) % 16;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
        }
        uint32_t tmp = d;
        d = c;
        c = b;
        b = b + ROTL(a + f + K[i] + w[g], R[i]);
        a = tmp;
    }
    m->a += a;
    m->b += b;
    m->c += c;
    m->d += d;
}

void locust__md5(const void *data, size_t len, unsigned char digest[16])
{
    md5_ctx m = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, (uint64_t)len * 8, {0}};
    const unsigned char *p = data;
    for (; len >= 64; p += 64, len -= 64)
        md5_block(&m, p);
    /* The tail, a 0x80 byte, zeros and the bit length (little-endian) fill one or two blocks. */
    unsigned char last[128] = {0};
    memcpy(last, p, len);
    last[len] = 0x80;
    size_t blocks = len < 56 ? 1 : 2;
    for (int i = 0; i < 8; i++)
        last[blocks * 64 - 8 + i] = (unsigned char)(m.len >> (8 * i));
    for (size_t i = 0; i < blocks; i++)
        md5_block(&m, last + i * 64);
    uint32_t words[4] = {m.a, m.b, m.c, m.d};
    for (int i = 0; i < 16; i++)
        digest[i] = (unsigned char)(words[i / 4] >> (8 * (i % 4)));
}

int locust__error_key(const char *method, const char *name, const char *error, char out[33])
{
    /* 0.9.0: md5("%s.%s.%r" % (method, name, error)); a None method prints as "None". */
    char *repr = locust__py_repr(error);
    if (!repr) return LOCUST_ENOMEM;
    if (!method) method = "None";
    size_t lm = strlen(method), ln = strlen(name), lr = strlen(repr);
    char *text = malloc(lm + ln + lr + 3);
    if (!text) {
        free(repr);
        return LOCUST_ENOMEM;
    }
    memcpy(text, method, lm);
    text[lm] = '.';
    memcpy(text + lm + 1, name, ln);
    text[lm + 1 + ln] = '.';
    memcpy(text + lm + ln + 2, repr, lr + 1);
    unsigned char digest[16];
    locust__md5(text, lm + ln + lr + 2, digest);
    free(text);
    free(repr);
    for (int i = 0; i < 16; i++)
        sprintf(out + 2 * i, "%02x", digest[i]);
    return 0;
}
