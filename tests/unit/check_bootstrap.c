/*
 * check_bootstrap.c - unit tests for lib/bootstrap.c: the paired
 * comparison's values on the rows are rec_metrics' values; identical or
 * shifted scorers give the interval they must; a seed gives one answer,
 * however the resamples are laid out in passes; the Poisson counts have
 * mean and variance 1; bad input is refused.
 */
#include <math.h>

#include "internal.h"
#include "testutil.h"

static double lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(*x >> 11) * 0x1.0p-53;
}

/* n rows: a label, two scores in [0, 1] with ties, weights 1 or some
 * others; fills a and b, returns the paired rows. */
static rec_paired *rows(size_t n, int weighted, rec_metrics *a,
			rec_metrics *b)
{
	rec_paired *p;
	ck_assert_int_eq(rec_paired_create(&p), 0);
	uint64_t x = 11;
	for (size_t i = 0; i < n; i++) {
		double y = lcg(&x) < 0.4;
		double sa = floor((lcg(&x) + 0.5 * y) / 1.5 * 200) / 200;
		double sb = floor((lcg(&x) + 0.3 * y) / 1.3 * 200) / 200;
		double w = weighted ? (double)(i % 4) * 0.5 : 1;
		ck_assert_int_eq(rec_paired_add(p, y, sa, sb, w), 0);
		if (a) {
			ck_assert_int_eq(rec_metrics_add(a, y, sa, w), 0);
			ck_assert_int_eq(rec_metrics_add(b, y, sb, w), 0);
		}
	}
	return p;
}

/* _i: weighted rows or not */
START_TEST(test_values_on_the_rows)
{
	rec_metrics *a, *b;
	ck_assert_int_eq(rec_metrics_create(&a), 0);
	ck_assert_int_eq(rec_metrics_create(&b), 0);
	rec_paired *p = rows(3000, _i, a, b);
	struct rec_metric_values va, vb;
	ck_assert_int_eq(rec_metrics_compute(a, &va, NULL), 0);
	ck_assert_int_eq(rec_metrics_compute(b, &vb, NULL), 0);
	struct rec_diff d[REC_DIFF_METRICS];
	ck_assert_int_eq(rec_paired_bootstrap(p, 200, 5, d, NULL), 0);
	const double want[REC_DIFF_METRICS][2] = {
		[REC_DIFF_AUC] = { va.auc, vb.auc },
		[REC_DIFF_LOGLOSS] = { va.logloss, vb.logloss },
		[REC_DIFF_RMSE] = { va.rmse, vb.rmse },
		[REC_DIFF_MAE] = { va.mae, vb.mae },
	};
	for (int k = 0; k < REC_DIFF_METRICS; k++) {
		ck_assert_int_eq(d[k].has, 1);
		ck_assert_double_eq_tol(d[k].a, want[k][0], 1e-12);
		ck_assert_double_eq_tol(d[k].b, want[k][1], 1e-12);
		ck_assert_double_eq_tol(d[k].diff, want[k][0] - want[k][1],
					1e-12);
		ck_assert_int_eq(d[k].resamples, 200);
		ck_assert(d[k].low <= d[k].high);
		/* a percentile interval of 200 resamples of 3000 rows holds
		 * the difference on the rows themselves */
		ck_assert(d[k].low < d[k].diff && d[k].diff < d[k].high);
	}
	/* scorer a is the better one: that much is certain */
	ck_assert(d[REC_DIFF_AUC].low > 0);
	rec_paired_free(p);
	rec_metrics_free(a);
	rec_metrics_free(b);
}
END_TEST

START_TEST(test_seeded)
{
	rec_paired *p = rows(500, 0, NULL, NULL);
	struct rec_diff d1[REC_DIFF_METRICS], d2[REC_DIFF_METRICS],
		d3[REC_DIFF_METRICS];
	ck_assert_int_eq(rec_paired_bootstrap(p, 100, 1, d1, NULL), 0);
	ck_assert_int_eq(rec_paired_bootstrap(p, 100, 1, d2, NULL), 0);
	ck_assert_int_eq(rec_paired_bootstrap(p, 100, 2, d3, NULL), 0);
	ck_assert(memcmp(d1, d2, sizeof(d1)) == 0);
	ck_assert(d1[REC_DIFF_AUC].low != d3[REC_DIFF_AUC].low);
	rec_paired_free(p);
}
END_TEST

/* The same scores twice: every resample's difference is 0. */
START_TEST(test_identical)
{
	rec_paired *p;
	ck_assert_int_eq(rec_paired_create(&p), 0);
	uint64_t x = 3;
	for (int i = 0; i < 400; i++) {
		double s = lcg(&x);
		ck_assert_int_eq(rec_paired_add(p, lcg(&x) < s, s, s, 1), 0);
	}
	struct rec_diff d[REC_DIFF_METRICS];
	ck_assert_int_eq(rec_paired_bootstrap(p, 50, 9, d, NULL), 0);
	for (int k = 0; k < REC_DIFF_METRICS; k++) {
		ck_assert_int_eq(d[k].has, 1);
		ck_assert_double_eq(d[k].diff, 0);
		ck_assert_double_eq(d[k].low, 0);
		ck_assert_double_eq(d[k].high, 0);
	}
	rec_paired_free(p);
}
END_TEST

/* Lanes of 1 to REC_BOOTSTRAP_LANES resamples a pass, whole fours or
 * not: the same figures to the bit, weighted rows or not. */
START_TEST(test_lanes)
{
	rec_paired *p = rows(700, _i, NULL, NULL);
	struct rec_diff want[REC_DIFF_METRICS], d[REC_DIFF_METRICS];
	ck_assert_int_eq(rec_paired_bootstrap(p, 37, 3, want, NULL), 0);
	const int lanes[] = { 1, 3, 4, 5, 8, REC_BOOTSTRAP_LANES };
	for (size_t t = 0; t < sizeof(lanes) / sizeof(lanes[0]); t++) {
		ck_assert_int_eq(rec_paired_bootstrap_lanes(p, 37, 3, lanes[t],
							    d, NULL), 0);
		ck_assert(memcmp(d, want, sizeof(d)) == 0);
	}
	rec_paired_free(p);
}
END_TEST

/* Threads: the same figures to the bit for any number, weighted rows or
 * not. */
START_TEST(test_threads)
{
	rec_paired *p = rows(900, _i, NULL, NULL);
	struct rec_diff want[REC_DIFF_METRICS], d[REC_DIFF_METRICS];
	ck_assert_int_eq(rec_paired_bootstrap(p, 101, 4, want, NULL), 0);
	const int threads[] = { 2, 3, 7, 64 };
	for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		ck_assert_int_eq(rec_paired_set_threads(p, threads[t]), 0);
		ck_assert_int_eq(rec_paired_bootstrap(p, 101, 4, d, NULL), 0);
		ck_assert(memcmp(d, want, sizeof(d)) == 0);
	}
	ck_assert_int_eq(rec_paired_set_threads(p, 0), REC_EINVAL);
	ck_assert_int_eq(rec_paired_set_threads(p, REC_MAX_THREADS + 1),
			 REC_EINVAL);
	rec_paired_free(p);
}
END_TEST

/* A row's counts over many rows and resamples: Poisson(1), so mean 1,
 * variance 1, P(0) = P(1) = 1/e; each lane of a 64-bit draw, and
 * neighbouring rows and resamples, uncorrelated. */
START_TEST(test_counts)
{
	const int nr = 64;
	const size_t rows_n = 20000;
	double sum = 0, sq = 0, zero = 0, one = 0, cross_row = 0,
	       cross_resample = 0;
	unsigned most = 0;
	for (int b = 0; b < nr; b++) {
		unsigned prev = 0;
		for (size_t i = 0; i < rows_n; i++) {
			unsigned c = rec_bootstrap_count(7, b, i);
			unsigned next = rec_bootstrap_count(7, b + 1, i);
			sum += c;
			sq += (double)c * c;
			zero += c == 0;
			one += c == 1;
			most = c > most ? c : most;
			if (i > 0)
				cross_row += ((double)c - 1) *
					     ((double)prev - 1);
			cross_resample += ((double)c - 1) * ((double)next - 1);
			prev = c;
		}
	}
	double n = (double)nr * (double)rows_n, mean = sum / n;
	/* standard errors: 0.0008 for the mean and the correlations, 0.002
	 * for the variance */
	ck_assert_double_eq_tol(mean, 1, 0.004);
	ck_assert_double_eq_tol(sq / n - mean * mean, 1, 0.01);
	ck_assert_double_eq_tol(zero / n, exp(-1), 0.003);
	ck_assert_double_eq_tol(one / n, exp(-1), 0.003);
	ck_assert_double_eq_tol(cross_row / n, 0, 0.004);
	ck_assert_double_eq_tol(cross_resample / n, 0, 0.004);
	ck_assert_uint_le(most, 8);
	ck_assert_uint_ge(most, 5);
	/* another seed, other counts */
	int differ = 0;
	for (size_t i = 0; i < 100; i++)
		differ += rec_bootstrap_count(7, 0, i) !=
			  rec_bootstrap_count(8, 0, i);
	ck_assert_int_gt(differ, 30);
}
END_TEST

/* Scorer a is scorer b shifted by a constant, so it ranks the rows
 * alike: every resample's AUC difference is 0, and its MAE difference
 * that of a resample of the rows; for many rows the interval of the
 * RMSE difference is narrow and holds it. */
START_TEST(test_shifted)
{
	rec_paired *p;
	ck_assert_int_eq(rec_paired_create(&p), 0);
	uint64_t x = 5;
	for (int i = 0; i < 20000; i++) {
		double s = 0.1 + 0.8 * lcg(&x);
		ck_assert_int_eq(rec_paired_add(p, lcg(&x) < s, s, s - 0.05, 1),
				 0);
	}
	struct rec_diff d[REC_DIFF_METRICS];
	ck_assert_int_eq(rec_paired_bootstrap(p, 64, 2, d, NULL), 0);
	ck_assert_double_eq_tol(d[REC_DIFF_AUC].diff, 0, 1e-15);
	ck_assert_double_eq_tol(d[REC_DIFF_AUC].low, 0, 1e-15);
	ck_assert_double_eq_tol(d[REC_DIFF_AUC].high, 0, 1e-15);
	for (int k = REC_DIFF_LOGLOSS; k < REC_DIFF_METRICS; k++) {
		ck_assert(d[k].low < d[k].diff && d[k].diff < d[k].high);
		ck_assert(d[k].high - d[k].low < 0.01);
	}
	rec_paired_free(p);
}
END_TEST

/* Labels that are not 0/1 (regression): RMSE and MAE only; a scorer
 * that is the other plus a constant c has RMSE's difference as a
 * resample gives it, and MAE's c for every resample when the other is
 * exact. */
START_TEST(test_regression)
{
	rec_paired *p;
	ck_assert_int_eq(rec_paired_create(&p), 0);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(rec_paired_add(p, i % 5 + 1, i % 5 + 1.5,
						i % 5 + 1, 1), 0);
	struct rec_diff d[REC_DIFF_METRICS];
	ck_assert_int_eq(rec_paired_bootstrap(p, 30, 1, d, NULL), 0);
	ck_assert_int_eq(d[REC_DIFF_AUC].has, 0);
	ck_assert_int_eq(d[REC_DIFF_LOGLOSS].has, 0);
	ck_assert_double_eq(d[REC_DIFF_MAE].diff, 0.5);
	ck_assert_double_eq_tol(d[REC_DIFF_MAE].low, 0.5, 1e-12);
	ck_assert_double_eq_tol(d[REC_DIFF_MAE].high, 0.5, 1e-12);
	ck_assert_double_eq_tol(d[REC_DIFF_RMSE].high, 0.5, 1e-12);
	rec_paired_free(p);
}
END_TEST

START_TEST(test_bad_input)
{
	rec_paired *p;
	struct rec_diff d[REC_DIFF_METRICS];
	struct rec_error err;
	ck_assert_int_eq(rec_paired_create(&p), 0);
	ck_assert_int_eq(rec_paired_bootstrap(p, 10, 1, d, &err), REC_EDATA);
	ck_assert_int_eq(rec_paired_add(p, 1, NAN, 0, 1), REC_EINVAL);
	ck_assert_int_eq(rec_paired_add(p, 1, 0, INFINITY, 1), REC_EINVAL);
	ck_assert_int_eq(rec_paired_add(p, 1, 0, 0, -1), REC_EINVAL);
	ck_assert_int_eq(rec_paired_add(p, 1, 0.5, 0.5, 1), 0);
	ck_assert_int_eq(rec_paired_bootstrap(p, 0, 1, d, &err), REC_EINVAL);
	ck_assert_int_eq(rec_paired_bootstrap(p, REC_MAX_RESAMPLES + 1, 1, d,
					      &err), REC_EINVAL);
	/* one class: no AUC, the rest is there */
	ck_assert_int_eq(rec_paired_bootstrap(p, 10, 1, d, &err), 0);
	ck_assert_int_eq(d[REC_DIFF_AUC].has, 0);
	ck_assert_int_eq(d[REC_DIFF_RMSE].has, 1);
	rec_paired_free(p);
	rec_paired_free(NULL);
}
END_TEST

/* Means: a constant shift is the interval; one seed, one answer. */
START_TEST(test_means)
{
	double a[300], b[300];
	uint64_t x = 1;
	for (int i = 0; i < 300; i++) {
		b[i] = lcg(&x);
		a[i] = b[i] + 0.25;
	}
	struct rec_diff d, e;
	ck_assert_int_eq(rec_bootstrap_means(a, b, 300, 100, 4, &d), 0);
	ck_assert_double_eq_tol(d.diff, 0.25, 1e-12);
	ck_assert_double_eq_tol(d.low, 0.25, 1e-12);
	ck_assert_double_eq_tol(d.high, 0.25, 1e-12);
	ck_assert_int_eq(rec_bootstrap_means(a, a, 300, 100, 4, &d), 0);
	ck_assert_int_eq(rec_bootstrap_means(a, a, 300, 100, 4, &e), 0);
	ck_assert(memcmp(&d, &e, sizeof(d)) == 0);
	ck_assert_int_eq(rec_bootstrap_means(a, b, 0, 100, 4, &d), REC_EINVAL);
	ck_assert_int_eq(rec_bootstrap_means(a, b, 300, 0, 4, &d), REC_EINVAL);
}
END_TEST

/* Out of memory anywhere in a run: an error, never a crash, and the rows
 * stay usable. */
START_TEST(test_oom)
{
	rec_paired *p = rows(2000, 1, NULL, NULL);
	struct rec_diff want[REC_DIFF_METRICS], d[REC_DIFF_METRICS];
	ck_assert_int_eq(rec_paired_bootstrap(p, 20, 1, want, NULL), 0);
	for (long nth = 1; nth < 20; nth++) {
		rec_alloc_fail_at(nth, 0);
		int rc = rec_paired_bootstrap(p, 20, 1, d, NULL);
		rec_alloc_fail_at(0, 0);
		ck_assert(rc == 0 || rc == REC_ENOMEM);
		if (rc == 0)
			ck_assert(memcmp(d, want, sizeof(d)) == 0);
	}
	rec_paired_free(p);
}
END_TEST

static Suite *bootstrap_suite(void)
{
	Suite *s = suite_create("bootstrap");
	TCase *tc = tcase_create("paired");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_values_on_the_rows, 0, 2);
	tcase_add_test(tc, test_seeded);
	tcase_add_test(tc, test_identical);
	tcase_add_loop_test(tc, test_threads, 0, 2);
	tcase_add_loop_test(tc, test_lanes, 0, 2);
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_shifted);
	tcase_add_test(tc, test_regression);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_means);
	tcase_add_test(tc, test_oom);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(bootstrap_suite)
