/*
 * alloc.c - every allocation of librec goes through here, so that sizes
 * are checked for overflow in one place and tests can make any one
 * allocation fail (see rec_alloc_fail_at in internal.h).
 */
#define _GNU_SOURCE	/* mremap */
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "internal.h"

/* Allocations made so far, and the one to fail (0: none). */
static atomic_long alloc_count;
static atomic_long alloc_fail_at;
static atomic_int alloc_fail_persist;

void rec_alloc_fail_at(long nth, int persist)
{
	atomic_store(&alloc_count, 0);
	atomic_store(&alloc_fail_persist, persist);
	atomic_store(&alloc_fail_at, nth);
}

long rec_alloc_count(void)
{
	return atomic_load(&alloc_count);
}

/* Whether this allocation is the one a test asked to fail. */
static int injected_failure(void)
{
	long at = atomic_load(&alloc_fail_at);
	if (at <= 0)
		return 0;
	long n = atomic_fetch_add(&alloc_count, 1) + 1;
	return n == at || (n > at && atomic_load(&alloc_fail_persist));
}

void *rec_malloc(size_t n)
{
	if (injected_failure())
		return NULL;
	return malloc(n ? n : 1);
}

void *rec_calloc(size_t n, size_t size)
{
	if (injected_failure())
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *rec_realloc(void *p, size_t n)
{
	if (injected_failure())
		return NULL;
	return realloc(p, n ? n : 1);
}

void *rec_malloc_array(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return rec_malloc(n * size);
}

void *rec_realloc_array(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return rec_realloc(p, n * size);
}

void *rec_aligned_alloc_array(size_t align, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	n *= size;
	/* aligned_alloc wants a whole number of alignments */
	if (n > SIZE_MAX - align || injected_failure())
		return NULL;
	n = n ? (n + align - 1) / align * align : align;
	return aligned_alloc(align, n);
}

size_t rec_grow_cap(size_t cap, size_t need, size_t min)
{
	if (cap < min)
		cap = min;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return 0;
		cap *= 2;
	}
	return cap;
}

void rec_free(void *p)
{
	free(p);
}

void *rec_zalloc(void *opaque, unsigned items, unsigned size)
{
	(void)opaque;
	return rec_malloc_array(items, size);
}

void rec_zfree(void *opaque, void *p)
{
	(void)opaque;
	rec_free(p);
}

/*
 * Large arrays (events, scored rows, sort buffers) come straight from mmap
 * with transparent huge pages requested: filling hundreds of megabytes page
 * by page costs more in faults than the work itself, and random scatter in
 * a radix sort misses the TLB on every row with 4 KiB pages.  The size is
 * kept in front of the block so that resizing knows it.
 */
#define BIG_HEADER 64

/* A block just mapped or moved, of total bytes for n: huge pages asked
 * for when it is large, its size in front; the caller's part. */
static void *big_mapped(unsigned char *q, size_t total, size_t n)
{
#ifdef MADV_HUGEPAGE
	if (total >= (2u << 20))
		madvise(q, total, MADV_HUGEPAGE);
#endif
	memcpy(q, &n, sizeof(n));
	return q + BIG_HEADER;
}

void *rec_big_realloc(void *p, size_t n)
{
	size_t old = 0;
	unsigned char *base = NULL;
	if (p) {
		base = (unsigned char *)p - BIG_HEADER;
		memcpy(&old, base, sizeof(old));
	}
	if (n <= old)
		return p;
	if (n > SIZE_MAX - BIG_HEADER || injected_failure())
		return NULL;
	size_t total = n + BIG_HEADER;
	unsigned char *q;
#ifdef MREMAP_MAYMOVE
	/* Linux moves the pages themselves: no copy, and no fresh pages to
	 * fill for the part already there */
	if (p) {
		q = mremap(base, old + BIG_HEADER, total, MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			return NULL;
		return big_mapped(q, total, n);
	}
#endif
	q = mmap(NULL, total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED)
		return NULL;
	void *fresh = big_mapped(q, total, n);
	if (p) {
		memcpy(fresh, p, old);
		munmap(base, old + BIG_HEADER);
	}
	return fresh;
}

void *rec_big_realloc_array(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return rec_big_realloc(p, n * size);
}

void rec_big_free(void *p)
{
	if (!p)
		return;
	unsigned char *base = (unsigned char *)p - BIG_HEADER;
	size_t n;
	memcpy(&n, base, sizeof(n));
	munmap(base, n + BIG_HEADER);
}

static void *grow_array(void *p, size_t *cap, size_t need, size_t min,
			size_t size, int big)
{
	if (need <= *cap && p)
		return p;
	size_t c = rec_grow_cap(*cap, need, min);
	void *q = !c ? NULL
		: big ? rec_big_realloc_array(p, c, size)
		      : rec_realloc_array(p, c, size);
	if (q)
		*cap = c;
	return q;
}

void *rec_grow_array(void *p, size_t *cap, size_t need, size_t min,
		     size_t size)
{
	return grow_array(p, cap, need, min, size, 0);
}

void *rec_grow_big_array(void *p, size_t *cap, size_t need, size_t min,
			 size_t size)
{
	return grow_array(p, cap, need, min, size, 1);
}
