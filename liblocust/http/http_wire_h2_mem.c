/*
 * The memory of the wire's HTTP/2 sessions (http_wire_h2.c). nghttp2 takes
 * and gives back about seventeen small blocks per request (the stream, its
 * frames, a buffer for each header value it decodes, which nginx never
 * lets it index); through glibc's malloc() and free() that is ~2,700
 * instructions of a ~29,500-instruction request (callgrind, h2c). Here the
 * small blocks come from a few size classes, and a block given back waits
 * on its thread's list for the next request to take it: a few instructions
 * each way (callgrind: 29,750 -> 27,400-27,900 instructions per h2c request). The
 * lists are capped (KEEP blocks per class, ~230 KiB a thread at most) and
 * emptied by locust_runner_free() (a thread drain); blocks above the
 * largest class go straight to malloc() and free().
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "http/http_wire_conn.h"

/* Blocks kept per class and thread. */
#define KEEP 32

/* Under AddressSanitizer a kept block is poisoned, so that a use of it after nghttp2 gave it back is
 * still reported, and giving one back twice (it is poisoned already) stops the program as free() would. */
#ifdef LOCUST__ASAN
#include <sanitizer/asan_interface.h>
#include <stdio.h>
#define KEPT(p, n)  ASAN_POISON_MEMORY_REGION((p), (n))
#define TAKEN(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
static void check_not_kept(void *p)
{
    if (__asan_address_is_poisoned(p)) {
        fprintf(stderr, "liblocust: an HTTP/2 block given back twice (%p)\n", p);
        abort();
    }
}
#else
#define KEPT(p, n)        ((void)(p), (void)(n))
#define TAKEN(p, n)       ((void)(p), (void)(n))
#define check_not_kept(p) ((void)(p))
#endif

static const uint32_t class_size[] = {32, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048};
#define N_CLASSES (sizeof class_size / sizeof class_size[0])
#define MAX_SMALL 2048
#define LARGE     UINT32_MAX

/* The class of a size up to MAX_SMALL, by its 32-byte steps (filled once). */
static uint8_t class_of_step[MAX_SMALL / 32 + 1];
static pthread_once_t steps_once = PTHREAD_ONCE_INIT;

static void fill_steps(void)
{
    size_t c = 0;
    for (size_t i = 0; i <= MAX_SMALL / 32; i++) {
        while (class_size[c] < i * 32)
            c++;
        class_of_step[i] = (uint8_t)c;
    }
}

/* Before every block: its class (or LARGE and its size), 16 bytes aligned as malloc() aligns, so that the
 * block after it keeps that alignment (a union with max_align_t would take 32). */
typedef struct head {
    _Alignas(max_align_t) uint32_t cls;
    size_t size;
} head;
_Static_assert(sizeof(head) % _Alignof(max_align_t) == 0, "a block must start aligned as malloc()'s");

/* A block on a list: its first bytes link it to the next. */
typedef struct spare {
    struct spare *next;
} spare;

/* A thread's pool: its lists of kept blocks. */
typedef struct pool {
    spare *lists[N_CLASSES];
    unsigned counts[N_CLASSES];
} pool;

/*
 * The running thread's pool (NULL: none yet, or drained), read on every
 * call (initial-exec: no call to __tls_get_addr()), so that a block goes
 * back to the pool of the thread that gives it back, or to free(): a block
 * is only memory, and no session holds on to a pool that could end with
 * its thread.
 */
static LOCUST__TLS_FAST pool *mine;

static void drain(void)
{
    pool *p = mine;
    if (p == NULL) return;
    for (size_t c = 0; c < N_CLASSES; c++) {
        while (p->lists[c] != NULL) {
            spare *s = p->lists[c];
            TAKEN(s, class_size[c]);
            p->lists[c] = s->next;
            free((head *)(void *)s - 1);
        }
    }
    free(p);
    mine = NULL;
}

static void *mem_malloc(size_t size, void *ud)
{
    (void)ud;
    pool *p = mine;
    head *h;
    if (size <= MAX_SMALL) {
        size_t c = class_of_step[(size + 31) / 32];
        spare *s = p != NULL ? p->lists[c] : NULL;
        if (s != NULL) {
            TAKEN(s, class_size[c]);
            p->lists[c] = s->next;
            p->counts[c]--;
            return s;
        }
        if ((h = malloc(sizeof *h + class_size[c])) == NULL) return NULL;
        h->cls = (uint32_t)c;
    } else {
        if (size > SIZE_MAX - sizeof *h || (h = malloc(sizeof *h + size)) == NULL) return NULL;
        h->cls = LARGE;
        h->size = size;
    }
    return h + 1;
}

static void mem_free(void *ptr, void *ud)
{
    (void)ud;
    if (ptr == NULL) return;
    pool *p = mine;
    head *h = (head *)ptr - 1;
    uint32_t c = h->cls;
    check_not_kept(ptr);
    if (p != NULL && c != LARGE && p->counts[c] < KEEP) {
        spare *s = ptr;
        s->next = p->lists[c];
        p->lists[c] = s;
        p->counts[c]++;
        KEPT(s, class_size[c]);
        return;
    }
    free(h);
}

static void *mem_calloc(size_t n, size_t size, void *ud)
{
    if (size != 0 && n > SIZE_MAX / size) return NULL;
    void *ptr = mem_malloc(n * size, ud);
    if (ptr != NULL) memset(ptr, 0, n * size);
    return ptr;
}

static void *mem_realloc(void *ptr, size_t size, void *ud)
{
    if (ptr == NULL) return mem_malloc(size, ud);
    head *h = (head *)ptr - 1;
    size_t have = h->cls == LARGE ? h->size : class_size[h->cls];
    if (size <= have) return ptr;
    void *q = mem_malloc(size, ud);
    if (q == NULL) return NULL; /* ptr stays as it was, as realloc() leaves it */
    memcpy(q, ptr, have);
    mem_free(ptr, ud);
    return q;
}

static nghttp2_mem mem = {
    .malloc = mem_malloc, .free = mem_free, .calloc = mem_calloc, .realloc = mem_realloc};

nghttp2_mem *locust__wire_h2_mem(void)
{
    /* Without a drain to empty the lists the pool is not used: nghttp2's own malloc() then. */
    if (locust__thread_drain_register(drain) != 0) return NULL;
    pthread_once(&steps_once, fill_steps);
    /* Without a pool (out of memory) the blocks still work: they go to malloc() and free(). */
    if (mine == NULL) mine = calloc(1, sizeof *mine);
    return &mem;
}

size_t locust__wire_h2_mem_kept(void)
{
    size_t n = 0;
    for (size_t c = 0; mine != NULL && c < N_CLASSES; c++)
        n += mine->counts[c];
    return n;
}
