/*
 * check_number.c - unit tests for lib/number.c: bounded number parsing (rec_parse_double,
 * rec_parse_long) and score formatting (rec_format_score).
 */
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>

#include "internal.h"
#include "testutil.h"

/* ---- rec_parse_double ---- */

/* len < 0: use strlen(text). */
struct double_case {
	const char *text;
	int len;
	double want;
};

static const struct double_case good_doubles[] = {
	{ "0", -1, 0 },
	{ "1", -1, 1 },
	{ "-1", -1, -1 },
	{ "+1", -1, 1 },
	{ "-0", -1, 0 },
	{ "+0", -1, 0 },
	{ "1.", -1, 1 },
	{ ".5", -1, 0.5 },
	{ "-.5", -1, -0.5 },
	{ "0.1", -1, 0.1 },
	{ "3.25", -1, 3.25 },
	{ "007", -1, 7 },
	{ "1e5", -1, 1e5 },
	{ "1E5", -1, 1e5 },
	{ "1e+5", -1, 1e5 },
	{ "2.5e-3", -1, 2.5e-3 },
	{ "+.5e-3", -1, 0.5e-3 },
	{ "-1.5E2", -1, -150 },
	{ "1e308", -1, 1e308 },
	{ "123456789012345", -1, 123456789012345.0 },	/* 15 digits */
	{ "1234567890123456", -1, 1234567890123456.0 },	/* 16 digits */
	{ "0.000000000000001", -1, 1e-15 },
	{ "12345678901234567890", -1, 12345678901234567890.0 },
	{ "3.141592653589793238462643383279", -1, 3.141592653589793238 },
	/* eight digits at a time, with and without a point in the word */
	{ "0.558747973", -1, 0.558747973 },
	{ "12345678", -1, 12345678 },
	{ "1234567.8", -1, 1234567.8 },
	{ "12345678.1234567", -1, 12345678.1234567 },	/* 15 digits */
	{ "-98765432.12345", -1, -98765432.12345 },
	{ "000000000000000000001", -1, 1 },		/* slow path */
	/* only len bytes are read: the rest of the buffer is not the number */
	{ "1234567890", 9, 123456789 },
	{ "12345", 2, 12 },
	{ "4.5\t6", 3, 4.5 },
	{ "1e5x", 3, 1e5 },
};

START_TEST(test_parse_double_good)
{
	const struct double_case *c = &good_doubles[_i];
	size_t len = c->len < 0 ? strlen(c->text) : (size_t)c->len;
	double v = -12345.678;
	int rc = rec_parse_double(c->text, len, &v);
	ck_assert_msg(rc == 0, "'%.*s' refused", (int)len, c->text);
	ck_assert_msg(v == c->want, "'%.*s' gave %.17g, want %.17g",
		      (int)len, c->text, v, c->want);
}
END_TEST

static const struct double_case bad_doubles[] = {
	{ "", -1, 0 },
	{ " 1", -1, 0 },
	{ "1 ", -1, 0 },
	{ "\t1", -1, 0 },
	{ "1\n", -1, 0 },
	{ "inf", -1, 0 },
	{ "-inf", -1, 0 },
	{ "+inf", -1, 0 },
	{ "infinity", -1, 0 },
	{ "nan", -1, 0 },
	{ "-nan", -1, 0 },
	{ "NaN", -1, 0 },
	{ "0x10", -1, 0 },
	{ "0X1p3", -1, 0 },
	{ "-0x1", -1, 0 },
	{ "1e999", -1, 0 },
	{ "-1e999", -1, 0 },
	{ "1e", -1, 0 },
	{ "1e+", -1, 0 },
	{ "e5", -1, 0 },
	{ ".", -1, 0 },
	{ "-", -1, 0 },
	{ "+", -1, 0 },
	{ "--1", -1, 0 },
	{ "+-1", -1, 0 },
	{ "1.2.3", -1, 0 },
	{ "1,5", -1, 0 },
	{ "abc", -1, 0 },
	{ "1a", -1, 0 },
	{ "12345678901234567890x", -1, 0 },	/* slow path, junk at end */
	{ "1234567:", -1, 0 },			/* next to the digits */
	{ "1234567/", -1, 0 },
	{ "0.1234567\xff" "9", -1, 0 },
	{ "12345678a", -1, 0 },
	{ "1\0" "2", 3, 0 },			/* embedded NUL */
	{ "1\0", 2, 0 },
	/* long strings */
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	  -1, 0 },
	{ "1111111111111111111111111111111111111111111111111111111111111111"
	  "1111111111111111111111111111111111111111111111111111111111111111"
	  "x", -1, 0 },
	{ "1.00000000000000000000000000000000000000000000000000000000000000"
	  "00000000000000000000000000000000000000000000000000000000000000 ",
	  -1, 0 },
};

START_TEST(test_parse_double_bad)
{
	const struct double_case *c = &bad_doubles[_i];
	size_t len = c->len < 0 ? strlen(c->text) : (size_t)c->len;
	double v = 42.5;
	int rc = rec_parse_double(c->text, len, &v);
	ck_assert_msg(rc == REC_EINVAL, "'%.*s' gave %d (value %.17g)",
		      (int)len, c->text, rc, v);
	ck_assert_msg(v == 42.5, "output written on failure");
}
END_TEST

/* The hand-written fast path must give exactly what strtod gives. */
START_TEST(test_parse_double_matches_strtod)
{
	static const char *const texts[] = {
		"0.1", "0.2", "0.3", "1.1", "2.675", "9.999999999999",
		"-123.456", "0.000001", "99999.99999", "1.23456789012345",
		"123456789.012345", "0.7", "-0.333333333333333", "5e-324",
		"2.2250738585072014e-308", "1.7976931348623157e308",
	};
	for (size_t i = 0; i < TU_ARRAY_LEN(texts); i++) {
		double v;
		ck_assert_int_eq(rec_parse_double(texts[i], strlen(texts[i]),
						  &v), 0);
		double want = strtod(texts[i], NULL);
		ck_assert_msg(v == want, "'%s' gave %a, strtod %a", texts[i],
			      v, want);
	}
	/* every decimal with up to 4 fraction digits in [0, 3) */
	for (int n = 0; n < 30000; n++) {
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "%d.%04d", n / 10000,
				   n % 10000);
		double v = -1;
		TU_CHECK(rec_parse_double(buf, (size_t)len, &v) == 0 &&
			 v == strtod(buf, NULL), "'%s' gave %a", buf, v);
	}
}
END_TEST

/* ---- rec_parse_long ---- */

struct long_case {
	const char *text;
	long min, max;
	int ok;
	long want;
};

static const struct long_case long_cases[] = {
	{ "0", 0, 10, 1, 0 },
	{ "10", 0, 10, 1, 10 },
	{ "11", 0, 10, 0, 0 },
	{ "-1", 0, 10, 0, 0 },
	{ "-5", -10, 10, 1, -5 },
	{ "-10", -10, 10, 1, -10 },
	{ "-11", -10, 10, 0, 0 },
	{ "+7", 0, 10, 1, 7 },
	{ "007", 0, 10, 1, 7 },
	{ "1", 1, 1, 1, 1 },
	{ "2", 1, 1, 0, 0 },
	{ "1024", 1, 1024, 1, 1024 },
	{ "1025", 1, 1024, 0, 0 },
	{ "9223372036854775807", LONG_MIN, LONG_MAX, 1, LONG_MAX },
	{ "-9223372036854775808", LONG_MIN, LONG_MAX, 1, LONG_MIN },
	{ "9223372036854775808", LONG_MIN, LONG_MAX, 0, 0 },
	{ "-9223372036854775809", LONG_MIN, LONG_MAX, 0, 0 },
	{ "99999999999999999999", LONG_MIN, LONG_MAX, 0, 0 },
	{ "", 0, 10, 0, 0 },
	{ " 1", 0, 10, 0, 0 },
	{ "1 ", 0, 10, 0, 0 },
	{ "1.0", 0, 10, 0, 0 },
	{ "1e1", 0, 100, 0, 0 },
	{ "0x10", 0, 100, 0, 0 },
	{ "abc", 0, 10, 0, 0 },
	{ "-", 0, 10, 0, 0 },
	{ "+", 0, 10, 0, 0 },
	{ "--1", -10, 10, 0, 0 },
	/* long */
	{ "00000000000000000000000000000000001", 0, 10, 0, 0 },
};

START_TEST(test_parse_long)
{
	const struct long_case *c = &long_cases[_i];
	long v = 4242;
	int rc = rec_parse_long(c->text, strlen(c->text), c->min, c->max, &v);
	if (c->ok) {
		ck_assert_msg(rc == 0, "'%s' in [%ld, %ld] refused", c->text,
			      c->min, c->max);
		ck_assert_msg(v == c->want, "'%s' gave %ld", c->text, v);
	} else {
		ck_assert_msg(rc == REC_EINVAL, "'%s' in [%ld, %ld] gave %d",
			      c->text, c->min, c->max, rc);
		ck_assert_int_eq(v, 4242);
	}
}
END_TEST

START_TEST(test_parse_long_uses_len)
{
	long v;
	ck_assert_int_eq(rec_parse_long("12345", 3, 0, 1000, &v), 0);
	ck_assert_int_eq(v, 123);
	ck_assert_int_eq(rec_parse_long("7\t8", 1, 0, 10, &v), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(rec_parse_long("1\0" "2", 3, 0, 1000, &v),
			 REC_EINVAL);
}
END_TEST

/* ---- rec_format_score ---- */

static const double score_values[] = {
	0, 1, -1, 0.5, -2.25, 3, 100, 0.1, 0.7310585786300049,
	0.123456789, 0.1234567894, 0.1234567896, 0.99999999996, 0.9999999994,
	123456789, 999999999.4, 999999999.6, 1e9, 1e-4, 0.00010000000001,
	0.000099999999999, 1e-5, 1.5e-7, 12345.6789012, -0.000123456789,
	1e300, -1e300, 5e-324, 0.3333333333333333, 2.0 / 3, 1e8, 99999999.95,
};

START_TEST(test_format_score_values)
{
	double x = score_values[_i];
	char got[32], want[32];
	memset(got, 'x', sizeof(got));
	int n = rec_format_score(got, x);
	snprintf(want, sizeof(want), "%.9g", x);
	ck_assert_msg(strcmp(got, want) == 0, "%.17g: got '%s', want '%s'", x,
		      got, want);
	ck_assert_int_eq(n, (int)strlen(got));
}
END_TEST

/* Across the range printed without an exponent, the digits of %.9g. */
START_TEST(test_format_score_random)
{
	struct rec_rng r;
	rec_rng_seed(&r, 8);
	for (int i = 0; i < 50000; i++) {
		/* a mantissa in [1, 10) and a decade in [-4, 8] */
		double x = (1 + 9 * rec_rng_uniform(&r)) *
			   pow(10, (double)rec_rng_below(&r, 13) - 4);
		if (i % 2)
			x = -x;
		char got[32], want[32];
		int n = rec_format_score(got, x);
		snprintf(want, sizeof(want), "%.9g", x);
		TU_CHECK(strcmp(got, want) == 0 && n == (int)strlen(want),
			 "%.17g: got '%s', want '%s'", x, got, want);
	}
}
END_TEST

/* Nine digits tell any two floats apart: a float score read back is the
 * same float. */
START_TEST(test_format_score_float_round_trip)
{
	struct rec_rng r;
	rec_rng_seed(&r, 9);
	for (int i = 0; i < 50000; i++) {
		uint32_t bits = (uint32_t)rec_rng_next(&r);
		float f;
		memcpy(&f, &bits, sizeof(f));
		if (!isfinite(f))
			continue;
		char buf[32];
		rec_format_score(buf, f);
		float back = strtof(buf, NULL);
		TU_CHECK(back == f, "%a printed '%s' reads back %a", (double)f,
			 buf, (double)back);
		/* and the text is a number our own parser takes */
		double d;
		TU_CHECK(rec_parse_double(buf, strlen(buf), &d) == 0,
			 "'%s' not parsed", buf);
	}
}
END_TEST

/* ---- rec_parse_time ---- */

/* The seconds were computed with Python's datetime. */
struct time_case {
	const char *text;
	double want;
};

static const struct time_case good_times[] = {
	{ "1700000000", 1700000000 },
	{ "-1.5", -1.5 },
	{ "1970-01-01", 0 },
	{ "1970-01-01T00:00:00Z", 0 },
	{ "2000-03-01 00:00:00", 951868800 },
	{ "2024-02-29T12:30:00+02:00", 1709202600 },
	{ "2024-02-29T12:30+0200", 1709202600 },
	{ "2024-02-29T12:30:00+02", 1709202600 },
	{ "1969-12-31T23:59:59Z", -1 },
	{ "2018-09-24T14:41:50.250Z", 1537800110.25 },
	{ "2024-12-31T23:59:59-05:30", 1735709399 },
	{ "1900-01-01", -2208988800.0 },
};

START_TEST(test_parse_time_good)
{
	const struct time_case *c = &good_times[_i];
	double v = 12345;
	ck_assert_msg(rec_parse_time(c->text, strlen(c->text), &v) == 0,
		      "'%s' refused", c->text);
	ck_assert_msg(v == c->want, "'%s': %.17g, want %.17g", c->text, v,
		      c->want);
}
END_TEST

static const char *const bad_times[] = {
	"", "2024-", "2024-13-01", "2024-00-10", "2023-02-29", "2024-04-31",
	"2024-01-01T24:00", "2024-01-01T12:60", "2024-01-01T12:00:60",
	"2024-01-01T12", "2024-01-01T12:00:", "2024-01-01T12:00:00.",
	"2024-01-01T12:00:00+25:00", "2024-01-01X", "2024-1-01",
	"2024-01-01T12:00:00Z ", "24-01-01", "yesterday",
};

START_TEST(test_parse_time_bad)
{
	const char *t = bad_times[_i];
	double v = 12345;
	ck_assert_msg(rec_parse_time(t, strlen(t), &v) == REC_EINVAL,
		      "'%s' accepted", t);
	ck_assert(v == 12345);
}
END_TEST

static Suite *number_suite(void)
{
	Suite *s = suite_create("number");
	TCase *tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse_double_good, 0,
			    (int)TU_ARRAY_LEN(good_doubles));
	tcase_add_loop_test(tc, test_parse_double_bad, 0,
			    (int)TU_ARRAY_LEN(bad_doubles));
	tcase_add_test(tc, test_parse_double_matches_strtod);
	tcase_add_loop_test(tc, test_parse_long, 0,
			    (int)TU_ARRAY_LEN(long_cases));
	tcase_add_test(tc, test_parse_long_uses_len);
	tcase_add_loop_test(tc, test_parse_time_good, 0,
			    (int)TU_ARRAY_LEN(good_times));
	tcase_add_loop_test(tc, test_parse_time_bad, 0,
			    (int)TU_ARRAY_LEN(bad_times));
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_format_score_values, 0,
			    (int)TU_ARRAY_LEN(score_values));
	tcase_add_test(tc, test_format_score_random);
	tcase_add_test(tc, test_format_score_float_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(number_suite)
