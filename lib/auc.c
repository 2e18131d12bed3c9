/*
 * auc.c - the exact AUC, ties counting half, as metrics, ranking and the
 * progress of an update all compute it: scores turned into keys that sort
 * as unsigned integers, an LSD radix sort, and one sweep over the rows of
 * both classes in key order.
 */
#include "internal.h"

uint64_t rec_score_key(double score)
{
	uint64_t u;
	if (score == 0)
		score = 0;	/* -0 and +0 tie */
	memcpy(&u, &score, 8);
	/* negative: flip all bits, so that larger magnitudes sort lower;
	 * positive: set the sign bit, so that they sort above */
	return (u & 0x8000000000000000ull) ? ~u : u | 0x8000000000000000ull;
}

double rec_key_score(uint64_t key)
{
	uint64_t u = (key & 0x8000000000000000ull) ? key & ~0x8000000000000000ull
						    : ~key;
	double score;
	memcpy(&score, &u, 8);
	return score;
}

#define DIGIT_BITS 11
#define DIGITS (1u << DIGIT_BITS)
#define PASSES ((64 + DIGIT_BITS - 1) / DIGIT_BITS)

/* Inlined for each record size below, so that moving a record is a move
 * of 8 or 16 bytes and not a call to memcpy.  One read of the keys counts
 * every digit; then one scatter a digit, skipping a digit that every key
 * shares. */
static inline __attribute__((always_inline)) void
radix_sort(void *base, size_t n, size_t size, void *tmp,
	   size_t count[PASSES][DIGITS])
{
	unsigned char *src = base, *dst = tmp;
#define KEY(p) (*(const uint64_t *)(const void *)(p))
	memset(count, 0, PASSES * sizeof(*count));
	for (size_t i = 0; i < n; i++) {
		uint64_t k = KEY(src + i * size);
		for (unsigned p = 0; p < PASSES; p++)
			count[p][(k >> (p * DIGIT_BITS)) & (DIGITS - 1)]++;
	}
	for (unsigned p = 0; p < PASSES; p++) {
		const unsigned shift = p * DIGIT_BITS;
		size_t *c = count[p];
		if (c[(KEY(src) >> shift) & (DIGITS - 1)] == n)
			continue;	/* every key has this digit */
		size_t sum = 0;
		for (unsigned d = 0; d < DIGITS; d++) {
			size_t t = c[d];
			c[d] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++) {
			size_t to = c[(KEY(src + i * size) >> shift) &
				      (DIGITS - 1)]++;
			memcpy(dst + to * size, src + i * size, size);
		}
		unsigned char *t = src;
		src = dst;
		dst = t;
	}
#undef KEY
	if (src != base)
		memcpy(base, src, n * size);
}

void rec_radix_sort(void *base, size_t n, size_t size, void *tmp)
{
	size_t count[PASSES][DIGITS];
	if (n < 2)
		return;
	if (size == sizeof(uint64_t))
		radix_sort(base, n, sizeof(uint64_t), tmp, count);
	else if (size == sizeof(struct rec_scored))
		radix_sort(base, n, sizeof(struct rec_scored), tmp, count);
	else
		radix_sort(base, n, size, tmp, count);
}

/* The next key of a class, or UINT64_MAX past its end. */
static inline uint64_t next_key(const struct rec_auc_class *c, size_t i)
{
	if (i == c->n)
		return UINT64_MAX;
	return c->rows ? c->rows[i].key : c->keys[i];
}

/* The weight of a class's rows from *i on that have key k; *i moves past
 * them.  Weights add in row order: the sort is stable, so that is the
 * order they came in, whatever else was sorted with them. */
static inline double group_weight(const struct rec_auc_class *c, size_t *i,
				  uint64_t k)
{
	size_t j = *i;
	double w = 0;
	if (c->rows) {
		for (; j < c->n && c->rows[j].key == k; j++)
			w += c->rows[j].weight;
	} else {
		while (j < c->n && c->keys[j] == k)
			j++;
		w = (double)(j - *i);
	}
	*i = j;
	return w;
}

double rec_auc_pairs(const struct rec_auc_class *pos,
		     const struct rec_auc_class *neg)
{
	/* from the lowest score up, each positive beats the negatives below
	 * its group of equal scores and half of those in it */
	double pairs = 0, below = 0;
	size_t i = 0, j = 0;
	while (i < pos->n || j < neg->n) {
		uint64_t kp = next_key(pos, i), kn = next_key(neg, j);
		uint64_t k = kp < kn ? kp : kn;
		double gpos = group_weight(pos, &i, k);
		double gneg = group_weight(neg, &j, k);
		pairs += gpos * (below + 0.5 * gneg);
		below += gneg;
	}
	return pairs;
}
