/*
 * bootstrap.c - two scorers of the same rows compared: each metric for
 * both, the difference, and a paired percentile bootstrap interval of it.
 *
 * The bootstrap is Poisson's (Hanley and MacGibbon 2006; Chamandy et al.
 * 2012, "Estimating uncertainty for massive data streams"): in resample
 * b, row i counts c times its weight, for both scorers alike, where c is
 * a Poisson(1) draw made from (seed, b, i) alone.  A resample is then n
 * rows in expectation rather than exactly n as when n rows are drawn of
 * n (multinomial counts), but the counts of different rows are
 * independent, so that a pass over the rows in any order computes each
 * row's count from its number: no array of counts, no random access.
 * Measured on 200 and 1000 data sets of 1000 rows (tests/cli/
 * eval-coverage.t, bench/eval_compare.sh) the 95% interval covers as the
 * multinomial one did, so it is used at every n.
 *
 * The draw: bits 16s to 16s + 15 of the (2^32 q + i + 1)-th output of
 * SplitMix64 seeded with the seed, where b = 4q + s, are a uniform u in
 * [0, 65536), and c is the number of k >= 0 with u >= 65536 P(X <= k)
 * rounded, X Poisson(1): c is 0 to 8, its mean 1 and its variance 1
 * within 4e-5.
 *
 * The rows are sorted once by each scorer's score (radix sort, auc.c),
 * with the ends of groups of equal scores marked, so that a resample's
 * exact AUC, ties counting half, is one pass over each order: no sort
 * per resample.  A pass serves LANES resamples at once, so that the rows
 * are read once per LANES resamples; a resample's figures are the same
 * whatever the lanes, as each is summed in the same order.  With threads,
 * each takes every so many pass of the resamples, and the figures are
 * gathered in resample order: the interval is the same for any number of
 * threads.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "internal.h"

#define MIN_CAP 4096
/* An entry of a sorted order: row number, label and group end. */
#define ORD_ROW 0x3fffffffu
#define ORD_POS 0x40000000u
#define ORD_END 0x80000000u
/* Resamples a pass serves. */
#define LANES REC_BOOTSTRAP_LANES
#define GOLDEN 0x9E3779B97F4A7C15ull
struct rec_paired {
	double *y, *s[2], *w;
	size_t n, cap;
	int labels_binary;
	int probabilities[2];
	int threads;
};

int rec_paired_create(rec_paired **out)
{
	rec_paired *p = rec_calloc(1, sizeof(*p));
	*out = p;
	if (!p)
		return REC_ENOMEM;
	p->labels_binary = 1;
	p->probabilities[0] = p->probabilities[1] = 1;
	p->threads = 1;
	return 0;
}

int rec_paired_set_threads(rec_paired *p, int threads)
{
	if (threads < 1 || threads > REC_MAX_THREADS)
		return REC_EINVAL;
	p->threads = threads;
	return 0;
}

void rec_paired_free(rec_paired *p)
{
	if (!p)
		return;
	rec_big_free(p->y);
	rec_big_free(p->s[0]);
	rec_big_free(p->s[1]);
	rec_big_free(p->w);
	rec_free(p);
}

/* Room for one more row in every array, or REC_ENOMEM with the arrays'
 * contents as they were (some may have grown). */
static int make_room(rec_paired *p)
{
	if (p->n < p->cap)
		return 0;
	double **arrays[4] = { &p->y, &p->s[0], &p->s[1], &p->w };
	size_t cap = p->cap;
	for (int i = 0; i < 4; i++) {
		size_t c = p->cap;
		double *a = rec_grow_big_array(*arrays[i], &c, p->n + 1,
					       MIN_CAP, sizeof(double));
		if (!a)
			return REC_ENOMEM;
		*arrays[i] = a;
		cap = c;
	}
	p->cap = cap;
	return 0;
}

int rec_paired_add(rec_paired *p, double label, double a, double b,
		   double weight)
{
	if (!isfinite(label) || !isfinite(a) || !isfinite(b) ||
	    !isfinite(weight) || weight < 0 || p->n >= REC_PAIRED_MAX_ROWS)
		return REC_EINVAL;
	if (make_room(p) != 0)
		return REC_ENOMEM;
	p->y[p->n] = label;
	p->s[0][p->n] = a;
	p->s[1][p->n] = b;
	p->w[p->n++] = weight;
	if (label != 0 && label != 1)
		p->labels_binary = 0;
	if (!(a >= 0 && a <= 1))
		p->probabilities[0] = 0;
	if (!(b >= 0 && b <= 1))
		p->probabilities[1] = 0;
	return 0;
}

/* SplitMix64's mixing of its state into an output. */
static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Counts of 0 to 8: at[k] is the first uniform u in [0, 65536) of count
 * more than k, 65536 P(X <= k) rounded, X Poisson(1); at[9] is 65536. */
#define AT 10

static void thresholds(unsigned at[AT])
{
	double upto = 0, pk = exp(-1);
	for (int k = 0; k < AT; k++) {
		upto += pk;		/* P(X <= k) */
		pk /= k + 1;
		at[k] = (unsigned)lround(65536 * upto);
	}
	at[AT - 1] = 65536;
}

/* The count of u: the number of thresholds at or below it. */
static unsigned count_of(const unsigned at[AT], unsigned u)
{
	unsigned c = 0;
	while (u >= at[c])
		c++;
	return c;
}

/* The seed's draws: the counts of rows in resamples.  The count of u is
 * that of its bucket of 256 below the bucket's first threshold, and
 * count_of() from there on. */
struct draws {
	uint64_t key;		/* SplitMix64's state for the seed */
	unsigned at[AT];
	struct bucket {
		double count;	/* of the bucket's first u */
		unsigned next;	/* its first threshold, or 65536 */
	} bucket[256];
};

static struct draws *draws_create(uint64_t seed)
{
	struct draws *dr = rec_malloc(sizeof(*dr));
	if (!dr)
		return NULL;
	dr->key = seed;
	thresholds(dr->at);
	for (unsigned b = 0; b < 256; b++) {
		unsigned c = count_of(dr->at, 256 * b);
		dr->bucket[b].count = c;
		dr->bucket[b].next = dr->at[c] < 256 * (b + 1) ? dr->at[c]
							       : 65536;
	}
	return dr;
}

/* The count of u in [0, 65536). */
static inline double draw(const struct draws *dr, unsigned u)
{
	const struct bucket *b = &dr->bucket[u >> 8];
	return u < b->next ? b->count : count_of(dr->at, u);
}

/* The 64 bits that make the counts of row i in resamples 4q to 4q + 3. */
static uint64_t quad_bits(uint64_t key, uint64_t q, uint64_t i)
{
	return mix(key + ((q << 32) + i + 1) * GOLDEN);
}

unsigned rec_bootstrap_count(uint64_t seed, int resample, size_t row)
{
	unsigned at[AT];
	thresholds(at);
	uint64_t h = quad_bits(seed, (uint64_t)resample / 4, row);
	return count_of(at, (h >> (16 * (resample % 4))) & 0xffff);
}

/* The counts of row i in resamples 4q to 4q + LANES - 1 into c. */
static inline void lane_counts(const struct draws *dr, uint64_t q, uint64_t i,
			       double c[LANES])
{
	/* quad_bits(key, q + r, i) */
	uint64_t z = dr->key + ((q << 32) + i + 1) * GOLDEN;
	for (int r = 0; r < LANES / 4; r++) {
		uint64_t h = mix(z + ((uint64_t)r << 32) * GOLDEN);
		c[4 * r] = draw(dr, h & 0xffff);
		c[4 * r + 1] = draw(dr, (h >> 16) & 0xffff);
		c[4 * r + 2] = draw(dr, (h >> 32) & 0xffff);
		c[4 * r + 3] = draw(dr, (unsigned)(h >> 48));
	}
}

/* The counts of row i in resamples b0 to b0 + nb - 1 into c[0 .. nb - 1],
 * 0 in the other lanes (b0 < 0: the rows themselves, count 1 in every
 * lane). */
static void counts(const struct draws *dr, uint64_t i, int b0, int nb,
		   double c[LANES])
{
	if (b0 < 0) {
		for (int l = 0; l < LANES; l++)
			c[l] = 1;
		return;
	}
	for (int l = 0; l < LANES;) {
		int b = b0 + l;
		uint64_t h = quad_bits(dr->key, (uint64_t)b / 4, i);
		for (int s = b % 4; s < 4 && l < LANES; s++, l++)
			c[l] = l < nb ? draw(dr, (h >> (16 * s)) & 0xffff) : 0;
	}
}

/* The values a row adds to the pointwise sums, times its count: each
 * scorer's squared error, and the differences of the scorers' logloss
 * and absolute error. */
enum { X_SQ, X_LOSS = X_SQ + 2, X_ABS, X_VALUES };

/* What a run keeps besides the rows. */
struct state {
	const rec_paired *p;
	const struct draws *dr;
	uint32_t *ord[2];	/* rows by each score, ascending; without
				 * the AUC ord[0] is NULL: the rows' order */
	double *ow[2];		/* their weights in that order, or NULL
				 * when every weight is 1 */
	double (*x)[X_VALUES];	/* the rows' values in order 0 */
	int auc;		/* AUC is wanted */
	int logloss;		/* logloss is wanted */
};

/* Sort the rows by score s into ord, marking labels and group ends. */
static int sort_rows(const rec_paired *p, const double *s, uint32_t *ord)
{
	struct rec_scored *r = rec_big_realloc_array(NULL, p->n, sizeof(*r));
	struct rec_scored *tmp = rec_big_realloc_array(NULL, p->n,
						       sizeof(*tmp));
	if (!r || !tmp) {
		rec_big_free(r);
		rec_big_free(tmp);
		return REC_ENOMEM;
	}
	for (size_t i = 0; i < p->n; i++) {
		/* the row number rides in the weight's bytes */
		uint64_t at = i;
		r[i].key = rec_score_key(s[i]);
		memcpy(&r[i].weight, &at, sizeof(at));
	}
	rec_radix_sort(r, p->n, sizeof(*r), tmp);
	for (size_t j = 0; j < p->n; j++) {
		uint64_t at;
		memcpy(&at, &r[j].weight, sizeof(at));
		uint32_t e = (uint32_t)at;
		if (p->y[at] == 1)
			e |= ORD_POS;
		if (j + 1 == p->n || r[j + 1].key != r[j].key)
			e |= ORD_END;
		ord[j] = e;
	}
	rec_big_free(r);
	rec_big_free(tmp);
	return 0;
}

/* Row i's logloss by scorer k, clamped as metrics.c clamps it. */
static double row_loss(const rec_paired *p, int k, size_t i)
{
	double s = p->s[k][i];
	double q = s < 1e-15 ? 1e-15 : s > 1 - 1e-15 ? 1 - 1e-15 : s;
	return -(p->y[i] == 1 ? log(q) : log(1 - q));
}

/* The sums of the first pass: the weight, the positives' weight and the
 * values, each row's times its count and weight. */
enum { S_WEIGHT, S_POS, S_X, S_SUMS = S_X + X_VALUES };

/* A pass over order k for resamples b0 to b0 + nb - 1 (as counts()):
 * the weighted pairs of a positive above a negative (with the AUC) and,
 * when sum is not NULL (k is 0), the pointwise sums. */
static void one_pass(const struct state *st, int k, int b0, int nb,
		     double pairs[LANES], double sum[S_SUMS][LANES])
{
	const uint32_t *ord = st->ord[k];
	const double *ow = st->ow[k];
	double below[LANES], gp[LANES], gn[LANES], c[LANES];
	for (int l = 0; l < LANES; l++)
		pairs[l] = below[l] = gp[l] = gn[l] = 0;
	for (int s = 0; sum && s < S_SUMS; s++)
		for (int l = 0; l < LANES; l++)
			sum[s][l] = 0;
	/* resamples by fours, every lane used: the common case */
	int whole = b0 >= 0 && b0 % 4 == 0 && nb == LANES;
	int fresh = 1;		/* no row of the group yet */
	for (size_t j = 0; j < st->p->n; j++) {
		uint32_t e = ord ? ord[j] : (uint32_t)j;
		if (whole)
			lane_counts(st->dr, (uint64_t)b0 / 4, e & ORD_ROW, c);
		else
			counts(st->dr, e & ORD_ROW, b0, nb, c);
		if (ow)
			for (int l = 0; l < LANES; l++)
				c[l] *= ow[j];
		if (sum) {
			const double *x = st->x[j];
			double pos = (e & ORD_POS) != 0;
			for (int l = 0; l < LANES; l++) {
				sum[S_WEIGHT][l] += c[l];
				sum[S_POS][l] += c[l] * pos;
			}
			for (int v = 0; v < X_VALUES; v++)
				for (int l = 0; l < LANES; l++)
					sum[S_X + v][l] += c[l] * x[v];
		}
		if (!ord)
			continue;
		if (fresh && (e & ORD_END)) {
			/* a group of one row: the sums of the general case
			 * below, as gp or gn is 0 */
			if (e & ORD_POS)
				for (int l = 0; l < LANES; l++)
					pairs[l] += c[l] * below[l];
			else
				for (int l = 0; l < LANES; l++)
					below[l] += c[l];
			continue;
		}
		if (e & ORD_POS)
			for (int l = 0; l < LANES; l++)
				gp[l] += c[l];
		else
			for (int l = 0; l < LANES; l++)
				gn[l] += c[l];
		fresh = 0;
		if (e & ORD_END) {
			for (int l = 0; l < LANES; l++) {
				pairs[l] += gp[l] * (below[l] + 0.5 * gn[l]);
				below[l] += gn[l];
				gp[l] = gn[l] = 0;
			}
			fresh = 1;
		}
	}
}

/* The differences of the metrics in resamples b0 to b0 + nb - 1 (as
 * counts()): diff[lane][metric], ok[lane][metric] where defined. */
static void measure(const struct state *st, int b0, int nb,
		    double diff[LANES][REC_DIFF_METRICS],
		    int ok[LANES][REC_DIFF_METRICS])
{
	double sum[S_SUMS][LANES], pairs[2][LANES];
	one_pass(st, 0, b0, nb, pairs[0], sum);
	if (st->auc)
		one_pass(st, 1, b0, nb, pairs[1], NULL);
	for (int l = 0; l < nb; l++) {
		double w = sum[S_WEIGHT][l], pos = sum[S_POS][l], neg = w - pos;
		int *o = ok[l];
		double *d = diff[l];
		o[REC_DIFF_AUC] = st->auc && pos > 0 && neg > 0;
		o[REC_DIFF_LOGLOSS] = st->logloss && w > 0;
		o[REC_DIFF_RMSE] = o[REC_DIFF_MAE] = w > 0;
		if (o[REC_DIFF_AUC])
			d[REC_DIFF_AUC] = (pairs[0][l] - pairs[1][l]) /
					  (pos * neg);
		if (o[REC_DIFF_LOGLOSS])
			d[REC_DIFF_LOGLOSS] = sum[S_X + X_LOSS][l] / w;
		if (w > 0) {
			d[REC_DIFF_RMSE] = sqrt(sum[S_X + X_SQ][l] / w) -
					   sqrt(sum[S_X + X_SQ + 1][l] / w);
			d[REC_DIFF_MAE] = sum[S_X + X_ABS][l] / w;
		}
	}
}

/* The metrics of both scorers on the rows themselves: v[scorer][metric],
 * ok[metric] where defined. */
static void measure_rows(const struct state *st,
			 double v[2][REC_DIFF_METRICS],
			 int ok[REC_DIFF_METRICS])
{
	const rec_paired *p = st->p;
	double wsum = 0, pos = 0, neg = 0, sq[2] = { 0, 0 },
	       ab[2] = { 0, 0 }, ll[2] = { 0, 0 }, pairs[2][LANES];
	for (size_t i = 0; i < p->n; i++) {
		double r = p->w[i], y = p->y[i];
		if (r == 0)
			continue;
		wsum += r;
		pos += y == 1 ? r : 0;
		neg += y == 0 ? r : 0;
		for (int k = 0; k < 2; k++) {
			double d = p->s[k][i] - y;
			sq[k] += r * d * d;
			ab[k] += r * fabs(d);
			if (st->logloss)
				ll[k] += r * row_loss(p, k, i);
		}
	}
	int has_weight = wsum > 0;
	ok[REC_DIFF_AUC] = st->auc;
	ok[REC_DIFF_LOGLOSS] = st->logloss && has_weight;
	ok[REC_DIFF_RMSE] = ok[REC_DIFF_MAE] = has_weight;
	for (int k = 0; k < 2; k++) {
		if (st->auc) {
			one_pass(st, k, -1, 1, pairs[k], NULL);
			v[k][REC_DIFF_AUC] = pairs[k][0] / (pos * neg);
		}
		if (ok[REC_DIFF_LOGLOSS])
			v[k][REC_DIFF_LOGLOSS] = ll[k] / wsum;
		if (has_weight) {
			v[k][REC_DIFF_RMSE] = sqrt(sq[k] / wsum);
			v[k][REC_DIFF_MAE] = ab[k] / wsum;
		}
	}
}

static int by_value(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

/* The q-quantile of sorted v[m], linear between order statistics. */
static double quantile(const double *v, int m, double q)
{
	double h = (m - 1) * q;
	int lo = (int)floor(h);
	if (lo + 1 >= m)
		return v[m - 1];
	return v[lo] + (h - lo) * (v[lo + 1] - v[lo]);
}

/* The interval of d from its m resampled differences (sorted here). */
static void interval(struct rec_diff *d, double *diffs, int m)
{
	d->resamples = m;
	if (m == 0)
		return;
	qsort(diffs, (size_t)m, sizeof(*diffs), by_value);
	d->low = quantile(diffs, m, 0.025);
	d->high = quantile(diffs, m, 0.975);
}

static void state_free(struct state *st)
{
	for (int k = 0; k < 2; k++) {
		rec_big_free(st->ord[k]);
		rec_big_free(st->ow[k]);
	}
	rec_big_free(st->x);
}

/* Allocate and fill what the passes need. */
static int state_init(struct state *st, const rec_paired *p,
		      const struct draws *dr)
{
	memset(st, 0, sizeof(*st));
	st->p = p;
	st->dr = dr;
	double pos = 0, neg = 0;
	int unit = 1;
	for (size_t i = 0; i < p->n; i++) {
		pos += p->y[i] == 1 ? p->w[i] : 0;
		neg += p->y[i] == 0 ? p->w[i] : 0;
		unit &= p->w[i] == 1;
	}
	st->auc = p->labels_binary && pos > 0 && neg > 0;
	st->logloss = p->labels_binary && p->probabilities[0] &&
		      p->probabilities[1];
	for (int k = 0; k < 2 && st->auc; k++) {
		st->ord[k] = rec_big_realloc_array(NULL, p->n,
						   sizeof(*st->ord[k]));
		if (!st->ord[k] || sort_rows(p, p->s[k], st->ord[k]) != 0)
			return REC_ENOMEM;
	}
	for (int k = 0; k < 2 && !unit; k++) {
		st->ow[k] = rec_big_realloc_array(NULL, p->n,
						  sizeof(*st->ow[k]));
		if (!st->ow[k])
			return REC_ENOMEM;
		for (size_t j = 0; j < p->n; j++)
			st->ow[k][j] = p->w[st->ord[k] ? st->ord[k][j] &
							 ORD_ROW : j];
	}
	st->x = rec_big_realloc_array(NULL, p->n, sizeof(*st->x));
	if (!st->x)
		return REC_ENOMEM;
	for (size_t j = 0; j < p->n; j++) {
		size_t i = st->ord[0] ? st->ord[0][j] & ORD_ROW : j;
		double y = p->y[i], *x = st->x[j];
		for (int k = 0; k < 2; k++)
			x[X_SQ + k] = (p->s[k][i] - y) * (p->s[k][i] - y);
		x[X_LOSS] = st->logloss ? row_loss(p, 0, i) - row_loss(p, 1, i)
					: 0;
		x[X_ABS] = fabs(p->s[0][i] - y) - fabs(p->s[1][i] - y);
	}
	return 0;
}

/* One resample's differences, and where each is defined. */
struct resample {
	double diff[REC_DIFF_METRICS];
	int ok[REC_DIFF_METRICS];
};

/* A thread's share of the resamples: passes first, first + step, ... */
struct resample_job {
	const struct state *st;
	int resamples, lanes, first, step;
	struct resample *all;
};

static void *run_resamples(void *arg)
{
	const struct resample_job *j = arg;
	double diff[LANES][REC_DIFF_METRICS];
	int ok[LANES][REC_DIFF_METRICS];
	for (int b0 = j->first * j->lanes; b0 < j->resamples;
	     b0 += j->step * j->lanes) {
		int nb = j->resamples - b0 < j->lanes ? j->resamples - b0
						      : j->lanes;
		measure(j->st, b0, nb, diff, ok);
		for (int l = 0; l < nb; l++) {
			memcpy(j->all[b0 + l].diff, diff[l], sizeof(diff[l]));
			memcpy(j->all[b0 + l].ok, ok[l], sizeof(ok[l]));
		}
	}
	return NULL;
}

int rec_paired_bootstrap_lanes(rec_paired *p, int resamples, uint64_t seed,
			       int lanes, struct rec_diff d[REC_DIFF_METRICS],
			       struct rec_error *err)
{
	assert(lanes >= 1 && lanes <= LANES);
	memset(d, 0, REC_DIFF_METRICS * sizeof(*d));
	if (resamples < 1 || resamples > REC_MAX_RESAMPLES)
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"resamples must be in [1, %d]",
				REC_MAX_RESAMPLES);
	if (p->n == 0)
		return rec_fail(err, REC_EDATA, NULL, 0, "no rows to compare");
	struct state st;
	struct draws *dr = draws_create(seed);
	double *diffs = rec_malloc_array((size_t)resamples * REC_DIFF_METRICS,
					 sizeof(*diffs));
	struct resample *all = rec_malloc_array((size_t)resamples,
						sizeof(*all));
	if (state_init(&st, p, dr) != 0 || !dr || !diffs || !all) {
		state_free(&st);
		rec_free(dr);
		rec_free(diffs);
		rec_free(all);
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	}
	double v[2][REC_DIFF_METRICS];
	int ok[REC_DIFF_METRICS], m[REC_DIFF_METRICS] = { 0 };
	measure_rows(&st, v, ok);
	for (int k = 0; k < REC_DIFF_METRICS; k++)
		if ((d[k].has = ok[k]) != 0) {
			d[k].a = v[0][k];
			d[k].b = v[1][k];
			d[k].diff = v[0][k] - v[1][k];
		}
	int threads = p->threads;
	int passes = (resamples + lanes - 1) / lanes;
	if (threads > passes)
		threads = passes;
	struct resample_job jobs[REC_MAX_THREADS];
	for (int t = 0; t < threads; t++)
		jobs[t] = (struct resample_job){ &st, resamples, lanes, t,
						 threads, all };
	rec_run_jobs(run_resamples, jobs, sizeof(jobs[0]), threads);
	for (int b = 0; b < resamples; b++)
		for (int k = 0; k < REC_DIFF_METRICS; k++)
			if (d[k].has && all[b].ok[k])
				diffs[(size_t)k * (size_t)resamples +
				      (size_t)m[k]++] = all[b].diff[k];
	for (int k = 0; k < REC_DIFF_METRICS; k++)
		if (d[k].has)
			interval(&d[k], diffs + (size_t)k * (size_t)resamples,
				 m[k]);
	state_free(&st);
	rec_free(dr);
	rec_free(diffs);
	rec_free(all);
	return 0;
}

int rec_paired_bootstrap(rec_paired *p, int resamples, uint64_t seed,
			 struct rec_diff d[REC_DIFF_METRICS],
			 struct rec_error *err)
{
	return rec_paired_bootstrap_lanes(p, resamples, seed, LANES, d, err);
}

int rec_bootstrap_means(const double *a, const double *b, size_t n,
			int resamples, uint64_t seed, struct rec_diff *d)
{
	memset(d, 0, sizeof(*d));
	if (n == 0 || n >= REC_PAIRED_MAX_ROWS || resamples < 1 ||
	    resamples > REC_MAX_RESAMPLES)
		return REC_EINVAL;
	struct draws *dr = draws_create(seed);
	double *diffs = rec_malloc_array((size_t)resamples, sizeof(*diffs));
	if (!dr || !diffs) {
		rec_free(dr);
		rec_free(diffs);
		return REC_ENOMEM;
	}
	double sa = 0, sb = 0;
	for (size_t i = 0; i < n; i++) {
		sa += a[i];
		sb += b[i];
	}
	d->has = 1;
	d->a = sa / (double)n;
	d->b = sb / (double)n;
	d->diff = d->a - d->b;
	int m = 0;
	for (int b0 = 0; b0 < resamples; b0 += LANES) {
		int nb = resamples - b0 < LANES ? resamples - b0 : LANES;
		double c[LANES], ca[LANES] = { 0 }, cb[LANES] = { 0 },
		       cw[LANES] = { 0 };
		for (size_t i = 0; i < n; i++) {
			counts(dr, i, b0, nb, c);
			for (int l = 0; l < nb; l++) {
				ca[l] += c[l] * a[i];
				cb[l] += c[l] * b[i];
				cw[l] += c[l];
			}
		}
		/* a resample that drew no one has no mean */
		for (int l = 0; l < nb; l++)
			if (cw[l] > 0)
				diffs[m++] = (ca[l] - cb[l]) / cw[l];
	}
	interval(d, diffs, m);
	rec_free(dr);
	rec_free(diffs);
	return 0;
}
