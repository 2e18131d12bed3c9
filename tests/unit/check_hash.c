/*
 * check_hash.c - unit tests for lib/hash.c: the feature hash.
 *
 * hash.c multiplies with a 128-bit integer where the compiler has one and
 * with 32-bit halves elsewhere.  To test the second way on a machine that
 * has the first, this file compiles hash.c a second time, without the
 * 128-bit type, as portable_hash(); both must give the same values.
 */
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>

#include "internal.h"
#include "testutil.h"

uint64_t portable_hash(unsigned char space, const char *s, size_t len);
uint64_t portable_hash_seeded(uint64_t seed, const char *s, size_t len);
#define REC_NO_INT128
#define rec_hash portable_hash
#define rec_hash_seeded portable_hash_seeded
#include "../../lib/hash.c"
#undef rec_hash
#undef rec_hash_seeded

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

START_TEST(test_hash_portable_stable)
{
	const struct hash_case *c = &hash_cases[_i];
	ck_assert(portable_hash(c->space, c->text, strlen(c->text)) ==
		  c->want);
}
END_TEST

START_TEST(test_hash_portable_matches)
{
	/* random bytes of every length up to 40, so each tail length and
	 * products with every high bit set are met */
	struct rec_rng r;
	rec_rng_seed(&r, 77);
	char buf[40];
	for (int n = 0; n < 20000; n++) {
		size_t len = (size_t)(n % 41);
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)(rec_rng_next(&r) >> 56);
		unsigned char space = (unsigned char)n;
		TU_CHECK(portable_hash(space, buf, len) ==
			 rec_hash(space, buf, len),
			 "portable hash differs at %d", n);
	}
}
END_TEST

static Suite *hash_suite(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("hash");
	tcase_add_loop_test(tc, test_hash_stable, 0,
			    (int)TU_ARRAY_LEN(hash_cases));
	tcase_add_test(tc, test_hash_namespaces);
	tcase_add_test(tc, test_hash_uses_len_and_all_bytes);
	tcase_add_loop_test(tc, test_hash_portable_stable, 0,
			    (int)TU_ARRAY_LEN(hash_cases));
	tcase_add_test(tc, test_hash_portable_matches);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(hash_suite)
