/*
 * metrics.c - pointwise metrics: exact AUC with ties counted half, logloss,
 * RMSE, MAE and calibration, all weighted.
 *
 * AUC needs the rows in score order.  Scores are doubles, so they are turned
 * into unsigned keys that sort the same way and ordered by an LSD radix sort
 * (11-bit digits, digits that every key shares are skipped): linear time,
 * which keeps rec-eval far ahead of the scorer feeding it.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

struct scored {
	uint64_t key;		/* the score's bits, in sortable order */
	double signed_weight;	/* the weight, negated (-0 too) for label 1 */
};

struct rec_metrics {
	struct scored *rows;
	size_t count, cap;
	double wsum, pos, neg, label_sum, score_sum, sq_sum, abs_sum;
	double logloss_sum;
	int labels_binary, scores_probabilities;
};

int rec_metrics_create(rec_metrics **out)
{
	rec_metrics *mt = calloc(1, sizeof(*mt));
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
	free(mt->rows);
	free(mt);
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

int rec_metrics_add(rec_metrics *mt, double label, double score, double weight)
{
	if (!isfinite(label) || !isfinite(score) || !isfinite(weight) ||
	    weight < 0)
		return REC_EINVAL;
	if (mt->count == mt->cap) {
		size_t cap = mt->cap ? mt->cap * 2 : 65536;
		struct scored *rows = realloc(mt->rows, cap * sizeof(*rows));
		if (!rows)
			return REC_ENOMEM;
		mt->rows = rows;
		mt->cap = cap;
	}
	struct scored *s = &mt->rows[mt->count++];
	s->key = sort_key(score);
	s->signed_weight = label == 1 ? -weight : weight;
	if (label != 0 && label != 1)
		mt->labels_binary = 0;
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

static int radix_sort(struct scored *a, size_t n)
{
	struct scored *tmp = rec_xmalloc(n * sizeof(*tmp));
	if (!tmp)
		return REC_ENOMEM;
	struct scored *src = a, *dst = tmp;
	size_t *count = calloc(DIGITS, sizeof(*count));
	if (!count) {
		free(tmp);
		return REC_ENOMEM;
	}
	for (unsigned shift = 0; shift < 64; shift += DIGIT_BITS) {
		memset(count, 0, DIGITS * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(src[i].key >> shift) & (DIGITS - 1)]++;
		if (count[(src[0].key >> shift) & (DIGITS - 1)] == n)
			continue;	/* every key has this digit */
		size_t sum = 0;
		for (unsigned d = 0; d < DIGITS; d++) {
			size_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i].key >> shift) & (DIGITS - 1)]++] =
				src[i];
		struct scored *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	free(count);
	free(tmp);
	return 0;
}

int rec_metrics_compute(rec_metrics *mt, struct rec_metric_values *v,
			struct rec_error *err)
{
	memset(v, 0, sizeof(*v));
	v->rows = mt->count;
	v->weight = mt->wsum;
	v->positives = mt->pos;
	if (mt->count == 0)
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
	if (radix_sort(mt->rows, mt->count) != 0)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	/* sweep groups of equal score from the lowest up: each positive
	 * beats the negatives below its group and ties half of its own */
	double pairs = 0, neg_below = 0;
	size_t i = 0;
	while (i < mt->count) {
		size_t j = i;
		double gpos = 0, gneg = 0;
		for (; j < mt->count && mt->rows[j].key == mt->rows[i].key; j++) {
			double w = mt->rows[j].signed_weight;
			if (signbit(w))
				gpos -= w;
			else
				gneg += w;
		}
		pairs += gpos * (neg_below + 0.5 * gneg);
		neg_below += gneg;
		i = j;
	}
	v->has_auc = 1;
	v->auc = pairs / (mt->neg * mt->pos);
	return 0;
}
