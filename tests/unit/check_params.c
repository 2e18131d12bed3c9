/*
 * check_params.c - the parameter table: its rows, parsing, and the model
 * file's key/value list written and read from it.
 */
#include <math.h>

#include "testutil.h"
#include "codec.h"
#include "internal.h"

static const enum rec_task tasks[3] = { REC_TASK_BINARY, REC_TASK_REGRESSION,
					REC_TASK_IMPLICIT };

/* Keys and options are unique; every default is in range and the
 * defaults of each task pass the check. */
START_TEST(test_table_rows)
{
	ck_assert_uint_le(rec_param_count, REC_MAX_PARAMS);
	for (size_t i = 0; i < rec_param_count; i++) {
		const struct rec_param *d = &rec_param_table[i];
		ck_assert_ptr_eq(rec_param_find(d->key, strlen(d->key)), d);
		for (size_t j = 0; j < i; j++) {
			const struct rec_param *e = &rec_param_table[j];
			ck_assert_str_ne(d->key, e->key);
			if (d->option && e->option)
				ck_assert_str_ne(d->option, e->option);
		}
		if (d->option)
			ck_assert_msg(d->help != NULL, "%s has no help", d->key);
		if (d->type == REC_PARAM_ENUM)
			ck_assert_ptr_nonnull(d->names);
		for (int t = 0; t < 3; t++)
			if (d->type != REC_PARAM_STRING &&
			    d->type != REC_PARAM_U64)
				ck_assert_msg(rec_param_in_range(d, d->def[t]),
					      "default of %s out of range",
					      d->key);
	}
	for (int t = 0; t < 3; t++) {
		struct rec_params p;
		rec_params_init(&p, tasks[t]);
		ck_assert_ptr_null(rec_params_check(&p));
		ck_assert_int_eq(p.task, tasks[t]);
		ck_assert_int_eq(p.input.task, tasks[t]);
	}
	ck_assert_ptr_null(rec_param_find("no_such_key", 11));
}
END_TEST

/* The defaults that differ by task, as documented in rec-train(1). */
START_TEST(test_task_defaults)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	ck_assert_int_eq(p.loss, REC_LOSS_LOGISTIC);
	ck_assert_int_eq(p.factors, 8);
	ck_assert_double_eq(p.holdout, 0.1);
	rec_params_init(&p, REC_TASK_REGRESSION);
	ck_assert_int_eq(p.loss, REC_LOSS_SQUARED);
	rec_params_init(&p, REC_TASK_IMPLICIT);
	ck_assert_int_eq(p.loss, REC_LOSS_BPR);
	ck_assert_int_eq(p.factors, 64);
	ck_assert_double_eq(p.l2, 3);
	ck_assert_double_eq(p.l2_factors, 3);
	ck_assert_double_eq(p.sample_alpha, 0.3);
	ck_assert_double_eq(p.holdout, 0);
	ck_assert_str_eq(p.input.columns.user, "1");
	ck_assert_uint_eq(p.seed, 1);
}
END_TEST

struct parse_case {
	const char *key, *text;
	int ok;
};
static const struct parse_case parse_cases[] = {
	{ "bits", "1", 1 }, { "bits", "32", 1 }, { "bits", "0", 0 },
	{ "bits", "33", 0 }, { "bits", "2.5", 0 }, { "bits", "x", 0 },
	{ "lr", "1e-9", 1 }, { "lr", "0", 0 }, { "lr", "1000", 1 },
	{ "lr", "1000.5", 0 }, { "lr", "nan", 0 }, { "lr", "inf", 0 },
	{ "holdout", "0", 1 }, { "holdout", "0.99", 1 }, { "holdout", "1", 0 },
	{ "loss", "bpr", 1 }, { "loss", "BPR", 0 }, { "loss", "", 0 },
	{ "optimizer", "sgd", 1 }, { "task", "implicit", 1 },
	{ "seed", "0", 1 }, { "seed", "-1", 0 },
	{ "seed", "9223372036854775807", 1 },
	{ "shuffle", "1", 1 }, { "shuffle", "2", 0 },
	{ "half_life_time", "time", 1 }, { "half_life_time", "1", 0 },
	{ "column.user", "3", 0 },	/* strings are not options */
};

START_TEST(test_parse)
{
	const struct parse_case *c = &parse_cases[_i];
	const struct rec_param *d = rec_param_find(c->key, strlen(c->key));
	ck_assert_ptr_nonnull(d);
	struct rec_params p, before;
	rec_params_init(&p, REC_TASK_BINARY);
	before = p;
	int rc = rec_param_parse(&p, d, c->text);
	ck_assert_msg((rc == 0) == c->ok, "%s '%s': rc %d", c->key, c->text,
		      rc);
	if (!c->ok)
		ck_assert_msg(memcmp(&p, &before, sizeof(p)) == 0,
			      "%s '%s' changed the parameters", c->key,
			      c->text);
}
END_TEST

START_TEST(test_range_text)
{
	char buf[96];
	rec_param_range(rec_param_find("bits", 4), buf, sizeof(buf));
	ck_assert_str_eq(buf, "[1, 32]");
	rec_param_range(rec_param_find("lr", 2), buf, sizeof(buf));
	ck_assert_str_eq(buf, "(0, 1000]");
	rec_param_range(rec_param_find("holdout", 7), buf, sizeof(buf));
	ck_assert_str_eq(buf, "[0, 1)");
	rec_param_range(rec_param_find("task", 4), buf, sizeof(buf));
	ck_assert_str_eq(buf, "binary, regression or implicit");
}
END_TEST

/* Decode a key/value list; strings freed. */
static int decode(const struct rec_buf *b, struct rec_params *p, char *why)
{
	char *strings[REC_MAX_PARAMS] = { NULL };
	struct rec_cursor c = rec_cursor_of(b->p, b->len);
	int rc = rec_params_decode(&c, p, strings, why, 128);
	/* compare strings before they are freed */
	if (rc == 0)
		ck_assert_str_eq(p->input.columns.item, "movie");
	for (int i = 0; i < REC_MAX_PARAMS; i++)
		free(strings[i]);
	return rc;
}

static void put_key(struct rec_buf *b, const char *key, char type)
{
	rec_buf_put_u8(b, (unsigned)strlen(key));
	rec_buf_put(b, key, strlen(key));
	rec_buf_put_u8(b, (unsigned char)type);
}

START_TEST(test_round_trip)
{
	struct rec_params p, q;
	rec_params_init(&p, REC_TASK_IMPLICIT);
	p.factors = 17;
	p.lr = 0.125;
	p.seed = UINT64_C(0xFEDCBA9876543210);
	p.hard_negatives = 1;
	p.half_life_time = 1;
	p.input.columns.item = "movie";
	p.input.columns.time = NULL;
	p.input.csv = 1;
	struct rec_buf b = { 0 };
	rec_params_encode(&p, &b);
	ck_assert(!b.failed);
	char why[128] = "";
	ck_assert_int_eq(decode(&b, &q, why), 0);
	for (size_t i = 0; i < rec_param_count; i++) {
		const struct rec_param *d = &rec_param_table[i];
		struct rec_param_value a, c;
		rec_param_get(&p, d, &a);
		rec_param_get(&q, d, &c);
		ck_assert_msg(a.num == c.num && a.u64 == c.u64, "%s differs",
			      d->key);
		if (d->type == REC_PARAM_STRING && a.str != c.str)
			ck_assert_msg(a.str && c.str, "%s differs", d->key);
	}
	rec_buf_free(&b);
}
END_TEST

/* A file with only some keys: the others take the defaults of the task it
 * names; keys of a later version are skipped. */
START_TEST(test_missing_and_unknown_keys)
{
	struct rec_buf b = { 0 };
	rec_buf_put_u32(&b, 4);
	put_key(&b, "task", 'i');
	rec_buf_put_u64(&b, REC_TASK_IMPLICIT);
	put_key(&b, "a_later_key", 'f');
	rec_buf_put_f64(&b, 2.5);
	put_key(&b, "column.item", 's');
	rec_buf_put_u32(&b, 5);
	rec_buf_put(&b, "movie", 5);
	put_key(&b, "another_one", 's');
	rec_buf_put_u32(&b, 3);
	rec_buf_put(&b, "abc", 3);
	struct rec_params q;
	char why[128] = "";
	ck_assert_msg(decode(&b, &q, why) == 0, "%s", why);
	ck_assert_int_eq(q.task, REC_TASK_IMPLICIT);
	ck_assert_int_eq(q.loss, REC_LOSS_BPR);
	ck_assert_int_eq(q.factors, 64);
	ck_assert_double_eq(q.sample_alpha, 0.3);
	rec_buf_free(&b);
}
END_TEST

struct bad_list {
	const char *key;
	char type;
	uint64_t value;
	const char *why;
};
static const struct bad_list bad_lists[] = {
	{ "bits", 'f', 0, "wrong type" },
	{ "lr", 'i', 0, "wrong type" },
	{ "column.user", 'i', 0, "wrong type" },
	{ "bits", 'i', UINT64_C(1) << 40, "out of range" },
	{ "bits", 'i', 99, "bits must be in [1, 32]" },
	{ "loss", 'i', 7, "loss must be" },
	{ "bits", 'x', 0, "wrong type for bits" },
	{ "a_later_key", 'x', 0, "unknown parameter type" },
};

START_TEST(test_bad_lists)
{
	const struct bad_list *c = &bad_lists[_i];
	struct rec_buf b = { 0 };
	rec_buf_put_u32(&b, 1);
	put_key(&b, c->key, c->type);
	rec_buf_put_u64(&b, c->value);
	struct rec_params q;
	char why[128] = "";
	char *strings[REC_MAX_PARAMS] = { NULL };
	struct rec_cursor cur = rec_cursor_of(b.p, b.len);
	ck_assert_int_eq(rec_params_decode(&cur, &q, strings, why, sizeof(why)),
			 REC_EFORMAT);
	ck_assert_msg(strstr(why, c->why) != NULL, "'%s', want '%s'", why,
		      c->why);
	for (int i = 0; i < REC_MAX_PARAMS; i++)
		free(strings[i]);
	rec_buf_free(&b);
}
END_TEST

START_TEST(test_truncated_list)
{
	struct rec_params p, q;
	rec_params_init(&p, REC_TASK_BINARY);
	struct rec_buf b = { 0 };
	rec_params_encode(&p, &b);
	for (size_t len = 0; len < b.len; len++) {
		char why[128] = "";
		char *strings[REC_MAX_PARAMS] = { NULL };
		struct rec_cursor c = rec_cursor_of(b.p, len);
		TU_CHECK(rec_params_decode(&c, &q, strings, why, sizeof(why)) ==
				 REC_EFORMAT,
			 "a list cut at %zu bytes was accepted", len);
		for (int i = 0; i < REC_MAX_PARAMS; i++)
			free(strings[i]);
	}
	rec_buf_free(&b);
}
END_TEST

/* Soft labels: a format 4 key, written only when set, that needs a
 * binary task, the logistic loss and no positive threshold. */
START_TEST(test_soft_labels)
{
	struct rec_params p, q;
	rec_params_init(&p, REC_TASK_BINARY);
	const struct rec_param *d = rec_param_find("input.soft_labels", 17);
	ck_assert_ptr_nonnull(d);
	ck_assert(d->flags & REC_PARAM_INPUT);
	p.input.columns.item = "movie";	/* as decode() checks */
	ck_assert_int_eq(rec_params_version(&p), 1);
	struct rec_buf plain = { 0 }, soft = { 0 };
	rec_params_encode(&p, &plain);
	p.input.soft_labels = 1;
	ck_assert_ptr_null(rec_params_check(&p));
	ck_assert_int_eq(rec_params_version(&p), 4);
	p.optimizer = REC_OPT_FTRL;	/* format 2 on its own */
	ck_assert_int_eq(rec_params_version(&p), 4);
	p.optimizer = REC_OPT_ADAGRAD;
	rec_params_encode(&p, &soft);
	ck_assert(!plain.failed && !soft.failed);
	/* one key more: 1 + 17 bytes of key, a type byte and 8 of value */
	ck_assert_uint_eq(soft.len, plain.len + 1 + 17 + 1 + 8);
	char why[128] = "";
	ck_assert_msg(decode(&soft, &q, why) == 0, "%s", why);
	ck_assert_int_eq(q.input.soft_labels, 1);
	ck_assert_msg(decode(&plain, &q, why) == 0, "%s", why);
	ck_assert_int_eq(q.input.soft_labels, 0);
	rec_buf_free(&plain);
	rec_buf_free(&soft);

	p.input.has_positive = 1;
	ck_assert_ptr_nonnull(strstr(rec_params_check(&p), "positive"));
	p.input.has_positive = 0;
	p.loss = REC_LOSS_SQUARED;
	ck_assert_ptr_nonnull(strstr(rec_params_check(&p), "logistic"));
	rec_params_init(&p, REC_TASK_REGRESSION);
	p.input.soft_labels = 1;
	ck_assert_ptr_nonnull(strstr(rec_params_check(&p), "binary"));
	rec_params_init(&p, REC_TASK_IMPLICIT);
	p.input.soft_labels = 1;
	p.loss = REC_LOSS_LOGISTIC;
	ck_assert_ptr_nonnull(strstr(rec_params_check(&p), "binary"));
}
END_TEST

static Suite *params_suite(void)
{
	Suite *s = suite_create("params");
	TCase *tc = tcase_create("table");
	tcase_add_test(tc, test_table_rows);
	tcase_add_test(tc, test_task_defaults);
	tcase_add_loop_test(tc, test_parse, 0,
			    (int)TU_ARRAY_LEN(parse_cases));
	tcase_add_test(tc, test_range_text);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_missing_and_unknown_keys);
	tcase_add_loop_test(tc, test_bad_lists, 0,
			    (int)TU_ARRAY_LEN(bad_lists));
	tcase_add_test(tc, test_truncated_list);
	tcase_add_test(tc, test_soft_labels);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(params_suite)
