/*
 * metrics.c - pointwise metrics: exact AUC with ties counted half, logloss,
 * RMSE, MAE and calibration, all weighted.
 *
 * AUC needs the rows in score order.  Scores are doubles, so they are turned
 * into unsigned keys that sort the same way and ordered by an LSD radix sort
 * (11-bit digits, digits that every key shares are skipped): linear time,
 * which keeps rec-eval far ahead of the scorer feeding it.
 *
 * Most inputs have no weights.  Then only the keys are kept, positives and
 * negatives apart (8 bytes a row), each list sorted, and the pairs counted
 * by merging the two.  The first row with a weight other than 1 moves every
 * row into (key, signed weight) records and a single sorted sweep.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

struct scored {
	uint64_t key;		/* the score's bits, in sortable order */
	double signed_weight;	/* the weight, negated (-0 too) for label 1 */
};

struct key_list {
	uint64_t *keys;
	size_t count, cap;
};

struct rec_metrics {
	struct key_list by_label[2];	/* unweighted rows: negatives, positives */
	struct scored *rows;		/* weighted rows, once one is seen */
	size_t count, cap;
	int weighted;
	uint64_t nrows;
	double wsum, pos, neg, label_sum, score_sum, sq_sum, abs_sum;
	double logloss_sum;
	int labels_binary, scores_probabilities;
};

int rec_metrics_create(rec_metrics **out)
{
	rec_metrics *mt = rec_calloc(1, sizeof(*mt));
	*out = mt;
	if (!mt)
		return REC_ENOMEM;
	mt->labels_binary = 1;
	mt->scores_probabilities = 1;
	return 0;
}

void rec_metrics_free(rec_metrics *mt)
{
	if (!mt)
		return;
	rec_big_free(mt->by_label[0].keys);
	rec_big_free(mt->by_label[1].keys);
	rec_big_free(mt->rows);
	rec_free(mt);
}

/* Flip a double's bits so that unsigned order is numeric order. */
static uint64_t sort_key(double d)
{
	uint64_t u;
	if (d == 0)
		d = 0;	/* -0 and +0 tie */
	memcpy(&u, &d, 8);
	return (u & 0x8000000000000000ull) ? ~u : u | 0x8000000000000000ull;
}

static int push_scored(rec_metrics *mt, uint64_t key, double signed_weight)
{
	if (mt->count == mt->cap) {
		size_t cap = mt->cap ? mt->cap * 2 : 65536;
		struct scored *rows = rec_big_realloc(mt->rows,
						      cap * sizeof(*rows));
		if (!rows)
			return REC_ENOMEM;
		mt->rows = rows;
		mt->cap = cap;
	}
	mt->rows[mt->count++] = (struct scored){ key, signed_weight };
	return 0;
}

/* Move the unweighted rows into weighted records. */
static int become_weighted(rec_metrics *mt)
{
	/* room for all first: a failure must not leave rows half moved */
	size_t need = mt->by_label[0].count + mt->by_label[1].count;
	if (need > mt->cap) {
		size_t cap = rec_grow_cap(mt->cap, need, 65536);
		struct scored *rows = cap ? rec_big_realloc_array(mt->rows, cap,
						sizeof(*rows)) : NULL;
		if (!rows)
			return REC_ENOMEM;
		mt->rows = rows;
		mt->cap = cap;
	}
	for (int label = 0; label < 2; label++) {
		struct key_list *l = &mt->by_label[label];
		for (size_t i = 0; i < l->count; i++)
			if (push_scored(mt, l->keys[i], label ? -1.0 : 1.0))
				return REC_ENOMEM;
		rec_big_free(l->keys);
		*l = (struct key_list){ 0 };
	}
	mt->weighted = 1;
	return 0;
}

/* Keep a row for the AUC sort. */
static int keep_row(rec_metrics *mt, uint64_t key, double label,
		    double weight)
{
	if (!mt->weighted && weight != 1 && become_weighted(mt))
		return REC_ENOMEM;
	if (mt->weighted)
		return push_scored(mt, key, label == 1 ? -weight : weight);
	struct key_list *l = &mt->by_label[label == 1];
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 65536;
		uint64_t *keys = rec_big_realloc(l->keys, cap * sizeof(*keys));
		if (!keys)
			return REC_ENOMEM;
		l->keys = keys;
		l->cap = cap;
	}
	l->keys[l->count++] = key;
	return 0;
}

/* Labels other than 0 and 1 rule AUC out: the rows need not be kept. */
static void drop_rows(rec_metrics *mt)
{
	for (int i = 0; i < 2; i++) {
		rec_big_free(mt->by_label[i].keys);
		mt->by_label[i] = (struct key_list){ 0 };
	}
	rec_big_free(mt->rows);
	mt->rows = NULL;
	mt->count = mt->cap = 0;
}

int rec_metrics_add(rec_metrics *mt, double label, double score, double weight)
{
	if (!isfinite(label) || !isfinite(score) || !isfinite(weight) ||
	    weight < 0)
		return REC_EINVAL;
	if (mt->labels_binary && label != 0 && label != 1) {
		mt->labels_binary = 0;
		drop_rows(mt);
	}
	if (mt->labels_binary && keep_row(mt, sort_key(score), label, weight))
		return REC_ENOMEM;
	mt->nrows++;
	if (!(score >= 0 && score <= 1))
		mt->scores_probabilities = 0;
	double d = score - label;
	mt->wsum += weight;
	mt->pos += label == 1 ? weight : 0;
	mt->neg += label == 0 ? weight : 0;
	mt->label_sum += weight * label;
	mt->score_sum += weight * score;
	mt->sq_sum += weight * d * d;
	mt->abs_sum += weight * fabs(d);
	if (mt->scores_probabilities) {
		double p = score < 1e-15 ? 1e-15
			: score > 1 - 1e-15 ? 1 - 1e-15 : score;
		mt->logloss_sum -= weight * (label == 1 ? log(p) : log(1 - p));
	}
	return 0;
}

#define DIGIT_BITS 11
#define DIGITS (1u << DIGIT_BITS)

/* One LSD radix sort for records of any size with a uint64_t key first. */
static int radix_sort(void *base, size_t n, size_t size)
{
	if (n < 2)
		return 0;
	unsigned char *tmp = rec_big_realloc(NULL, n * size);
	size_t *count = rec_calloc(DIGITS, sizeof(*count));
	if (!tmp || !count) {
		rec_big_free(tmp);
		rec_free(count);
		return REC_ENOMEM;
	}
	unsigned char *src = base, *dst = tmp;
#define KEY(p) (*(const uint64_t *)(const void *)(p))
	for (unsigned shift = 0; shift < 64; shift += DIGIT_BITS) {
		memset(count, 0, DIGITS * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(KEY(src + i * size) >> shift) & (DIGITS - 1)]++;
		if (count[(KEY(src) >> shift) & (DIGITS - 1)] == n)
			continue;	/* every key has this digit */
		size_t sum = 0;
		for (unsigned d = 0; d < DIGITS; d++) {
			size_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t to = count[(KEY(src + i * size) >> shift) &
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
	rec_free(count);
	rec_big_free(tmp);
	return 0;
}

/* Weighted pairs (positive above negative, ties half) from one sorted list
 * of signed-weight records: sweep groups of equal score from the lowest. */
static double pairs_weighted(const struct scored *rows, size_t n)
{
	double pairs = 0, neg_below = 0;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		double gpos = 0, gneg = 0;
		for (; j < n && rows[j].key == rows[i].key; j++) {
			double w = rows[j].signed_weight;
			if (signbit(w))
				gpos -= w;
			else
				gneg += w;
		}
		pairs += gpos * (neg_below + 0.5 * gneg);
		neg_below += gneg;
		i = j;
	}
	return pairs;
}

/* The same from sorted positive and negative keys, merged. */
static double pairs_unweighted(const uint64_t *pos, size_t npos,
			       const uint64_t *neg, size_t nneg)
{
	double pairs = 0;
	size_t below = 0, i = 0;
	while (i < npos) {
		uint64_t key = pos[i];
		size_t group = 0;
		for (; i < npos && pos[i] == key; i++)
			group++;
		while (below < nneg && neg[below] < key)
			below++;
		size_t ties = below;
		while (ties < nneg && neg[ties] == key)
			ties++;
		pairs += (double)group * ((double)below +
					  0.5 * (double)(ties - below));
	}
	return pairs;
}

int rec_metrics_compute(rec_metrics *mt, struct rec_metric_values *v,
			struct rec_error *err)
{
	memset(v, 0, sizeof(*v));
	v->rows = mt->nrows;
	v->weight = mt->wsum;
	v->positives = mt->pos;
	if (mt->nrows == 0)
		return rec_fail(err, REC_EDATA, NULL, 0, "no rows to evaluate");
	if (mt->wsum > 0) {
		v->rmse = sqrt(mt->sq_sum / mt->wsum);
		v->mae = mt->abs_sum / mt->wsum;
		v->mean_score = mt->score_sum / mt->wsum;
		v->mean_label = mt->label_sum / mt->wsum;
	}
	v->has_logloss = mt->labels_binary && mt->scores_probabilities &&
			 mt->wsum > 0;
	if (v->has_logloss)
		v->logloss = mt->logloss_sum / mt->wsum;
	if (!mt->labels_binary || !(mt->pos > 0) || !(mt->neg > 0))
		return 0;
	double pairs;
	if (mt->weighted) {
		if (radix_sort(mt->rows, mt->count, sizeof(*mt->rows)) != 0)
			return rec_fail(err, REC_ENOMEM, NULL, 0,
					"out of memory");
		pairs = pairs_weighted(mt->rows, mt->count);
	} else {
		struct key_list *neg = &mt->by_label[0], *pos = &mt->by_label[1];
		if (radix_sort(neg->keys, neg->count, sizeof(uint64_t)) != 0 ||
		    radix_sort(pos->keys, pos->count, sizeof(uint64_t)) != 0)
			return rec_fail(err, REC_ENOMEM, NULL, 0,
					"out of memory");
		pairs = pairs_unweighted(pos->keys, pos->count, neg->keys,
					 neg->count);
	}
	v->has_auc = 1;
	v->auc = pairs / (mt->neg * mt->pos);
	return 0;
}
