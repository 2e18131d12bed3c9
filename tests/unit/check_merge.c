/*
 * check_merge.c - unit tests for lib/merge.c: means weighted by counts on
 * hand-made models, rows only some models have, the base's counts, FTRL's
 * closed form after a merge, copies merging to themselves, item counts
 * near 2^64, counters no file would hold, and models that differ refused.
 */
#include <float.h>
#include <math.h>

#include "internal.h"
#include "testutil.h"

static const char *const names[] = { "a", "b", "c" };

static rec_model *model(int factors, int optimizer)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.factors = factors;
	p.optimizer = optimizer;
	rec_model *m = NULL;
	struct rec_error err = { 0 };
	ck_assert_int_eq(rec_model_create(&m, &p, &err), 0);
	return m;
}

/* A row for key with the given weight, factors (all f), sums (all a) and
 * events. */
static float *row(rec_model *m, uint64_t key, float w, float f, float a,
		  uint32_t events)
{
	uint32_t r;
	ck_assert_int_eq(rec_model_intern(m, key, 0, &r), 0);
	float *x = m->rows + (size_t)r * m->stride;
	const int k = m->params.factors;
	x[0] = w;
	for (int j = 1; j <= k; j++)
		x[j] = f;
	for (int j = 0; j <= k; j++)
		x[1 + k + j] = a;
	m->feature_events[r] = events;
	return x;
}

static const float *row_of(const rec_model *m, uint64_t key, uint32_t *events)
{
	uint32_t r = rec_model_find(m, key);
	ck_assert_uint_ne(r, UINT32_MAX);
	*events = m->feature_events[r];
	return m->rows + (size_t)r * m->stride;
}

static rec_model *merge(rec_model *const *in, int n, const rec_model *base)
{
	rec_model *out = NULL;
	struct rec_error err = { 0 };
	int rc = rec_model_merge(&out, in, names, n, base, "base", &err);
	ck_assert_msg(rc == 0, "rec_model_merge: %d %s", rc, err.msg);
	return out;
}

START_TEST(test_means_by_counts)
{
	rec_model *a = model(2, REC_OPT_ADAGRAD), *b = model(2, REC_OPT_ADAGRAD);
	row(a, 1, 1.0f, 0.5f, 2.0f, 1);
	row(b, 1, 4.0f, -1.0f, 8.0f, 3);
	row(b, 2, 0.25f, 0.125f, 1.0f, 5);	/* only in b */
	row(a, 3, 0.5f, 0.5f, 0.5f, 0);		/* counted by no model */
	row(b, 3, 9.0f, 9.0f, 9.0f, 0);
	a->counters.learned = a->counters.events = 10;
	b->counters.learned = b->counters.events = 30;
	a->bias[0] = 1.0f;
	b->bias[0] = 2.0f;
	rec_model *in[] = { a, b };
	rec_model *m = merge(in, 2, NULL);
	uint32_t ev;
	const float *x = row_of(m, 1, &ev);
	ck_assert_uint_eq(ev, 4);
	ck_assert_float_eq(x[0], (1.0f * 1 + 4.0f * 3) / 4);
	ck_assert_float_eq(x[1], (0.5f * 1 - 1.0f * 3) / 4);
	ck_assert_float_eq(x[3], (2.0f * 1 + 8.0f * 3) / 4);
	x = row_of(m, 2, &ev);
	ck_assert_uint_eq(ev, 5);
	ck_assert_float_eq(x[0], 0.25f);
	ck_assert_float_eq(x[1], 0.125f);
	x = row_of(m, 3, &ev);
	ck_assert_uint_eq(ev, 0);
	ck_assert_float_eq(x[0], 0.5f);
	ck_assert_float_eq(x[5], 0.5f);
	ck_assert_float_eq(m->bias[0], (1.0f * 10 + 2.0f * 30) / 40);
	ck_assert_uint_eq(m->counters.learned, 40);
	/* rows in the first model's order, then the new ones */
	ck_assert_uint_eq(m->features, 3);
	ck_assert_uint_eq(m->feature_keys[0], 1);
	ck_assert_uint_eq(m->feature_keys[1], 3);
	ck_assert_uint_eq(m->feature_keys[2], 2);
	rec_model_free(m);
	rec_model_free(a);
	rec_model_free(b);
}
END_TEST

START_TEST(test_copies_merge_to_themselves)
{
	rec_model *a = model(3, REC_OPT_ADAGRAD);
	/* values whose weighted sums in any arithmetic could round away */
	row(a, 7, 0.1f, 1.0f / 3, 0.7f, 3);
	row(a, 8, -1e-7f, 123456.7f, 1e-3f, 1000000007);
	rec_model *in[] = { a, a, a };
	rec_model *m = merge(in, 3, NULL);
	ck_assert_uint_eq(m->features, a->features);
	ck_assert_int_eq(memcmp(m->rows, a->rows,
				a->features * a->stride * sizeof(float)), 0);
	rec_model_free(m);
	/* with the model as base: everything, counts too */
	m = merge(in, 3, a);
	ck_assert_int_eq(memcmp(m->feature_events, a->feature_events,
				a->features * sizeof(uint32_t)), 0);
	rec_model_free(m);
	rec_model_free(a);
}
END_TEST

START_TEST(test_base_counts)
{
	rec_model *base = model(0, REC_OPT_ADAGRAD);
	rec_model *a = model(0, REC_OPT_ADAGRAD), *b = model(0, REC_OPT_ADAGRAD);
	row(base, 1, 1.0f, 0, 1.0f, 10);
	row(a, 1, 2.0f, 0, 1.0f, 11);	/* 1 event beyond the base */
	row(b, 1, 5.0f, 0, 1.0f, 13);	/* 3 */
	rec_model *in[] = { a, b };
	rec_model *m = merge(in, 2, base);
	uint32_t ev;
	const float *x = row_of(m, 1, &ev);
	ck_assert_uint_eq(ev, 14);
	ck_assert_float_eq(x[0], (2.0f * 1 + 5.0f * 3) / 4);
	rec_model_free(m);
	/* a model with less than the base was not updated from it */
	row(b, 1, 5.0f, 0, 1.0f, 9);
	struct rec_error err = { 0 };
	ck_assert_int_eq(rec_model_merge(&m, in, names, 2, base, "base", &err),
			 REC_EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_str_eq(err.file, "b");
	ck_assert_ptr_nonnull(strstr(err.msg, "base"));
	rec_model_free(a);
	rec_model_free(b);
	rec_model_free(base);
}
END_TEST

/* A model of 2 factors that learned events (TSV: user, item, label). */
static rec_model *learned(const char *events)
{
	rec_model *m = model(2, REC_OPT_ADAGRAD);
	struct rec_mem_input mem = { events, strlen(events), NULL };
	struct rec_reader_options ro = rec_model_params(m)->input;
	rec_model_reader_columns(m, &ro);
	ro.need = REC_NEED_USER | REC_NEED_ITEM | REC_NEED_LABEL;
	rec_reader *r = NULL;
	struct rec_error err = { 0 };
	ck_assert_int_eq(rec_reader_open_mem(&r, &mem, 1, &ro, &err), 0);
	struct rec_update_options uo = { 0 };
	ck_assert_int_eq(rec_update(m, r, &uo, NULL, NULL, NULL, NULL, &err),
			 0);
	rec_reader_free(r);
	return m;
}

static uint64_t *item_count(rec_model *m, const char *id)
{
	uint32_t at = rec_catalogue_find(m, id, strlen(id));
	ck_assert_uint_ne(at, UINT32_MAX);
	return &m->catalogue.items[at].count;
}

/* Item counts near 2^64 (a damaged file may hold any) are added up
 * exactly, and held at UINT64_MAX past it: once they went through a
 * double, which rounds UINT64_MAX to 2^64, and its conversion back was
 * undefined (found by fuzz_merge). */
START_TEST(test_huge_item_counts)
{
	static const char ev[] = "u1\ti1\t1\nu2\ti2\t0\n";
	rec_model *a = learned(ev), *b = learned(ev);
	const uint64_t big = ((uint64_t)1 << 53) + 1;
	*item_count(a, "i1") = UINT64_MAX;
	*item_count(b, "i1") = 3;
	*item_count(a, "i2") = big;
	*item_count(b, "i2") = 2;
	rec_model *in[] = { a, b };
	rec_model *m = merge(in, 2, NULL);
	ck_assert_uint_eq(*item_count(m, "i1"), UINT64_MAX);
	ck_assert_uint_eq(*item_count(m, "i2"), big + 2);
	ck_assert_uint_eq(m->catalogue.max_count, UINT64_MAX);
	rec_model_free(m);
	/* with b as the base: b's and what each copy of a added to it */
	rec_model *aa[] = { a, a };
	m = merge(aa, 2, b);
	ck_assert_uint_eq(*item_count(m, "i1"), UINT64_MAX);
	ck_assert_uint_eq(*item_count(m, "i2"), 2 + 2 * (big - 2));
	rec_model_free(m);
	rec_model_free(a);
	rec_model_free(b);
}
END_TEST

/* A merged model must load again: the decoder's rules for counters hold. */
static void reloads(const rec_model *m)
{
	void *image;
	size_t len;
	struct rec_error err = { 0 };
	ck_assert_int_eq(rec_model_encode(m, 0, &image, &len, &err), 0);
	rec_model *back = NULL;
	int rc = rec_model_decode(&back, image, len, "merged", &err);
	ck_assert_msg(rc == 0, "merged model does not load: %s", err.msg);
	free(image);
	rec_model_free(back);
}

/* Counters near their limits (a damaged file may hold them): the sums are
 * held at UINT64_MAX and DBL_MAX and the means stay finite, so that the
 * merged model loads again; and a model that learned more events beyond
 * the base than it took training steps was not updated from it (once
 * merged into a model the decoder refused: found by fuzz_merge). */
START_TEST(test_hostile_counters)
{
	static const char ev[] = "u1\ti1\t1\nu2\ti2\t0\n";
	rec_model *a = learned(ev), *b = learned(ev);
	ck_assert_int_eq(a->counters.learned_known, 1);
	a->counters.events = UINT64_MAX;
	a->counters.learned = UINT64_MAX - 1;
	a->counters.updates = UINT64_MAX;
	a->counters.prog_loss = DBL_MAX;
	a->counters.prog_weight = DBL_MAX;
	b->counters.prog_loss = DBL_MAX;
	b->counters.prog_weight = DBL_MAX;
	a->counters.train_loss = DBL_MAX;
	b->counters.train_loss = -DBL_MAX;
	rec_model *in[] = { a, b };
	rec_model *m = merge(in, 2, NULL);
	ck_assert_uint_eq(m->counters.events, UINT64_MAX);
	ck_assert_uint_eq(m->counters.learned, UINT64_MAX);
	ck_assert_uint_eq(m->counters.updates, UINT64_MAX);
	ck_assert(m->counters.prog_loss == DBL_MAX);
	ck_assert(m->counters.prog_weight == DBL_MAX);
	ck_assert(isfinite(m->counters.train_loss));
	reloads(m);
	rec_model_free(m);

	/* b as the base of a model that learned 3 events in 1 step */
	b->counters.events = 10;
	b->counters.learned = 2;
	rec_model *c = learned(ev);
	c->counters.events = 11;
	c->counters.learned = 5;
	rec_model *cc[] = { c, c };
	struct rec_error err = { 0 };
	ck_assert_int_eq(rec_model_merge(&m, cc, names, 2, b, "base", &err),
			 REC_EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_str_eq(err.file, "a");
	ck_assert_ptr_nonnull(strstr(err.msg, "not updated from it"));
	/* 3 events in 3 steps: merged, and it loads */
	c->counters.events = 13;
	m = merge(cc, 2, b);
	ck_assert_uint_eq(m->counters.events, 10 + 2 * 3);
	ck_assert_uint_eq(m->counters.learned, 2 + 2 * 3);
	reloads(m);
	rec_model_free(m);
	rec_model_free(c);
	rec_model_free(a);
	rec_model_free(b);
}
END_TEST

/* The weight FTRL's closed form gives for a row. */
static double ftrl_weight(const rec_model *m, const float *x)
{
	const int k = m->params.factors;
	double n = x[1 + k], z = x[2 + 2 * k];
	double l1 = (float)m->params.l1, l2 = (float)m->params.l2;
	double alpha = (float)m->params.ftrl_alpha;
	double beta = (float)m->params.ftrl_beta;
	if (fabs(z) <= l1)
		return 0;
	return -(z - copysign(l1, z)) / ((beta + sqrt(n)) / alpha + l2);
}

START_TEST(test_ftrl_closed_form)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.optimizer = REC_OPT_FTRL;
	p.factors = 2;
	p.l1 = 0.5;
	rec_model *in[2];
	struct rec_error err = { 0 };
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(rec_model_create(&in[i], &p, &err), 0);
	/* two rows learned apart, each with its closed form */
	float *x = row(in[0], 1, 0, 0.1f, 0.2f, 2);
	x[1 + 2] = 4.0f;	/* n */
	x[2 + 4] = -3.0f;	/* z */
	x[0] = (float)ftrl_weight(in[0], x);
	float *y = row(in[1], 1, 0, 0.3f, 0.4f, 6);
	y[1 + 2] = 9.0f;
	y[2 + 4] = 5.0f;
	y[0] = (float)ftrl_weight(in[1], y);
	ck_assert(x[0] > 0 && y[0] < 0);
	/* and a row that L1 holds at 0 in both */
	float *u = row(in[0], 2, 0, 0, 0.2f, 1);
	u[2 + 4] = 0.25f;
	float *v = row(in[1], 2, 0, 0, 0.2f, 1);
	v[2 + 4] = -0.5f;
	rec_model *m = merge(in, 2, NULL);
	uint32_t ev;
	const float *r = row_of(m, 1, &ev);
	double w = (x[0] * 2.0 + y[0] * 6.0) / 8;
	ck_assert_double_eq_tol(r[0], w, 1e-6);
	ck_assert_double_eq_tol(r[3], (4.0 * 2 + 9.0 * 6) / 8, 1e-6);
	ck_assert_double_eq_tol(ftrl_weight(m, r), r[0], 1e-6 * fabs(r[0]));
	r = row_of(m, 2, &ev);
	ck_assert_float_eq(r[0], 0);
	ck_assert_double_eq(ftrl_weight(m, r), 0);
	rec_model_free(m);
	rec_model_free(in[0]);
	rec_model_free(in[1]);
}
END_TEST

/* Each parameter class that must agree: one changed at a time. */
static void set_factors(struct rec_params *p) { p->factors = 4; }
static void set_bits(struct rec_params *p) { p->bits = 20; }
static void set_seed(struct rec_params *p) { p->seed = 2; }
static void set_loss(struct rec_params *p) { p->loss = REC_LOSS_SQUARED; }
static void set_optimizer(struct rec_params *p) { p->optimizer = REC_OPT_SGD; }
static void set_init_std(struct rec_params *p) { p->init_std = 0.1; }
static void set_features(struct rec_params *p) { p->features = "3"; }
static void set_column(struct rec_params *p) { p->input.columns.user = "5"; }

static const struct {
	const char *what;
	void (*change)(struct rec_params *p);
} differences[] = {
	{ "factors", set_factors },
	{ "bits", set_bits },
	{ "seed", set_seed },
	{ "loss", set_loss },
	{ "optimizer", set_optimizer },
	{ "init", set_init_std },
	{ "features", set_features },
	{ "user", set_column },
};

START_TEST(test_refuse_differences)
{
	struct rec_params p, q;
	rec_params_init(&p, REC_TASK_BINARY);
	q = p;
	differences[_i].change(&q);
	rec_model *a = NULL, *b = NULL, *m = NULL;
	struct rec_error err = { 0 };
	ck_assert_int_eq(rec_model_create(&a, &p, &err), 0);
	ck_assert_int_eq(rec_model_create(&b, &q, &err), 0);
	rec_model *in[] = { a, b };
	ck_assert_int_eq(rec_model_merge(&m, in, names, 2, NULL, NULL, &err),
			 REC_EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_str_eq(err.file, "b");
	ck_assert_msg(strstr(err.msg, differences[_i].what) != NULL,
		      "'%s' does not name %s", err.msg, differences[_i].what);
	/* passes and the rest of a run's settings may differ */
	q = p;
	q.passes = 3;
	q.holdout = 0;
	rec_model_free(b);
	ck_assert_int_eq(rec_model_create(&b, &q, &err), 0);
	in[1] = b;
	ck_assert_int_eq(rec_model_merge(&m, in, names, 2, NULL, NULL, &err),
			 0);
	rec_model_free(m);
	rec_model_free(a);
	rec_model_free(b);
}
END_TEST

static Suite *merge_suite(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("merge");
	tcase_add_test(tc, test_means_by_counts);
	tcase_add_test(tc, test_copies_merge_to_themselves);
	tcase_add_test(tc, test_base_counts);
	tcase_add_test(tc, test_ftrl_closed_form);
	tcase_add_test(tc, test_huge_item_counts);
	tcase_add_test(tc, test_hostile_counters);
	tcase_add_loop_test(tc, test_refuse_differences, 0,
			    (int)TU_ARRAY_LEN(differences));
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(merge_suite)
