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
 *
 * With two threads (rec_metrics_set_threads) the caller checks each row
 * and queues it, and a second thread counts the queued rows in the order
 * they came: the same sums in the same order, so the values are one
 * thread's to the bit.  Reading and parsing, in the caller, then run
 * beside the counting, and the two classes are sorted at once, one in
 * each thread.
 */
#include <math.h>
#include <pthread.h>
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

/* Rows pass to the counting thread in batches through a ring. */
#define QUEUE_ROWS 4096
#define QUEUE_SLOTS 4

struct queued_row {
	double label, score, weight;
	int cls;
};

struct row_queue {
	struct queued_row rows[QUEUE_SLOTS][QUEUE_ROWS];
	size_t n;		/* rows in the batch being filled */
	char n_end[64];		/* the caller's, alone on its line */
	size_t count[QUEUE_SLOTS];	/* rows in each batch handed over */
	uint64_t filled, taken;	/* batches handed over, counted */
	int stop;
	int failed;		/* REC_ENOMEM once a row could not be kept */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
};

struct rec_metrics {
	/* with two threads; read by the caller at every row, so kept a
	 * cache line apart from what the counting thread writes at every
	 * row (a line both write to moves between their cores each time) */
	struct row_queue *queue;
	char queue_end[64];
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

static void stop_counting(rec_metrics *mt);

void rec_metrics_free(rec_metrics *mt)
{
	if (!mt)
		return;
	stop_counting(mt);
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

static int row_is_valid(double label, double score, double weight)
{
	return isfinite(label) && isfinite(score) && isfinite(weight) &&
	       weight >= 0;
}

/* Count a valid row of class cls (1 positive, 0 negative, -1 none: a
 * label that is neither 0 nor 1, which rules out AUC and logloss). */
static int count_row(rec_metrics *mt, double label, int cls, double score,
		     double weight)
{
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

/* ---- the counting thread ---- */

static void *count_queued(void *arg)
{
	rec_metrics *mt = arg;
	struct row_queue *q = mt->queue;
	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->filled == q->taken && !q->stop)
			pthread_cond_wait(&q->changed, &q->lock);
		if (q->filled == q->taken)
			break;	/* stopped, and every batch counted */
		const struct queued_row *r = q->rows[q->taken % QUEUE_SLOTS];
		size_t n = q->count[q->taken % QUEUE_SLOTS];
		int failed = q->failed;
		pthread_mutex_unlock(&q->lock);
		/* after a failure the rest is not counted: the caller is
		 * told, and the values would be wrong */
		for (size_t i = 0; i < n && !failed; i++)
			failed = count_row(mt, r[i].label, r[i].cls,
					   r[i].score, r[i].weight);
		pthread_mutex_lock(&q->lock);
		q->failed = failed;
		q->taken++;
		pthread_cond_broadcast(&q->changed);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

/* Hand the batch being filled to the counting thread; wait for a free
 * slot, or with all, until every batch is counted.  The counting
 * thread's failure, if any. */
static int hand_over(struct row_queue *q, int all)
{
	pthread_mutex_lock(&q->lock);
	if (q->n > 0) {
		q->count[q->filled % QUEUE_SLOTS] = q->n;
		q->filled++;
		q->n = 0;
		pthread_cond_broadcast(&q->changed);
	}
	while (all ? q->taken != q->filled
		   : q->filled - q->taken == QUEUE_SLOTS)
		pthread_cond_wait(&q->changed, &q->lock);
	int failed = q->failed;
	pthread_mutex_unlock(&q->lock);
	return failed;
}

/* Every row queued is counted: the caller may read mt.  REC_ENOMEM if
 * one could not be kept. */
static int settle(rec_metrics *mt)
{
	return mt->queue ? hand_over(mt->queue, 1) : 0;
}

static void stop_counting(rec_metrics *mt)
{
	struct row_queue *q = mt->queue;
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = 1;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->changed);
	pthread_mutex_destroy(&q->lock);
	rec_free(q);
	mt->queue = NULL;
}

int rec_metrics_set_threads(rec_metrics *mt, int threads)
{
	if (threads < 1 || threads > 2 || mt->nrows > 0 ||
	    (mt->queue && (mt->queue->n || mt->queue->filled)))
		return REC_EINVAL;
	if (threads == 1 || mt->queue) {
		if (threads == 1)
			stop_counting(mt);
		return 0;
	}
	struct row_queue *q = rec_calloc(1, sizeof(*q));
	if (!q)
		return REC_ENOMEM;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->changed, NULL);
	mt->queue = q;
	if (pthread_create(&q->thread, NULL, count_queued, mt) != 0) {
		pthread_cond_destroy(&q->changed);
		pthread_mutex_destroy(&q->lock);
		rec_free(q);
		mt->queue = NULL;
		return REC_ENOMEM;
	}
	return 0;
}

/* A row, counted now or queued for the counting thread. */
static int add_row(rec_metrics *mt, double label, int cls, double score,
		   double weight)
{
	if (!row_is_valid(label, score, weight))
		return REC_EINVAL;
	struct row_queue *q = mt->queue;
	if (!q)
		return count_row(mt, label, cls, score, weight);
	if (q->n == QUEUE_ROWS && hand_over(q, 0))
		return REC_ENOMEM;
	q->rows[q->filled % QUEUE_SLOTS][q->n++] =
		(struct queued_row){ label, score, weight, cls };
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

struct class_sort {
	void *base, *tmp;
	size_t n, size;
};

static void *sort_class(void *arg)
{
	struct class_sort *cs = arg;
	rec_radix_sort(cs->base, cs->n, cs->size, cs->tmp);
	return NULL;
}

/* Sort both classes (once: they stay sorted until a row comes) into c[0]
 * (negatives) and c[1] (positives).  With two threads, and rows enough to
 * pay for a thread, the negatives are sorted in a thread of their own,
 * each class with scratch of its own.  The allocations come first, so
 * that a failure leaves the lists as they were. */
static int sort_classes(rec_metrics *mt, struct rec_auc_class c[2])
{
	size_t size = mt->weighted ? sizeof(struct rec_scored)
				   : sizeof(uint64_t);
	struct class_sort cs[2];
	for (int l = 0; l < 2; l++) {
		cs[l] = (struct class_sort){
			.base = mt->weighted ? (void *)mt->rows[l].rows
					     : (void *)mt->keys[l].keys,
			.n = mt->weighted ? mt->rows[l].count
					  : mt->keys[l].count,
			.size = size,
		};
		c[l] = (struct rec_auc_class){
			.keys = mt->weighted ? NULL : mt->keys[l].keys,
			.rows = mt->weighted ? mt->rows[l].rows : NULL,
			.n = cs[l].n,
		};
	}
	if (mt->sorted)
		return 0;
	int apart = mt->queue && cs[0].n >= MIN_CAP && cs[1].n >= MIN_CAP;
	if (apart) {
		for (int l = 0; l < 2; l++)
			cs[l].tmp = rec_big_realloc_array(NULL, cs[l].n, size);
		if (!cs[0].tmp || !cs[1].tmp) {
			rec_big_free(cs[0].tmp);
			rec_big_free(cs[1].tmp);
			return REC_ENOMEM;
		}
	} else {
		cs[0].tmp = rec_big_realloc_array(NULL, cs[0].n > cs[1].n
					? cs[0].n : cs[1].n, size);
		if (!cs[0].tmp)
			return REC_ENOMEM;
		cs[1].tmp = cs[0].tmp;
	}
	pthread_t negatives;
	if (apart && pthread_create(&negatives, NULL, sort_class, &cs[0]) != 0)
		apart = 0;	/* the same sort, one class after the other */
	if (!apart)
		sort_class(&cs[0]);
	sort_class(&cs[1]);
	if (apart)
		pthread_join(negatives, NULL);
	rec_big_free(cs[0].tmp);
	if (cs[1].tmp != cs[0].tmp)
		rec_big_free(cs[1].tmp);
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
	if (settle(mt) != 0)
		return REC_ENOMEM;
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
	if (settle(mt) != 0)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
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
