/*
 * check_map.c - unit tests for lib/map.c: the hash map from 64-bit keys to indexes.
 */
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>

#include "internal.h"
#include "testutil.h"

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
	ck_assert_ptr_null(m.slots);
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

static Suite *map_suite(void)
{
	Suite *s = suite_create("map");
	TCase *tc = tcase_create("map");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_map_small);
	tcase_add_test(tc, test_map_capacity);
	tcase_add_test(tc, test_map_grow);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(map_suite)
