/*
 * check_error.c - unit tests for lib/error.c: error strings and the error struct.
 */
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>

#include "internal.h"
#include "testutil.h"

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

static Suite *error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("errors");
	tcase_add_test(tc, test_strerror);
	tcase_add_test(tc, test_fail);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(error_suite)
