/*
 * check_rng.c - unit tests for lib/rng.c: the random number generator.
 */
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>

#include "internal.h"
#include "testutil.h"

/* ---- random numbers ---- */

/* Reference splitmix64 seeding and xoshiro256** step, written from the
 * published algorithms, to check the library's generator against. */
static uint64_t ref_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t ref_next(uint64_t s[4])
{
	uint64_t result = ref_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = ref_rotl(s[3], 45);
	return result;
}

START_TEST(test_rng_reference)
{
	struct rec_rng r;
	rec_rng_seed(&r, 0);
	/* the first four outputs of splitmix64 from 0 */
	ck_assert(r.s[0] == 0xe220a8397b1dcdafull);
	ck_assert(r.s[1] == 0x6e789e6aa1b965f4ull);
	ck_assert(r.s[2] == 0x06c45d188009454full);
	ck_assert(r.s[3] == 0xf88bb8a8724c81ecull);
	uint64_t s[4];
	memcpy(s, r.s, sizeof(s));
	for (int i = 0; i < 1000; i++)
		TU_CHECK(rec_rng_next(&r) == ref_next(s), "draw %d differs", i);
}
END_TEST

START_TEST(test_rng_determinism)
{
	struct rec_rng a, b, c;
	rec_rng_seed(&a, 12345);
	rec_rng_seed(&b, 12345);
	rec_rng_seed(&c, 12346);
	int differ = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = rec_rng_next(&a);
		TU_CHECK(x == rec_rng_next(&b), "draw %d differs", i);
		differ += x != rec_rng_next(&c);
	}
	ck_assert_int_gt(differ, 990);
	/* state is never all zero, whatever the seed */
	static const uint64_t seeds[] = { 0, 1, UINT64_MAX,
		0x9E3779B97F4A7C15ull };
	for (size_t i = 0; i < TU_ARRAY_LEN(seeds); i++) {
		rec_rng_seed(&a, seeds[i]);
		ck_assert((a.s[0] | a.s[1] | a.s[2] | a.s[3]) != 0);
	}
}
END_TEST

START_TEST(test_rng_uniform)
{
	struct rec_rng r;
	rec_rng_seed(&r, 7);
	double sum = 0;
	enum { N = 100000 };
	for (int i = 0; i < N; i++) {
		double u = rec_rng_uniform(&r);
		TU_CHECK(u >= 0 && u < 1, "uniform draw %.17g", u);
		sum += u;
	}
	/* mean 1/2, standard error sqrt(1/12 / N) ~ 0.0009 */
	ck_assert_double_eq_tol(sum / N, 0.5, 0.005);
}
END_TEST

static const uint64_t below_ns[] = { 1, 2, 3, 7, 10, 1000, 1ull << 32,
	(1ull << 63) + 1, UINT64_MAX - 1, UINT64_MAX };

START_TEST(test_rng_below_range)
{
	uint64_t n = below_ns[_i];
	struct rec_rng r;
	rec_rng_seed(&r, 99 + (uint64_t)_i);
	uint64_t max = 0;
	for (int i = 0; i < 20000; i++) {
		uint64_t x = rec_rng_below(&r, n);
		TU_CHECK(x < n, "%" PRIu64 " not below %" PRIu64, x, n);
		if (x > max)
			max = x;
	}
	if (n == 1)
		ck_assert(max == 0);
	else if (n <= 1000)
		ck_assert(max == n - 1);	/* the top value is reached */
	else
		ck_assert(max > n / 2);
}
END_TEST

START_TEST(test_rng_below_uniform)
{
	/* chi-square over 10 cells, 9 degrees of freedom: 99.99% quantile
	 * is about 33.7 */
	struct rec_rng r;
	rec_rng_seed(&r, 2024);
	enum { N = 100000, K = 10 };
	long count[K] = { 0 };
	for (int i = 0; i < N; i++)
		count[rec_rng_below(&r, K)]++;
	double chi2 = 0, e = (double)N / K;
	for (int k = 0; k < K; k++)
		chi2 += (count[k] - e) * (count[k] - e) / e;
	ck_assert_msg(chi2 < 33.7, "chi-square %g", chi2);
}
END_TEST

static Suite *rng_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("rng");
	tcase_add_test(tc, test_rng_reference);
	tcase_add_test(tc, test_rng_determinism);
	tcase_add_test(tc, test_rng_uniform);
	tcase_add_loop_test(tc, test_rng_below_range, 0,
			    (int)TU_ARRAY_LEN(below_ns));
	tcase_add_test(tc, test_rng_below_uniform);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(rng_suite)
