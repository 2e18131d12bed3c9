/*
 * curves.c - ROC and precision-recall curves and reliability bins, from
 * the rows a rec_metrics keeps.
 *
 * The rows of each class are sorted by score key (metrics.c); a curve
 * walks both lists from the top down at once, a group of equal scores at
 * a time, which is how the AUC counts ties: a group is one step.
 *
 * A file of ten million distinct scores has ten million steps, far more
 * than a picture can show.  The points go through two filters on their
 * way into the curve: a point on a straight line between its neighbours
 * is dropped (exactly, in raw weight coordinates), and, when cells are
 * asked for, only the first, last, lowest and highest point of each x
 * cell are kept.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

/* The points being built, in raw coordinates (scaled at the end). */
struct builder {
	struct rec_point *p;
	size_t n, cap;
	int cells;
	double xmax;		/* the x where the last cell ends */
	long cell;		/* the cell being gathered, -1: none */
	struct rec_point keep[4];	/* first, lowest, highest, last */
	size_t seq[4];		/* their order of arrival */
	size_t arrived;
	int failed;
};

/* Append q, replacing the last point when it lies on the segment from
 * the one before it to q. */
static void append(struct builder *b, struct rec_point q)
{
	if (b->n >= 2) {
		struct rec_point o = b->p[b->n - 2], m = b->p[b->n - 1];
		double cross = (m.x - o.x) * (q.y - o.y) -
			       (m.y - o.y) * (q.x - o.x);
		double dot = (m.x - o.x) * (q.x - m.x) +
			     (m.y - o.y) * (q.y - m.y);
		if (cross == 0 && dot >= 0) {
			b->p[b->n - 1] = q;
			return;
		}
	}
	if (b->n >= 1 && b->p[b->n - 1].x == q.x && b->p[b->n - 1].y == q.y)
		return;
	struct rec_point *p = rec_grow_array(b->p, &b->cap, b->n + 1, 64,
					     sizeof(*p));
	if (!p) {
		b->failed = 1;
		return;
	}
	b->p = p;
	b->p[b->n++] = q;
}

/* The kept points of the cell gathered, in their order of arrival. */
static void flush_cell(struct builder *b)
{
	if (b->cell < 0)
		return;
	size_t last = SIZE_MAX;
	for (;;) {
		/* the earliest kept point after the one appended last */
		int next = -1;
		for (int i = 0; i < 4; i++)
			if ((last == SIZE_MAX || b->seq[i] > last) &&
			    (next < 0 || b->seq[i] < b->seq[next]))
				next = i;
		if (next < 0)
			break;
		append(b, b->keep[next]);
		last = b->seq[next];
	}
	b->cell = -1;
}

static void add_point(struct builder *b, double x, double y)
{
	struct rec_point q = { x, y };
	size_t seq = b->arrived++;
	if (b->cells == 0) {
		append(b, q);
		return;
	}
	long cell = b->xmax > 0 ? (long)(x / b->xmax * b->cells) : 0;
	if (cell >= b->cells)
		cell = b->cells - 1;
	if (cell != b->cell) {
		flush_cell(b);
		b->cell = cell;
		for (int i = 0; i < 4; i++) {
			b->keep[i] = q;
			b->seq[i] = seq;
		}
		return;
	}
	if (y < b->keep[1].y) {
		b->keep[1] = q;
		b->seq[1] = seq;
	}
	if (y > b->keep[2].y) {
		b->keep[2] = q;
		b->seq[2] = seq;
	}
	b->keep[3] = q;
	b->seq[3] = seq;
}

/* The next group of equal keys from the top of a class: its key, and the
 * weight of its rows, which *i (the count of rows not yet taken) leaves
 * behind. */
static uint64_t top_key(const struct rec_auc_class *c, size_t i)
{
	return c->rows ? c->rows[i - 1].key : c->keys[i - 1];
}

static double take_group(const struct rec_auc_class *c, size_t *i, uint64_t k)
{
	double w = 0;
	while (*i > 0 && top_key(c, *i) == k) {
		w += c->rows ? c->rows[*i - 1].weight : 1;
		(*i)--;
	}
	return w;
}

void rec_curve_free(struct rec_curve *c)
{
	if (!c)
		return;
	rec_free(c->points);
	c->points = NULL;
	c->n = 0;
}

int rec_metrics_curve(rec_metrics *mt, enum rec_curve_kind kind, int cells,
		      struct rec_curve *c, struct rec_error *err)
{
	memset(c, 0, sizeof(*c));
	if (cells < 0 || (kind != REC_CURVE_ROC && kind != REC_CURVE_PR))
		return rec_fail(err, REC_EINVAL, NULL, 0, "bad curve request");
	struct rec_auc_class cl[2];
	double total[2];
	int probabilities;
	int rc = rec_metrics_classes(mt, cl, total, &probabilities);
	if (rc == REC_EDATA)
		return rec_fail(err, rc, NULL, 0, "a curve needs labels 0 and "
				"1 with weight in both classes");
	if (rc)
		return rec_fail(err, rc, NULL, 0, "out of memory");
	int roc = kind == REC_CURVE_ROC;
	struct builder b = { .cells = cells, .cell = -1,
			     .xmax = roc ? total[0] : total[1] };
	size_t i[2] = { cl[0].n, cl[1].n };
	double tp = 0, fp = 0, area = 0;
	if (roc)
		add_point(&b, 0, 0);
	while (i[0] > 0 || i[1] > 0) {
		uint64_t k0 = i[0] ? top_key(&cl[0], i[0]) : 0;
		uint64_t k1 = i[1] ? top_key(&cl[1], i[1]) : 0;
		uint64_t k = !i[0] ? k1 : !i[1] ? k0 : k0 > k1 ? k0 : k1;
		double gn = take_group(&cl[0], &i[0], k);
		double gp = take_group(&cl[1], &i[1], k);
		if (gn + gp == 0)
			continue;	/* rows of weight 0 take no step */
		c->groups++;
		if (roc) {
			area += gn * (tp + 0.5 * gp);
			tp += gp;
			fp += gn;
			add_point(&b, fp, tp);
			continue;
		}
		tp += gp;
		fp += gn;
		double precision = tp / (tp + fp);
		area += gp * precision;
		if (c->groups == 1)
			add_point(&b, 0, precision);
		add_point(&b, tp, precision);
	}
	flush_cell(&b);
	if (b.failed) {
		rec_free(b.p);
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	}
	for (size_t j = 0; j < b.n; j++) {
		b.p[j].x /= roc ? total[0] : total[1];
		if (roc)
			b.p[j].y /= total[1];
	}
	c->points = b.p;
	c->n = b.n;
	c->area = roc ? area / (total[0] * total[1]) : area / total[1];
	return 0;
}

int rec_metrics_calibration(rec_metrics *mt, int nbins,
			    struct rec_calibration_bin *out,
			    struct rec_error *err)
{
	if (nbins < 1 || nbins > REC_MAX_BINS)
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"bins must be in [1, %d]", REC_MAX_BINS);
	struct rec_auc_class cl[2];
	double total[2];
	int probabilities;
	int rc = rec_metrics_classes(mt, cl, total, &probabilities);
	if (rc == REC_EDATA)
		return rec_fail(err, rc, NULL, 0, "calibration needs labels 0 "
				"and 1 with weight in both classes");
	if (rc)
		return rec_fail(err, rc, NULL, 0, "out of memory");
	if (!probabilities)
		return rec_fail(err, REC_EDATA, NULL, 0, "calibration needs "
				"probabilities, and a score is outside [0, 1]");
	double score_sum[REC_MAX_BINS] = { 0 }, pos[REC_MAX_BINS] = { 0 };
	for (int j = 0; j < nbins; j++)
		out[j] = (struct rec_calibration_bin){
			.lo = (double)j / nbins, .hi = (double)(j + 1) / nbins
		};
	for (int label = 0; label < 2; label++)
		for (size_t r = 0; r < cl[label].n; r++) {
			const struct rec_auc_class *c = &cl[label];
			double s = rec_key_score(c->rows ? c->rows[r].key
							 : c->keys[r]);
			double w = c->rows ? c->rows[r].weight : 1;
			int j = (int)(s * nbins);
			if (j >= nbins)
				j = nbins - 1;
			out[j].rows++;
			out[j].weight += w;
			score_sum[j] += w * s;
			pos[j] += label ? w : 0;
		}
	for (int j = 0; j < nbins; j++)
		if (out[j].weight > 0) {
			out[j].mean_score = score_sum[j] / out[j].weight;
			out[j].positive_rate = pos[j] / out[j].weight;
		}
	return 0;
}
