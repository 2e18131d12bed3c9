/*
 * bootstrap.c - two scorers of the same rows compared: each metric for
 * both, the difference, and a paired percentile bootstrap interval of it.
 *
 * A resample draws n rows of n with replacement; a row drawn c times
 * counts with c times its weight, for both scorers alike.  The rows are
 * sorted once by each scorer's score (radix sort, auc.c), with the ends
 * of groups of equal scores marked, so that a resample's exact AUC, ties
 * counting half, is one pass over each order: no sort per resample.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

#define MIN_CAP 4096
/* An entry of a sorted order: row number, label and group end. */
#define ORD_ROW 0x3fffffffu
#define ORD_POS 0x40000000u
#define ORD_END 0x80000000u

struct rec_paired {
	double *y, *s[2], *w;
	size_t n, cap;
	int labels_binary;
	int probabilities[2];
};

int rec_paired_create(rec_paired **out)
{
	rec_paired *p = rec_calloc(1, sizeof(*p));
	*out = p;
	if (!p)
		return REC_ENOMEM;
	p->labels_binary = 1;
	p->probabilities[0] = p->probabilities[1] = 1;
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

/* A draw from [0, n), n < 2^32, unbiased (Lemire's multiply and
 * reject). */
static uint32_t draw_below(struct rec_rng *r, uint32_t n)
{
	uint64_t m = (rec_rng_next(r) >> 32) * n;
	if ((uint32_t)m < n) {
		uint32_t t = (uint32_t)(-n) % n;
		while ((uint32_t)m < t)
			m = (rec_rng_next(r) >> 32) * n;
	}
	return (uint32_t)(m >> 32);
}

/* What a run keeps besides the rows. */
struct state {
	const rec_paired *p;
	uint32_t *ord[2];	/* rows by each score, ascending */
	double *loss[2];	/* per-row logloss, or NULL */
	double *rw;		/* a resample's weight per row */
	int auc;		/* AUC is wanted */
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

/* Weighted pairs of a positive above a negative in an order, with the
 * resample's row weights. */
static double sorted_pairs(const uint32_t *ord, size_t n, const double *rw)
{
	double pairs = 0, below = 0, gp = 0, gn = 0;
	for (size_t j = 0; j < n; j++) {
		uint32_t e = ord[j];
		double r = rw[e & ORD_ROW];
		if (e & ORD_POS)
			gp += r;
		else
			gn += r;
		if (e & ORD_END) {
			pairs += gp * (below + 0.5 * gn);
			below += gn;
			gp = gn = 0;
		}
	}
	return pairs;
}

/* The metrics of both scorers with counts cnt (NULL: each row once):
 * v[scorer][metric], ok[metric] where defined. */
static void measure(const struct state *st, const uint32_t *cnt,
		    double v[2][REC_DIFF_METRICS], int ok[REC_DIFF_METRICS])
{
	const rec_paired *p = st->p;
	double wsum = 0, pos = 0, neg = 0, sq[2] = { 0, 0 },
	       ab[2] = { 0, 0 }, ll[2] = { 0, 0 };
	for (size_t i = 0; i < p->n; i++) {
		double r = cnt ? (double)cnt[i] * p->w[i] : p->w[i];
		st->rw[i] = r;
		if (r == 0)
			continue;
		double y = p->y[i];
		wsum += r;
		pos += y == 1 ? r : 0;
		neg += y == 0 ? r : 0;
		for (int k = 0; k < 2; k++) {
			double d = p->s[k][i] - y;
			sq[k] += r * d * d;
			ab[k] += r * fabs(d);
			if (st->loss[k])
				ll[k] += r * st->loss[k][i];
		}
	}
	int has_weight = wsum > 0;
	ok[REC_DIFF_AUC] = st->auc && pos > 0 && neg > 0;
	ok[REC_DIFF_LOGLOSS] = st->loss[0] && st->loss[1] && has_weight;
	ok[REC_DIFF_RMSE] = ok[REC_DIFF_MAE] = has_weight;
	for (int k = 0; k < 2; k++) {
		if (ok[REC_DIFF_AUC])
			v[k][REC_DIFF_AUC] = sorted_pairs(st->ord[k], p->n,
							  st->rw) /
					     (pos * neg);
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
		rec_big_free(st->loss[k]);
	}
	rec_big_free(st->rw);
}

/* Allocate and fill what the passes need. */
static int state_init(struct state *st, const rec_paired *p)
{
	memset(st, 0, sizeof(*st));
	st->p = p;
	st->rw = rec_big_realloc_array(NULL, p->n, sizeof(*st->rw));
	if (!st->rw)
		return REC_ENOMEM;
	double pos = 0, neg = 0;
	for (size_t i = 0; i < p->n; i++) {
		pos += p->y[i] == 1 ? p->w[i] : 0;
		neg += p->y[i] == 0 ? p->w[i] : 0;
	}
	st->auc = p->labels_binary && pos > 0 && neg > 0;
	for (int k = 0; k < 2 && st->auc; k++) {
		st->ord[k] = rec_big_realloc_array(NULL, p->n,
						   sizeof(*st->ord[k]));
		if (!st->ord[k] || sort_rows(p, p->s[k], st->ord[k]) != 0)
			return REC_ENOMEM;
	}
	int logloss = p->labels_binary && p->probabilities[0] &&
		      p->probabilities[1];
	for (int k = 0; k < 2 && logloss; k++) {
		double *l = rec_big_realloc_array(NULL, p->n, sizeof(*l));
		if (!l)
			return REC_ENOMEM;
		st->loss[k] = l;
		for (size_t i = 0; i < p->n; i++) {
			/* as metrics.c clamps it */
			double s = p->s[k][i];
			double q = s < 1e-15 ? 1e-15
				 : s > 1 - 1e-15 ? 1 - 1e-15 : s;
			l[i] = -(p->y[i] == 1 ? log(q) : log(1 - q));
		}
	}
	return 0;
}

int rec_paired_bootstrap(rec_paired *p, int resamples, uint64_t seed,
			 struct rec_diff d[REC_DIFF_METRICS],
			 struct rec_error *err)
{
	memset(d, 0, REC_DIFF_METRICS * sizeof(*d));
	if (resamples < 1 || resamples > REC_MAX_RESAMPLES)
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"resamples must be in [1, %d]",
				REC_MAX_RESAMPLES);
	if (p->n == 0)
		return rec_fail(err, REC_EDATA, NULL, 0, "no rows to compare");
	struct state st;
	uint32_t *cnt = rec_big_realloc_array(NULL, p->n, sizeof(*cnt));
	double *diffs = rec_malloc_array((size_t)resamples * REC_DIFF_METRICS,
					 sizeof(*diffs));
	if (state_init(&st, p) != 0 || !cnt || !diffs) {
		state_free(&st);
		rec_big_free(cnt);
		rec_free(diffs);
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	}
	double v[2][REC_DIFF_METRICS];
	int ok[REC_DIFF_METRICS], m[REC_DIFF_METRICS] = { 0 };
	measure(&st, NULL, v, ok);
	for (int k = 0; k < REC_DIFF_METRICS; k++)
		if ((d[k].has = ok[k]) != 0) {
			d[k].a = v[0][k];
			d[k].b = v[1][k];
			d[k].diff = v[0][k] - v[1][k];
		}
	struct rec_rng rng;
	rec_rng_seed(&rng, seed);
	for (int r = 0; r < resamples; r++) {
		memset(cnt, 0, p->n * sizeof(*cnt));
		for (size_t i = 0; i < p->n; i++)
			cnt[draw_below(&rng, (uint32_t)p->n)]++;
		measure(&st, cnt, v, ok);
		for (int k = 0; k < REC_DIFF_METRICS; k++)
			if (d[k].has && ok[k])
				diffs[(size_t)k * (size_t)resamples +
				      (size_t)m[k]++] = v[0][k] - v[1][k];
	}
	for (int k = 0; k < REC_DIFF_METRICS; k++)
		if (d[k].has)
			interval(&d[k], diffs + (size_t)k * (size_t)resamples,
				 m[k]);
	state_free(&st);
	rec_big_free(cnt);
	rec_free(diffs);
	return 0;
}

int rec_bootstrap_means(const double *a, const double *b, size_t n,
			int resamples, uint64_t seed, struct rec_diff *d)
{
	memset(d, 0, sizeof(*d));
	if (n == 0 || n >= REC_PAIRED_MAX_ROWS || resamples < 1 ||
	    resamples > REC_MAX_RESAMPLES)
		return REC_EINVAL;
	double *diffs = rec_malloc_array((size_t)resamples, sizeof(*diffs));
	if (!diffs)
		return REC_ENOMEM;
	double sa = 0, sb = 0;
	for (size_t i = 0; i < n; i++) {
		sa += a[i];
		sb += b[i];
	}
	d->has = 1;
	d->a = sa / (double)n;
	d->b = sb / (double)n;
	d->diff = d->a - d->b;
	struct rec_rng rng;
	rec_rng_seed(&rng, seed);
	for (int r = 0; r < resamples; r++) {
		sa = sb = 0;
		for (size_t j = 0; j < n; j++) {
			uint32_t i = draw_below(&rng, (uint32_t)n);
			sa += a[i];
			sb += b[i];
		}
		diffs[r] = (sa - sb) / (double)n;
	}
	interval(d, diffs, resamples);
	rec_free(diffs);
	return 0;
}
