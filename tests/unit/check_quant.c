/*
 * check_quant.c - unit tests for lib/quant.c: IEEE binary16 halves and
 * 8-bit rows, the numbers of a model saved at precision 16 or 8.
 *
 * The half values below are checked by hand against IEEE 754-2008: sign,
 * 5 exponent bits (bias 15), 10 mantissa bits; 0x3c00 is 1, 0x7bff 65504,
 * 0x0001 the least subnormal 2^-24, 0x0400 the least normal 2^-14.
 */
#include <float.h>
#include <math.h>

#include "internal.h"
#include "testutil.h"

/* ---- float to half ---- */

static const struct {
	float f;
	uint16_t h;
} to_half[] = {
	{ 0.0f, 0x0000 },
	{ -0.0f, 0x8000 },
	{ 1.0f, 0x3c00 },
	{ -2.0f, 0xc000 },
	{ 0.5f, 0x3800 },
	{ 0.333333343f, 0x3555 },	/* 1/3: 0x3555.55 rounds down */
	{ 65504.0f, 0x7bff },		/* the largest finite half */
	{ -65504.0f, 0xfbff },
	{ 65519.0f, 0x7bff },		/* below the midpoint to 65536 */
	{ 65520.0f, 0x7c00 },		/* the midpoint: ties to even, inf */
	{ 1e9f, 0x7c00 },		/* overflow */
	{ -1e9f, 0xfc00 },
	{ 0x1p-14f, 0x0400 },		/* the least normal */
	{ 0x1p-24f, 0x0001 },		/* the least subnormal */
	{ -0x1p-24f, 0x8001 },
	{ 0x1p-25f, 0x0000 },		/* half of it: a tie, to even 0 */
	{ 0x1.000002p-25f, 0x0001 },	/* just above the tie */
	{ 0x3p-25f, 0x0002 },		/* 1.5 units: a tie, to even 2 */
	{ 0x5p-25f, 0x0002 },		/* 2.5 units: a tie, to even 2 */
	{ 0x1p-30f, 0x0000 },		/* far below */
	{ 0x1.ffcp-15f, 0x0400 },	/* 1023.5 units: up to the least normal */
	{ 1.0f + 0x1p-11f, 0x3c00 },	/* a tie between 0x3c00 and 0x3c01 */
	{ 1.0f + 0x3p-11f, 0x3c02 },	/* a tie between 0x3c01 and 0x3c02 */
	{ 1.0f + 0x1.8p-11f, 0x3c01 },	/* above the tie */
	{ 2047.5f, 0x6800 },		/* 0x67ff.8, a tie: to even 0x6800 */
	{ INFINITY, 0x7c00 },
	{ -INFINITY, 0xfc00 },
	{ FLT_MIN, 0x0000 },
	{ 0x1p-149f, 0x0000 },		/* a float subnormal */
};

START_TEST(test_half_from_float)
{
	float f = to_half[_i].f;
	uint16_t h = rec_half_from_float(f);
	ck_assert_msg(h == to_half[_i].h, "%a: 0x%04x, want 0x%04x", (double)f,
		      h, to_half[_i].h);
}
END_TEST

START_TEST(test_half_nan)
{
	uint16_t h = rec_half_from_float(NAN);
	ck_assert_uint_eq(h & 0x7c00, 0x7c00);
	ck_assert_uint_ne(h & 0x3ff, 0);
	ck_assert(isnan(rec_half_to_float(h)));
	ck_assert(isnan(rec_half_to_float(0x7c01)));
	ck_assert(isinf(rec_half_to_float(0x7c00)));
	ck_assert(rec_half_to_float(0xfc00) < 0);
}
END_TEST

/* Every half that is a number comes back from its float exactly, and the
 * float is the value the bits say. */
START_TEST(test_half_all)
{
	for (uint32_t h = 0; h < 0x10000; h++) {
		if ((h & 0x7c00) == 0x7c00)
			continue;
		float f = rec_half_to_float((uint16_t)h);
		uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
		double want = e ? ldexp(1.0 + m / 1024.0, (int)e - 15)
				: ldexp((double)m, -24);
		if (h & 0x8000)
			want = -want;
		TU_CHECK((double)f == want && !signbit(f) == !(h & 0x8000),
			 "0x%04x: %a, want %a", h, (double)f, want);
		TU_CHECK(rec_half_from_float(f) == h, "0x%04x: back 0x%04x", h,
			 rec_half_from_float(f));
	}
}
END_TEST

/* To nearest: no half is closer to a float than the one it gets. */
START_TEST(test_half_nearest)
{
	uint64_t s = 12345;
	for (int n = 0; n < 200000; n++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		/* magnitudes from 2^-26 to 2^16 */
		double mag = ldexp((double)(s >> 11) / 9007199254740992.0,
				   (int)((s >> 3) % 43) - 26);
		float f = (float)((s & 1) ? -mag : mag);
		uint16_t h = rec_half_from_float(f);
		double got = rec_half_to_float(h);
		if (isinf(got)) {
			TU_CHECK(fabs((double)f) >= 65520, "%a to inf",
				 (double)f);
			continue;
		}
		double err = fabs(got - (double)f);
		/* the neighbours of h, one step each way */
		for (int d = -1; d <= 1; d += 2) {
			uint16_t o = (uint16_t)(h + d);
			if ((o & 0x7fff) >= 0x7c00 || (o ^ h) & 0x8000)
				continue;
			double other = rec_half_to_float(o);
			TU_CHECK(err <= fabs(other - (double)f),
				 "%a: 0x%04x, 0x%04x is nearer", (double)f, h,
				 o);
		}
	}
}
END_TEST

/* ---- 8-bit rows ---- */

START_TEST(test_quant8_row)
{
	/* by hand: the range is 2, a step 2/127; 1 is 63.5 steps, a tie,
	 * to even 64; -0.5 is -31.75 steps, -32 */
	const float x[5] = { 2.0f, -2.0f, 1.0f, -0.5f, 0.0f };
	float range;
	int8_t q[5];
	rec_quant8_row(x, 5, &range, q);
	ck_assert(range == 2.0f);
	static const int8_t want[5] = { 127, -127, 64, -32, 0 };
	for (int j = 0; j < 5; j++)
		ck_assert_int_eq(q[j], want[j]);
	ck_assert(rec_dequant8(range, 127) == 2.0f);
	ck_assert(rec_dequant8(range, -127) == -2.0f);
	ck_assert(rec_dequant8(range, 64) == (float)(128.0 / 127.0));
	ck_assert(rec_dequant8(range, 0) == 0.0f);

	/* a row of zeros: range 0, all 0 */
	const float z[3] = { 0.0f, -0.0f, 0.0f };
	rec_quant8_row(z, 3, &range, q);
	ck_assert(range == 0.0f && !signbit(range));
	ck_assert(q[0] == 0 && q[1] == 0 && q[2] == 0);

	/* one value: exact */
	const float one[1] = { -3.25f };
	rec_quant8_row(one, 1, &range, q);
	ck_assert(range == 3.25f && q[0] == -127);
	ck_assert(rec_dequant8(range, q[0]) == -3.25f);
}
END_TEST

/* Random rows: within half a step of the value, the largest exact, and a
 * row made of the values it gives back quantises to the same bytes. */
START_TEST(test_quant8_random_rows)
{
	uint64_t s = 99;
	for (int n = 0; n < 20000; n++) {
		float x[65], y[65], r1, r2;
		int8_t q1[65], q2[65];
		size_t w = 1 + (size_t)(n % 65);
		int scale = (n / 65) % 40 - 30;
		for (size_t j = 0; j < w; j++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			double u = (double)(int32_t)(s >> 32) / 2147483648.0;
			x[j] = (float)ldexp(u, scale);
		}
		rec_quant8_row(x, w, &r1, q1);
		for (size_t j = 0; j < w; j++) {
			y[j] = rec_dequant8(r1, q1[j]);
			TU_CHECK(q1[j] >= -127 && q1[j] <= 127, "q %d", q1[j]);
			/* half a step, and a float's rounding */
			TU_CHECK(fabs((double)y[j] - x[j]) <=
				 (double)r1 / 254 + (double)r1 * 0x1p-23,
				 "row %d: %a back as %a, range %a", n,
				 (double)x[j], (double)y[j], (double)r1);
			if (fabsf(x[j]) == r1)
				TU_CHECK(y[j] == x[j], "largest %a back as %a",
					 (double)x[j], (double)y[j]);
		}
		rec_quant8_row(y, w, &r2, q2);
		TU_CHECK(r1 == r2 && memcmp(q1, q2, w) == 0,
			 "row %d not stable: range %a then %a", n, (double)r1,
			 (double)r2);
	}
}
END_TEST

static Suite *quant_suite(void)
{
	Suite *s = suite_create("quant");
	TCase *tc = tcase_create("half");
	tcase_add_loop_test(tc, test_half_from_float, 0,
			    (int)TU_ARRAY_LEN(to_half));
	tcase_add_test(tc, test_half_nan);
	tcase_add_test(tc, test_half_all);
	tcase_add_test(tc, test_half_nearest);
	suite_add_tcase(s, tc);
	tc = tcase_create("int8");
	tcase_add_test(tc, test_quant8_row);
	tcase_add_test(tc, test_quant8_random_rows);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(quant_suite)
