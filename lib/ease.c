/*
 * ease.c - EASE, a closed-form item-item model (Steck 2019) that updates
 * exactly.
 *
 * X is the users x items matrix of who met what, binary: an event repeated
 * counts once.  With G = X'X and P = (G + lambda I)^-1 the weights are
 * B = I - P diagMat(1 / diag P), and a user's score for item i is the sum
 * of B[j][i] over the user's items j:
 *
 *     s_i = -(sum_j P[j][i] - [i seen] P[i][i]) / P[i][i].
 *
 * G is a sum over users, so new events change it exactly.  The model keeps
 * the users' histories, from which G follows (it is never stored: the
 * histories are smaller), and P, from which B follows.  Fitting builds
 * G + lambda I in floats -- exact, since G counts users and there are
 * fewer than 2^24 of them -- and inverts it in place by a blocked
 * symmetric sweep (Goodnight 1979).  Nearly all of the work is one kernel,
 * a rank-256 update of the lower triangle.  Each element's sums run in one
 * fixed order of fused multiply-adds, so P has the same bits for any
 * number of threads and on any instruction set (see tile_kernel): train(A)
 * then update(B) equals train(A + B).
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "codec.h"
#include "internal.h"

#define BLOCK 256		/* rows and columns of a sweep block */
#define TILE_ROWS 8		/* rows of the kernel's register tile */
#define TILE_COLS 32		/* its columns: two vectors of 16 */
#define PANELS (BLOCK / TILE_COLS)

int rec_ease_init(struct rec_model *m)
{
	m->ease = rec_calloc(1, sizeof(*m->ease));
	if (!m->ease || rec_idset_create(&m->ease->users) != 0)
		return REC_ENOMEM;
	m->ease->threads = 1;
	return 0;
}

static void drop_fit(struct rec_ease *e)
{
	rec_big_free(e->P);
	rec_free(e->kept);
	rec_free(e->pos);
	e->P = NULL;
	e->kept = e->pos = NULL;
	e->n = 0;
	e->ld = 0;
	e->npos = 0;
}

void rec_ease_free(struct rec_ease *e)
{
	if (!e)
		return;
	rec_idset_free(e->users);
	for (size_t u = 0; u < e->nusers; u++)
		rec_free(e->hist[u].items);
	rec_free(e->hist);
	rec_free(e->item_users);
	drop_fit(e);
	rec_free(e);
}

/* ---- the histories ---- */

/* The place of item it in a history: where it is, or would go. */
static uint32_t history_place(const struct rec_ease_history *h, uint32_t it)
{
	uint32_t lo = 0, hi = h->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (h->items[mid] < it)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Give a history the catalogue item it (kept ascending); 1 when new. */
static int history_add(struct rec_ease_history *h, uint32_t it)
{
	uint32_t lo = history_place(h, it);
	if (lo < h->n && h->items[lo] == it)
		return 0;
	if (h->n == h->cap) {
		size_t cap = h->cap;
		uint32_t *items = rec_grow_array(h->items, &cap, h->n + 1, 4,
						 sizeof(*items));
		if (!items || cap > UINT32_MAX)
			return REC_ENOMEM;
		h->items = items;
		h->cap = (uint32_t)cap;
	}
	memmove(h->items + lo + 1, h->items + lo,
		(h->n - lo) * sizeof(*h->items));
	h->items[lo] = it;
	h->n++;
	return 1;
}

/* Room for every catalogue item's user count. */
static int item_users_reserve(struct rec_ease *e, size_t count)
{
	size_t cap = e->item_users_cap;
	uint32_t *c = rec_grow_array(e->item_users, &cap, count, 256,
				     sizeof(*c));
	if (!c)
		return REC_ENOMEM;
	if (cap > e->item_users_cap)
		memset(c + e->item_users_cap, 0,
		       (cap - e->item_users_cap) * sizeof(*c));
	e->item_users = c;
	e->item_users_cap = cap;
	return 0;
}

/* A user's place, made if new. */
static int user_place(struct rec_ease *e, const char *id, size_t len,
		      size_t *u)
{
	/* the slot first, so that a new id always has one */
	size_t cap = e->hist_cap;
	struct rec_ease_history *h = rec_grow_array(e->hist, &cap,
						    e->nusers + 1, 256,
						    sizeof(*h));
	if (!h)
		return REC_ENOMEM;
	e->hist = h;
	e->hist_cap = cap;
	int rc = rec_idset_add(e->users, id, len, u);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		e->hist[*u] = (struct rec_ease_history){ NULL, 0, 0 };
		e->nusers++;
	}
	return 0;
}

int rec_ease_add(struct rec_model *m, const struct rec_row *row)
{
	struct rec_ease *e = m->ease;
	size_t u;
	int rc = user_place(e, row->user, row->user_len, &u);
	if (rc)
		return rc;
	uint64_t key = rec_hash(REC_SPACE_ITEM, row->item, row->item_len);
	if (item_users_reserve(e, m->catalogue.count + 1) != 0)
		return REC_ENOMEM;
	rc = rec_catalogue_note(m, key, row->item, row->item_len, 0,
				row->time);
	if (rc)
		return rc;
	uint32_t it = m->catalogue.last;
	rc = history_add(&e->hist[u], it);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		e->item_users[it]++;
		e->pairs++;
	}
	return 0;
}

int rec_ease_unite(struct rec_model *m, const struct rec_model *from)
{
	struct rec_ease *e = m->ease;
	const struct rec_ease *f = from->ease;
	const struct rec_catalogue *fc = &from->catalogue;
	if (item_users_reserve(e, m->catalogue.count) != 0)
		return REC_ENOMEM;
	for (size_t v = 0; v < f->nusers; v++) {
		size_t len, u;
		const char *id = rec_idset_id(f->users, v, &len);
		int rc = user_place(e, id, len, &u);
		if (rc)
			return rc;
		const struct rec_ease_history *h = &f->hist[v];
		for (uint32_t j = 0; j < h->n; j++) {
			const struct rec_item *it = &fc->items[h->items[j]];
			uint32_t at = rec_catalogue_find(m, fc->names +
							 it->name_off,
							 it->name_len);
			if (at == UINT32_MAX)
				return REC_EINVAL;
			rc = history_add(&e->hist[u], at);
			if (rc < 0)
				return rc;
			if (rc == 1) {
				e->item_users[at]++;
				e->pairs++;
			}
		}
	}
	return 0;
}

int rec_ease_read(struct rec_model *m, rec_reader *r, rec_bad_row_fn bad_row,
		  void *arg, uint64_t *events, struct rec_error *err)
{
	struct rec_row row;
	int rc;
	*events = 0;
	while ((rc = rec_reader_next_good(r, &row, bad_row, arg, err)) != 0) {
		if (rc < 0)
			return rc;
		if (rc == REC_PAUSED)
			continue;	/* the events are learned as a whole */
		if (rec_ease_add(m, &row) != 0)
			return rec_fail(err, REC_ENOMEM, NULL, 0,
					"out of memory");
		(*events)++;
	}
	if (*events == 0)
		return rec_fail(err, REC_EDATA, NULL, 0,
				"no usable events in the input");
	return 0;
}

/* ---- which items the item-item part holds ---- */

static const uint32_t *sort_users;	/* for by_users; set under the lock */
static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;

/* More users first, then the item met first. */
static int by_users(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (sort_users[x] != sort_users[y])
		return sort_users[x] > sort_users[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int ascending(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * The catalogue items of the item-item part, ascending: all of them, or
 * the max (0: no limit) with the most users (ties to the item met first).
 * The choice depends on the histories alone, so it is the same however
 * they arrived.
 */
int rec_ease_choose(const struct rec_model *m, size_t max, uint32_t **kept,
		    size_t *n)
{
	const struct rec_ease *e = m->ease;
	size_t count = m->catalogue.count;
	uint32_t *k = rec_malloc_array(count ? count : 1, sizeof(*k));
	if (!k)
		return REC_ENOMEM;
	for (size_t i = 0; i < count; i++)
		k[i] = (uint32_t)i;
	if (max && count > max) {
		pthread_mutex_lock(&sort_lock);
		sort_users = e->item_users;
		qsort(k, count, sizeof(*k), by_users);
		pthread_mutex_unlock(&sort_lock);
		count = max;
		qsort(k, count, sizeof(*k), ascending);
	}
	*kept = k;
	*n = count;
	return 0;
}

/* ---- the sweep ---- */

typedef float vec16 __attribute__((vector_size(16 * sizeof(float))));

/*
 * The kernel's sums are fused multiply-adds, a += w * y rounded once,
 * which is 1.5 times the speed of a multiply and an add on this kernel.
 * A fused multiply-add gives the same bits wherever it is done, so each
 * element comes out the same from the AVX-512 and the AVX2 version and
 * from tile_exact, fmaf in the same order, which the CPUs with neither
 * take.  The versions are compiled for their instruction sets with FMA
 * among them, so that the compiler can, and under KERNEL_CONTRACT does,
 * fuse a += w * y.  Elsewhere (aarch64 always has FMA) one plain version
 * is built with contraction.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define KERNEL_X86 1
#endif
#if defined(__GNUC__) && !defined(__clang__)
#define KERNEL_CONTRACT __attribute__((optimize("fp-contract=fast")))
#else
#define KERNEL_CONTRACT
#endif
/* other clones of simple loops whose results do not depend on width */
#if defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__) && \
	defined(__has_attribute)
#if __has_attribute(target_clones)
#define KERNEL_CLONES __attribute__((target_clones("avx512f", \
					"arch=x86-64-v3", "default")))
#endif
#endif
#ifndef KERNEL_CLONES
#define KERNEL_CLONES
#endif

/* The tile's result into out: stored, or subtracted from it. */
static inline void tile_out(float *restrict out, size_t ldo, int subtract,
			    const float *sums)
{
	for (int r = 0; r < TILE_ROWS; r++)
		for (int j = 0; j < TILE_COLS; j++) {
			float *o = out + (size_t)r * ldo + j;
			*o = subtract ? *o - sums[r * TILE_COLS + j]
				      : sums[r * TILE_COLS + j];
		}
}

/*
 * out[r][0..32) = (or -=) sum over t < BLOCK of x[r][t] * y[t][0..32), for
 * the 8 rows r of a tile: x has rows of ldx floats, y is a packed panel of
 * BLOCK x 32.  Sixteen vector accumulators stay in registers; per t, two
 * vector loads serve sixteen fused multiply-adds.
 */
#define TILE_BODY							\
	vec16 a[TILE_ROWS], b[TILE_ROWS];				\
	for (int r = 0; r < TILE_ROWS; r++) {				\
		a[r] = b[r] = (vec16){ 0 };				\
		/* the tile of A is read only at the end and is rarely \
		 * in the cache: its loads overlap the sums */		\
		__builtin_prefetch(out + (size_t)r * ldo, 1);		\
		__builtin_prefetch(out + (size_t)r * ldo + 16, 1);	\
	}								\
	const vec16 *yv = (const vec16 *)(const void *)y;		\
	for (int t = 0; t < BLOCK; t++) {				\
		vec16 y0 = yv[2 * t], y1 = yv[2 * t + 1];		\
		_Pragma("GCC unroll 8")					\
		for (int r = 0; r < TILE_ROWS; r++) {			\
			float w = x[(size_t)r * ldx + (size_t)t];	\
			a[r] += w * y0;					\
			b[r] += w * y1;					\
		}							\
	}								\
	float sums[TILE_ROWS * TILE_COLS] __attribute__((aligned(64))); \
	vec16 *sv = (vec16 *)(void *)sums;				\
	for (int r = 0; r < TILE_ROWS; r++) {				\
		sv[2 * r] = a[r];					\
		sv[2 * r + 1] = b[r];					\
	}								\
	tile_out(out, ldo, subtract, sums)

#if defined(KERNEL_X86)
__attribute__((target("avx512f,fma"))) KERNEL_CONTRACT
static void tile_avx512(const float *restrict x, size_t ldx,
			const float *restrict y, float *restrict out,
			size_t ldo, int subtract)
{
	TILE_BODY;
}

__attribute__((target("avx2,fma"))) KERNEL_CONTRACT
static void tile_avx2(const float *restrict x, size_t ldx,
		      const float *restrict y, float *restrict out,
		      size_t ldo, int subtract)
{
	TILE_BODY;
}
#elif defined(__aarch64__) || defined(__FMA__)
KERNEL_CONTRACT
static void tile_fused(const float *restrict x, size_t ldx,
		       const float *restrict y, float *restrict out, size_t ldo,
		       int subtract)
{
#if defined(__clang__)
#pragma clang fp contract(fast)
#endif
	TILE_BODY;
}
#endif

#if defined(KERNEL_X86) || !(defined(__aarch64__) || defined(__FMA__))
#define KERNEL_EXACT 1
#endif

#if defined(KERNEL_EXACT)
/* The same sums, one fmaf at a time. */
static void tile_exact(const float *restrict x, size_t ldx,
		       const float *restrict y, float *restrict out, size_t ldo,
		       int subtract)
{
	float sums[TILE_ROWS * TILE_COLS] = { 0 };
	for (int t = 0; t < BLOCK; t++)
		for (int r = 0; r < TILE_ROWS; r++) {
			float w = x[(size_t)r * ldx + (size_t)t];
			for (int j = 0; j < TILE_COLS; j++)
				sums[r * TILE_COLS + j] =
					fmaf(w, y[t * TILE_COLS + j],
					     sums[r * TILE_COLS + j]);
		}
	tile_out(out, ldo, subtract, sums);
}
#endif

typedef void tile_fn(const float *restrict x, size_t ldx,
		     const float *restrict y, float *restrict out, size_t ldo,
		     int subtract);

/* A version whose multiply-adds are fused in hardware, else tile_exact. */
static tile_fn *tile_kernel(void)
{
#if defined(KERNEL_X86)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma"))
		return tile_avx512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return tile_avx2;
	return tile_exact;
#elif defined(__aarch64__) || defined(__FMA__)
	return tile_fused;
#else
	return tile_exact;
#endif
}

/*
 * A barrier whose number of threads is set once they have started, so
 * that a thread that could not start leaves fewer, not a deadlock.
 */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int count, waiting;
	unsigned long round;
};

static void gate_wait(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	unsigned long round = g->round;
	if (++g->waiting >= g->count) {
		g->waiting = 0;
		g->round++;
		pthread_cond_broadcast(&g->cond);
	} else {
		while (round == g->round)
			pthread_cond_wait(&g->cond, &g->lock);
	}
	pthread_mutex_unlock(&g->lock);
}

struct sweep {
	float *A;		/* ld x ld, the lower triangle of blocks */
	size_t ld, nb;		/* nb blocks of BLOCK */
	float *C;		/* ld x BLOCK: column block p of A */
	float *W;		/* ld x BLOCK: C S */
	float *CT;		/* C packed: nb x PANELS x BLOCK x 32 */
	float *SP;		/* S packed: PANELS x BLOCK x 32 */
	double *D;		/* BLOCK x BLOCK: the pivot block, inverted */
	size_t p;		/* the block being swept */
	atomic_size_t next;	/* the next task of a phase */
	struct gate barrier;
	int threads;
	int failed;		/* a pivot block was not positive definite */
	tile_fn *tile;
};

/*
 * Invert the symmetric positive definite n x n matrix D in place, in
 * doubles, by Gauss-Jordan elimination on the diagonal (positive definite:
 * no pivoting needed).  Every inner loop updates a row by a multiple of
 * another, which vectorises.  The result is made exactly symmetric from
 * its lower half.  0, or -1 when D is not positive definite.
 */
static int invert_spd(double *D, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		double *dk = D + k * n;
		double d = dk[k];
		if (!(d > 0))
			return -1;
		double inv = 1 / d;
		dk[k] = 1;
		for (size_t j = 0; j < n; j++)
			dk[j] *= inv;
		for (size_t i = 0; i < n; i++) {
			if (i == k)
				continue;
			double *di = D + i * n;
			double f = di[k];
			if (f == 0)
				continue;
			di[k] = 0;
			for (size_t j = 0; j < n; j++)
				di[j] -= f * dk[j];
		}
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			D[i * n + j] = D[j * n + i];
	return 0;
}

/* Before step p, alone between barriers: the pivot block inverted into S,
 * packed for the kernel, and the block A_pp = -S of the step's result,
 * which nothing reads during the step. */
static void prepare(struct sweep *s)
{
	const size_t p0 = s->p * BLOCK, ld = s->ld;
	for (size_t r = 0; r < BLOCK; r++)
		for (size_t c = 0; c < BLOCK; c++) {
			/* symmetric from its lower half */
			size_t hi = r > c ? r : c, lo = r > c ? c : r;
			s->D[r * BLOCK + c] = s->A[(p0 + hi) * ld + p0 + lo];
		}
	if (invert_spd(s->D, BLOCK) != 0) {
		s->failed = 1;
		return;
	}
	for (size_t q = 0; q < PANELS; q++)
		for (size_t t = 0; t < BLOCK; t++)
			for (size_t j = 0; j < TILE_COLS; j++)
				s->SP[(q * BLOCK + t) * TILE_COLS + j] =
					(float)s->D[t * BLOCK + q * TILE_COLS + j];
	for (size_t r = 0; r < BLOCK; r++)
		for (size_t c = 0; c < BLOCK; c++)
			s->A[(p0 + r) * ld + p0 + c] =
				-(float)s->D[r * BLOCK + c];
}

/*
 * For row block i (not p): its part C_i of column block p, gathered from
 * the lower triangle; W_i = C_i S; C_i packed for the update; and W_i
 * written back as the step's A_ip (at (p, i), transposed, for i < p).
 * Blocks (i, p) and (p, i) are read only here during the step, and only
 * by this task, so the write-back needs no barrier.
 */
static void task_w(struct sweep *s, size_t i)
{
	const size_t p0 = s->p * BLOCK, ld = s->ld, i0 = i * BLOCK;
	float *C = s->C + i0 * BLOCK;
	if (i > s->p) {
		for (size_t r = 0; r < BLOCK; r++)
			memcpy(C + r * BLOCK, s->A + (i0 + r) * ld + p0,
			       BLOCK * sizeof(float));
	} else {
		for (size_t c = 0; c < BLOCK; c++) {
			const float *src = s->A + (p0 + c) * ld + i0;
			for (size_t r = 0; r < BLOCK; r++)
				C[r * BLOCK + c] = src[r];
		}
	}
	float *W = s->W + i0 * BLOCK;
	for (size_t r = 0; r < BLOCK; r += TILE_ROWS)
		for (size_t q = 0; q < PANELS; q++)
			s->tile(C + r * BLOCK, BLOCK,
				s->SP + q * BLOCK * TILE_COLS,
				W + r * BLOCK + q * TILE_COLS, BLOCK, 0);
	for (size_t q = 0; q < PANELS; q++)
		for (size_t t = 0; t < BLOCK; t++)
			for (size_t j = 0; j < TILE_COLS; j++)
				s->CT[((i * PANELS + q) * BLOCK + t) *
					      TILE_COLS + j] =
					C[(q * TILE_COLS + j) * BLOCK + t];
	if (i > s->p) {
		for (size_t r = 0; r < BLOCK; r++)
			memcpy(s->A + (i0 + r) * ld + p0, W + r * BLOCK,
			       BLOCK * sizeof(float));
	} else {
		for (size_t c = 0; c < BLOCK; c++) {
			float *dst = s->A + (p0 + c) * ld + i0;
			for (size_t r = 0; r < BLOCK; r++)
				dst[r] = W[r * BLOCK + c];
		}
	}
}

/* A_ik -= W_i C_k' for every block k <= i of row block i (i, k not p). */
static void task_update(struct sweep *s, size_t i)
{
	const size_t ld = s->ld;
	for (size_t k = 0; k <= i; k++) {
		if (k == s->p)
			continue;
		for (size_t q = 0; q < PANELS; q++) {
			const float *y = s->CT + (k * PANELS + q) * BLOCK *
							 TILE_COLS;
			for (size_t r = i * BLOCK; r < (i + 1) * BLOCK;
			     r += TILE_ROWS)
				s->tile(s->W + r * BLOCK, BLOCK, y,
				     s->A + r * ld + k * BLOCK + q * TILE_COLS,
				     ld, 1);
		}
	}
}

/* Take the tasks of a phase until none is left: row blocks other than p,
 * the largest first so that the last ones are short. */
static void run_tasks(struct sweep *s, void (*task)(struct sweep *, size_t))
{
	for (;;) {
		size_t t = atomic_fetch_add(&s->next, 1);
		if (t >= s->nb)
			return;
		size_t i = s->nb - 1 - t;
		if (i != s->p)
			task(s, i);
	}
}

static void *sweep_worker(void *arg)
{
	struct sweep *s = arg;
	for (;;) {
		/* thread 0 prepared step p (or ended) before this barrier */
		gate_wait(&s->barrier);
		if (s->failed || s->p >= s->nb)
			return NULL;
		run_tasks(s, task_w);
		gate_wait(&s->barrier);
		/* thread 0 resets the counter between the two */
		gate_wait(&s->barrier);
		run_tasks(s, task_update);
		gate_wait(&s->barrier);
	}
}

/* The sweep driven from the calling thread, the others in sweep_worker. */
static void sweep_main(struct sweep *s)
{
	for (size_t p = 0;; p++) {
		s->p = p;
		if (p < s->nb)
			prepare(s);
		atomic_store(&s->next, 0);
		gate_wait(&s->barrier);
		if (s->failed || s->p >= s->nb)
			return;
		run_tasks(s, task_w);
		gate_wait(&s->barrier);
		atomic_store(&s->next, 0);
		gate_wait(&s->barrier);
		run_tasks(s, task_update);
		gate_wait(&s->barrier);
	}
}

/*
 * A (ld x ld, ld a multiple of BLOCK, symmetric positive definite, its
 * lower triangle of blocks filled) becomes -A^-1 in its lower triangle of
 * blocks.  0, REC_ENOMEM, or REC_EDATA when a pivot block is not positive
 * definite.
 */
static int sweep_invert(float *A, size_t ld, int threads)
{
	struct sweep s = { .A = A, .ld = ld, .nb = ld / BLOCK,
			   .tile = tile_kernel() };
	if ((size_t)threads > s.nb)
		threads = (int)s.nb;
	if (threads > 256)
		threads = 256;
	if (threads < 1)
		threads = 1;
	s.C = rec_aligned_alloc_array(64, ld * BLOCK, sizeof(float));
	s.W = rec_aligned_alloc_array(64, ld * BLOCK, sizeof(float));
	s.CT = rec_aligned_alloc_array(64, ld * BLOCK, sizeof(float));
	s.SP = rec_aligned_alloc_array(64, BLOCK * BLOCK, sizeof(float));
	s.D = rec_malloc_array(BLOCK * BLOCK, sizeof(double));
	int rc = REC_ENOMEM;
	if (!s.C || !s.W || !s.CT || !s.SP || !s.D)
		goto out;
	pthread_t tid[256];
	int started = 1;
	/* no one passes the gate before its count is set */
	s.barrier = (struct gate){ PTHREAD_MUTEX_INITIALIZER,
				   PTHREAD_COND_INITIALIZER, threads + 1, 0,
				   0 };
	for (; started < threads; started++)
		if (pthread_create(&tid[started], NULL, sweep_worker, &s) != 0)
			break;
	/* the result does not depend on how many threads there are */
	pthread_mutex_lock(&s.barrier.lock);
	s.barrier.count = started;
	pthread_mutex_unlock(&s.barrier.lock);
	s.threads = started;
	sweep_main(&s);
	for (int i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
	rc = s.failed ? REC_EDATA : 0;
out:
	rec_free(s.C);
	rec_free(s.W);
	rec_free(s.CT);
	rec_free(s.SP);
	rec_free(s.D);
	return rc;
}

/* ---- fitting ---- */

/*
 * The upper triangle of the n x n matrix in A (rows of ld floats) from its
 * lower one, tile by tile so that both sides are read and written along
 * rows; with negate, both become minus the lower one.
 */
#define MIRROR_TILE 64

static void mirror_lower(float *A, size_t ld, size_t n, int negate)
{
	for (size_t r0 = 0; r0 < n; r0 += MIRROR_TILE)
		for (size_t c0 = 0; c0 <= r0; c0 += MIRROR_TILE) {
			size_t r1 = r0 + MIRROR_TILE < n ? r0 + MIRROR_TILE : n;
			size_t c1 = c0 + MIRROR_TILE < n ? c0 + MIRROR_TILE : n;
			for (size_t r = r0; r < r1; r++)
				for (size_t c = c0; c < c1 && c <= r; c++) {
					float v = A[r * ld + c];
					if (negate)
						v = -v;
					A[r * ld + c] = v;
					A[c * ld + r] = v;
				}
		}
}

/* The lower triangle from the upper one (as the file holds it). */
static void mirror_upper(float *A, size_t ld, size_t n)
{
	for (size_t r0 = 0; r0 < n; r0 += MIRROR_TILE)
		for (size_t c0 = 0; c0 <= r0; c0 += MIRROR_TILE) {
			size_t r1 = r0 + MIRROR_TILE < n ? r0 + MIRROR_TILE : n;
			size_t c1 = c0 + MIRROR_TILE < n ? c0 + MIRROR_TILE : n;
			for (size_t r = r0; r < r1; r++)
				for (size_t c = c0; c < c1 && c < r; c++)
					A[r * ld + c] = A[c * ld + r];
		}
}

/* Bytes of physical memory, or 0 when unknown. */
static double physical_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	return pages > 0 && size > 0 ? (double)pages * (double)size : 0;
}

int rec_ease_fit(struct rec_model *m, struct rec_error *err)
{
	struct rec_ease *e = m->ease;
	if (e->nusers >= REC_EASE_MAX_USERS)
		return rec_fail(err, REC_EDATA, NULL, 0,
				"%zu users: EASE counts them in floats, exact "
				"below %d", e->nusers, REC_EASE_MAX_USERS);
	uint32_t *kept;
	size_t n;
	if (rec_ease_choose(m, (size_t)m->params.max_items, &kept, &n) != 0)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	size_t ld = (n + BLOCK - 1) / BLOCK * BLOCK;
	/* P, and when it is saved its upper triangle twice: the chunk's
	 * content and the file image */
	double need = (double)ld * (double)ld * sizeof(float) +
		      2.0 * (double)n * (double)(n + 1) / 2 * sizeof(float);
	double have = physical_memory();
	if (ld > REC_EASE_MAX_ITEMS || (have > 0 && need > 0.9 * have)) {
		rec_free(kept);
		return rec_fail(err, REC_EDATA, NULL, 0,
				"the item-item matrix of %zu items needs %.1f GB "
				"with its save, more than 90%% of this "
				"machine's memory (%.1f GB); keep fewer items "
				"with --max-items", n, need / 1e9, have / 1e9);
	}
	/* the old fit goes first: its memory is what the new one needs */
	drop_fit(e);
	size_t count = m->catalogue.count;
	uint32_t *pos = rec_malloc_array(count ? count : 1, sizeof(*pos));
	uint32_t *buf = NULL;
	size_t longest = 0;
	for (size_t u = 0; u < e->nusers; u++)
		if (e->hist[u].n > longest)
			longest = e->hist[u].n;
	buf = rec_malloc_array(longest ? longest : 1, sizeof(*buf));
	/* a fresh mapping: zeros */
	float *A = ld ? rec_big_realloc_array(NULL, ld * ld, sizeof(float))
		      : NULL;
	if (!pos || !buf || (ld && !A)) {
		rec_free(kept);
		rec_free(pos);
		rec_free(buf);
		rec_big_free(A);
		return rec_fail(err, REC_ENOMEM, NULL, 0,
				"out of memory for the item-item matrix of "
				"%zu items (%.1f GB)", n, need / 1e9);
	}
	for (size_t i = 0; i < count; i++)
		pos[i] = UINT32_MAX;
	for (size_t i = 0; i < n; i++)
		pos[kept[i]] = (uint32_t)i;
	/* G's lower triangle: each user adds 1 for each pair of its items */
	uint64_t nonzero = 0;
	for (size_t u = 0; u < e->nusers; u++) {
		const struct rec_ease_history *h = &e->hist[u];
		size_t np = 0;
		for (uint32_t j = 0; j < h->n; j++)
			if (pos[h->items[j]] != UINT32_MAX)
				buf[np++] = pos[h->items[j]];
		for (size_t a = 0; a < np; a++) {
			float *row = A + (size_t)buf[a] * ld;
			for (size_t b = 0; b <= a; b++) {
				float *g = &row[buf[b]];
				nonzero += *g == 0 ? (a == b ? 1 : 2) : 0;
				*g += 1;
			}
		}
	}
	rec_free(buf);
	const float lambda = (float)m->params.l2;
	for (size_t i = 0; i < ld; i++)
		A[i * ld + i] = i < n ? A[i * ld + i] + lambda : 1;
	int rc = ld ? sweep_invert(A, ld, e->threads) : 0;
	if (rc) {
		rec_free(kept);
		rec_free(pos);
		rec_big_free(A);
		return rc == REC_ENOMEM
			? rec_fail(err, rc, NULL, 0, "out of memory")
			: rec_fail(err, rc, NULL, 0,
				   "the Gram matrix is numerically singular; "
				   "raise --l2");
	}
	/* P = -A, made whole from its lower triangle */
	mirror_lower(A, ld, ld, 1);
	e->P = A;
	e->ld = ld;
	e->n = (uint32_t)n;
	e->kept = kept;
	e->pos = pos;
	e->npos = count;
	e->lambda = m->params.l2;
	e->gram_nonzero = nonzero;
	return 0;
}

/* ---- scoring ---- */

int rec_ease_user(const struct rec_model *m, const char *id, size_t len,
		  size_t *u)
{
	return rec_idset_find(m->ease->users, id, len, u);
}

double rec_ease_popularity(const struct rec_model *m, uint32_t item)
{
	const struct rec_ease *e = m->ease;
	return e->nusers && item < m->catalogue.count
		? (double)e->item_users[item] / (double)e->nusers : 0;
}

/*
 * The sums of many users at once, a sparse x dense product.  The users'
 * items are taken in the order of their rows of P, and the columns in
 * chunks: a row chunk that several users of the batch need is read from
 * memory once and added to each of them while it is in the cache, and the
 * users' chunks of sums stay in the cache throughout.  Rows ascend as the
 * catalogue indices of the histories do, so each element's sum still runs
 * over the user's items in history order, as rec_ease_margin adds them.
 */
#define SUM_COLUMNS 1024	/* 4 KiB of a row of P */

struct sum_term {
	uint32_t at;		/* row of P */
	uint32_t user;		/* in the batch */
};

static int by_row(const void *a, const void *b)
{
	const struct sum_term *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->user < y->user ? -1 : x->user > y->user;
}

/* s += row, element by element: the same sums at any vector width. */
KERNEL_CLONES
static void add_row(float *restrict s, const float *restrict row, size_t n)
{
	for (size_t i = 0; i < n; i++)
		s[i] += row[i];
}

int rec_ease_sums(const struct rec_model *m, const size_t *users, size_t n,
		  float *sums)
{
	const struct rec_ease *e = m->ease;
	const size_t items = e->n;
	size_t nterms = 0;
	for (size_t k = 0; k < n; k++)
		if (users[k] != SIZE_MAX)
			nterms += e->hist[users[k]].n;
	struct sum_term *terms = rec_malloc_array(nterms ? nterms : 1,
						  sizeof(*terms));
	if (!terms)
		return REC_ENOMEM;
	nterms = 0;
	for (size_t k = 0; k < n; k++) {
		if (users[k] == SIZE_MAX)
			continue;
		const struct rec_ease_history *h = &e->hist[users[k]];
		for (uint32_t j = 0; j < h->n; j++) {
			uint32_t at = h->items[j] < e->npos
				? e->pos[h->items[j]] : UINT32_MAX;
			if (at != UINT32_MAX)
				terms[nterms++] = (struct sum_term){
					at, (uint32_t)k };
		}
	}
	qsort(terms, nterms, sizeof(*terms), by_row);
	for (size_t k = 0; k < n * items; k++)
		sums[k] = 0;
	for (size_t c0 = 0; c0 < items; c0 += SUM_COLUMNS) {
		size_t c1 = c0 + SUM_COLUMNS < items ? c0 + SUM_COLUMNS : items;
		for (size_t t = 0; t < nterms; t++) {
			const float *row = e->P + (size_t)terms[t].at * e->ld;
			float *s = sums + (size_t)terms[t].user * items;
			add_row(s + c0, row + c0, c1 - c0);
		}
	}
	rec_free(terms);
	return 0;
}

int rec_ease_seen(const struct rec_model *m, size_t u, uint32_t item)
{
	const struct rec_ease_history *h = &m->ease->hist[u];
	uint32_t at = history_place(h, item);
	return at < h->n && h->items[at] == item;
}

double rec_ease_finish(const struct rec_model *m, uint32_t at, float sum,
		       int seen)
{
	const struct rec_ease *e = m->ease;
	/* in floats, as top-k makes it; a seen item's own term, P[i][i] of
	 * the sum, gives 1 */
	float score = -sum / e->P[(size_t)at * e->ld + at];
	return seen ? score + 1 : score;
}

double rec_ease_margin(const struct rec_model *m, const char *user,
		       size_t user_len, const char *item, size_t item_len)
{
	const struct rec_ease *e = m->ease;
	uint32_t it = rec_catalogue_find(m, item, item_len);
	if (it == UINT32_MAX)
		return 0;	/* no one has met it: no score above nothing */
	size_t u;
	uint32_t at = it < e->npos ? e->pos[it] : UINT32_MAX;
	if (at == UINT32_MAX || !rec_ease_user(m, user, user_len, &u))
		return rec_ease_popularity(m, it);
	/* the same sum, in the same order, as rec_ease_sums gives */
	const struct rec_ease_history *h = &e->hist[u];
	float sum = 0;
	for (uint32_t j = 0; j < h->n; j++) {
		uint32_t a = h->items[j] < e->npos ? e->pos[h->items[j]]
						   : UINT32_MAX;
		if (a != UINT32_MAX)
			sum += e->P[(size_t)a * e->ld + at];
	}
	return rec_ease_finish(m, at, sum, rec_ease_seen(m, u, it));
}

/* ---- the model file ---- */

/*
 * EUSR: u64 users; per user u32 id length, the id, u32 history length,
 * then its catalogue indices, ascending.
 */
int rec_ease_encode_users(struct rec_buf *b, const struct rec_model *m)
{
	const struct rec_ease *e = m->ease;
	rec_buf_put_u64(b, e->nusers);
	for (size_t u = 0; u < e->nusers; u++) {
		size_t len;
		const char *id = rec_idset_id(e->users, u, &len);
		rec_buf_put_u32(b, (uint32_t)len);
		rec_buf_put(b, id, len);
		const struct rec_ease_history *h = &e->hist[u];
		rec_buf_put_u32(b, h->n);
		for (uint32_t j = 0; j < h->n; j++)
			rec_buf_put_u32(b, h->items[j]);
	}
	return 1;
}

int rec_ease_decode_users(struct rec_cursor *c, struct rec_model *m,
			  const char **why)
{
	struct rec_ease *e = m->ease;
	size_t count = m->catalogue.count;
	uint64_t nusers = rec_get_u64(c);
	*why = "EASE users";
	if (c->bad || nusers > rec_left(c) / 9 || e->nusers != 0 ||
	    nusers >= REC_EASE_MAX_USERS)
		return REC_EFORMAT;
	if (item_users_reserve(e, count ? count : 1) != 0)
		return REC_ENOMEM;
	for (uint64_t i = 0; i < nusers; i++) {
		uint32_t len = rec_get_u32(c);
		const char *id = (const char *)rec_take(c, len);
		uint32_t n = rec_get_u32(c);
		if (c->bad || len == 0 || n > rec_left(c) / 4)
			return REC_EFORMAT;
		size_t u;
		if (rec_idset_find(e->users, id, len, &u))
			return REC_EFORMAT;	/* twice */
		int rc = user_place(e, id, len, &u);
		if (rc)
			return rc;
		struct rec_ease_history *h = &e->hist[u];
		h->items = rec_malloc_array(n ? n : 1, sizeof(*h->items));
		if (!h->items)
			return REC_ENOMEM;
		h->cap = n ? n : 1;
		for (uint32_t j = 0; j < n; j++) {
			uint32_t it = rec_get_u32(c);
			if (it >= count || (j > 0 && it <= h->items[j - 1]))
				return REC_EFORMAT;
			h->items[j] = it;
			h->n++;
			e->item_users[it]++;
			e->pairs++;
		}
		if (n == 0)
			return REC_EFORMAT;	/* a user has met something */
	}
	if (rec_left(c) != 0)
		return REC_EFORMAT;
	/* every catalogue item was met by someone */
	for (size_t i = 0; i < count; i++)
		if (e->item_users[i] == 0)
			return REC_EFORMAT;
	return 0;
}

/*
 * EASE: f64 lambda, u64 nonzeros of G, u32 n, the n kept catalogue
 * indices, then P's upper triangle row by row (n (n + 1) / 2 floats).
 */
int rec_ease_encode_matrix(struct rec_buf *b, const struct rec_model *m)
{
	const struct rec_ease *e = m->ease;
	rec_buf_put_f64(b, e->lambda);
	rec_buf_put_u64(b, e->gram_nonzero);
	rec_buf_put_u32(b, e->n);
	for (uint32_t i = 0; i < e->n; i++)
		rec_buf_put_u32(b, e->kept[i]);
	for (size_t r = 0; r < e->n; r++)
		rec_buf_put_f32s(b, e->P + r * e->ld + r, e->n - r);
	return 1;
}

/* Read straight into P, row by row: the content is never copied whole. */
int rec_ease_decode_matrix(struct rec_inflate *in, uint64_t raw_len,
			   struct rec_model *m, const char **why)
{
	struct rec_ease *e = m->ease;
	*why = "EASE weights";
	/* the histories choose the items: a file without its EUSR chunk
	 * has none, and no user counts to sort by */
	if (!e->item_users)
		return REC_EFORMAT;
	unsigned char head[20];
	int rc = rec_inflate_take(in, head, sizeof(head));
	if (rc)
		return rc;
	double lambda;
	uint64_t bits = rec_le64(head);
	memcpy(&lambda, &bits, sizeof(lambda));
	uint64_t nonzero = rec_le64(head + 8);
	uint32_t n = rec_le32(head + 16);
	uint64_t tri = (uint64_t)n * (n + 1) / 2;
	if (!(lambda > 0) || lambda > 1e9 || n > REC_EASE_MAX_ITEMS ||
	    raw_len != 20 + 4 * (uint64_t)n + 4 * tri ||
	    nonzero > (uint64_t)n * n || e->P)
		return REC_EFORMAT;
	/* the items must be the n the histories rank first: those a fit
	 * chose, whatever max_items says now (rec_model_retune may have
	 * changed it since that fit) */
	uint32_t *kept;
	size_t want;
	if (rec_ease_choose(m, n, &kept, &want) != 0)
		return REC_ENOMEM;
	size_t ld = (n + BLOCK - 1) / BLOCK * BLOCK;
	size_t count = m->catalogue.count;
	uint32_t *pos = rec_malloc_array(count ? count : 1, sizeof(*pos));
	unsigned char *list = rec_malloc_array(n ? n : 1, 4);
	float *P = ld ? rec_big_realloc_array(NULL, ld * ld, sizeof(float))
		      : NULL;
	rc = !pos || !list || (ld && !P) ? REC_ENOMEM : 0;
	if (!rc)
		rc = want != n ? REC_EFORMAT
			       : rec_inflate_take(in, list, (size_t)n * 4);
	for (uint32_t i = 0; i < n && !rc; i++)
		if (rec_le32(list + 4 * (size_t)i) != kept[i])
			rc = REC_EFORMAT;
	for (size_t r = 0; r < n && !rc; r++) {
		float *row = P + r * ld;
		rc = rec_inflate_take(in, row + r, (n - r) * sizeof(float));
		if (rc)
			break;
		rec_f32s_from_le(row + r, n - r);
		int bad = !(row[r] > 0);
		for (size_t j = r; j < n; j++)
			bad |= !(fabsf(row[j]) <= REC_PARAM_MAX);	/* NaN too */
		if (bad)
			rc = REC_EFORMAT;
	}
	rec_free(list);
	if (rc) {
		rec_free(kept);
		rec_free(pos);
		rec_big_free(P);
		return rc;
	}
	mirror_upper(P, ld, n);
	for (size_t i = 0; i < count; i++)
		pos[i] = UINT32_MAX;
	for (size_t i = 0; i < n; i++)
		pos[kept[i]] = (uint32_t)i;
	e->P = P;
	e->ld = ld;
	e->n = n;
	e->kept = kept;
	e->pos = pos;
	e->npos = count;
	e->lambda = lambda;
	e->gram_nonzero = nonzero;
	return 0;
}

/* ---- forgetting users ---- */

int rec_ease_forget(struct rec_model *m, const rec_idset *ids,
		    uint64_t *users, uint64_t *items)
{
	struct rec_ease *e = m->ease;
	const size_t count = m->catalogue.count;
	*users = *items = 0;
	unsigned char *gone = rec_calloc(e->nusers ? e->nusers : 1, 1);
	unsigned char *drop = rec_calloc(count ? count : 1, 1);
	uint32_t *left = rec_malloc_array(count ? count : 1, sizeof(*left));
	uint32_t *to = rec_malloc_array(count ? count : 1, sizeof(*to));
	rec_idset *kept = NULL;
	int rc = REC_ENOMEM;
	if (!gone || !drop || !left || !to || rec_idset_create(&kept) != 0)
		goto out;
	for (size_t u = 0; u < e->nusers; u++) {
		size_t len, at;
		const char *id = rec_idset_id(e->users, u, &len);
		gone[u] = (unsigned char)rec_idset_find(ids, id, len, &at);
		*users += gone[u];
		if (!gone[u] && rec_idset_add(kept, id, len, NULL) < 0)
			goto out;
	}
	rc = 0;
	if (*users == 0)
		goto out;
	/* the users each item keeps; an item that keeps none goes */
	memcpy(left, e->item_users, count * sizeof(*left));
	for (size_t u = 0; u < e->nusers; u++)
		for (uint32_t j = 0; gone[u] && j < e->hist[u].n; j++)
			left[e->hist[u].items[j]]--;
	for (size_t i = 0; i < count; i++) {
		drop[i] = left[i] == 0;
		*items += drop[i];
	}
	rc = rec_catalogue_drop(m, drop, to);
	if (rc)
		goto out;
	/* nothing fails from here on */
	size_t nu = 0;
	for (size_t u = 0; u < e->nusers; u++) {
		struct rec_ease_history h = e->hist[u];
		if (gone[u]) {
			e->pairs -= h.n;
			rec_free(h.items);
			continue;
		}
		/* to[] keeps the order: the histories stay ascending */
		for (uint32_t j = 0; j < h.n; j++)
			h.items[j] = to[h.items[j]];
		e->hist[nu++] = h;
	}
	e->nusers = nu;
	for (size_t i = 0; i < count; i++)
		if (to[i] != UINT32_MAX)
			e->item_users[to[i]] = left[i];
	for (size_t i = m->catalogue.count; i < count; i++)
		e->item_users[i] = 0;
	rec_idset_free(e->users);
	e->users = kept;
	kept = NULL;
	drop_fit(e);
out:
	rec_idset_free(kept);
	rec_free(gone);
	rec_free(drop);
	rec_free(left);
	rec_free(to);
	return rc;
}
