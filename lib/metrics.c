/*
 * metrics.c - pointwise metrics: exact AUC with ties counted half, logloss,
 * RMSE, MAE and calibration, all weighted.  A row has a label and a class:
 * the label itself when it is 0 or 1, or (rec_metrics_add_soft) a soft
 * label in [0, 1] with the class the caller chose for it.
 *
 * AUC needs the rows in score order.  Scores are doubles, so they are turned
 * into unsigned keys that sort the same way and ordered by an LSD radix sort
 * (auc.c): linear time, which keeps rec-eval far ahead of the scorer
 * feeding it.
 *
 * Most inputs have no weights.  Then only the keys are kept, positives and
 * negatives apart (8 bytes a row), each list sorted, and the pairs counted
 * by merging the two.  The first row with a weight other than 1 moves every
 * row into (key, weight) records, still one list per class.
 *
 * A failed call (out of memory) leaves the object as it was, so that a
 * caller may retry it without counting a row twice.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

/* The first block of a list: rec-eval is fed millions of rows. */
#define MIN_CAP 65536

struct key_list {
	uint64_t *keys;
	size_t count, cap;
};

struct scored_list {
	struct rec_scored *rows;
	size_t count, cap;
};

struct rec_metrics {
	/* by label, negatives then positives: bare keys while every weight
	 * is 1, weighted rows from the first other weight on */
	struct key_list keys[2];
	struct scored_list rows[2];
	int weighted;
	int sorted;		/* both lists in key order: no row since */
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

/* Labels other than 0 and 1 rule AUC out: the rows need not be kept. */
static void drop_rows(rec_metrics *mt)
{
	for (int i = 0; i < 2; i++) {
		rec_big_free(mt->keys[i].keys);
		mt->keys[i] = (struct key_list){ 0 };
		rec_big_free(mt->rows[i].rows);
		mt->rows[i] = (struct scored_list){ 0 };
	}
}

void rec_metrics_free(rec_metrics *mt)
{
	if (!mt)
		return;
	drop_rows(mt);
	rec_free(mt);
}

/* p, an array of *cap elements, grown to hold need; NULL (p untouched)
 * when out of memory. */
static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	return rec_grow_big_array(p, cap, need, MIN_CAP, size);
}

/* Move the unweighted rows into weighted records, with room for one more
 * in each class.  All is allocated before anything moves. */
static int become_weighted(rec_metrics *mt)
{
	struct scored_list l[2] = { { 0 }, { 0 } };
	for (int label = 0; label < 2; label++) {
		l[label].rows = grow(NULL, &l[label].cap,
				     mt->keys[label].count + 1,
				     sizeof(*l[label].rows));
		if (!l[label].rows) {
			rec_big_free(l[0].rows);
			return REC_ENOMEM;
		}
	}
	for (int label = 0; label < 2; label++) {
		struct key_list *k = &mt->keys[label];
		for (size_t i = 0; i < k->count; i++)
			l[label].rows[i] = (struct rec_scored){ k->keys[i],
								1.0 };
		l[label].count = k->count;
		rec_big_free(k->keys);
		*k = (struct key_list){ 0 };
		mt->rows[label] = l[label];
	}
	mt->weighted = 1;
	return 0;
}

/* Keep a row for the AUC sort. */
static int keep_row(rec_metrics *mt, uint64_t key, int label, double weight)
{
	mt->sorted = 0;
	if (!mt->weighted && weight != 1 && become_weighted(mt))
		return REC_ENOMEM;
	if (mt->weighted) {
		struct scored_list *l = &mt->rows[label];
		if (l->count == l->cap) {
			struct rec_scored *rows = grow(l->rows, &l->cap,
						       l->count + 1,
						       sizeof(*rows));
			if (!rows)
				return REC_ENOMEM;
			l->rows = rows;
		}
		l->rows[l->count++] = (struct rec_scored){ key, weight };
		return 0;
	}
	struct key_list *l = &mt->keys[label];
	if (l->count == l->cap) {
		uint64_t *keys = grow(l->keys, &l->cap, l->count + 1,
				      sizeof(*keys));
		if (!keys)
			return REC_ENOMEM;
		l->keys = keys;
	}
	l->keys[l->count++] = key;
	return 0;
}

/* A row of class cls (1 positive, 0 negative, -1 none: a label that is
 * neither 0 nor 1, which rules out AUC and logloss). */
static int add_row(rec_metrics *mt, double label, int cls, double score,
		   double weight)
{
	if (!isfinite(label) || !isfinite(score) || !isfinite(weight) ||
	    weight < 0)
		return REC_EINVAL;
	if (mt->labels_binary && cls < 0) {
		mt->labels_binary = 0;
		drop_rows(mt);
	}
	/* the only step that can fail comes before any other change */
	if (mt->labels_binary &&
	    keep_row(mt, rec_score_key(score), cls == 1, weight))
		return REC_ENOMEM;
	mt->nrows++;
	if (!(score >= 0 && score <= 1))
		mt->scores_probabilities = 0;
	double d = score - label;
	mt->wsum += weight;
	mt->pos += cls == 1 ? weight : 0;
	mt->neg += cls == 0 ? weight : 0;
	mt->label_sum += weight * label;
	mt->score_sum += weight * score;
	mt->sq_sum += weight * d * d;
	mt->abs_sum += weight * fabs(d);
	if (mt->scores_probabilities) {
		double p = score < 1e-15 ? 1e-15
			: score > 1 - 1e-15 ? 1 - 1e-15 : score;
		/* cross-entropy against the label: a 0/1 label keeps one
		 * term, a soft one both */
		mt->logloss_sum -= weight * (label == 1 ? log(p)
					     : label == 0 ? log(1 - p)
					     : label * log(p) +
					       (1 - label) * log(1 - p));
	}
	return 0;
}

int rec_metrics_add(rec_metrics *mt, double label, double score, double weight)
{
	return add_row(mt, label, label == 1 ? 1 : label == 0 ? 0 : -1, score,
		       weight);
}

int rec_metrics_add_soft(rec_metrics *mt, double label, int positive,
			 double score, double weight)
{
	if (!(label >= 0 && label <= 1))
		return REC_EINVAL;
	return add_row(mt, label, positive != 0, score, weight);
}

/* Sort both classes (once: they stay sorted until a row comes) into c[0]
 * (negatives) and c[1] (positives); the one allocation, scratch for the
 * sort, comes first, so that a failure leaves the lists as they were. */
static int sort_classes(rec_metrics *mt, struct rec_auc_class c[2])
{
	size_t size = mt->weighted ? sizeof(struct rec_scored)
				   : sizeof(uint64_t);
	size_t n[2];
	void *base[2];
	for (int l = 0; l < 2; l++) {
		n[l] = mt->weighted ? mt->rows[l].count : mt->keys[l].count;
		base[l] = mt->weighted ? (void *)mt->rows[l].rows
				       : (void *)mt->keys[l].keys;
	}
	for (int l = 0; l < 2; l++)
		c[l] = (struct rec_auc_class){
			.keys = mt->weighted ? NULL : mt->keys[l].keys,
			.rows = mt->weighted ? mt->rows[l].rows : NULL,
			.n = n[l],
		};
	if (mt->sorted)
		return 0;
	void *tmp = rec_big_realloc_array(NULL, n[0] > n[1] ? n[0] : n[1],
					  size);
	if (!tmp)
		return REC_ENOMEM;
	for (int l = 0; l < 2; l++)
		rec_radix_sort(base[l], n[l], size, tmp);
	rec_big_free(tmp);
	mt->sorted = 1;
	return 0;
}

static int count_pairs(rec_metrics *mt, double *pairs)
{
	struct rec_auc_class c[2];
	if (sort_classes(mt, c) != 0)
		return REC_ENOMEM;
	*pairs = rec_auc_pairs(&c[1], &c[0]);
	return 0;
}

int rec_metrics_classes(rec_metrics *mt, struct rec_auc_class c[2],
			double weight[2], int *probabilities)
{
	if (!mt->labels_binary || !(mt->pos > 0) || !(mt->neg > 0))
		return REC_EDATA;
	if (sort_classes(mt, c) != 0)
		return REC_ENOMEM;
	weight[0] = mt->neg;
	weight[1] = mt->pos;
	*probabilities = mt->scores_probabilities;
	return 0;
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
	if (count_pairs(mt, &pairs) != 0)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	v->has_auc = 1;
	v->auc = pairs / (mt->neg * mt->pos);
	return 0;
}
