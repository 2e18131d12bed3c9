/*
 * check_model.c - unit tests for lib/model.c: parameters, creating and
 * freeing models, feature rows, scoring, the loss and one learning step.
 */
#include <math.h>
#include <time.h>

#include "internal.h"
#include "testutil.h"

static rec_model *new_model(const struct rec_params *p)
{
	rec_model *m = NULL;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_model_create(&m, p, &err);
	ck_assert_msg(rc == 0, "rec_model_create: %d %s", rc, err.msg);
	ck_assert_ptr_nonnull(m);
	return m;
}

static rec_model *small_model(int factors, uint64_t seed)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.bits = 32;
	p.factors = factors;
	p.seed = seed;
	return new_model(&p);
}

/* The row of an id in a namespace, created if new. */
static uint32_t feature(rec_model *m, unsigned char space, const char *id)
{
	uint32_t row = UINT32_MAX;
	ck_assert_int_eq(rec_model_intern(m, rec_feature_key(m, space, id,
							     strlen(id)),
					  space == REC_SPACE_ITEM, &row), 0);
	ck_assert(row != UINT32_MAX);
	return row;
}

static double margin(const rec_model *m, const char *user, const char *item)
{
	return rec_model_margin(m, user, strlen(user), item, strlen(item));
}

/* ---- parameters ---- */

START_TEST(test_params_defaults)
{
	/* the defaults rec-train --help documents */
	struct rec_params p;
	memset(&p, 0x5a, sizeof(p));
	rec_params_init(&p, REC_TASK_BINARY);
	ck_assert_ptr_null(rec_params_check(&p));
	ck_assert_int_eq(p.task, REC_TASK_BINARY);
	ck_assert_int_eq(p.loss, REC_LOSS_LOGISTIC);
	ck_assert_int_eq(p.optimizer, REC_OPT_ADAGRAD);
	ck_assert_int_eq(p.bits, 24);
	ck_assert_int_eq(p.factors, 8);
	ck_assert_double_eq(p.lr, 0.05);
	ck_assert_double_eq(p.l2, 1);
	ck_assert_double_eq(p.l2_factors, 1);
	ck_assert_double_eq(p.init_std, 0.01);
	ck_assert_uint_eq(p.seed, 1);
	ck_assert_int_eq(p.passes, 10);
	ck_assert_double_eq(p.holdout, 0.1);
	ck_assert_int_eq(p.patience, 1);
	ck_assert_int_eq(p.input.task, REC_TASK_BINARY);
	ck_assert_str_eq(p.input.columns.user, "1");
	ck_assert_str_eq(p.input.columns.item, "2");
	ck_assert_str_eq(p.input.columns.label, "3");

	rec_params_init(&p, REC_TASK_REGRESSION);
	ck_assert_ptr_null(rec_params_check(&p));
	ck_assert_int_eq(p.task, REC_TASK_REGRESSION);
	ck_assert_int_eq(p.loss, REC_LOSS_SQUARED);
	ck_assert_int_eq(p.input.task, REC_TASK_REGRESSION);
}
END_TEST

/* One change to the binary defaults. */
enum field { F_TASK, F_LOSS, F_OPT, F_BITS, F_FACTORS, F_LR, F_L2, F_L2F,
	     F_INIT, F_PASSES, F_HOLDOUT, F_PATIENCE, F_REGRESSION_LOSS };

struct param_case {
	enum field field;
	double value;
	const char *why;	/* NULL: valid; else words of the message */
};

static const struct param_case param_cases[] = {
	/* valid, at the edges */
	{ F_BITS, 1, NULL },
	{ F_BITS, 32, NULL },
	{ F_FACTORS, 0, NULL },
	{ F_FACTORS, 256, NULL },
	{ F_LR, 1000, NULL },
	{ F_LR, 1e-9, NULL },
	{ F_L2, 0, NULL },
	{ F_L2, 1000, NULL },
	{ F_L2F, 0, NULL },
	{ F_INIT, 0, NULL },
	{ F_INIT, 10, NULL },
	{ F_PASSES, 1, NULL },
	{ F_PASSES, 100000, NULL },
	{ F_HOLDOUT, 0, NULL },
	{ F_HOLDOUT, 0.99, NULL },
	{ F_PATIENCE, 100000, NULL },
	/* squared loss on 0/1 labels */
	{ F_LOSS, REC_LOSS_SQUARED, NULL },
	{ F_OPT, REC_OPT_SGD, NULL },
	{ F_REGRESSION_LOSS, REC_LOSS_SQUARED, NULL },
	/* invalid */
	{ F_TASK, 99, "task" },
	{ F_TASK, -1, "task" },
	{ F_LOSS, 99, "loss" },
	{ F_REGRESSION_LOSS, REC_LOSS_LOGISTIC, "loss" },
	{ F_OPT, 99, "optimizer" },
	{ F_BITS, 0, "bits must be in [1, 32]" },
	{ F_BITS, 33, "bits must be in [1, 32]" },
	{ F_BITS, -24, "bits must be in [1, 32]" },
	{ F_FACTORS, -1, "factors must be in [0, 256]" },
	{ F_FACTORS, 257, "factors must be in [0, 256]" },
	{ F_LR, 0, "learning rate must be in (0, 1000]" },
	{ F_LR, -0.1, "learning rate must be in (0, 1000]" },
	{ F_LR, 1000.5, "learning rate must be in (0, 1000]" },
	{ F_LR, NAN, "learning rate must be in (0, 1000]" },
	{ F_LR, INFINITY, "learning rate must be in (0, 1000]" },
	{ F_L2, -1e-9, "l2 must be in [0, 1e+06]" },
	{ F_L2, 1000001, "l2 must be in [0, 1e+06]" },
	{ F_L2, 1001, "l2 must be in [0, 1000] (model fm; up to 1e6 for model ease)" },
	{ F_L2, NAN, "l2 must be in [0, 1e+06]" },
	{ F_L2F, -1, "factor l2 must be in [0, 1000]" },
	{ F_L2F, NAN, "factor l2 must be in [0, 1000]" },
	{ F_INIT, -0.01, "initial factor scale must be in [0, 10]" },
	{ F_INIT, 10.5, "initial factor scale must be in [0, 10]" },
	{ F_INIT, NAN, "initial factor scale must be in [0, 10]" },
	{ F_PASSES, 0, "passes must be in [1, 100000]" },
	{ F_PASSES, 100001, "passes must be in [1, 100000]" },
	{ F_HOLDOUT, -0.1, "holdout must be in [0, 1)" },
	{ F_HOLDOUT, 1, "holdout must be in [0, 1)" },
	{ F_HOLDOUT, NAN, "holdout must be in [0, 1)" },
	{ F_PATIENCE, 0, "patience must be in [1, 100000]" },
	{ F_PATIENCE, 100001, "patience must be in [1, 100000]" },
};

static void apply(struct rec_params *p, const struct param_case *c)
{
	switch (c->field) {
	case F_TASK: p->task = (enum rec_task)(int)c->value; break;
	case F_LOSS: p->loss = (enum rec_loss)(int)c->value; break;
	case F_OPT: p->optimizer = (enum rec_optimizer)(int)c->value; break;
	case F_BITS: p->bits = (int)c->value; break;
	case F_FACTORS: p->factors = (int)c->value; break;
	case F_LR: p->lr = c->value; break;
	case F_L2: p->l2 = c->value; break;
	case F_L2F: p->l2_factors = c->value; break;
	case F_INIT: p->init_std = c->value; break;
	case F_PASSES: p->passes = (int)c->value; break;
	case F_HOLDOUT: p->holdout = c->value; break;
	case F_PATIENCE: p->patience = (int)c->value; break;
	case F_REGRESSION_LOSS:
		rec_params_init(p, REC_TASK_REGRESSION);
		p->loss = (enum rec_loss)(int)c->value;
		break;
	}
}

START_TEST(test_params_check)
{
	const struct param_case *c = &param_cases[_i];
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	apply(&p, c);
	const char *why = rec_params_check(&p);
	rec_model *m = NULL;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_model_create(&m, &p, &err);
	if (!c->why) {
		ck_assert_msg(why == NULL, "case %d refused: %s", _i, why);
		ck_assert_int_eq(rc, 0);
		ck_assert_ptr_nonnull(m);
		rec_model_free(m);
		return;
	}
	ck_assert_msg(why != NULL, "case %d accepted, want '%s'", _i, c->why);
	ck_assert_msg(strstr(why, c->why) != NULL, "case %d: '%s', want '%s'",
		      _i, why, c->why);
	/* create refuses the same parameters with the same words */
	ck_assert_int_eq(rc, REC_EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(err.code, REC_EINVAL);
	ck_assert_str_eq(err.msg, why);
}
END_TEST

/* ---- create and free ---- */

START_TEST(test_create_free)
{
	rec_model_free(NULL);
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.factors = 3;
	p.seed = 77;
	/* column names given from a buffer that is gone after create */
	char user[16] = "uid", label[16] = "rating";
	p.input.columns.user = user;
	p.input.columns.label = label;
	p.input.columns.weight = NULL;
	time_t before = time(NULL);
	rec_model *m = new_model(&p);
	time_t after = time(NULL);
	strcpy(user, "gone");
	strcpy(label, "gone");
	const struct rec_params *q = rec_model_params(m);
	ck_assert_int_eq(q->factors, 3);
	ck_assert_uint_eq(q->seed, 77);
	ck_assert_int_eq(q->bits, p.bits);
	ck_assert_double_eq(q->lr, p.lr);
	ck_assert_str_eq(q->input.columns.user, "uid");
	ck_assert_str_eq(q->input.columns.item, "2");
	ck_assert_str_eq(q->input.columns.label, "rating");
	ck_assert_ptr_null(q->input.columns.weight);
	ck_assert_ptr_null(q->input.columns.time);

	struct rec_model_info info;
	memset(&info, 0x77, sizeof(info));
	rec_model_info(m, &info);
	/* a model of ids alone is written as format 1 */
	ck_assert_uint_eq(info.format_version, 1);
	/* precision 32: written as format 4 wrote it */
	ck_assert_uint_eq(info.writer_version, 4);
	ck_assert_uint_eq(info.features, 0);
	ck_assert_uint_eq(info.items, 0);
	ck_assert_uint_eq(info.events, 0);
	ck_assert_uint_eq(info.updates, 0);
	ck_assert_int_eq(info.passes_done, 0);
	ck_assert(info.holdout_loss < 0);
	ck_assert_int_ge(info.created, (int64_t)before);
	ck_assert_int_le(info.created, (int64_t)after);
	rec_model_free(m);
}
END_TEST

START_TEST(test_create_bad_params_no_model)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.bits = 0;
	rec_model *m = (rec_model *)(void *)&p;	/* must be reset */
	ck_assert_int_eq(rec_model_create(&m, &p, NULL), REC_EINVAL);
	ck_assert_ptr_null(m);
}
END_TEST

/* ---- feature rows ---- */

START_TEST(test_intern)
{
	rec_model *m = small_model(4, 1);
	uint32_t a = feature(m, REC_SPACE_USER, "alice");
	uint32_t b = feature(m, REC_SPACE_USER, "bob");
	uint32_t c = feature(m, REC_SPACE_ITEM, "alice");
	ck_assert_uint_eq(a, 0);	/* rows in first-seen order */
	ck_assert_uint_eq(b, 1);
	ck_assert_uint_eq(c, 2);	/* item "alice" is another feature */
	ck_assert_uint_eq(feature(m, REC_SPACE_USER, "alice"), a);
	ck_assert_uint_eq(m->features, 3);
	/* a new row: weight 0, accumulators at their start */
	const float *row = m->rows + (size_t)b * m->stride;
	ck_assert_uint_eq(m->stride, 2 * (1 + 4));
	ck_assert(row[0] == 0);
	for (int j = 0; j <= 4; j++)
		ck_assert(row[5 + j] > 0);
	/* many rows: growth keeps the old ones */
	float first[10];
	memcpy(first, m->rows, sizeof(first));
	for (int i = 0; i < 5000; i++) {
		char id[32];
		snprintf(id, sizeof(id), "u%d", i);
		feature(m, REC_SPACE_USER, id);
	}
	ck_assert_uint_eq(m->features, 5003);
	ck_assert_mem_eq(m->rows, first, sizeof(first));
	ck_assert_uint_eq(feature(m, REC_SPACE_USER, "bob"), b);
	rec_model_free(m);
}
END_TEST

START_TEST(test_intern_bits)
{
	/* with 2^1 rows at most two features exist */
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.bits = 1;
	rec_model *m = new_model(&p);
	for (int i = 0; i < 100; i++) {
		char id[32];
		snprintf(id, sizeof(id), "id%d", i);
		feature(m, REC_SPACE_USER, id);
		feature(m, REC_SPACE_ITEM, id);
	}
	ck_assert_uint_eq(m->features, 2);
	/* learning where user and item share their row stays finite */
	uint32_t u = feature(m, REC_SPACE_USER, "x");
	uint32_t i = feature(m, REC_SPACE_ITEM, "x");
	for (int n = 0; n < 100; n++)
		rec_model_learn(m, u, i, 1, 1);
	ck_assert(isfinite(margin(m, "x", "x")));
	ck_assert(margin(m, "x", "x") > 0);
	rec_model_free(m);
}
END_TEST

/* A row's initial factors depend on the seed and the key only. */
START_TEST(test_init_order_independent)
{
	enum { N = 50 };
	rec_model *a = small_model(8, 3), *b = small_model(8, 3);
	rec_model *c = small_model(8, 4);
	char ids[N][16];
	for (int i = 0; i < N; i++)
		snprintf(ids[i], sizeof(ids[i]), "id%d", i);
	for (int i = 0; i < N; i++) {
		feature(a, REC_SPACE_USER, ids[i]);
		feature(b, REC_SPACE_USER, ids[N - 1 - i]);
		feature(c, REC_SPACE_USER, ids[i]);
	}
	int differ = 0;
	for (int i = 0; i < N; i++) {
		uint32_t ra = feature(a, REC_SPACE_USER, ids[i]);
		uint32_t rb = feature(b, REC_SPACE_USER, ids[i]);
		uint32_t rc = feature(c, REC_SPACE_USER, ids[i]);
		ck_assert_uint_eq(ra, (uint32_t)i);
		ck_assert_uint_eq(rb, (uint32_t)(N - 1 - i));
		ck_assert_mem_eq(a->rows + ra * a->stride,
				 b->rows + rb * b->stride,
				 a->stride * sizeof(float));
		differ += memcmp(a->rows + ra * a->stride,
				 c->rows + rc * c->stride,
				 a->stride * sizeof(float)) != 0;
	}
	ck_assert_int_eq(differ, N);	/* another seed, other factors */
	rec_model_free(a);
	rec_model_free(b);
	rec_model_free(c);
}
END_TEST

START_TEST(test_init_scale)
{
	/* factors drawn with standard deviation init_std, within sqrt(3)
	 * of it: uniform on [-a, a] has variance a^2 / 3 */
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.factors = 8;
	p.init_std = 0.5;
	rec_model *m = new_model(&p);
	enum { N = 4000 };
	for (int i = 0; i < N; i++) {
		char id[32];
		snprintf(id, sizeof(id), "%d", i);
		feature(m, REC_SPACE_ITEM, id);
	}
	double sum = 0, sq = 0, lim = 0.5 * sqrt(3.0) * (1 + 1e-6);
	for (size_t r = 0; r < N; r++)
		for (int j = 1; j <= 8; j++) {
			double v = m->rows[r * m->stride + (size_t)j];
			TU_CHECK(fabs(v) <= lim, "factor %g out of range", v);
			sum += v;
			sq += v * v;
		}
	double n = N * 8.0;
	ck_assert_double_eq_tol(sum / n, 0, 0.02);
	ck_assert_double_eq_tol(sqrt(sq / n), 0.5, 0.02);
	rec_model_free(m);

	/* init_std 0: all factors 0 */
	p.init_std = 0;
	m = new_model(&p);
	uint32_t r = feature(m, REC_SPACE_USER, "u");
	for (int j = 1; j <= 8; j++)
		ck_assert(m->rows[r * m->stride + (size_t)j] == 0);
	rec_model_free(m);
}
END_TEST

/* ---- scoring ---- */

START_TEST(test_margin_unseen)
{
	rec_model *m = small_model(4, 9);
	/* a new model scores everything 0 */
	ck_assert(margin(m, "anyone", "anything") == 0);
	uint32_t u = feature(m, REC_SPACE_USER, "alice");
	uint32_t i = feature(m, REC_SPACE_ITEM, "book");
	uint32_t i2 = feature(m, REC_SPACE_ITEM, "film");
	for (int n = 0; n < 30; n++) {
		rec_model_learn(m, u, i, 1, 1);
		rec_model_learn(m, u, i2, 0, 1);
	}
	double bias = m->bias[0];
	const float *ur = m->rows + (size_t)u * m->stride;
	const float *ir = m->rows + (size_t)i * m->stride;
	ck_assert(bias != 0);
	ck_assert(ur[0] != 0);
	ck_assert(ir[0] != 0);
	size_t features = m->features;
	/* neither seen: the bias alone */
	ck_assert(margin(m, "carol", "dvd") == bias);
	ck_assert(margin(m, "", "") == bias);
	/* the same text in the other namespace is not the feature */
	ck_assert(margin(m, "book", "alice") == bias);
	/* one side seen: bias and that side's weight, no interaction */
	ck_assert(margin(m, "carol", "book") == bias + ir[0]);
	ck_assert(margin(m, "alice", "dvd") == bias + ur[0]);
	/* both seen: the interaction counts */
	float dot = 0;
	for (int j = 1; j <= 4; j++)
		dot += ur[j] * ir[j];
	ck_assert(margin(m, "alice", "book") == bias + ur[0] + ir[0] + dot);
	ck_assert(margin(m, "alice", "book") ==
		  rec_model_margin_rows(m, u, i));
	ck_assert(rec_model_margin_rows(m, UINT32_MAX, UINT32_MAX) == bias);
	/* scoring never adds features */
	ck_assert_uint_eq(m->features, features);
	rec_model_free(m);
}
END_TEST

START_TEST(test_predict)
{
	rec_model *m = small_model(2, 1);
	ck_assert_double_eq(rec_model_predict(m, 0), 0.5);
	double prev = 0;
	for (double s = -30; s <= 30; s += 0.25) {
		double p = rec_model_predict(m, s);
		TU_CHECK(p > 0 && p < 1, "predict(%g) = %.17g", s, p);
		TU_CHECK(p > prev, "predict not increasing at %g", s);
		TU_CHECK(fabs(p + rec_model_predict(m, -s) - 1) < 1e-15,
			 "predict not symmetric at %g", s);
		prev = p;
	}
	ck_assert_double_eq_tol(rec_model_predict(m, 2), 0.8807970779778823,
				1e-15);
	/* beyond what a double can tell from 0 or 1: still a probability */
	static const double big[] = { -1e300, -1000, -800, 800, 1000, 1e300,
				      -INFINITY, INFINITY };
	for (size_t i = 0; i < TU_ARRAY_LEN(big); i++) {
		double p = rec_model_predict(m, big[i]);
		ck_assert_msg(p >= 0 && p <= 1, "predict(%g) = %g", big[i], p);
		ck_assert(big[i] < 0 ? p < 1e-300 : p == 1);
	}
	rec_model_free(m);

	/* squared loss: the prediction is the margin */
	struct rec_params p;
	rec_params_init(&p, REC_TASK_REGRESSION);
	m = new_model(&p);
	ck_assert_double_eq(rec_model_predict(m, 3.5), 3.5);
	ck_assert_double_eq(rec_model_predict(m, -40), -40);
	rec_model_free(m);
}
END_TEST

START_TEST(test_loss)
{
	/* logistic: log(1 + e^s) - y s */
	ck_assert_double_eq_tol(rec_loss(REC_LOSS_LOGISTIC, 0, 1), M_LN2,
				1e-15);
	ck_assert_double_eq_tol(rec_loss(REC_LOSS_LOGISTIC, 0, 0), M_LN2,
				1e-15);
	/* log(1 + e^-2) = 0.12692801104297252 */
	ck_assert_double_eq_tol(rec_loss(REC_LOSS_LOGISTIC, 2, 1),
				0.12692801104297252, 1e-14);
	ck_assert_double_eq_tol(rec_loss(REC_LOSS_LOGISTIC, 2, 0),
				2.12692801104297252, 1e-14);
	ck_assert_double_eq_tol(rec_loss(REC_LOSS_LOGISTIC, -2, 0),
				0.12692801104297252, 1e-14);
	/* no overflow far out */
	ck_assert_double_eq_tol(rec_loss(REC_LOSS_LOGISTIC, 1000, 0), 1000,
				1e-9);
	ck_assert_double_eq_tol(rec_loss(REC_LOSS_LOGISTIC, -1000, 1), 1000,
				1e-9);
	ck_assert_double_eq_tol(rec_loss(REC_LOSS_LOGISTIC, 1000, 1), 0,
				1e-9);
	ck_assert(rec_loss(REC_LOSS_LOGISTIC, 1000, 1) >= 0);
	/* squared */
	ck_assert_double_eq(rec_loss(REC_LOSS_SQUARED, 3, 1), 4);
	ck_assert_double_eq(rec_loss(REC_LOSS_SQUARED, -0.5, 0.5), 1);
	ck_assert_double_eq(rec_loss(REC_LOSS_SQUARED, 2, 2), 0);
}
END_TEST

/* ---- learning ---- */

struct learn_case {
	enum rec_optimizer opt;
	int factors;
	float label;
};

static const struct learn_case learn_cases[] = {
	{ REC_OPT_ADAGRAD, 4, 1 },
	{ REC_OPT_ADAGRAD, 4, 0 },
	{ REC_OPT_ADAGRAD, 0, 1 },
	{ REC_OPT_SGD, 4, 1 },
	{ REC_OPT_SGD, 4, 0 },
};

START_TEST(test_learn_repeated_event)
{
	const struct learn_case *c = &learn_cases[_i];
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.bits = 16;
	p.factors = c->factors;
	p.optimizer = c->opt;
	p.lr = c->opt == REC_OPT_SGD ? 0.5 : 0.1;
	rec_model *m = new_model(&p);
	uint32_t u = feature(m, REC_SPACE_USER, "u1");
	uint32_t i = feature(m, REC_SPACE_ITEM, "i1");
	uint32_t other_u = feature(m, REC_SPACE_USER, "u2");
	uint32_t other_i = feature(m, REC_SPACE_ITEM, "i2");
	double first = margin(m, "u1", "i1");
	double prev = first, prev_loss = INFINITY;
	for (int n = 0; n < 100; n++) {
		double before = margin(m, "u1", "i1");
		double loss = rec_model_learn(m, u, i, c->label, 1);
		/* the loss returned is the event's loss before the step */
		double want = rec_loss(REC_LOSS_LOGISTIC, before, c->label);
		TU_CHECK(fabs(loss - want) <= 1e-5 * want + 1e-7,
			 "step %d: loss %.9g, want %.9g", n, loss, want);
		TU_CHECK(loss < prev_loss, "step %d: loss did not fall", n);
		prev_loss = loss;
		double now = margin(m, "u1", "i1");
		TU_CHECK(c->label == 1 ? now > prev : now < prev,
			 "step %d: margin %.9g after %.9g", n, now, prev);
		prev = now;
	}
	double pr = rec_model_predict(m, prev);
	if (c->label == 1)
		ck_assert_msg(pr > 0.9, "prediction %g", pr);
	else
		ck_assert_msg(pr < 0.1, "prediction %g", pr);
	/* rows not in the event keep their weight */
	ck_assert(m->rows[(size_t)other_u * m->stride] == 0);
	ck_assert(m->rows[(size_t)other_i * m->stride] == 0);
	rec_model_free(m);
}
END_TEST

START_TEST(test_learn_weight)
{
	/* weight 2 on an event gives twice the loss */
	rec_model *m = small_model(4, 1);
	uint32_t u = feature(m, REC_SPACE_USER, "u");
	uint32_t i = feature(m, REC_SPACE_ITEM, "i");
	double s = margin(m, "u", "i");
	double loss = rec_model_learn(m, u, i, 1, 2);
	ck_assert_double_eq_tol(loss, 2 * rec_loss(REC_LOSS_LOGISTIC, s, 1),
				1e-5);
	ck_assert(margin(m, "u", "i") > s);
	rec_model_free(m);
}
END_TEST

START_TEST(test_learn_squared)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_REGRESSION);
	p.bits = 16;
	p.factors = 4;
	p.lr = 0.1;
	rec_model *m = new_model(&p);
	uint32_t u = feature(m, REC_SPACE_USER, "u");
	uint32_t i = feature(m, REC_SPACE_ITEM, "i");
	double gap = fabs(margin(m, "u", "i") - 3.5);
	for (int n = 0; n < 300; n++) {
		double before = margin(m, "u", "i");
		double loss = rec_model_learn(m, u, i, 3.5f, 1);
		TU_CHECK(fabs(loss - (before - 3.5) * (before - 3.5)) < 1e-4,
			 "step %d: loss %g", n, loss);
	}
	double end = fabs(margin(m, "u", "i") - 3.5);
	ck_assert_msg(end < 0.05 && end < gap, "still %g away", end);
	ck_assert_double_eq(rec_model_predict(m, margin(m, "u", "i")),
			    margin(m, "u", "i"));
	rec_model_free(m);
}
END_TEST

/* Two models given the same steps are the same, bit for bit. */
START_TEST(test_learn_deterministic)
{
	rec_model *a = small_model(6, 11), *b = small_model(6, 11);
	struct rec_rng r;
	rec_rng_seed(&r, 1234);
	for (int n = 0; n < 3000; n++) {
		char user[16], item[16];
		snprintf(user, sizeof(user), "u%d", (int)rec_rng_below(&r, 40));
		snprintf(item, sizeof(item), "i%d", (int)rec_rng_below(&r, 30));
		float label = (float)rec_rng_below(&r, 2);
		float weight = 0.5f + (float)rec_rng_below(&r, 3);
		uint32_t ua = feature(a, REC_SPACE_USER, user);
		uint32_t ia = feature(a, REC_SPACE_ITEM, item);
		uint32_t ub = feature(b, REC_SPACE_USER, user);
		uint32_t ib = feature(b, REC_SPACE_ITEM, item);
		double la = rec_model_learn(a, ua, ia, label, weight);
		double lb = rec_model_learn(b, ub, ib, label, weight);
		TU_CHECK(memcmp(&la, &lb, sizeof(la)) == 0, "loss differs at "
			 "step %d", n);
	}
	ck_assert_uint_eq(a->features, b->features);
	ck_assert_mem_eq(a->bias, b->bias, sizeof(a->bias));
	ck_assert_mem_eq(a->rows, b->rows,
			 a->features * a->stride * sizeof(float));
	for (int u = 0; u < 45; u++)
		for (int i = 0; i < 35; i++) {
			char user[16], item[16];
			snprintf(user, sizeof(user), "u%d", u);
			snprintf(item, sizeof(item), "i%d", i);
			double ma = margin(a, user, item);
			double mb = margin(b, user, item);
			TU_CHECK(memcmp(&ma, &mb, sizeof(ma)) == 0,
				 "margin of %s %s differs", user, item);
		}
	rec_model_free(a);
	rec_model_free(b);
}
END_TEST

/*
 * The catalogue finds an item from its feature row when it can, and from
 * its index otherwise: items sharing a row (hashed ids collide in few
 * bits), rows far apart, no row, and positions moved by a drop must all
 * count each item as its own.
 */
static void note(rec_model *m, const char *id, uint32_t row, double time)
{
	ck_assert_int_eq(rec_catalogue_note(m, rec_hash(REC_SPACE_ITEM, id,
							strlen(id)),
					    id, strlen(id), row, time), 0);
}

static uint64_t item_count(const rec_model *m, const char *id)
{
	uint32_t at = rec_catalogue_find(m, id, strlen(id));
	ck_assert_msg(at != UINT32_MAX, "%s not in the catalogue", id);
	return m->catalogue.items[at].count;
}

START_TEST(test_catalogue_rows)
{
	rec_model *m = small_model(0, 1);
	/* a and b share row 5, alternately; c sits at a far row, d has none */
	for (int i = 0; i < 5; i++) {
		note(m, "a", 5, i);
		if (i < 3)
			note(m, "b", 5, i);
		note(m, "c", 100000, i);
		note(m, "d", UINT32_MAX, i);
		note(m, "a", 5, 10 + i);
	}
	/* b moves to another row: still one item */
	note(m, "b", 7, 2);
	ck_assert_uint_eq(m->catalogue.count, 4);
	ck_assert_uint_eq(item_count(m, "a"), 10);
	ck_assert_uint_eq(item_count(m, "b"), 4);
	ck_assert_uint_eq(item_count(m, "c"), 5);
	ck_assert_uint_eq(item_count(m, "d"), 5);
	ck_assert(m->catalogue.items[rec_catalogue_find(m, "a", 1)].last_time
		  == 14);
	ck_assert_uint_eq(m->catalogue.max_count, 10);
	/* drop a: b, c and d move down, and rows that led to them are
	 * hints no longer */
	unsigned char drop[4] = { 1, 0, 0, 0 };
	uint32_t to[4];
	ck_assert_int_eq(rec_catalogue_drop(m, drop, to), 0);
	ck_assert(to[0] == UINT32_MAX && to[1] == 0 && to[3] == 2);
	note(m, "b", 5, 3);
	note(m, "c", 100000, 6);
	note(m, "e", 5, 7);
	ck_assert_uint_eq(m->catalogue.count, 4);
	ck_assert_uint_eq(item_count(m, "b"), 5);
	ck_assert_uint_eq(item_count(m, "c"), 6);
	ck_assert_uint_eq(item_count(m, "e"), 1);
	ck_assert_uint_eq(rec_catalogue_find(m, "a", 1), UINT32_MAX);
	rec_model_free(m);
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("params");
	tcase_add_test(tc, test_params_defaults);
	tcase_add_loop_test(tc, test_params_check, 0,
			    (int)TU_ARRAY_LEN(param_cases));
	tcase_add_test(tc, test_create_free);
	tcase_add_test(tc, test_create_bad_params_no_model);
	suite_add_tcase(s, tc);

	tc = tcase_create("features");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_intern);
	tcase_add_test(tc, test_intern_bits);
	tcase_add_test(tc, test_init_order_independent);
	tcase_add_test(tc, test_init_scale);
	tcase_add_test(tc, test_catalogue_rows);
	suite_add_tcase(s, tc);

	tc = tcase_create("score");
	tcase_add_test(tc, test_margin_unseen);
	tcase_add_test(tc, test_predict);
	tcase_add_test(tc, test_loss);
	suite_add_tcase(s, tc);

	tc = tcase_create("learn");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_learn_repeated_event, 0,
			    (int)TU_ARRAY_LEN(learn_cases));
	tcase_add_test(tc, test_learn_weight);
	tcase_add_test(tc, test_learn_squared);
	tcase_add_test(tc, test_learn_deterministic);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(model_suite)
