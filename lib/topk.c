/*
 * topk.c - the K best items of the catalogue for each user.
 *
 * A user's score for item i is  w0 + w_user + w_i + <v_user, v_i>,  so the
 * scores of many users against many items are one matrix product.  Items
 * are packed in blocks of 16, factor-major, so that one vector load gives
 * one factor of 16 items; a tile of 8 users is multiplied against a block
 * with 8 x 16 accumulators that stay in registers.  The kernel is plain C
 * compiled for several instruction sets (AVX-512, AVX2, baseline) and the
 * best one the CPU has is picked when the program starts.  Each user keeps
 * a small heap of its K best (score, item) pairs; an item enters only when
 * it beats the heap's worst, so selection costs little next to the
 * product.  Ties go to the item met first in training.  An EASE model's
 * scores are sums of rows of its item-item matrix instead (run_ease_job);
 * the selection, exclusions and threads are the same.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

#define BLOCK 16		/* items per packed block: one AVX-512 vector */
#define TILE 8			/* users multiplied together */

struct rec_topk {
	const rec_model *m;
	int k;			/* results per user in the output */
	int keep;		/* results that can be found: k, or fewer
				 * when fewer items can be recommended */
	int threads;
	int factors;
	size_t nitems;		/* items scored (all, or the candidates) */
	size_t nblocks;
	uint32_t *item;		/* catalogue index of each scored item */
	float *packed;		/* nblocks x (factors + 1) x BLOCK */
	float *pad;		/* one block of nothing: zero factors, -inf */
	unsigned char *allowed;	/* candidates (NULL: every item), by index:
				 * the catalogue's, then the cold items' */
	/* cold items: in the item attribute table, not in the catalogue;
	 * index catalogue count + i is table id cold[i] */
	uint32_t *cold;
	size_t ncold;
	int no_cold;
	struct rec_map excluded;	/* pair key -> 1 */
	int has_excluded;
	int include_seen;	/* EASE: a user's own items may come back */
	int ready;		/* the items are chosen (and packed) */
};

static uint64_t pair_key(uint64_t user_hash, uint32_t item)
{
	uint64_t x = user_hash ^ ((uint64_t)item * 0x9E3779B97F4A7C15ull);
	x ^= x >> 31;
	return x * 0xBF58476D1CE4E5B9ull;
}

int rec_topk_create(rec_topk **out, const rec_model *m, int k, int threads,
		    struct rec_error *err)
{
	*out = NULL;
	if (k < 1 || k > 100000 || threads < 1 || threads > REC_MAX_THREADS)
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"top-k size or thread count out of range");
	if (m->catalogue.count == 0)
		return rec_fail(err, REC_EDATA, NULL, 0,
				"the model's item catalogue is empty");
	rec_topk *t = rec_calloc(1, sizeof(*t));
	if (!t || rec_map_init(&t->excluded, 1024) != 0) {
		rec_free(t);
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	}
	t->m = m;
	t->k = k;
	t->threads = threads;
	t->factors = m->params.factors;
	const struct rec_table *tab = &m->schema.tables[REC_SIDE_ITEM];
	size_t nt = tab->ids ? rec_idset_size(tab->ids) : 0;
	if (nt) {
		t->cold = rec_malloc_array(nt, sizeof(*t->cold));
		if (!t->cold) {
			rec_topk_free(t);
			return rec_fail(err, REC_ENOMEM, NULL, 0,
					"out of memory");
		}
		for (size_t i = 0; i < nt; i++) {
			size_t len;
			const char *id = rec_idset_id(tab->ids, i, &len);
			if (rec_catalogue_find(m, id, len) == UINT32_MAX)
				t->cold[t->ncold++] = (uint32_t)i;
		}
	}
	*out = t;
	return 0;
}

int rec_topk_cold_items(rec_topk *t, int compete)
{
	if (t->ready)
		return REC_EINVAL;
	t->no_cold = !compete;
	return 0;
}

size_t rec_topk_cold_count(const rec_topk *t)
{
	return t->ncold;
}

const char *rec_topk_item(const rec_topk *t, uint32_t index, size_t *len)
{
	size_t count = t->m->catalogue.count;
	if (index < count)
		return rec_model_item(t->m, index, len);
	if (index - count >= t->ncold) {
		*len = 0;
		return NULL;
	}
	return rec_idset_id(t->m->schema.tables[REC_SIDE_ITEM].ids,
			    t->cold[index - count], len);
}

/* The index of an item id: the catalogue's, a cold item's, or
 * UINT32_MAX. */
static uint32_t item_index(const rec_topk *t, const char *id, size_t len)
{
	uint32_t at = rec_catalogue_find(t->m, id, len);
	if (at != UINT32_MAX || !t->ncold)
		return at;
	size_t place;
	if (!rec_idset_find(t->m->schema.tables[REC_SIDE_ITEM].ids, id, len,
			    &place))
		return UINT32_MAX;
	/* cold is in table order: a binary search finds the place */
	size_t lo = 0, hi = t->ncold;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t->cold[mid] < place)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->ncold && t->cold[lo] == place)
		return (uint32_t)(t->m->catalogue.count + lo);
	return UINT32_MAX;
}

void rec_topk_free(rec_topk *t)
{
	if (!t)
		return;
	rec_free(t->item);
	rec_free(t->packed);
	rec_free(t->pad);
	rec_free(t->allowed);
	rec_free(t->cold);
	rec_map_destroy(&t->excluded);
	rec_free(t);
}

int rec_topk_allow(rec_topk *t, const char *item, size_t len)
{
	if (t->ready)
		return REC_EINVAL;	/* the items are packed at the first run */
	if (!t->allowed) {
		t->allowed = rec_calloc(t->m->catalogue.count + t->ncold, 1);
		if (!t->allowed)
			return REC_ENOMEM;
	}
	uint32_t at = item_index(t, item, len);
	if (at != UINT32_MAX)
		t->allowed[at] = 1;
	return 0;
}

int rec_topk_include_seen(rec_topk *t, int include)
{
	if (!t->m->ease)
		return REC_EINVAL;
	t->include_seen = include;
	return 0;
}

int rec_topk_exclude(rec_topk *t, const char *user, size_t user_len,
		     const char *item, size_t item_len)
{
	uint32_t at = item_index(t, item, item_len);
	if (at == UINT32_MAX)
		return 0;	/* never recommended anyway */
	uint64_t key = pair_key(rec_hash(REC_SPACE_USER, user, user_len), at);
	if (rec_map_get(&t->excluded, key) != UINT32_MAX)
		return 0;
	t->has_excluded = 1;
	return rec_map_put(&t->excluded, key, 1);
}

/* Pack the scored items: per block, factor f of its 16 items together,
 * then their weights; missing items in the last block score -inf. */
static int pack(rec_topk *t)
{
	const rec_model *m = t->m;
	const struct rec_catalogue *c = &m->catalogue;
	const int k = t->factors;
	const size_t ncold = t->no_cold ? 0 : t->ncold;
	t->item = rec_malloc_array(c->count + ncold, sizeof(*t->item));
	if (!t->item)
		return REC_ENOMEM;
	t->nitems = 0;
	for (size_t i = 0; i < c->count + ncold; i++)
		if (!t->allowed || t->allowed[i])
			t->item[t->nitems++] = (uint32_t)i;
	t->nblocks = (t->nitems + BLOCK - 1) / BLOCK;
	/* no user can get more items than there are: the lists, sized by
	 * what can be found, stay small when K is far beyond the catalogue */
	t->keep = (size_t)t->k < t->nitems ? t->k : (int)t->nitems;
	if (m->ease) {
		t->ready = 1;	/* EASE scores from P: nothing to pack */
		return 0;
	}
	size_t per_block = (size_t)(k + 1) * BLOCK;
	t->packed = rec_aligned_alloc_array(64, t->nblocks * per_block + 16,
					    sizeof(float));
	t->pad = rec_aligned_alloc_array(64, per_block, sizeof(float));
	if (!t->packed || !t->pad) {
		/* nothing half made: the next run packs again */
		rec_free(t->item);
		rec_free(t->packed);
		rec_free(t->pad);
		t->item = NULL;
		t->ready = 0;
		t->packed = t->pad = NULL;
		return REC_ENOMEM;
	}
	t->ready = 1;
	for (size_t i = 0; i < per_block; i++)
		t->pad[i] = i < (size_t)k * BLOCK ? 0 : -INFINITY;
	for (size_t b = 0; b < t->nblocks; b++) {
		float *p = t->packed + b * per_block;
		for (int j = 0; j < BLOCK; j++) {
			size_t n = b * BLOCK + (size_t)j;
			if (n >= t->nitems) {
				for (int f = 0; f < k; f++)
					p[f * BLOCK + j] = 0;
				p[k * BLOCK + j] = -INFINITY;
				continue;
			}
			if (m->schema.active) {
				/* the item's side: the sum of its features */
				float q[REC_MAX_FACTORS + 1];
				size_t len;
				const char *id = rec_topk_item(t, t->item[n],
							       &len);
				double w = rec_item_side(
					m, id, len,
					t->item[n] < c->count ? t->item[n]
							      : UINT32_MAX,
					q);
				for (int f = 0; f < k; f++)
					p[f * BLOCK + j] = q[f];
				p[k * BLOCK + j] = (float)w;
				continue;
			}
			const float *row = m->rows +
				(size_t)c->items[t->item[n]].feature * m->stride;
			for (int f = 0; f < k; f++)
				p[f * BLOCK + j] = row[1 + f];
			p[k * BLOCK + j] = row[0];
		}
	}
	return 0;
}

/*
 * scores[u][j] = bias_j + sum_f user[u][f] * block[f][j] for a tile of TILE
 * users: eight accumulators of 16 floats stay in vector registers while
 * each factor of the block is loaded once.  Fused multiply-adds are
 * allowed here, where the last bits of a ranking score matter to no one.
 */
typedef float vec16 __attribute__((vector_size(BLOCK * sizeof(float))));
typedef int32_t ivec16 __attribute__((vector_size(BLOCK * sizeof(int32_t))));

/*
 * Two blocks (32 items) against TILE users: 16 accumulators, and per
 * factor two vector loads serve 16 fused multiply-adds.  Returns whether
 * any score beats its user's threshold: after the first blocks almost
 * none does, and the scalar selection is skipped.
 */
/*
 * The clones for AVX-512 and AVX2 need x86-64 and the ifunc resolver of
 * glibc; GCC's optimize attribute is unknown to clang, which then keeps
 * the build's -ffp-contract=off.  Elsewhere one plain version is built.
 */
#if defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__) && \
	defined(__has_attribute)
#if __has_attribute(target_clones)
#define TILE_CLONES __attribute__((target_clones("avx512f", \
					"arch=x86-64-v3", "default")))
#endif
#endif
#ifndef TILE_CLONES
#define TILE_CLONES
#endif
#if defined(__GNUC__) && !defined(__clang__)
#define TILE_CONTRACT __attribute__((optimize("fp-contract=fast")))
#else
#define TILE_CONTRACT
#endif

TILE_CLONES TILE_CONTRACT
static int tile_scores(const float *restrict users, int k,
		       const float *restrict block0,
		       const float *restrict block1,
		       const float *restrict threshold,
		       float scores[restrict 2][TILE][BLOCK])
{
	const vec16 *c0 = (const vec16 *)(const void *)block0;
	const vec16 *c1 = (const vec16 *)(const void *)block1;
	vec16 a[TILE], b[TILE];
	for (int u = 0; u < TILE; u++) {
		a[u] = c0[k];
		b[u] = c1[k];
	}
	for (int f = 0; f < k; f++) {
		vec16 x = c0[f], y = c1[f];
#pragma GCC unroll 8
		for (int u = 0; u < TILE; u++) {
			float w = users[u * k + f];
			a[u] += w * x;
			b[u] += w * y;
		}
	}
	/* A score beats a threshold just when threshold - score is below
	 * zero, so the sign bits of the differences say it with no compare:
	 * a compare makes a mask, which AVX-512F alone turns back into a
	 * vector one lane at a time.  Rounding keeps the sign of a
	 * difference, and the one case where it is wrong (-inf less -inf,
	 * a NaN with the sign set) only costs a needless selection. */
	vec16 *out0 = (vec16 *)(void *)scores[0];
	vec16 *out1 = (vec16 *)(void *)scores[1];
	ivec16 above = { 0 };
#pragma GCC unroll 8
	for (int u = 0; u < TILE; u++) {
		out0[u] = a[u];
		out1[u] = b[u];
		above |= (ivec16)(threshold[u] - a[u]) |
			 (ivec16)(threshold[u] - b[u]);
	}
	int32_t any = 0;
	for (int j = 0; j < BLOCK; j++)
		any |= above[j];
	return any < 0;
}

/* A user's best K so far, as a min-heap on (score, then later item). */
struct best {
	float *score;
	uint32_t *pos;		/* position in t->item: catalogue order */
	int n;
};

/* a is worse than b: lower score, or the same score and met later */
static int worse(float sa, uint32_t pa, float sb, uint32_t pb)
{
	return sa < sb || (sa == sb && pa > pb);
}

static void heap_swap(struct best *h, int i, int j)
{
	float s = h->score[i];
	uint32_t p = h->pos[i];
	h->score[i] = h->score[j];
	h->pos[i] = h->pos[j];
	h->score[j] = s;
	h->pos[j] = p;
}

static void heap_sift_down(struct best *h, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, w = i;
		if (l < h->n && worse(h->score[l], h->pos[l], h->score[w],
				      h->pos[w]))
			w = l;
		if (r < h->n && worse(h->score[r], h->pos[r], h->score[w],
				      h->pos[w]))
			w = r;
		if (w == i)
			return;
		heap_swap(h, i, w);
		i = w;
	}
}

static void heap_offer(struct best *h, int k, float s, uint32_t p)
{
	if (h->n < k) {
		int i = h->n++;
		h->score[i] = s;
		h->pos[i] = p;
		while (i > 0) {	/* sift up */
			int parent = (i - 1) / 2;
			if (!worse(h->score[i], h->pos[i], h->score[parent],
				   h->pos[parent]))
				break;
			heap_swap(h, i, parent);
			i = parent;
		}
		return;
	}
	if (!worse(h->score[0], h->pos[0], s, p))
		return;
	h->score[0] = s;
	h->pos[0] = p;
	heap_sift_down(h, 0);
}

/* Offer a user the items of one block that beat its threshold; the
 * threshold becomes the heap's worst score once the heap is full. */
static void select_block(const rec_topk *t, struct best *h, float *thr,
			 uint64_t uhash, const float *sc, size_t block)
{
	for (int j = 0; j < BLOCK; j++) {
		/* positions only grow, so an equal score never wins a tie */
		if (!(sc[j] > *thr))
			continue;
		uint32_t pos = (uint32_t)(block * BLOCK + (size_t)j);
		if (pos >= t->nitems)
			continue;
		if (t->has_excluded &&
		    rec_map_get(&t->excluded, pair_key(uhash, t->item[pos])) !=
			    UINT32_MAX)
			continue;
		heap_offer(h, t->keep, sc[j], pos);
		if (h->n == t->keep)
			*thr = h->score[0];
	}
}

/* The best first, popped from the back of a heap into K results. */
static void heap_drain(const rec_topk *t, struct best *h, double base,
		       struct rec_topk_result *res)
{
	int count = h->n;
	for (int i = count - 1; i >= 0; i--) {
		res[i].item = t->item[h->pos[0]];
		res[i].score = (double)h->score[0] + base;
		h->score[0] = h->score[h->n - 1];
		h->pos[0] = h->pos[h->n - 1];
		h->n--;
		heap_sift_down(h, 0);
	}
	for (int i = count; i < t->k; i++)
		res[i] = (struct rec_topk_result){ UINT32_MAX, 0 };
}

struct job {
	rec_topk *t;
	const struct rec_topk_user *users;
	size_t first, count;
	struct rec_topk_result *out;
	int rc;
};

/*
 * Users go in batches of BATCH and items in chunks of CHUNK blocks: a
 * chunk (about 260 KiB at k = 64) stays in the cache while every tile of
 * the batch is multiplied against it, so the item matrix streams from
 * memory once per batch instead of once per tile.
 */
#define BATCH 256
#define CHUNK 64		/* an even number: the kernel takes blocks in pairs */

static void *run_job(void *arg)
{
	struct job *jb = arg;
	rec_topk *t = jb->t;
	const rec_model *m = t->m;
	const int k = t->factors, K = t->k, keep = t->keep;
	const size_t per_block = (size_t)(k + 1) * BLOCK;
	float *uv = rec_calloc((size_t)BATCH * (k ? k : 1), sizeof(float));
	float *base = rec_calloc(BATCH, sizeof(float));
	float *thr = rec_malloc(BATCH * sizeof(float));
	float *hs = rec_malloc((size_t)BATCH * keep * sizeof(float));
	uint32_t *hp = rec_malloc((size_t)BATCH * keep * sizeof(uint32_t));
	uint64_t *uhash = rec_malloc(BATCH * sizeof(uint64_t));
	struct best *heap = rec_malloc(BATCH * sizeof(*heap));
	if (!uv || !base || !thr || !hs || !hp || !uhash || !heap) {
		jb->rc = REC_ENOMEM;
		goto out;
	}
	for (size_t u0 = 0; u0 < jb->count; u0 += BATCH) {
		int n = jb->count - u0 < BATCH ? (int)(jb->count - u0) : BATCH;
		int tiles = (n + TILE - 1) / TILE;
		for (int u = 0; u < tiles * TILE; u++) {
			heap[u] = (struct best){ hs + (size_t)u * keep,
						 hp + (size_t)u * keep, 0 };
			base[u] = m->bias[0];
			thr[u] = u < n ? -INFINITY : INFINITY;
			for (int f = 0; f < k; f++)
				uv[u * k + f] = 0;
			uhash[u] = 0;
			if (u >= n)
				continue;
			const struct rec_topk_user *usr =
				&jb->users[jb->first + u0 + u];
			uhash[u] = rec_hash(REC_SPACE_USER, usr->id, usr->len);
			if (m->schema.active) {
				float q[REC_MAX_FACTORS + 1];
				base[u] += (float)rec_user_side(m, usr->id,
								usr->len, q);
				for (int f = 0; f < k; f++)
					uv[u * k + f] = q[f];
				continue;
			}
			uint32_t row = rec_model_find(m, uhash[u] & m->key_mask);
			if (row == UINT32_MAX)
				continue;	/* unseen: item weights rank */
			const float *r = m->rows + (size_t)row * m->stride;
			base[u] += r[0];
			for (int f = 0; f < k; f++)
				uv[u * k + f] = r[1 + f];
		}
		for (size_t c0 = 0; c0 < t->nblocks; c0 += CHUNK) {
			size_t c1 = c0 + CHUNK < t->nblocks ? c0 + CHUNK
							    : t->nblocks;
			for (int tile = 0; tile < tiles; tile++) {
				const int first = tile * TILE;
				for (size_t b = c0; b < c1; b += 2) {
					float sc[2][TILE][BLOCK]
						__attribute__((aligned(64)));
					/* an odd last block pairs with a
					 * padding block of -inf scores */
					const float *b1 = b + 1 < t->nblocks
						? t->packed + (b + 1) * per_block
						: t->pad;
					if (!tile_scores(uv + (size_t)first * k, k,
							 t->packed + b * per_block,
							 b1, thr + first, sc))
						continue;
					for (int u = 0; u < TILE; u++)
						for (int h = 0; h < 2; h++)
							select_block(t,
								&heap[first + u],
								&thr[first + u],
								uhash[first + u],
								sc[h][u], b + (size_t)h);
				}
			}
		}
		for (int u = 0; u < n; u++)
			heap_drain(t, &heap[u], base[u],
				   jb->out + (jb->first + u0 + u) * (size_t)K);
	}
	jb->rc = 0;
out:
	rec_free(uv);
	rec_free(base);
	rec_free(thr);
	rec_free(hs);
	rec_free(hp);
	rec_free(uhash);
	rec_free(heap);
	return NULL;
}

/* Users whose sums are made together: as many as 128 MiB of sums hold,
 * so that each row of P is read once for many users. */
#define EASE_SUMS_BYTES ((size_t)128 << 20)

/*
 * EASE: a user's scores are the sums of P's rows over the user's items
 * (rec_ease_sums, for a batch of users at once); one pass over the scored
 * items offers each to the heap.  Items are in catalogue order, as the
 * histories are, so one walk along the history tells which the user has
 * met.  An unknown user gets the most met items.
 */
static void *run_ease_job(void *arg)
{
	struct job *jb = arg;
	rec_topk *t = jb->t;
	const rec_model *m = t->m;
	const struct rec_ease *e = m->ease;
	const size_t part = e->n;
	size_t batch = EASE_SUMS_BYTES / sizeof(float) / (part ? part : 1);
	if (batch < 16)
		batch = 16;
	if (batch > jb->count)
		batch = jb->count ? jb->count : 1;
	float *sums = rec_big_realloc_array(NULL, batch * (part ? part : 1),
					    sizeof(float));
	float *diag = rec_malloc_array(part ? part : 1, sizeof(float));
	size_t *place = rec_malloc_array(batch, sizeof(*place));
	float *hs = rec_malloc_array((size_t)t->keep + 1, sizeof(float));
	uint32_t *hp = rec_malloc_array((size_t)t->keep + 1, sizeof(uint32_t));
	jb->rc = REC_ENOMEM;
	if (!sums || !diag || !place || !hs || !hp)
		goto out;
	for (size_t i = 0; i < part; i++)
		diag[i] = e->P[i * e->ld + i];
	for (size_t b0 = 0; b0 < jb->count; b0 += batch) {
		size_t nb = jb->count - b0 < batch ? jb->count - b0 : batch;
		for (size_t k = 0; k < nb; k++) {
			const struct rec_topk_user *usr =
				&jb->users[jb->first + b0 + k];
			if (!rec_ease_user(m, usr->id, usr->len, &place[k]))
				place[k] = SIZE_MAX;
		}
		if (rec_ease_sums(m, place, nb, sums) != 0)
			goto out;
		for (size_t k = 0; k < nb; k++) {
			size_t i = b0 + k;
			const struct rec_topk_user *usr = &jb->users[jb->first + i];
			const struct rec_ease_history *hist =
				place[k] != SIZE_MAX ? &e->hist[place[k]] : NULL;
			/* the scores, -sum / P[i][i], a vector loop; a seen
			 * item's own term comes out below */
			float *s_user = sums + k * part;
			for (size_t a = 0; a < part; a++)
				s_user[a] = -s_user[a] / diag[a];
			uint64_t uhash = rec_hash(REC_SPACE_USER, usr->id,
						  usr->len);
			struct best h = { hs, hp, 0 };
			float thr = -INFINITY;
			uint32_t walk = 0;
			for (size_t pos = 0; pos < t->nitems; pos++) {
				uint32_t it = t->item[pos];
				int seen = 0;
				if (hist) {
					while (walk < hist->n &&
					       hist->items[walk] < it)
						walk++;
					seen = walk < hist->n &&
					       hist->items[walk] == it;
				}
				if (seen && !t->include_seen)
					continue;
				uint32_t at = it < e->npos ? e->pos[it]
							   : UINT32_MAX;
				float s;
				if (!hist || at == UINT32_MAX)
					s = (float)rec_ease_popularity(m, it);
				else if (seen)	/* without its own term */
					s = s_user[at] + 1;
				else
					s = s_user[at];
				if (!(s > thr))
					continue;
				if (t->has_excluded &&
				    rec_map_get(&t->excluded,
						pair_key(uhash, it)) != UINT32_MAX)
					continue;
				heap_offer(&h, t->keep, s, (uint32_t)pos);
				if (h.n == t->keep)
					thr = h.score[0];
			}
			heap_drain(t, &h, 0,
				   jb->out + (jb->first + i) * (size_t)t->k);
		}
	}
	jb->rc = 0;
out:
	rec_big_free(sums);
	rec_free(diag);
	rec_free(place);
	rec_free(hs);
	rec_free(hp);
	return NULL;
}

int rec_topk_run(rec_topk *t, const struct rec_topk_user *users, size_t n,
		 struct rec_topk_result *out, struct rec_error *err)
{
	if (!t->ready && pack(t) != 0)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	if (n == 0)
		return 0;
	int threads = t->threads;
	if ((size_t)threads > (n + TILE - 1) / TILE)
		threads = (int)((n + TILE - 1) / TILE);
	struct job jobs[REC_MAX_THREADS];
	/* whole tiles per thread, so no tile is split */
	size_t tiles = (n + TILE - 1) / TILE, at = 0;
	for (int i = 0; i < threads; i++) {
		size_t my_tiles = tiles / (size_t)threads +
				  ((size_t)i < tiles % (size_t)threads);
		size_t count = my_tiles * TILE;
		if (at + count > n)
			count = n - at;
		jobs[i] = (struct job){ t, users, at, count, out, 0 };
		at += count;
	}
	rec_run_jobs(t->m->ease ? run_ease_job : run_job, jobs,
		     sizeof(jobs[0]), threads);
	for (int i = 0; i < threads; i++)
		if (jobs[i].rc)
			return rec_fail(err, jobs[i].rc, NULL, 0,
					"out of memory");
	return 0;
}
