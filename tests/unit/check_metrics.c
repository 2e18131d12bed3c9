/*
 * check_metrics.c - unit tests for lib/metrics.c: AUC (ties counted half,
 * weighted), logloss, RMSE, MAE and the means, against numbers worked out
 * by hand in the comments.
 */
#include <math.h>

#include "internal.h"
#include "testutil.h"

#define TOL 1e-12

struct triple {
	double label, score, weight;
};

static void compute(const struct triple *t, size_t n,
		    struct rec_metric_values *v)
{
	rec_metrics *mt;
	ck_assert_int_eq(rec_metrics_create(&mt), 0);
	ck_assert_ptr_nonnull(mt);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(rec_metrics_add(mt, t[i].label, t[i].score,
						 t[i].weight), 0);
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_metrics_compute(mt, v, &err);
	ck_assert_msg(rc == 0, "rec_metrics_compute: %d %s", rc, err.msg);
	ck_assert_uint_eq(v->rows, n);
	rec_metrics_free(mt);
}

/* ---- AUC, hand-worked cases ---- */

struct auc_case {
	const char *what;
	struct triple t[8];
	size_t n;
	double auc;
};

static const struct auc_case auc_cases[] = {
	/* pairs (pos, neg): (.8,.8) tie 1/2, (.8,.3) 1, (.6,.8) 0, (.6,.3) 1:
	 * 2.5 / 4 */
	{ "ties count half",
	  { { 1, 0.8, 1 }, { 0, 0.8, 1 }, { 1, 0.6, 1 }, { 0, 0.3, 1 } }, 4,
	  0.625 },
	/* every pair a tie */
	{ "all scores equal",
	  { { 1, 0.5, 1 }, { 0, 0.5, 1 }, { 0, 0.5, 1 }, { 1, 0.5, 1 },
	    { 0, 0.5, 1 } }, 5, 0.5 },
	{ "perfect",
	  { { 0, 0.1, 1 }, { 1, 0.9, 1 }, { 0, 0.2, 1 }, { 1, 0.7, 1 } }, 4,
	  1 },
	{ "inverted",
	  { { 1, 0.1, 1 }, { 0, 0.9, 1 }, { 1, 0.2, 1 }, { 0, 0.7, 1 } }, 4,
	  0 },
	/* positives .9 (w2), .4 (w1); negatives .5 (w3), .1 (w1).
	 * .9 beats both: 2 * (3 + 1) = 8; .4 beats .1 only: 1 * 1 = 1.
	 * 9 / (3 * 4) = 0.75 */
	{ "weighted",
	  { { 1, 0.9, 2 }, { 1, 0.4, 1 }, { 0, 0.5, 3 }, { 0, 0.1, 1 } }, 4,
	  0.75 },
	/* weighted ties: pos .5 (w2) ties neg .5 (w3): 0.5 * 6 = 3;
	 * pos .5 beats neg .2 (w1): 2; pos .1 (w1) beats nothing.
	 * 5 / (3 * 4) = 5/12 */
	{ "weighted ties",
	  { { 1, 0.5, 2 }, { 0, 0.5, 3 }, { 0, 0.2, 1 }, { 1, 0.1, 1 } }, 4,
	  5.0 / 12 },
	/* a weight 0 row changes nothing: as "perfect" */
	{ "zero weight",
	  { { 0, 0.1, 1 }, { 1, 0.9, 1 }, { 1, 0.0, 0 }, { 0, 0.95, 0 } }, 4,
	  1 },
	/* scores need not be probabilities: order is what counts,
	 * negatives below positives, -0 and +0 tie.
	 * pos -1 beats neg -3 (1) ties nothing; pos +0 ties neg -0 (1/2),
	 * beats neg -3 (1); pos 1e300 beats both (2): 4.5 / (3 * 2) */
	{ "signed and huge scores",
	  { { 1, -1, 1 }, { 0, -3, 1 }, { 1, 0.0, 1 }, { 0, -0.0, 1 },
	    { 1, 1e300, 1 } }, 5, 4.5 / 6 },
};

START_TEST(test_auc_cases)
{
	const struct auc_case *c = &auc_cases[_i];
	struct rec_metric_values v;
	compute(c->t, c->n, &v);
	ck_assert_msg(v.has_auc, "%s: no auc", c->what);
	ck_assert_msg(fabs(v.auc - c->auc) < TOL, "%s: auc %.17g, want %.17g",
		      c->what, v.auc, c->auc);
}
END_TEST

/* The AUC with a weight-2 row equals the AUC with that row twice. */
START_TEST(test_auc_weight_is_repeat)
{
	struct triple a[] = { { 1, 0.3, 2 }, { 0, 0.4, 1 }, { 1, 0.7, 1 },
			      { 0, 0.3, 1 }, { 0, 0.1, 1 } };
	struct triple b[] = { { 1, 0.3, 1 }, { 1, 0.3, 1 }, { 0, 0.4, 1 },
			      { 1, 0.7, 1 }, { 0, 0.3, 1 }, { 0, 0.1, 1 } };
	struct rec_metric_values va, vb;
	compute(a, TU_ARRAY_LEN(a), &va);
	compute(b, TU_ARRAY_LEN(b), &vb);
	/* pos .3 (x2): beats .1, ties .3, loses to .4: 2 * 1.5 = 3;
	 * pos .7 beats all 3 negatives: 3.  6 / (3 * 3) = 2/3 */
	ck_assert_double_eq_tol(va.auc, 2.0 / 3, TOL);
	ck_assert_double_eq_tol(vb.auc, 2.0 / 3, TOL);
	ck_assert_double_eq_tol(va.weight, 6, TOL);
	ck_assert_double_eq_tol(va.positives, 3, TOL);
}
END_TEST

/*
 * AUC against the plain count over all pairs, on many rows with many ties
 * and scores of every sign and size (which the sort must order).  Rows
 * without weights are kept apart from weighted ones, so: all weights 1;
 * weights from the first row; weights 1 until a last weighted row.
 */
enum { W_NONE, W_ALL, W_LAST };

START_TEST(test_auc_brute_force)
{
	static const double values[] = { -1e300, -5.5, -1, -1e-300, -0.0, 0,
		1e-310, 0.25, 0.5, 0.5000000000000001, 1, 3, 1e10, 1e300 };
	enum { N = 3000 };
	struct triple *t = malloc(N * sizeof(*t));
	ck_assert_ptr_nonnull(t);
	struct rec_rng r;
	rec_rng_seed(&r, 31 + (uint64_t)_i);
	for (int k = 0; k < N; k++) {
		t[k].label = (double)rec_rng_below(&r, 2);
		t[k].score = values[rec_rng_below(&r, TU_ARRAY_LEN(values))];
		t[k].weight = _i == W_ALL
			? (double)rec_rng_below(&r, 4) * 0.5 : 1;
	}
	if (_i == W_LAST)
		t[N - 1].weight = 2.5;
	double pairs = 0, pos = 0, neg = 0;
	for (int i = 0; i < N; i++) {
		if (t[i].label == 1)
			pos += t[i].weight;
		else
			neg += t[i].weight;
		if (t[i].label != 1)
			continue;
		for (int j = 0; j < N; j++) {
			if (t[j].label != 0)
				continue;
			double w = t[i].weight * t[j].weight;
			if (t[i].score > t[j].score)
				pairs += w;
			else if (t[i].score == t[j].score)
				pairs += 0.5 * w;
		}
	}
	struct rec_metric_values v;
	compute(t, N, &v);
	ck_assert(v.has_auc);
	ck_assert_double_eq_tol(v.auc, pairs / (pos * neg), 1e-12);
	ck_assert_double_eq_tol(v.positives, pos, 1e-9);
	ck_assert_double_eq_tol(v.weight, pos + neg, 1e-9);
	free(t);
}
END_TEST

/* A label other than 0 or 1 after binary ones rules AUC out for good, and
 * the other values still count every row. */
START_TEST(test_auc_labels_turn_non_binary)
{
	/* labels 1, 0, 1, 2; scores .9, .1, .5, 2: errors -.1, .1, -.5, 0:
	 * mae (0.1 + 0.1 + 0.5) / 4 = 0.175, mean label 1 */
	struct triple a[] = { { 1, 0.9, 1 }, { 0, 0.1, 1 }, { 1, 0.5, 1 },
			      { 2, 2, 1 } };
	struct rec_metric_values v;
	compute(a, 4, &v);
	ck_assert_int_eq(v.has_auc, 0);
	ck_assert_int_eq(v.has_logloss, 0);
	ck_assert_uint_eq(v.rows, 4);
	ck_assert_double_eq_tol(v.mae, 0.175, TOL);
	ck_assert_double_eq_tol(v.mean_label, 1, TOL);
	/* and binary rows after it do not bring it back */
	struct triple b[] = { { 2, 2, 1 }, { 1, 0.9, 1 }, { 0, 0.1, 2 } };
	compute(b, 3, &v);
	ck_assert_int_eq(v.has_auc, 0);
	ck_assert_uint_eq(v.rows, 3);
	ck_assert_double_eq_tol(v.weight, 4, TOL);
}
END_TEST

START_TEST(test_auc_absent)
{
	struct rec_metric_values v;
	/* one class only */
	struct triple pos[] = { { 1, 0.2, 1 }, { 1, 0.9, 1 } };
	compute(pos, 2, &v);
	ck_assert_int_eq(v.has_auc, 0);
	ck_assert_double_eq_tol(v.positives, 2, TOL);
	struct triple neg[] = { { 0, 0.2, 1 }, { 0, 0.9, 1 } };
	compute(neg, 2, &v);
	ck_assert_int_eq(v.has_auc, 0);
	ck_assert_double_eq_tol(v.positives, 0, TOL);
	/* the other class present only with weight 0 */
	struct triple zero[] = { { 1, 0.2, 1 }, { 0, 0.9, 0 } };
	compute(zero, 2, &v);
	ck_assert_int_eq(v.has_auc, 0);
	/* labels not binary: no AUC, no logloss */
	struct triple reg[] = { { 1, 0.2, 1 }, { 0, 0.9, 1 }, { 3, 0.5, 1 } };
	compute(reg, 3, &v);
	ck_assert_int_eq(v.has_auc, 0);
	ck_assert_int_eq(v.has_logloss, 0);
}
END_TEST

/* ---- logloss ---- */

START_TEST(test_logloss)
{
	struct rec_metric_values v;
	/* -(ln 0.8 + ln 0.6) / 2 = (0.22314355131420976 +
	 * 0.51082562376599072) / 2 = 0.36698458754010024 */
	struct triple a[] = { { 1, 0.8, 1 }, { 0, 0.4, 1 } };
	compute(a, 2, &v);
	ck_assert(v.has_logloss);
	ck_assert_double_eq_tol(v.logloss, 0.36698458754010024, TOL);
	/* weighted: (3 * 0.22314355131420976 + 0.51082562376599072) / 4 =
	 * 0.29506406942715496 */
	struct triple b[] = { { 1, 0.8, 3 }, { 0, 0.4, 1 } };
	compute(b, 2, &v);
	ck_assert_double_eq_tol(v.logloss, 0.29506406942715496, TOL);
	/* a score of 0.5: ln 2 whatever the label */
	struct triple c[] = { { 1, 0.5, 1 }, { 0, 0.5, 1 } };
	compute(c, 2, &v);
	ck_assert_double_eq_tol(v.logloss, M_LN2, TOL);
	/* perfect scores: 0 (to within the clamp) */
	struct triple d[] = { { 1, 1, 1 }, { 0, 0, 1 } };
	compute(d, 2, &v);
	ck_assert(v.has_logloss);
	ck_assert_double_eq_tol(v.logloss, 0, 1e-14);
}
END_TEST

/* Soft labels: logloss, RMSE, MAE and the mean label against the label
 * itself, AUC and positives by the class given. */
START_TEST(test_soft_labels)
{
	rec_metrics *mt;
	ck_assert_int_eq(rec_metrics_create(&mt), 0);
	/* (label, class, score): (0.8, 1, 0.6), (0.3, 0, 0.2), (0.5, 1, 0.4) */
	ck_assert_int_eq(rec_metrics_add_soft(mt, 0.8, 1, 0.6, 1), 0);
	ck_assert_int_eq(rec_metrics_add_soft(mt, 0.3, 0, 0.2, 1), 0);
	ck_assert_int_eq(rec_metrics_add_soft(mt, 0.5, 1, 0.4, 2), 0);
	ck_assert_int_eq(rec_metrics_add_soft(mt, 1.5, 1, 0.4, 1), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_add_soft(mt, -0.1, 0, 0.4, 1),
			 REC_EINVAL);
	ck_assert_int_eq(rec_metrics_add_soft(mt, NAN, 0, 0.4, 1), REC_EINVAL);
	struct rec_metric_values v;
	ck_assert_int_eq(rec_metrics_compute(mt, &v, NULL), 0);
	ck_assert_uint_eq(v.rows, 3);
	ck_assert_double_eq(v.positives, 3);
	ck_assert(v.has_auc);
	ck_assert_double_eq(v.auc, 1);
	ck_assert(v.has_logloss);
	double want = -(0.8 * log(0.6) + 0.2 * log(0.4) +
			0.3 * log(0.2) + 0.7 * log(0.8) +
			2 * (0.5 * log(0.4) + 0.5 * log(0.6))) / 4;
	ck_assert_double_eq_tol(v.logloss, want, TOL);
	ck_assert_double_eq_tol(v.rmse, sqrt((0.04 + 0.01 + 2 * 0.01) / 4),
				TOL);
	ck_assert_double_eq_tol(v.mae, (0.2 + 0.1 + 2 * 0.1) / 4, TOL);
	ck_assert_double_eq_tol(v.mean_label, (0.8 + 0.3 + 1.0) / 4, TOL);
	rec_metrics_free(mt);

	/* 0/1 labels whose class is themselves count as rec_metrics_add
	 * counts them, bit for bit */
	rec_metrics *a, *b;
	ck_assert_int_eq(rec_metrics_create(&a), 0);
	ck_assert_int_eq(rec_metrics_create(&b), 0);
	static const double rows[][3] = { { 1, 0.7, 1 }, { 0, 0.3, 2 },
					  { 1, 0.2, 0.5 }, { 0, 0.9, 1 },
					  { 1, 0, 1 }, { 0, 1, 1 } };
	for (size_t i = 0; i < TU_ARRAY_LEN(rows); i++) {
		ck_assert_int_eq(rec_metrics_add(a, rows[i][0], rows[i][1],
						 rows[i][2]), 0);
		ck_assert_int_eq(rec_metrics_add_soft(b, rows[i][0],
						      rows[i][0] == 1,
						      rows[i][1], rows[i][2]),
				 0);
	}
	struct rec_metric_values va, vb;
	ck_assert_int_eq(rec_metrics_compute(a, &va, NULL), 0);
	ck_assert_int_eq(rec_metrics_compute(b, &vb, NULL), 0);
	ck_assert_mem_eq(&va, &vb, sizeof(va));
	rec_metrics_free(a);
	rec_metrics_free(b);
}
END_TEST

START_TEST(test_logloss_clamped)
{
	/* scores 0 and 1 on the wrong labels are clamped 1e-15 away from
	 * certainty.  Score 0, label 1: -ln(1e-15) = 15 ln 10 =
	 * 34.538776394910684.  Score 1, label 0: 1 - 1e-15 is the double
	 * 1 - 9 * 2^-53, so the loss is -ln(9 * 2^-53) = 53 ln 2 - ln 9 =
	 * 34.539575992340880.  Both finite. */
	struct rec_metric_values v;
	struct triple a[] = { { 1, 0, 1 } };
	compute(a, 1, &v);
	ck_assert(v.has_logloss);
	ck_assert(isfinite(v.logloss));
	ck_assert_double_eq_tol(v.logloss, 34.538776394910684, 1e-9);
	struct triple b[] = { { 0, 1, 1 } };
	compute(b, 1, &v);
	ck_assert(isfinite(v.logloss));
	ck_assert_double_eq_tol(v.logloss, 34.539575992340880, 1e-9);
	/* one wrong-certain row among three right-certain ones (each of
	 * those about 1e-15): 34.539575992340880 / 4 = 8.634893998085220 */
	struct triple c[] = { { 0, 1, 1 }, { 1, 1, 1 }, { 0, 0, 1 },
			      { 1, 1, 1 } };
	compute(c, 4, &v);
	ck_assert_double_eq_tol(v.logloss, 8.634893998085220, 1e-9);
	/* scores outside [0, 1] are not probabilities: no logloss */
	struct triple d[] = { { 1, 0.5, 1 }, { 0, 1.5, 1 } };
	compute(d, 2, &v);
	ck_assert_int_eq(v.has_logloss, 0);
	ck_assert(v.has_auc);
	struct triple e[] = { { 1, -0.1, 1 }, { 0, 0.5, 1 } };
	compute(e, 2, &v);
	ck_assert_int_eq(v.has_logloss, 0);
}
END_TEST

/* ---- regression metrics and means ---- */

START_TEST(test_rmse_mae)
{
	struct rec_metric_values v;
	/* errors (score - label): -0.5, 0, 2.
	 * rmse = sqrt((0.25 + 0 + 4) / 3) = sqrt(1.4166666666666667)
	 *      = 1.1902380714238083
	 * mae = (0.5 + 0 + 2) / 3 = 0.83333333333333337
	 * mean score (2.5 + 5 + 4) / 3 = 3.8333333333333335,
	 * mean label (3 + 5 + 2) / 3 = 3.3333333333333335 */
	struct triple a[] = { { 3, 2.5, 1 }, { 5, 5, 1 }, { 2, 4, 1 } };
	compute(a, 3, &v);
	ck_assert_double_eq_tol(v.rmse, 1.1902380714238083, TOL);
	ck_assert_double_eq_tol(v.mae, 0.83333333333333337, TOL);
	ck_assert_double_eq_tol(v.mean_score, 3.8333333333333335, TOL);
	ck_assert_double_eq_tol(v.mean_label, 3.3333333333333335, TOL);
	ck_assert_double_eq_tol(v.weight, 3, TOL);
	ck_assert_int_eq(v.has_auc, 0);
	/* weights 1, 1, 2: rmse = sqrt((0.25 + 0 + 2 * 4) / 4)
	 * = sqrt(2.0625) = 1.4361406616345072; mae = (0.5 + 2 * 2) / 4
	 * = 1.125; mean score (2.5 + 5 + 8) / 4 = 3.875;
	 * mean label (3 + 5 + 4) / 4 = 3 */
	struct triple b[] = { { 3, 2.5, 1 }, { 5, 5, 1 }, { 2, 4, 2 } };
	compute(b, 3, &v);
	ck_assert_double_eq_tol(v.rmse, 1.4361406616345072, TOL);
	ck_assert_double_eq_tol(v.mae, 1.125, TOL);
	ck_assert_double_eq_tol(v.mean_score, 3.875, TOL);
	ck_assert_double_eq_tol(v.mean_label, 3, TOL);
	ck_assert_double_eq_tol(v.weight, 4, TOL);
	/* binary: labels 1, 0, 1 scores .9, .2, .4 (w 1, 1, 2).
	 * squared errors .01, .04, .36 -> (0.01 + 0.04 + 0.72) / 4 =
	 * 0.1925, rmse 0.43874821936960613; mae (0.1 + 0.2 + 1.2) / 4 =
	 * 0.375; mean label 3/4; mean score (0.9 + 0.2 + 0.8) / 4 = 0.475;
	 * positives 3 */
	struct triple c[] = { { 1, 0.9, 1 }, { 0, 0.2, 1 }, { 1, 0.4, 2 } };
	compute(c, 3, &v);
	ck_assert_double_eq_tol(v.rmse, 0.43874821936960613, TOL);
	ck_assert_double_eq_tol(v.mae, 0.375, TOL);
	ck_assert_double_eq_tol(v.mean_label, 0.75, TOL);
	ck_assert_double_eq_tol(v.mean_score, 0.475, TOL);
	ck_assert_double_eq_tol(v.positives, 3, TOL);
	ck_assert(v.has_auc);
	ck_assert_double_eq_tol(v.auc, 1, TOL);
}
END_TEST

/* ---- argument checks ---- */

START_TEST(test_bad_input)
{
	rec_metrics *mt;
	ck_assert_int_eq(rec_metrics_create(&mt), 0);
	struct rec_metric_values v;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	/* nothing added */
	ck_assert_int_eq(rec_metrics_compute(mt, &v, &err), REC_EDATA);
	ck_assert_int_eq(err.code, REC_EDATA);
	ck_assert_uint_eq(v.rows, 0);
	/* refused rows leave no trace */
	ck_assert_int_eq(rec_metrics_add(mt, NAN, 0.5, 1), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_add(mt, INFINITY, 0.5, 1), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_add(mt, 1, NAN, 1), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_add(mt, 1, -INFINITY, 1), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_add(mt, 1, 0.5, -1), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_add(mt, 1, 0.5, NAN), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_add(mt, 1, 0.5, INFINITY), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_compute(mt, &v, &err), REC_EDATA);
	ck_assert_int_eq(rec_metrics_add(mt, 1, 0.75, 1), 0);
	ck_assert_int_eq(rec_metrics_add(mt, 0, 0.25, 1), 0);
	ck_assert_int_eq(rec_metrics_compute(mt, &v, &err), 0);
	ck_assert_uint_eq(v.rows, 2);
	ck_assert_double_eq_tol(v.weight, 2, TOL);
	ck_assert_double_eq_tol(v.auc, 1, TOL);
	/* mae 0.25 each */
	ck_assert_double_eq_tol(v.mae, 0.25, TOL);
	rec_metrics_free(mt);
	rec_metrics_free(NULL);
}
END_TEST

/* Many rows: storage grows past its first block, and computing twice
 * gives the same values. */
START_TEST(test_many_rows)
{
	rec_metrics *mt;
	ck_assert_int_eq(rec_metrics_create(&mt), 0);
	enum { N = 200000 };
	/* score i / N, label 1 for odd i: the positives sit just above a
	 * negative each.  Pairs won: positive 2j+1 beats negatives
	 * 0, 2, ..., 2j: j + 1 of them; sum over j < N/2 of (j + 1) =
	 * (N/2)(N/2 + 1)/2, over (N/2)^2 pairs: (N/2 + 1) / N */
	for (int i = 0; i < N; i++)
		TU_CHECK(rec_metrics_add(mt, i % 2, (double)i / N, 1) == 0,
			 "add %d", i);
	struct rec_metric_values v, w;
	struct rec_error err;
	ck_assert_int_eq(rec_metrics_compute(mt, &v, &err), 0);
	ck_assert_uint_eq(v.rows, N);
	ck_assert_double_eq_tol(v.auc, (N / 2.0 + 1) / N, 1e-12);
	ck_assert_double_eq_tol(v.positives, N / 2.0, TOL);
	ck_assert_double_eq_tol(v.mean_label, 0.5, TOL);
	ck_assert_int_eq(rec_metrics_compute(mt, &w, &err), 0);
	ck_assert(memcmp(&v, &w, sizeof(v)) == 0);
	rec_metrics_free(mt);
}
END_TEST

/*
 * Out of memory: fail each allocation in turn of a run of rec_metrics_add
 * calls, retry the call that failed, and the figures must come out exactly
 * as in a run without failures: a failed call changes nothing.  The rows
 * are enough for the lists to grow and, in the mixed run, for the switch
 * to weighted rows to grow a list half-way through moving the rows.
 */
enum { OOM_UNWEIGHTED, OOM_MIXED, OOM_WEIGHTED };
#define OOM_ROWS 150000

static double oom_weight(int variant, size_t i)
{
	if (variant == OOM_UNWEIGHTED ||
	    (variant == OOM_MIXED && i < 100000))
		return 1;
	return 0.25 * (double)(i % 7);
}

/* One run failing allocation fail_at (0: none); how many calls failed. */
static long oom_run(int variant, long fail_at, struct rec_metric_values *v)
{
	long failures = 0;
	rec_alloc_fail_at(fail_at, 0);
	rec_metrics *mt;
	while (rec_metrics_create(&mt) != 0)
		failures++;
	for (size_t i = 0; i < OOM_ROWS; i++) {
		double label = i % 3 == 0;
		double score = (double)((i * 7919) % 1000) / 1000;
		int rc;
		while ((rc = rec_metrics_add(mt, label, score,
					     oom_weight(variant, i))) ==
		       REC_ENOMEM)
			failures++;
		TU_CHECK(rc == 0, "row %zu: %d", i, rc);
	}
	int rc;
	while ((rc = rec_metrics_compute(mt, v, NULL)) == REC_ENOMEM)
		failures++;
	rec_alloc_fail_at(0, 0);
	ck_assert_int_eq(rc, 0);
	rec_metrics_free(mt);
	return failures;
}

START_TEST(test_oom_retry)
{
	struct rec_metric_values want, got;
	ck_assert_int_eq(oom_run(_i, 0, &want), 0);
	ck_assert(want.has_auc && want.has_logloss);
	long nth;
	for (nth = 1;; nth++) {
		long failures = oom_run(_i, nth, &got);
		if (failures == 0)
			break;	/* past the last allocation */
		ck_assert_int_eq(failures, 1);
		/* exact: the same rows summed in the same order */
		ck_assert_msg(got.rows == want.rows &&
			      got.weight == want.weight &&
			      got.positives == want.positives &&
			      got.has_auc == want.has_auc &&
			      got.auc == want.auc &&
			      got.has_logloss == want.has_logloss &&
			      got.logloss == want.logloss &&
			      got.rmse == want.rmse && got.mae == want.mae &&
			      got.mean_score == want.mean_score &&
			      got.mean_label == want.mean_label,
			      "allocation %ld failed: rows %llu auc %.17g, "
			      "want rows %llu auc %.17g", nth,
			      (unsigned long long)got.rows, got.auc,
			      (unsigned long long)want.rows, want.auc);
	}
	/* create, both classes' lists and their growth, the sort */
	ck_assert_int_ge(nth, 5);
}
END_TEST

/*
 * Two threads: the same values and curves as one, to the bit, for rows
 * enough that each class is sorted in a thread of its own; rows added
 * after a compute are counted too.  _i: THR_UNIT, weights from the middle
 * on (the switch to weighted rows in the counting thread), soft labels,
 * or labels turning non-binary.
 */
enum { THR_UNIT, THR_WEIGHTED, THR_SOFT, THR_NON_BINARY, THR_LAST };
#define THR_ROWS 300000

static void thread_rows(rec_metrics *mt, int variant, size_t from,
			size_t to)
{
	uint64_t x = 7 + from;
	for (size_t i = from; i < to; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		double score = (double)(x >> 40) / (double)(1u << 24);
		double label = (x >> 20) % 3 == 0 || score > 0.8;
		double weight = variant == THR_WEIGHTED && i > THR_ROWS / 2
				? 0.5 * (double)(i % 5) : 1;
		int rc;
		if (variant == THR_SOFT)
			rc = rec_metrics_add_soft(mt, 0.9 * label + 0.05,
						  label == 1, score, weight);
		else
			rc = rec_metrics_add(mt, variant == THR_NON_BINARY &&
						 i == THR_ROWS / 3 ? 2 : label,
					     score, weight);
		TU_CHECK(rc == 0, "row %zu: %d", i, rc);
	}
}

static void thread_run(int threads, int variant,
		       struct rec_metric_values v[2], struct rec_curve *roc)
{
	rec_metrics *mt;
	ck_assert_int_eq(rec_metrics_create(&mt), 0);
	ck_assert_int_eq(rec_metrics_set_threads(mt, threads), 0);
	thread_rows(mt, variant, 0, THR_ROWS / 2);
	ck_assert_int_eq(rec_metrics_compute(mt, &v[0], NULL), 0);
	thread_rows(mt, variant, THR_ROWS / 2, THR_ROWS);
	ck_assert_int_eq(rec_metrics_compute(mt, &v[1], NULL), 0);
	memset(roc, 0, sizeof(*roc));
	if (v[1].has_auc)
		ck_assert_int_eq(rec_metrics_curve(mt, REC_CURVE_ROC, 500, roc,
						   NULL), 0);
	/* no rows were added, or a thread is running: too late */
	ck_assert_int_eq(rec_metrics_set_threads(mt, 1), REC_EINVAL);
	rec_metrics_free(mt);
}

START_TEST(test_threads_same_values)
{
	struct rec_metric_values one[2], two[2];
	struct rec_curve roc1, roc2;
	thread_run(1, _i, one, &roc1);
	thread_run(2, _i, two, &roc2);
	ck_assert_uint_eq(two[1].rows, THR_ROWS);
	ck_assert_int_eq(two[1].has_auc, _i != THR_NON_BINARY);
	for (int k = 0; k < 2; k++)
		ck_assert(memcmp(&one[k], &two[k], sizeof(one[k])) == 0);
	ck_assert_uint_eq(roc1.n, roc2.n);
	ck_assert(roc1.area == roc2.area && roc1.groups == roc2.groups);
	ck_assert(roc1.n == 0 ||
		  memcmp(roc1.points, roc2.points,
			 roc1.n * sizeof(*roc1.points)) == 0);
	rec_curve_free(&roc1);
	rec_curve_free(&roc2);
}
END_TEST

/* A bad row is refused at once, with two threads as with one; the thread
 * count is set before the first row. */
START_TEST(test_threads_bad_input)
{
	rec_metrics *mt;
	ck_assert_int_eq(rec_metrics_create(&mt), 0);
	ck_assert_int_eq(rec_metrics_set_threads(mt, 0), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_set_threads(mt, 3), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_set_threads(mt, 2), 0);
	ck_assert_int_eq(rec_metrics_set_threads(mt, 2), 0);
	ck_assert_int_eq(rec_metrics_add(mt, 1, NAN, 1), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_add(mt, 1, 0.5, -1), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_add_soft(mt, 1.5, 1, 0.5, 1), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_add(mt, 1, 0.75, 1), 0);
	ck_assert_int_eq(rec_metrics_add(mt, 0, 0.25, 1), 0);
	ck_assert_int_eq(rec_metrics_set_threads(mt, 1), REC_EINVAL);
	struct rec_metric_values v;
	ck_assert_int_eq(rec_metrics_compute(mt, &v, NULL), 0);
	ck_assert_uint_eq(v.rows, 2);
	ck_assert(v.has_auc && v.auc == 1);
	rec_metrics_free(mt);
}
END_TEST

/* An allocation that fails in the counting thread: a later add or the
 * compute says so, never a value computed without the row. */
START_TEST(test_threads_oom)
{
	int refused = 0;
	for (long nth = 1; nth < 12; nth++) {
		rec_metrics *mt;
		ck_assert_int_eq(rec_metrics_create(&mt), 0);
		ck_assert_int_eq(rec_metrics_set_threads(mt, 2), 0);
		rec_alloc_fail_at(nth, 0);
		int failed = 0;
		for (size_t i = 0; i < OOM_ROWS && !failed; i++)
			failed = rec_metrics_add(mt, i % 3 == 0,
						 (double)(i % 1000) / 1000,
						 i > 100000 ? 0.5 : 1) ==
				 REC_ENOMEM;
		struct rec_metric_values v;
		int rc = rec_metrics_compute(mt, &v, NULL);
		rec_alloc_fail_at(0, 0);
		if (!failed && rc == 0) {
			/* past the last allocation: every row counted */
			ck_assert_uint_eq(v.rows, OOM_ROWS);
			rec_metrics_free(mt);
			break;
		}
		ck_assert_int_eq(rc, REC_ENOMEM);
		refused++;
		rec_metrics_free(mt);
	}
	/* the lists' first blocks and their growth */
	ck_assert_int_ge(refused, 3);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("auc");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_auc_cases, 0,
			    (int)TU_ARRAY_LEN(auc_cases));
	tcase_add_test(tc, test_auc_weight_is_repeat);
	tcase_add_loop_test(tc, test_auc_brute_force, W_NONE, W_LAST + 1);
	tcase_add_test(tc, test_auc_labels_turn_non_binary);
	tcase_add_test(tc, test_auc_absent);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_logloss);
	tcase_add_test(tc, test_logloss_clamped);
	tcase_add_test(tc, test_soft_labels);
	tcase_add_test(tc, test_rmse_mae);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_many_rows);
	suite_add_tcase(s, tc);

	tc = tcase_create("out of memory");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_oom_retry, OOM_UNWEIGHTED,
			    OOM_WEIGHTED + 1);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_threads_same_values, THR_UNIT, THR_LAST);
	tcase_add_test(tc, test_threads_bad_input);
	tcase_add_test(tc, test_threads_oom);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(metrics_suite)
