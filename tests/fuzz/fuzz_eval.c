/*
 * fuzz_eval.c - fuzz target for what rec-eval does with its input.
 *
 * An input is 1 option byte and then the file content, which is read from
 * memory (rec_reader_open_mem) three times, as rec-eval reads it in its
 * three modes:
 *
 *   - pointwise: label and score columns, each good row given to
 *     rec_metrics_add, then rec_metrics_compute (twice);
 *   - --group: the user column as the group, rows ranked by score within
 *     each group by rec_ranking_groups;
 *   - --truth: the content up to the first form feed (\f) as the truth
 *     pairs (user and item columns) and the rest as recommendations
 *     (columns 1 and 2, TSV, no header), by rec_ranking_truth; without a
 *     form feed, the whole content is both.
 *
 * The option byte:
 *
 *   bits 0-1  format: 0 TSV, 1 CSV, 2 by name (".csv" file),
 *             3 by name (".tsv" file)
 *   bit 2     the first line is a header, and the columns are named
 *             (user, item, label, weight, score), else numbered 1 to 5
 *   bit 3     regression task (else binary)
 *   bit 4     a positive threshold of 0.5 (--positive)
 *   bit 5     a weight column
 *   bit 6     a score column of its own (else the last column)
 *   bit 7     cut-offs 1, 3, 10 and 1000000 (else 10)
 *
 * A missing option byte counts as 0.  Every row the reader gives must be
 * accepted by rec_metrics_add; the metrics must agree with the rows (rows,
 * weight and positives exactly, AUC with a count of every pair when there
 * are few rows), lie in their ranges, and come out the same when computed
 * again.  The ranking metrics must lie in [0, 1], and for few rows agree
 * with a plain computation of their definitions.  Any broken rule aborts.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NKEEP 256		/* rows checked against plain computations */
#define SCORE_BOUND 1e100	/* below it, sums of squares stay finite */
#define SLACK 1e-12		/* rounding allowed at the ends of [0, 1] */

struct setup {
	struct rec_reader_options opt;
	const char *name;
	int ks[REC_MAX_KS], nk;
};

static void decode_options(uint8_t o, struct setup *s)
{
	static const int four[] = { 1, 3, 10, 1000000 };
	struct rec_reader_options *opt = &s->opt;
	struct rec_columns *c = &opt->columns;
	rec_reader_options_init(opt);
	switch (o & 3) {
	case 0: opt->csv = 0; s->name = "fuzz.tsv"; break;
	case 1: opt->csv = 1; s->name = "fuzz.tsv"; break;
	case 2: opt->csv = -1; s->name = "fuzz.csv"; break;
	default: opt->csv = -1; s->name = "fuzz.tsv"; break;
	}
	opt->header = (o >> 2) & 1;
	opt->task = (o >> 3) & 1 ? REC_TASK_REGRESSION : REC_TASK_BINARY;
	opt->has_positive = (o >> 4) & 1;
	opt->positive = 0.5;
	if (opt->header) {
		c->user = "user";
		c->item = "item";
		c->label = "label";
		c->weight = (o >> 5) & 1 ? "weight" : NULL;
		c->score = (o >> 6) & 1 ? "score" : NULL;
	} else {
		c->user = "1";
		c->item = "2";
		c->label = "3";
		c->weight = (o >> 5) & 1 ? "4" : NULL;
		c->score = (o >> 6) & 1 ? "5" : NULL;
	}
	if ((o >> 7) & 1) {
		memcpy(s->ks, four, sizeof(four));
		s->nk = 4;
	} else {
		s->ks[0] = 10;
		s->nk = 1;
	}
}

static int in_unit(double x)
{
	return x >= -SLACK && x <= 1 + SLACK;
}

static int close_to(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(1, fmax(fabs(a), fabs(b)));
}

static int count_bad(const struct rec_error *e, void *arg)
{
	CHECK(e->code == REC_EBADROW);
	CHECK(e->line >= 1);
	CHECK(e->msg[0] != '\0');
	(*(long *)arg)++;
	return 0;
}

/* A fatal code from reading: a bad header or a damaged gzip stream. */
static void check_fatal(int rc, const struct rec_error *err)
{
	CHECK(rc == REC_EINVAL || rc == REC_EIO);
	CHECK(err->code == rc && err->msg[0] != '\0');
}

/* ---- pointwise ---- */

struct scored {
	double label, score, weight;
};

/* Weighted pairs of a positive above a negative, ties half, counted one
 * pair at a time. */
static double plain_pairs(const struct scored *rows, size_t n)
{
	double pairs = 0;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].label != 1)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (rows[j].label != 0)
				continue;
			double w = rows[i].weight * rows[j].weight;
			if (rows[i].score > rows[j].score)
				pairs += w;
			else if (rows[i].score == rows[j].score)
				pairs += w / 2;
		}
	}
	return pairs;
}

static void pointwise(const struct rec_mem_input *in, const struct setup *s)
{
	struct rec_reader_options opt = s->opt;
	opt.columns.user = NULL;
	opt.columns.item = NULL;
	opt.need = REC_NEED_LABEL | REC_NEED_SCORE;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	rec_reader *r;
	int rc = rec_reader_open_mem(&r, in, 1, &opt, &err);
	if (rc) {
		CHECK(r == NULL && rc == REC_EINVAL);
		return;
	}
	rec_metrics *mt;
	CHECK(rec_metrics_create(&mt) == 0);
	static struct scored keep[NKEEP];
	uint64_t n = 0;
	double wsum = 0, pos = 0, neg = 0, maxabs = 0;
	int binary = 1;
	long bad = 0;
	struct rec_row row;
	while ((rc = rec_reader_next_good(r, &row, count_bad, &bad,
					  &err)) != 0) {
		if (rc < 0) {
			check_fatal(rc, &err);
			break;
		}
		CHECK(isfinite(row.label) && isfinite(row.score));
		CHECK(isfinite(row.weight) && row.weight >= 0);
		if (opt.task == REC_TASK_BINARY || opt.has_positive)
			CHECK(row.label == 0 || row.label == 1);
		CHECK(rec_metrics_add(mt, row.label, row.score,
				      row.weight) == 0);
		if (n < NKEEP)
			keep[n] = (struct scored){ row.label, row.score,
						   row.weight };
		n++;
		wsum += row.weight;
		pos += row.label == 1 ? row.weight : 0;
		neg += row.label == 0 ? row.weight : 0;
		if (row.label != 0 && row.label != 1)
			binary = 0;
		if (fabs(row.score) > maxabs)
			maxabs = fabs(row.score);
	}
	CHECK(rec_reader_rows(r) == n);
	CHECK(rec_reader_bad_rows(r) == (uint64_t)bad);
	rec_reader_free(r);

	struct rec_metric_values v, again;
	rc = rec_metrics_compute(mt, &v, &err);
	CHECK(v.rows == n);
	if (n == 0) {
		CHECK(rc == REC_EDATA && err.code == REC_EDATA);
		rec_metrics_free(mt);
		return;
	}
	CHECK(rc == 0);
	CHECK(v.weight == wsum);
	CHECK(v.positives == pos);
	CHECK(v.has_auc == (binary && pos > 0 && neg > 0));
	if (v.has_auc) {
		CHECK(in_unit(v.auc));
		if (n <= NKEEP)
			CHECK(close_to(v.auc, plain_pairs(keep, (size_t)n) /
					      (pos * neg)));
	}
	if (v.has_logloss)
		CHECK(isfinite(v.logloss) && v.logloss >= 0);
	if (wsum > 0 && maxabs <= SCORE_BOUND) {
		CHECK(isfinite(v.rmse) && v.rmse >= 0);
		CHECK(isfinite(v.mae) && v.mae >= 0);
		CHECK(isfinite(v.mean_score) && isfinite(v.mean_label));
	}
	/* computing sorts the rows kept: doing it again changes nothing */
	CHECK(rec_metrics_compute(mt, &again, &err) == 0);
	CHECK(memcmp(&v, &again, sizeof(v)) == 0);
	rec_metrics_free(mt);
}

/* ---- ranking ---- */

static void check_rank_values(const struct rec_rank_values *v,
			      const struct setup *s)
{
	CHECK(v->nk == s->nk);
	for (int j = 0; j < v->nk; j++) {
		CHECK(v->ks[j] == s->ks[j]);
		CHECK(in_unit(v->precision[j]) && in_unit(v->recall[j]));
		CHECK(in_unit(v->ndcg[j]) && in_unit(v->map[j]));
		CHECK(in_unit(v->hit[j]));
		if (j > 0 && v->ks[j] > v->ks[j - 1]) {
			/* more room finds no fewer */
			CHECK(v->hit[j] >= v->hit[j - 1]);
			CHECK(v->recall[j] >= v->recall[j - 1] - SLACK);
		}
	}
	CHECK(in_unit(v->mrr));
	CHECK(v->auc_users <= v->users);
	if (v->auc_users)
		CHECK(in_unit(v->auc));
	else
		CHECK(v->auc == 0);
}

/* The groups of the first rows, kept to compute the metrics plainly. */
struct grow {
	const char *id;		/* points into the kept copy */
	size_t len;
	double score;
	int label;
};

struct plain {
	double precision[REC_MAX_KS], recall[REC_MAX_KS], ndcg[REC_MAX_KS];
	double map[REC_MAX_KS], hit[REC_MAX_KS];
	double mrr, auc;
	uint64_t users, auc_users;
};

/* One group's rows, in input order, ranked and added to p. */
static void plain_group(const struct grow *g, size_t n, const struct setup *s,
			struct plain *p)
{
	size_t relevant = 0;
	for (size_t i = 0; i < n; i++)
		relevant += g[i].label;
	if (relevant == 0)
		return;
	p->users++;
	/* ranks: a stable insertion sort, best score first */
	static size_t order[NKEEP];
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		while (j > 0 && g[order[j - 1]].score < g[i].score) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	for (size_t i = 0; i < n; i++)
		if (g[order[i]].label) {
			p->mrr += 1.0 / (double)(i + 1);
			break;
		}
	for (int j = 0; j < s->nk; j++) {
		size_t k = (size_t)s->ks[j];
		double hits = 0, dcg = 0, ap = 0, idcg = 0;
		for (size_t i = 0; i < n && i < k; i++)
			if (g[order[i]].label) {
				hits++;
				dcg += 1 / log2((double)i + 2);
				ap += hits / (double)(i + 1);
			}
		size_t ideal = relevant < k ? relevant : k;
		for (size_t i = 0; i < ideal; i++)
			idcg += 1 / log2((double)i + 2);
		p->precision[j] += hits / (double)k;
		p->recall[j] += hits / (double)relevant;
		p->ndcg[j] += dcg / idcg;
		p->map[j] += ap / (double)ideal;
		p->hit[j] += hits > 0;
	}
	if (relevant == n)
		return;
	double pairs = 0;
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n && g[a].label; b++) {
			if (g[b].label)
				continue;
			if (g[a].score > g[b].score)
				pairs += 1;
			else if (g[a].score == g[b].score)
				pairs += 0.5;
		}
	p->auc += pairs / ((double)relevant * (double)(n - relevant));
	p->auc_users++;
}

/* The ranking metrics of the kept rows, group by group in the order the
 * groups first appear. */
static void plain_ranking(const struct grow *rows, size_t n,
			  const struct setup *s, struct rec_rank_values *v)
{
	static struct grow g[NKEEP];
	static unsigned char done[NKEEP];
	struct plain p;
	memset(&p, 0, sizeof(p));
	memset(done, 0, sizeof(done));
	for (size_t i = 0; i < n; i++) {
		if (done[i])
			continue;
		size_t m = 0;
		for (size_t j = i; j < n; j++)
			if (rows[j].len == rows[i].len &&
			    memcmp(rows[j].id, rows[i].id, rows[i].len) == 0) {
				g[m++] = rows[j];
				done[j] = 1;
			}
		plain_group(g, m, s, &p);
	}
	memset(v, 0, sizeof(*v));
	double u = p.users ? (double)p.users : 1;
	v->users = p.users;
	v->nk = s->nk;
	for (int j = 0; j < s->nk; j++) {
		v->ks[j] = s->ks[j];
		v->precision[j] = p.precision[j] / u;
		v->recall[j] = p.recall[j] / u;
		v->ndcg[j] = p.ndcg[j] / u;
		v->map[j] = p.map[j] / u;
		v->hit[j] = p.hit[j] / u;
	}
	v->mrr = p.mrr / u;
	v->auc_users = p.auc_users;
	if (p.auc_users)
		v->auc = p.auc / (double)p.auc_users;
}

static void check_same_ranking(const struct rec_rank_values *a,
			       const struct rec_rank_values *b)
{
	CHECK(a->users == b->users && a->auc_users == b->auc_users);
	CHECK(a->nk == b->nk);
	for (int j = 0; j < a->nk; j++) {
		CHECK(close_to(a->precision[j], b->precision[j]));
		CHECK(close_to(a->recall[j], b->recall[j]));
		CHECK(close_to(a->ndcg[j], b->ndcg[j]));
		CHECK(close_to(a->map[j], b->map[j]));
		CHECK(close_to(a->hit[j], b->hit[j]));
	}
	CHECK(close_to(a->mrr, b->mrr));
	CHECK(close_to(a->auc, b->auc));
}

/* Reads the rows once more for the plain computation: the first NKEEP,
 * with copies of their group ids in *ids (the caller frees it).  Returns
 * how many rows there were, or -1 when reading stopped on a fatal code. */
static long keep_groups(const struct rec_mem_input *in,
			const struct rec_reader_options *opt,
			struct grow *rows, char **ids)
{
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	rec_reader *r;
	*ids = NULL;
	if (rec_reader_open_mem(&r, in, 1, opt, &err) != 0)
		return -1;
	size_t cap = 0, used = 0;
	long n = 0;
	struct rec_row row;
	int rc;
	/* first pass: the ids' total length; second pass: the copies */
	while ((rc = rec_reader_next_good(r, &row, NULL, NULL, &err)) > 0)
		if (n++ < NKEEP)
			cap += row.user_len;
	rec_reader_free(r);
	if (rc < 0)
		return -1;
	*ids = malloc(cap ? cap : 1);
	CHECK(*ids != NULL);
	CHECK(rec_reader_open_mem(&r, in, 1, opt, &err) == 0);
	for (long i = 0; i < n && i < NKEEP; i++) {
		CHECK(rec_reader_next_good(r, &row, NULL, NULL, &err) == 1);
		memcpy(*ids + used, row.user, row.user_len);
		rows[i] = (struct grow){ *ids + used, row.user_len, row.score,
					 row.label == 1 };
		used += row.user_len;
	}
	rec_reader_free(r);
	return n;
}

static void groups(const struct rec_mem_input *in, const struct setup *s)
{
	struct rec_reader_options opt = s->opt;
	opt.columns.item = NULL;
	opt.need = REC_NEED_USER | REC_NEED_LABEL | REC_NEED_SCORE;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	rec_reader *r;
	int rc = rec_reader_open_mem(&r, in, 1, &opt, &err);
	if (rc) {
		CHECK(r == NULL && rc == REC_EINVAL);
		return;
	}
	rec_ranking *rk;
	CHECK(rec_ranking_create(&rk, s->ks, s->nk) == 0);
	long bad = 0;
	rc = rec_ranking_groups(rk, r, count_bad, &bad, &err);
	CHECK(rec_reader_bad_rows(r) == (uint64_t)bad);
	uint64_t rows = rec_reader_rows(r);
	rec_reader_free(r);
	struct rec_rank_values v;
	rec_ranking_values(rk, &v);
	rec_ranking_free(rk);
	if (rc) {
		/* a failure leaves the ranking as it was: empty */
		check_fatal(rc, &err);
		CHECK(v.users == 0 && v.auc_users == 0);
		return;
	}
	check_rank_values(&v, s);
	CHECK(v.users <= rows);

	static struct grow kept[NKEEP];
	char *ids;
	long n = keep_groups(in, &opt, kept, &ids);
	CHECK(n == (long)rows);
	if (n <= NKEEP) {
		struct rec_rank_values p;
		plain_ranking(kept, (size_t)n, s, &p);
		check_same_ranking(&v, &p);
	}
	free(ids);
}

static void truth(const struct rec_mem_input *in, const struct setup *s)
{
	const uint8_t *data = in->data;
	const uint8_t *ff = memchr(data, '\f', in->len);
	struct rec_mem_input t = *in, recs = *in;
	if (ff) {
		t.len = (size_t)(ff - data);
		recs.data = ff + 1;
		recs.len = in->len - t.len - 1;
	}
	recs.name = "recs.tsv";
	struct rec_reader_options to = s->opt;
	to.columns.label = NULL;
	to.columns.score = NULL;
	to.columns.weight = NULL;
	to.need = REC_NEED_USER | REC_NEED_ITEM;
	struct rec_reader_options ro = to;
	ro.columns = (struct rec_columns){ .user = "1", .item = "2" };
	ro.header = 0;
	ro.csv = 0;

	struct rec_error err;
	memset(&err, 0, sizeof(err));
	rec_reader *tr, *rr;
	if (rec_reader_open_mem(&tr, &t, 1, &to, &err) != 0) {
		CHECK(tr == NULL);
		return;
	}
	CHECK(rec_reader_open_mem(&rr, &recs, 1, &ro, &err) == 0);
	rec_ranking *rk;
	CHECK(rec_ranking_create(&rk, s->ks, s->nk) == 0);
	long bad = 0;
	double coverage = -1;
	int rc = rec_ranking_truth(rk, tr, rr, count_bad, &bad, 0, &coverage,
				   &err);
	CHECK(rec_reader_bad_rows(tr) + rec_reader_bad_rows(rr) ==
	      (uint64_t)bad);
	uint64_t pairs = rec_reader_rows(tr);
	rec_reader_free(tr);
	rec_reader_free(rr);
	struct rec_rank_values v;
	rec_ranking_values(rk, &v);
	rec_ranking_free(rk);
	if (rc) {
		if (rc == REC_EDATA)
			CHECK(err.code == REC_EDATA);
		else
			check_fatal(rc, &err);
		CHECK(coverage == -1);
		CHECK(v.users == 0);
		return;
	}
	CHECK(pairs > 0);
	CHECK(v.users > 0 && v.users <= pairs);
	check_rank_values(&v, s);
	CHECK(v.auc_users == 0);
	CHECK(in_unit(coverage));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct setup s;
	memset(&s, 0, sizeof(s));
	decode_options(size ? data[0] : 0, &s);
	struct rec_mem_input in;
	in.data = size ? data + 1 : data;
	in.len = size ? size - 1 : 0;
	in.name = s.name;
	pointwise(&in, &s);
	groups(&in, &s);
	truth(&in, &s);
	return 0;
}
