/*
 * check_util.c - unit tests for lib/util.c: bounded number parsing, error
 * strings, the feature hash, the random number generator and the hash map.
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
	/* only len bytes are read: the rest of the buffer is not the number */
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

/* ---- errors ---- */

START_TEST(test_strerror)
{
	static const int codes[] = { REC_OK, REC_EIO, REC_ENOMEM, REC_EBADROW,
		REC_EFORMAT, REC_EVERSION, REC_EINVAL, REC_EDATA };
	const char *unknown = rec_strerror(-1000);
	ck_assert_ptr_nonnull(unknown);
	ck_assert_str_eq(rec_strerror(12345), unknown);
	for (size_t i = 0; i < TU_ARRAY_LEN(codes); i++) {
		const char *s = rec_strerror(codes[i]);
		ck_assert_ptr_nonnull(s);
		ck_assert_int_gt(strlen(s), 0);
		ck_assert_str_ne(s, unknown);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(s, rec_strerror(codes[j]));
	}
}
END_TEST

START_TEST(test_fail)
{
	struct rec_error err;
	memset(&err, 0x55, sizeof(err));
	ck_assert_int_eq(rec_fail(&err, REC_EBADROW, "a.tsv", 17,
				  "label '%s' is not a number", "x"),
			 REC_EBADROW);
	ck_assert_int_eq(err.code, REC_EBADROW);
	ck_assert_int_eq(err.line, 17);
	ck_assert_str_eq(err.file, "a.tsv");
	ck_assert_str_eq(err.msg, "label 'x' is not a number");
	ck_assert_int_eq(rec_fail(&err, REC_EIO, NULL, 0, "x"), REC_EIO);
	ck_assert_str_eq(err.file, "");
	ck_assert_int_eq(err.line, 0);
	/* NULL err: only the code comes back */
	ck_assert_int_eq(rec_fail(NULL, REC_EDATA, "f", 1, "m"), REC_EDATA);
	/* long messages are cut, never overflow */
	char longname[1000];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	rec_fail(&err, REC_EIO, longname, 1, "%s%s", longname, longname);
	ck_assert_uint_eq(strlen(err.file), sizeof(err.file) - 1);
	ck_assert_uint_eq(strlen(err.msg), sizeof(err.msg) - 1);
}
END_TEST

/* ---- rec_hash ---- */

/* Feature keys are stored in model files: the hash must never change.
 * These values were taken from the first release of the function. */
struct hash_case {
	unsigned char space;
	const char *text;
	uint64_t want;
};

static const struct hash_case hash_cases[] = {
	{ 'u', "", 0xdacffc39b2aa731cull },
	{ 'i', "", 0x7bc207d90bb55fe1ull },
	{ 'u', "a", 0x295b85ea560b861full },
	{ 'i', "a", 0xa706a391a64483eeull },
	{ 'u', "alice", 0xdd8f86e04e75ffe1ull },
	{ 'i', "alice", 0x3accb5ccf0bc154full },
	{ 'u', "item-42", 0x4ac328465ac9fbcbull },
	{ 'i', "item-42", 0xa548be117d60816bull },
	{ 'u', "0123456789abcdef0", 0x8904c3fa4ac3502bull },
	{ 'i', "0123456789abcdef0", 0x0d9283173f153061ull },
};

START_TEST(test_hash_stable)
{
	const struct hash_case *c = &hash_cases[_i];
	uint64_t h = rec_hash(c->space, c->text, strlen(c->text));
	ck_assert_msg(h == c->want, "hash('%c', \"%s\") = %016" PRIx64
		      ", want %016" PRIx64, c->space, c->text, h, c->want);
	/* the same again, from a different copy of the bytes */
	char copy[64];
	memcpy(copy, c->text, strlen(c->text));
	ck_assert(rec_hash(c->space, copy, strlen(c->text)) == h);
}
END_TEST

START_TEST(test_hash_namespaces)
{
	/* a user and an item with the same id are different features */
	char id[32];
	for (int n = 0; n < 2000; n++) {
		int len = snprintf(id, sizeof(id), "%d", n);
		uint64_t u = rec_hash(REC_SPACE_USER, id, (size_t)len);
		uint64_t i = rec_hash(REC_SPACE_ITEM, id, (size_t)len);
		TU_CHECK(u != i, "user and item '%s' collide", id);
	}
	ck_assert(rec_hash(REC_SPACE_USER, "", 0) !=
		  rec_hash(REC_SPACE_ITEM, "", 0));
}
END_TEST

START_TEST(test_hash_uses_len_and_all_bytes)
{
	/* only len bytes count */
	ck_assert(rec_hash('u', "abcdef", 3) == rec_hash('u', "abc", 3));
	/* length is part of the identity: "ab" and "ab\0" differ */
	ck_assert(rec_hash('u', "ab", 2) != rec_hash('u', "ab\0", 3));
	ck_assert(rec_hash('u', "", 0) != rec_hash('u', "\0", 1));
	/* every byte position matters, across the 8-byte steps */
	char base[40];
	memset(base, 'q', sizeof(base));
	uint64_t h0 = rec_hash('i', base, sizeof(base));
	for (size_t i = 0; i < sizeof(base); i++) {
		char b[40];
		memcpy(b, base, sizeof(b));
		b[i] ^= 1;
		ck_assert_msg(rec_hash('i', b, sizeof(b)) != h0,
			      "byte %zu ignored", i);
	}
	/* no collisions among many short ids, each length a prefix */
	enum { N = 20000 };
	uint64_t *seen = malloc(N * sizeof(*seen));
	ck_assert_ptr_nonnull(seen);
	for (int n = 0; n < N; n++) {
		char id[32];
		int len = snprintf(id, sizeof(id), "user%d", n);
		seen[n] = rec_hash('u', id, (size_t)len);
	}
	struct rec_map m;
	ck_assert_int_eq(rec_map_init(&m, N), 0);
	for (int n = 0; n < N; n++) {
		TU_CHECK(rec_map_get(&m, seen[n]) == UINT32_MAX,
			 "hash collision at user%d", n);
		TU_CHECK(rec_map_put(&m, seen[n], (uint32_t)n) == 0,
			 "rec_map_put failed");
	}
	rec_map_destroy(&m);
	free(seen);
}
END_TEST

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

/* ---- rec_map ---- */

START_TEST(test_map_small)
{
	struct rec_map m;
	ck_assert_int_eq(rec_map_init(&m, 0), 0);
	ck_assert_uint_eq(m.count, 0);
	ck_assert(((m.mask + 1) & m.mask) == 0);	/* power of two */
	ck_assert(rec_map_get(&m, 0) == UINT32_MAX);
	ck_assert(rec_map_get(&m, 42) == UINT32_MAX);
	ck_assert_int_eq(rec_map_put(&m, 0, 5), 0);	/* key 0 is a key */
	ck_assert_int_eq(rec_map_put(&m, UINT64_MAX, 0), 0);
	ck_assert_int_eq(rec_map_put(&m, 42, 7), 0);
	ck_assert_uint_eq(rec_map_get(&m, 0), 5);
	ck_assert_uint_eq(rec_map_get(&m, UINT64_MAX), 0);
	ck_assert_uint_eq(rec_map_get(&m, 42), 7);
	ck_assert(rec_map_get(&m, 43) == UINT32_MAX);
	ck_assert_uint_eq(m.count, 3);
	rec_map_destroy(&m);
	ck_assert_ptr_null(m.keys);
	ck_assert_ptr_null(m.values);
	rec_map_destroy(&m);	/* twice is harmless */
}
END_TEST

START_TEST(test_map_capacity)
{
	struct rec_map m;
	ck_assert_int_eq(rec_map_init(&m, 1000), 0);
	/* room for the capacity asked at a load of at most one half */
	ck_assert_uint_ge(m.mask + 1, 2000);
	ck_assert(((m.mask + 1) & m.mask) == 0);
	size_t mask = m.mask;
	for (uint32_t i = 0; i < 1000; i++)
		ck_assert_int_eq(rec_map_put(&m, (uint64_t)i * 7919, i), 0);
	ck_assert_uint_eq(m.mask, mask);	/* no growth needed */
	rec_map_destroy(&m);
}
END_TEST

START_TEST(test_map_grow)
{
	enum { N = 100000 };
	struct rec_map m;
	ck_assert_int_eq(rec_map_init(&m, 1), 0);
	struct rec_rng r;
	rec_rng_seed(&r, 5);
	uint64_t *keys = malloc(N * sizeof(*keys));
	ck_assert_ptr_nonnull(keys);
	size_t grew = 0, last_mask = m.mask;
	for (uint32_t i = 0; i < N; i++) {
		/* half random 64-bit keys (as item hashes are), half small
		 * consecutive ones (as feature keys masked to 2^bits are) */
		keys[i] = i % 2 ? rec_rng_next(&r) : (uint64_t)i;
		TU_CHECK(rec_map_get(&m, keys[i]) == UINT32_MAX,
			 "key %u present before it was put", i);
		TU_CHECK(rec_map_put(&m, keys[i], i) == 0, "put %u failed", i);
		TU_CHECK(m.count == (size_t)i + 1, "count %zu", m.count);
		TU_CHECK(m.count * 2 <= m.mask + 1, "load over one half: %zu "
			 "in %zu slots", m.count, m.mask + 1);
		if (m.mask != last_mask) {
			grew++;
			last_mask = m.mask;
		}
	}
	ck_assert_uint_gt(grew, 10);
	for (uint32_t i = 0; i < N; i++)
		TU_CHECK(rec_map_get(&m, keys[i]) == i, "key %u lost", i);
	/* absent keys */
	for (uint32_t i = 0; i < 1000; i++) {
		uint64_t k = (uint64_t)N + 2 * i + 1;
		TU_CHECK(rec_map_get(&m, k) == UINT32_MAX, "absent key %u "
			 "found", i);
	}
	rec_map_destroy(&m);
	free(keys);
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse_double_good, 0,
			    (int)TU_ARRAY_LEN(good_doubles));
	tcase_add_loop_test(tc, test_parse_double_bad, 0,
			    (int)TU_ARRAY_LEN(bad_doubles));
	tcase_add_test(tc, test_parse_double_matches_strtod);
	tcase_add_loop_test(tc, test_parse_long, 0,
			    (int)TU_ARRAY_LEN(long_cases));
	tcase_add_test(tc, test_parse_long_uses_len);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_format_score_values, 0,
			    (int)TU_ARRAY_LEN(score_values));
	tcase_add_test(tc, test_format_score_random);
	tcase_add_test(tc, test_format_score_float_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_strerror);
	tcase_add_test(tc, test_fail);
	suite_add_tcase(s, tc);

	tc = tcase_create("hash");
	tcase_add_loop_test(tc, test_hash_stable, 0,
			    (int)TU_ARRAY_LEN(hash_cases));
	tcase_add_test(tc, test_hash_namespaces);
	tcase_add_test(tc, test_hash_uses_len_and_all_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("rng");
	tcase_add_test(tc, test_rng_reference);
	tcase_add_test(tc, test_rng_determinism);
	tcase_add_test(tc, test_rng_uniform);
	tcase_add_loop_test(tc, test_rng_below_range, 0,
			    (int)TU_ARRAY_LEN(below_ns));
	tcase_add_test(tc, test_rng_below_uniform);
	suite_add_tcase(s, tc);

	tc = tcase_create("map");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_map_small);
	tcase_add_test(tc, test_map_capacity);
	tcase_add_test(tc, test_map_grow);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(util_suite)
