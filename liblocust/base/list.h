/*
 * An intrusive, circular, doubly linked list (in the spirit of libuv's
 * queue.h): the links live inside the listed object, so adding and
 * removing allocate nothing and removal is O(1) from anywhere in the list.
 * A head is a locust__list that is not inside an object; an empty list and
 * an unlinked node both point at themselves.
 */
#ifndef LOCUST_LIST_H
#define LOCUST_LIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct locust__list {
    struct locust__list *next, *prev;
} locust__list;

/* Makes `l` an empty head, or an unlinked node. */
static inline void locust__list_init(locust__list *l)
{
    l->next = l->prev = l;
}

/* True when the head has no node (or the node is in no list). */
static inline bool locust__list_empty(const locust__list *l)
{
    return l->next == l;
}

/* Appends node `n` at the tail of list `h`. */
static inline void locust__list_push_tail(locust__list *h, locust__list *n)
{
    n->prev = h->prev;
    n->next = h;
    h->prev->next = n;
    h->prev = n;
}

/* Inserts node `n` at the head of list `h`. */
static inline void locust__list_push_head(locust__list *h, locust__list *n)
{
    n->next = h->next;
    n->prev = h;
    h->next->prev = n;
    h->next = n;
}

/* Unlinks node `n` from whatever list holds it; a no-op for an unlinked node. */
static inline void locust__list_remove(locust__list *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n->prev = n;
}

/* The first node of `h`, or NULL when it is empty. */
static inline locust__list *locust__list_first(const locust__list *h)
{
    return h->next == h ? NULL : h->next;
}

/* The object that holds node `ptr` in its member `field`. */
#define locust__list_entry(ptr, type, field) ((type *)(void *)((char *)(ptr)-offsetof(type, field)))

/* Walks list `h` with node pointer `n`; `tmp` lets the body remove `n`. */
#define locust__list_foreach_safe(n, tmp, h)                                                                 \
    for ((n) = (h)->next, (tmp) = (n)->next; (n) != (h); (n) = (tmp), (tmp) = (n)->next)

#endif /* LOCUST_LIST_H */
