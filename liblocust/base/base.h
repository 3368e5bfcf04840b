/*
 * The base layer: what every file of liblocust may use (clocks, strings,
 * random numbers, the thread-local storage macro). It depends on nothing of
 * liblocust but the public error codes. Nothing here is public: non-static
 * symbols are prefixed locust__.
 */
#ifndef LOCUST_BASE_H
#define LOCUST_BASE_H

#include <locust/locust.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Per-thread state: a thread's runners share nothing with another thread's.
 * The few small variables read on every fiber switch or request use the
 * initial-exec model, which reads them without a call to __tls_get_addr
 * (measured: 2% of a request's instructions); together they take well
 * under the static TLS that glibc keeps for libraries loaded by dlopen().
 */
#define LOCUST__TLS_FAST _Thread_local __attribute__((tls_model("initial-exec")))

/*
 * LOCUST__ASAN is defined when the build runs under AddressSanitizer, which
 * gcc announces with __SANITIZE_ADDRESS__ and clang with
 * __has_feature(address_sanitizer): code that switches stacks or keeps
 * freed memory for reuse must then tell it so.
 */
#if defined(__SANITIZE_ADDRESS__)
#define LOCUST__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOCUST__ASAN 1
#endif
#endif

/* ---- growing option structs ------------------------------------------- */

/*
 * Adapts an options struct that a caller built against another version of
 * the headers (see "Option structs grow" in locust.h). Returns `opts` itself
 * when the caller's struct has the library's size, NULL for NULL, else a copy
 * in `tmp` (lib_size bytes): truncated when the caller's struct is larger,
 * zero-extended when it is smaller. *err is LOCUST_ENOTSUP when the caller's
 * struct is larger and sets a byte this library does not know, else 0.
 */
const void *locust__opts_adapt(const void *opts, size_t size, void *tmp, size_t lib_size, int *err);

/* ---- random numbers (xoshiro256**, seeded by splitmix64) ---------------- */

typedef struct locust__rng {
    uint64_t s[4];
} locust__rng;
void locust__rng_seed(locust__rng *g, uint64_t seed);
uint64_t locust__rng_next(locust__rng *g);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t locust__rng_below(locust__rng *g, uint64_t n);
double locust__rng_double(locust__rng *g);

/* ---- small helpers ------------------------------------------------------ */

/* Wall-clock seconds since the epoch, with sub-microsecond resolution. */
double locust__now(void);
/* Monotonic seconds. */
double locust__mono(void);
char *locust__strdup(const char *s);

/* ---- UTF-8 (utf8.c): every string an output writes goes through locust__utf8_clean ---- */

/*
 * Decodes one code point at s (strictly: no overlongs, no surrogates, at
 * most U+10FFFF; s is NUL-terminated). Returns its length in bytes, or 0
 * when the bytes there are not valid UTF-8.
 */
size_t locust__utf8_decode(const char *s, uint32_t *cp);
/* True when the NUL-terminated s is valid UTF-8. */
bool locust__utf8_valid(const char *s);
/*
 * Writes s into out (cap bytes, cap > 0, always NUL-terminated) with each
 * maximal invalid subpart replaced by U+FFFD; stops before a character that
 * does not fit. Returns the length written.
 */
size_t locust__utf8_sanitize_to(char *out, size_t cap, const char *s);
/* A malloc'ed sanitized copy of s (NULL when memory runs out). */
char *locust__utf8_sanitize(const char *s);
/*
 * s itself when it is valid UTF-8 (or NULL), else a sanitized copy, which
 * is also stored in *tmp for the caller to free (NULL when out of memory).
 */
const char *locust__utf8_clean(const char *s, char **tmp);

#endif /* LOCUST_BASE_H */
