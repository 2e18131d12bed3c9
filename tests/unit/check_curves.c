/*
 * check_curves.c - unit tests for lib/curves.c: ROC and precision-recall
 * points, their areas, the reduction to a bounded number of points, and
 * the reliability bins, against a case worked out by hand (and checked
 * once against scikit-learn 1.2's roc_curve, precision_recall_curve,
 * average_precision_score and calibration_curve, which give the same
 * points, 0.78125, 0.816667 and the same bins).
 */
#include <math.h>

#include "internal.h"
#include "testutil.h"

#define TOL 1e-12

/* Positives .9 .8 .6 .3, negatives .7 .6 .2 .1: from the top, the groups
 * (fp, tp) after each are .9 (0,1), .8 (0,2), .7 (1,2), .6 (2,3) - a tie
 * of both classes, one diagonal step - .3 (2,4), .2 (3,4), .1 (4,4).
 * AUC: .9 and .8 beat 4 negatives each, .6 beats 2 and ties 1, .3 beats
 * 2: 12.5 / 16. */
static const double hand_label[] = { 1, 1, 1, 1, 0, 0, 0, 0 };
static const double hand_score[] = { .9, .8, .6, .3, .7, .6, .2, .1 };

static rec_metrics *hand_metrics(double weight)
{
	rec_metrics *mt;
	ck_assert_int_eq(rec_metrics_create(&mt), 0);
	for (size_t i = 0; i < TU_ARRAY_LEN(hand_label); i++)
		ck_assert_int_eq(rec_metrics_add(mt, hand_label[i],
						 hand_score[i], weight), 0);
	return mt;
}

static void expect_points(const struct rec_curve *c,
			  const struct rec_point *want, size_t n)
{
	ck_assert_uint_eq(c->n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(fabs(c->points[i].x - want[i].x) < TOL &&
			      fabs(c->points[i].y - want[i].y) < TOL,
			      "point %zu is (%g, %g), want (%g, %g)", i,
			      c->points[i].x, c->points[i].y, want[i].x,
			      want[i].y);
}

/* _i: the weight of every row (1: bare keys, 2: weighted rows). */
START_TEST(test_roc_by_hand)
{
	rec_metrics *mt = hand_metrics(_i);
	struct rec_curve c;
	struct rec_error err;
	ck_assert_int_eq(rec_metrics_curve(mt, REC_CURVE_ROC, 0, &c, &err), 0);
	/* (0, 1) lies between (0, 0) and (0, 2), (3, 4) between (2, 4) and
	 * (4, 4): left out */
	static const struct rec_point want[] = {
		{ 0, 0 }, { 0, .5 }, { .25, .5 }, { .5, .75 }, { .5, 1 },
		{ 1, 1 } };
	expect_points(&c, want, TU_ARRAY_LEN(want));
	ck_assert_uint_eq(c.groups, 7);
	ck_assert_double_eq_tol(c.area, 0.78125, TOL);
	rec_curve_free(&c);
	rec_curve_free(&c);	/* twice is harmless */
	rec_metrics_free(mt);
}
END_TEST

START_TEST(test_pr_by_hand)
{
	rec_metrics *mt = hand_metrics(_i);
	struct rec_curve c;
	ck_assert_int_eq(rec_metrics_curve(mt, REC_CURVE_PR, 0, &c, NULL), 0);
	/* (recall, precision) after each group: (.25, 1), (.5, 1),
	 * (.5, 2/3), (.75, .6), (1, 2/3), (1, 4/7), (1, .5), from (0, 1);
	 * (.25, 1) and (1, 4/7) lie on lines and are left out */
	static const struct rec_point want[] = {
		{ 0, 1 }, { .5, 1 }, { .5, 2.0 / 3 }, { .75, .6 },
		{ 1, 2.0 / 3 }, { 1, .5 } };
	expect_points(&c, want, TU_ARRAY_LEN(want));
	/* average precision: (1 + 1 + .6 + 2/3) / 4 */
	ck_assert_double_eq_tol(c.area, (1 + 1 + .6 + 2.0 / 3) / 4, TOL);
	rec_curve_free(&c);
	rec_metrics_free(mt);
}
END_TEST

START_TEST(test_calibration_by_hand)
{
	rec_metrics *mt = hand_metrics(_i);
	struct rec_calibration_bin b[4];
	ck_assert_int_eq(rec_metrics_calibration(mt, 4, b, NULL), 0);
	/* [0, .25): .2 .1, no positive; [.25, .5): .3, a positive;
	 * [.5, .75): .6 .7 .6, one positive; [.75, 1]: .9 .8, positives */
	static const uint64_t rows[] = { 2, 1, 3, 2 };
	static const double mean[] = { .15, .3, 1.9 / 3, .85 };
	static const double rate[] = { 0, 1, 1.0 / 3, 1 };
	for (int i = 0; i < 4; i++) {
		ck_assert_double_eq_tol(b[i].lo, i / 4.0, TOL);
		ck_assert_double_eq_tol(b[i].hi, (i + 1) / 4.0, TOL);
		ck_assert_uint_eq(b[i].rows, rows[i]);
		ck_assert_double_eq_tol(b[i].weight, (double)rows[i] * _i,
					TOL);
		ck_assert_double_eq_tol(b[i].mean_score, mean[i], TOL);
		ck_assert_double_eq_tol(b[i].positive_rate, rate[i], TOL);
	}
	rec_metrics_free(mt);
}
END_TEST

/* Scores of 1 exactly fall in the last bin; an empty bin has no means. */
START_TEST(test_calibration_edges)
{
	rec_metrics *mt;
	ck_assert_int_eq(rec_metrics_create(&mt), 0);
	ck_assert_int_eq(rec_metrics_add(mt, 1, 1.0, 1), 0);
	ck_assert_int_eq(rec_metrics_add(mt, 0, 0.0, 1), 0);
	struct rec_calibration_bin b[3];
	ck_assert_int_eq(rec_metrics_calibration(mt, 3, b, NULL), 0);
	ck_assert_uint_eq(b[0].rows, 1);
	ck_assert_uint_eq(b[1].rows, 0);
	ck_assert_double_eq(b[1].weight, 0);
	ck_assert_uint_eq(b[2].rows, 1);
	ck_assert_double_eq(b[2].positive_rate, 1);
	struct rec_error err;
	ck_assert_int_eq(rec_metrics_calibration(mt, 0, b, &err), REC_EINVAL);
	ck_assert_int_eq(rec_metrics_calibration(mt, REC_MAX_BINS + 1, b,
						 &err), REC_EINVAL);
	/* a margin: no probabilities */
	ck_assert_int_eq(rec_metrics_add(mt, 1, 2.5, 1), 0);
	ck_assert_int_eq(rec_metrics_calibration(mt, 3, b, &err), REC_EDATA);
	ck_assert(strstr(err.msg, "[0, 1]") != NULL);
	rec_metrics_free(mt);
}
END_TEST

/* One class, or labels that are not 0/1: no curve. */
START_TEST(test_no_curve)
{
	rec_metrics *mt;
	struct rec_curve c;
	struct rec_error err;
	ck_assert_int_eq(rec_metrics_create(&mt), 0);
	ck_assert_int_eq(rec_metrics_add(mt, 1, 0.5, 1), 0);
	ck_assert_int_eq(rec_metrics_curve(mt, REC_CURVE_ROC, 0, &c, &err),
			 REC_EDATA);
	ck_assert_ptr_null(c.points);
	ck_assert_int_eq(rec_metrics_add(mt, 0, 0.5, 0), 0);
	ck_assert_int_eq(rec_metrics_curve(mt, REC_CURVE_PR, 0, &c, &err),
			 REC_EDATA);	/* negatives of weight 0 */
	ck_assert_int_eq(rec_metrics_add(mt, 3, 0.5, 1), 0);
	ck_assert_int_eq(rec_metrics_curve(mt, REC_CURVE_ROC, 0, &c, &err),
			 REC_EDATA);
	ck_assert_int_eq(rec_metrics_curve(mt, REC_CURVE_ROC, -1, &c, &err),
			 REC_EINVAL);
	rec_metrics_free(mt);
}
END_TEST

/*
 * Many rows with ties and weights: the ROC area is the AUC of
 * rec_metrics_compute; the reduced curves keep their bound, start and
 * end where the exact ones do, never go back in x, and stay within a
 * cell's width of every exact point; rows added after a curve are sorted
 * in for the next.
 */
static double lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(*x >> 11) * 0x1.0p-53;
}

/* The y of polyline p at x, between its lowest and highest there. */
static int near_polyline(const struct rec_curve *c, struct rec_point q,
			 double width)
{
	for (size_t i = 0; i + 1 < c->n; i++) {
		struct rec_point a = c->points[i], b = c->points[i + 1];
		double lo = a.y < b.y ? a.y : b.y, hi = a.y < b.y ? b.y : a.y;
		if (q.x >= a.x - width && q.x <= b.x + width &&
		    q.y >= lo - 1e-12 && q.y <= hi + 1e-12)
			return 1;
	}
	return 0;
}

START_TEST(test_many_rows)
{
	rec_metrics *mt;
	ck_assert_int_eq(rec_metrics_create(&mt), 0);
	uint64_t x = 7;
	for (int i = 0; i < 100000; i++) {
		double y = lcg(&x) < 0.3;
		/* three decimals: many ties across the classes */
		double s = floor((lcg(&x) + 0.4 * y) / 1.4 * 1000) / 1000;
		double w = i % 5 == 0 ? 0.5 * (i % 3) : 1;
		ck_assert_int_eq(rec_metrics_add(mt, y, s, w), 0);
	}
	struct rec_metric_values v;
	ck_assert_int_eq(rec_metrics_compute(mt, &v, NULL), 0);
	for (int kind = REC_CURVE_ROC; kind <= REC_CURVE_PR; kind++) {
		struct rec_curve exact, small;
		ck_assert_int_eq(rec_metrics_curve(mt, kind, 0, &exact, NULL),
				 0);
		ck_assert_int_eq(rec_metrics_curve(mt, kind, 50, &small, NULL),
				 0);
		ck_assert_uint_le(exact.groups, 1000);
		ck_assert_double_eq(small.area, exact.area);
		if (kind == REC_CURVE_ROC)
			ck_assert_double_eq_tol(exact.area, v.auc, 1e-12);
		ck_assert_uint_le(small.n, kind == REC_CURVE_ROC ? 101 : 201);
		ck_assert_double_eq(small.points[0].x, exact.points[0].x);
		ck_assert_double_eq(small.points[0].y, exact.points[0].y);
		ck_assert_double_eq(small.points[small.n - 1].x,
				    exact.points[exact.n - 1].x);
		ck_assert_double_eq(small.points[small.n - 1].y,
				    exact.points[exact.n - 1].y);
		for (size_t i = 1; i < small.n; i++)
			ck_assert(small.points[i].x >= small.points[i - 1].x);
		for (size_t i = 0; i < exact.n; i++)
			TU_CHECK(near_polyline(&small, exact.points[i],
					       1.0 / 50),
				 "curve %d: exact point %zu (%g, %g) is off the "
				 "reduced one", kind, i, exact.points[i].x,
				 exact.points[i].y);
		rec_curve_free(&exact);
		rec_curve_free(&small);
	}
	/* a row more, sorted in */
	ck_assert_int_eq(rec_metrics_add(mt, 1, 2, 1), 0);
	ck_assert_int_eq(rec_metrics_compute(mt, &v, NULL), 0);
	struct rec_curve c;
	ck_assert_int_eq(rec_metrics_curve(mt, REC_CURVE_ROC, 10, &c, NULL), 0);
	ck_assert_double_eq_tol(c.area, v.auc, 1e-12);
	rec_curve_free(&c);
	rec_metrics_free(mt);
}
END_TEST

static Suite *curves_suite(void)
{
	Suite *s = suite_create("curves");
	TCase *tc = tcase_create("by hand");
	tcase_add_loop_test(tc, test_roc_by_hand, 1, 3);
	tcase_add_loop_test(tc, test_pr_by_hand, 1, 3);
	tcase_add_loop_test(tc, test_calibration_by_hand, 1, 3);
	tcase_add_test(tc, test_calibration_edges);
	tcase_add_test(tc, test_no_curve);
	suite_add_tcase(s, tc);
	tc = tcase_create("many rows");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_many_rows);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(curves_suite)
