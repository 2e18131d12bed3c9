/*
 * check_topk.c - unit tests for lib/topk.c: the K best items of the
 * catalogue for each user, against a brute-force ranking that scores every
 * item with rec_model_margin and sorts by score, then catalogue order.
 *
 * The kernel computes in single precision with fused multiply-adds, the
 * brute force in the order rec_model_margin adds, so scores are compared
 * with a tolerance, and two items may trade places only where their
 * brute-force scores tie within TIE_TOL (relative to the score, absolute
 * below 1: the scores of the trained models reach about 5, where single
 * precision rounding alone is about 5e-7).  Models whose parameters are
 * small dyadic fractions score exactly in both, and there the order, ties
 * included, and the scores must match exactly.
 */
#include <math.h>
#include <sys/resource.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"

#define SCORE_TOL 1e-5		/* relative, and absolute below 1 */
#define TIE_TOL 1e-6		/* relative, and absolute below 1 */

/* ---- models ---- */

static rec_model *new_model(const struct rec_params *p)
{
	rec_model *m = NULL;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_model_create(&m, p, &err);
	ck_assert_msg(rc == 0, "rec_model_create: %d %s", rc, err.msg);
	return m;
}

/*
 * Events over `users` users and exactly `items` items: first every item
 * once, in a shuffled order (so the catalogue order is not the order of
 * the ids), then `extra` events whose items follow a skewed popularity.
 * Implicit rows are "user item"; binary rows add a label that depends on
 * the parity of user and item, with some noise, so there is something
 * to learn.
 */
static char *events_file(const char *dir, int users, int items, int extra,
			 int implicit, uint64_t seed)
{
	struct rec_rng r;
	rec_rng_seed(&r, seed);
	int *perm = malloc((size_t)items * sizeof(*perm));
	ck_assert_ptr_nonnull(perm);
	for (int i = 0; i < items; i++)
		perm[i] = i;
	for (int i = items - 1; i > 0; i--) {
		int j = (int)rec_rng_below(&r, (uint64_t)i + 1);
		int t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	size_t cap = (size_t)(items + extra) * 32 + 1, len = 0;
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	for (int e = 0; e < items + extra; e++) {
		int u = (int)rec_rng_below(&r, (uint64_t)users);
		int i;
		if (e < items) {
			i = perm[e];
		} else {
			/* the square of a uniform draw favours low ranks */
			double x = rec_rng_uniform(&r);
			i = perm[(int)(x * x * items)];
		}
		if (implicit)
			len += (size_t)snprintf(text + len, cap - len,
						"u%d\ti%d\n", u, i);
		else
			len += (size_t)snprintf(text + len, cap - len,
						"u%d\ti%d\t%d\n", u, i,
						(u + i) % 2 == 0 ||
						rec_rng_below(&r, 5) == 0);
	}
	char *path = tu_write(dir, "events.tsv", text, len);
	free(text);
	free(perm);
	return path;
}

/* A model trained on events_file(): two shuffled passes, no hold-out. */
static rec_model *trained_model(int k, int users, int items, int extra,
				int implicit, uint64_t seed)
{
	char *dir = tu_mkdir();
	char *path = events_file(dir, users, items, extra, implicit, seed);
	struct rec_params p;
	rec_params_init(&p, implicit ? REC_TASK_IMPLICIT : REC_TASK_BINARY);
	p.factors = k;
	p.bits = 24;
	p.passes = 2;
	p.shuffle = 1;
	p.holdout = 0;
	p.seed = seed;
	p.lr = 0.1;
	p.init_std = 0.3;	/* factors big enough to move the ranking */
	p.l2 = p.l2_factors = 0.1;
	p.input.need = REC_NEED_USER | REC_NEED_ITEM |
		       (implicit ? 0 : REC_NEED_LABEL);
	if (implicit)
		p.input.columns.label = NULL;
	rec_model *m = new_model(&p);
	rec_reader *rd = NULL;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	const char *files[] = { path };
	int rc = rec_reader_open(&rd, files, 1, &p.input, &err);
	ck_assert_msg(rc == 0, "rec_reader_open: %d %s", rc, err.msg);
	rec_dataset *d = NULL;
	rc = rec_dataset_read(&d, m, rd, NULL, NULL, &err);
	ck_assert_msg(rc == 0, "rec_dataset_read: %d %s", rc, err.msg);
	rc = rec_train(m, d, NULL, NULL, &err);
	ck_assert_msg(rc == 0, "rec_train: %d %s", rc, err.msg);
	ck_assert_uint_eq(rec_model_items(m), (size_t)items);
	rec_dataset_free(d);
	rec_reader_free(rd);
	free(path);
	free(dir);
	return m;
}

/* A model with no events, whose rows the tests set by hand. */
static rec_model *blank_model(int k)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.factors = k;
	p.bits = 24;
	return new_model(&p);
}

static uint32_t add_user(rec_model *m, const char *id)
{
	uint32_t row = UINT32_MAX;
	ck_assert_int_eq(rec_model_intern(m, rec_feature_key(m, REC_SPACE_USER,
							     id, strlen(id)),
					  0, &row), 0);
	return row;
}

/* An item appended to the catalogue; its feature row. */
static uint32_t add_item(rec_model *m, const char *id)
{
	uint64_t key = rec_hash(REC_SPACE_ITEM, id, strlen(id));
	uint32_t row = UINT32_MAX;
	ck_assert_int_eq(rec_model_intern(m, key & m->key_mask, 1, &row), 0);
	ck_assert_int_eq(rec_catalogue_note(m, key, id, strlen(id), row, 0), 0);
	return row;
}

static void set_row(rec_model *m, uint32_t row, float w, const float *v)
{
	float *r = m->rows + (size_t)row * m->stride;
	r[0] = w;
	for (int f = 0; f < m->params.factors; f++)
		r[1 + f] = v ? v[f] : 0;
}

/* ---- users ---- */

struct users {
	struct rec_topk_user *u;
	char (*names)[24];
	size_t n;
};

/* The trained users u0 .. u<trained-1>, then `unseen` ids the model never
 * met. */
static struct users make_users(int trained, int unseen)
{
	struct users us;
	us.n = (size_t)(trained + unseen);
	us.u = malloc(us.n * sizeof(*us.u));
	us.names = malloc(us.n * sizeof(*us.names));
	ck_assert_ptr_nonnull(us.u);
	ck_assert_ptr_nonnull(us.names);
	for (size_t i = 0; i < us.n; i++) {
		if (i < (size_t)trained)
			snprintf(us.names[i], sizeof(us.names[i]), "u%zu", i);
		else
			snprintf(us.names[i], sizeof(us.names[i]), "stranger%zu",
				 i);
		us.u[i] = (struct rec_topk_user){ us.names[i],
						  strlen(us.names[i]) };
	}
	return us;
}

static void free_users(struct users *us)
{
	free(us->u);
	free(us->names);
}

/* ---- running and checking ---- */

static rec_topk *new_topk(const rec_model *m, int K, int threads)
{
	rec_topk *t = NULL;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_topk_create(&t, m, K, threads, &err);
	ck_assert_msg(rc == 0, "rec_topk_create(K %d, threads %d): %d %s", K,
		      threads, rc, err.msg);
	return t;
}

static struct rec_topk_result *run(rec_topk *t, const struct users *us,
				   int K)
{
	struct rec_topk_result *res = malloc((us->n ? us->n : 1) * (size_t)K *
					     sizeof(*res));
	ck_assert_ptr_nonnull(res);
	/* garbage in, so a result left unwritten shows */
	memset(res, 0xa5, (us->n ? us->n : 1) * (size_t)K * sizeof(*res));
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_topk_run(t, us->u, us->n, res, &err);
	ck_assert_msg(rc == 0, "rec_topk_run: %d %s", rc, err.msg);
	return res;
}

struct scored {
	double score;
	uint32_t item;
};

/* best first: higher score, then the item met first */
static int by_rank(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->item > y->item) - (x->item < y->item);
}

/* What may be recommended: allowed (NULL: all) and, per user, excluded
 * (NULL: nothing; else n x items). */
struct rules {
	const unsigned char *allowed;
	const unsigned char *excluded;
};

static int eligible(const struct rules *rl, size_t nitems, size_t u,
		    uint32_t item)
{
	if (rl && rl->allowed && !rl->allowed[item])
		return 0;
	if (rl && rl->excluded && rl->excluded[u * nitems + item])
		return 0;
	return 1;
}

/*
 * Check every user's list against the brute force.  exact: the order and
 * the scores must match exactly (models scored exactly in both ways).
 * Returns the largest score difference seen.
 */
static double check_lists(const rec_model *m, const struct users *us, int K,
			  const struct rec_topk_result *res,
			  const struct rules *rl, int exact)
{
	const size_t N = rec_model_items(m);
	struct scored *bf = malloc(N * sizeof(*bf));
	double *score_of = malloc(N * sizeof(*score_of));
	unsigned char *listed = malloc(N);
	ck_assert_ptr_nonnull(bf);
	ck_assert_ptr_nonnull(score_of);
	ck_assert_ptr_nonnull(listed);
	double worst = 0;
	for (size_t u = 0; u < us->n; u++) {
		const char *uid = us->u[u].id;
		size_t ne = 0;
		for (uint32_t i = 0; i < N; i++) {
			size_t len;
			const char *id = rec_model_item(m, i, &len);
			ck_assert_ptr_nonnull(id);
			score_of[i] = rec_model_margin(m, uid, us->u[u].len,
						       id, len);
			if (eligible(rl, N, u, i))
				bf[ne++] = (struct scored){ score_of[i], i };
		}
		qsort(bf, ne, sizeof(*bf), by_rank);
		size_t want = ne < (size_t)K ? ne : (size_t)K;
		memset(listed, 0, N);
		const struct rec_topk_result *x = res + u * (size_t)K;
		for (size_t r = 0; r < (size_t)K; r++) {
			if (r >= want) {
				TU_CHECK(x[r].item == UINT32_MAX,
					 "user %s rank %zu: item %u, but only "
					 "%zu items may be recommended", uid,
					 r + 1, x[r].item, want);
				continue;
			}
			uint32_t it = x[r].item;
			TU_CHECK(it < N, "user %s rank %zu: item %u of %zu",
				 uid, r + 1, it, N);
			TU_CHECK(eligible(rl, N, u, it),
				 "user %s rank %zu: item %u is excluded or not "
				 "a candidate", uid, r + 1, it);
			TU_CHECK(!listed[it], "user %s: item %u listed twice",
				 uid, it);
			listed[it] = 1;
			double s = score_of[it], d = fabs(x[r].score - s);
			if (d > worst)
				worst = d;
			if (exact) {
				TU_CHECK(it == bf[r].item && x[r].score == s,
					 "user %s rank %zu: item %u (%.17g), "
					 "brute force item %u (%.17g)", uid,
					 r + 1, it, x[r].score, bf[r].item,
					 bf[r].score);
				continue;
			}
			TU_CHECK(d <= SCORE_TOL * (1 + fabs(s)),
				 "user %s rank %zu item %u: score %.9g, brute "
				 "force %.9g", uid, r + 1, it, x[r].score, s);
			TU_CHECK(it == bf[r].item ||
				 fabs(s - bf[r].score) <=
					 TIE_TOL * (1 + fabs(s)),
				 "user %s rank %zu: item %u (brute force "
				 "%.9g), but item %u (%.9g) ranks there",
				 uid, r + 1, it, s, bf[r].item, bf[r].score);
			TU_CHECK(r == 0 || x[r].score <= x[r - 1].score,
				 "user %s rank %zu: score %.9g above rank %zu's "
				 "%.9g", uid, r + 1, x[r].score, r,
				 x[r - 1].score);
		}
	}
	free(bf);
	free(score_of);
	free(listed);
	return worst;
}

static void same_results(const struct rec_topk_result *a,
			 const struct rec_topk_result *b, size_t n, int K,
			 const char *what)
{
	for (size_t i = 0; i < n * (size_t)K; i++) {
		TU_CHECK(a[i].item == b[i].item, "%s: user %zu rank %zu: "
			 "item %u and %u", what, i / (size_t)K,
			 i % (size_t)K + 1, a[i].item, b[i].item);
		TU_CHECK(a[i].item == UINT32_MAX || a[i].score == b[i].score,
			 "%s: user %zu rank %zu: score %.17g and %.17g", what,
			 i / (size_t)K, i % (size_t)K + 1, a[i].score,
			 b[i].score);
	}
}

/* ---- against the brute force, over factor lengths and catalogue sizes ---- */

static const int factor_lengths[] = { 0, 3, 17, 64 };
/* none a multiple of 16: the last block of items is partly padding; 33
 * and 1000 make an odd number of blocks, paired with a padding block */
static const int catalogue_sizes[] = { 1, 15, 33, 1000 };

START_TEST(test_brute_force)
{
	const int k = factor_lengths[_i % 4];
	const int items = catalogue_sizes[_i / 4];
	const int implicit = _i % 2 == 0;
	rec_model *m = trained_model(k, 30, items, 3 * items + 200, implicit,
				     (uint64_t)_i + 11);
	/* 30 trained users, 3 unseen: 33 users, five tiles of 8 */
	struct users us = make_users(30, 3);
	const int Ks[] = { 1, 5, 10, items, items + 7 };
	for (size_t j = 0; j < TU_ARRAY_LEN(Ks); j++) {
		int K = Ks[j];
		rec_topk *t = new_topk(m, K, 1);
		struct rec_topk_result *res = run(t, &us, K);
		double worst = check_lists(m, &us, K, res, NULL, 0);
		ck_assert_msg(worst <= 1e-4, "k %d, %d items, K %d: scores "
			      "differ by up to %g", k, items, K, worst);
		free(res);
		rec_topk_free(t);
	}
	free_users(&us);
	rec_model_free(m);
}
END_TEST

/* The scores spread out enough that a ranking test means something: a
 * trained user's list is not the unseen users' one. */
START_TEST(test_lists_differ_between_users)
{
	rec_model *m = trained_model(17, 30, 1000, 4000, 1, 5);
	struct users us = make_users(30, 1);
	const int K = 10;
	rec_topk *t = new_topk(m, K, 1);
	struct rec_topk_result *res = run(t, &us, K);
	int differ = 0;
	for (size_t u = 0; u < 30; u++)
		for (int r = 0; r < K; r++)
			differ += res[u * K + (size_t)r].item !=
				  res[30 * K + (size_t)r].item;
	ck_assert_msg(differ > 30, "only %d differences from the unseen "
		      "user's list", differ);
	check_lists(m, &us, K, res, NULL, 0);
	free(res);
	rec_topk_free(t);
	free_users(&us);
	rec_model_free(m);
}
END_TEST

/* ---- ties: exact models ---- */

/* k = 0: the scores are w0 + w_u + w_i, and many items share a weight;
 * equal scores go to the item met first in the catalogue. */
START_TEST(test_ties_linear)
{
	rec_model *m = blank_model(0);
	m->bias[0] = 0.5f;
	char id[16];
	for (int u = 0; u < 5; u++) {
		snprintf(id, sizeof(id), "u%d", u);
		set_row(m, add_user(m, id), 0.25f * (float)u - 0.5f, NULL);
	}
	/* 37 items, weights in {-0.5, -0.25, 0, 0.25, 0.5}, in an order
	 * where each weight comes back several times */
	for (int i = 0; i < 37; i++) {
		snprintf(id, sizeof(id), "t%d", i);
		set_row(m, add_item(m, id), 0.25f * (float)((i * 7) % 5) - 0.5f,
			NULL);
	}
	struct users us = make_users(5, 2);
	const int Ks[] = { 1, 3, 8, 36, 37, 40 };
	for (size_t j = 0; j < TU_ARRAY_LEN(Ks); j++) {
		rec_topk *t = new_topk(m, Ks[j], 1);
		struct rec_topk_result *res = run(t, &us, Ks[j]);
		check_lists(m, &us, Ks[j], res, NULL, 1);
		/* and the first item by hand: weight 0.5 first comes at
		 * i = 2 ((2 * 7) % 5 = 4), with a score of 0.5 + w_u + 0.5 */
		for (size_t u = 0; u < us.n; u++) {
			ck_assert_uint_eq(res[u * (size_t)Ks[j]].item, 2);
			double wu = u < 5 ? 0.25 * (double)u - 0.5 : 0;
			ck_assert(res[u * (size_t)Ks[j]].score == 1 + wu);
		}
		free(res);
		rec_topk_free(t);
	}
	free_users(&us);
	rec_model_free(m);
}
END_TEST

/* k = 17: items in 8 groups of identical rows, scattered over three
 * blocks of 16; small dyadic values make every score exact, so the whole
 * order, ties included, must be the brute force's. */
START_TEST(test_ties_factors)
{
	enum { K17 = 17, ITEMS = 45, GROUPS = 8 };
	rec_model *m = blank_model(K17);
	m->bias[0] = -0.25f;
	float v[K17];
	char id[16];
	for (int u = 0; u < 9; u++) {
		for (int f = 0; f < K17; f++)
			v[f] = 0.125f * (float)(((u + 1) * (f + 3)) % 7 - 3);
		snprintf(id, sizeof(id), "u%d", u);
		set_row(m, add_user(m, id), 0.0625f * (float)u, v);
	}
	for (int i = 0; i < ITEMS; i++) {
		int g = (i * 3) % GROUPS;
		for (int f = 0; f < K17; f++)
			v[f] = 0.25f * (float)(((g + 2) * (f + 1)) % 5 - 2);
		snprintf(id, sizeof(id), "g%d.%d", g, i);
		set_row(m, add_item(m, id), 0.125f * (float)(g % 3), v);
	}
	struct users us = make_users(9, 2);
	const int Ks[] = { 1, 4, 6, 7, 16, 44, 45, 64 };
	for (size_t j = 0; j < TU_ARRAY_LEN(Ks); j++) {
		rec_topk *t = new_topk(m, Ks[j], 1);
		struct rec_topk_result *res = run(t, &us, Ks[j]);
		check_lists(m, &us, Ks[j], res, NULL, 1);
		free(res);
		rec_topk_free(t);
	}
	free_users(&us);
	rec_model_free(m);
}
END_TEST

/* Two items with one row (same weight and factors): whichever was met
 * first ranks first, also when the later one sits in an earlier block
 * pair and when a cut-off of K falls between them. */
START_TEST(test_tie_at_cut_off)
{
	rec_model *m = blank_model(3);
	const float hi[3] = { 0.5f, 0.25f, -0.5f };
	const float mid[3] = { 0.25f, 0, -0.0625f };
	const float lo[3] = { 0.125f, 0, 0 };
	set_row(m, add_user(m, "u0"), 0, (const float[3]){ 1, 1, 1 });
	char id[16];
	for (int i = 0; i < 70; i++) {
		snprintf(id, sizeof(id), "x%d", i);
		/* items 5 and 66 tie for the top (0.25), item 40 comes
		 * next (0.1875), then all the others (0.125) */
		set_row(m, add_item(m, id), 0,
			i == 5 || i == 66 ? hi : i == 40 ? mid : lo);
	}
	struct users us = make_users(1, 0);
	rec_topk *t = new_topk(m, 1, 1);
	struct rec_topk_result *res = run(t, &us, 1);
	ck_assert_uint_eq(res[0].item, 5);
	ck_assert(res[0].score == 0.25);
	free(res);
	rec_topk_free(t);
	t = new_topk(m, 3, 1);
	res = run(t, &us, 3);
	ck_assert_uint_eq(res[0].item, 5);
	ck_assert_uint_eq(res[1].item, 66);
	ck_assert_uint_eq(res[2].item, 40);
	ck_assert(res[2].score == 0.1875);
	free(res);
	rec_topk_free(t);
	t = new_topk(m, 5, 1);
	res = run(t, &us, 5);
	/* then the 67 items of score 0.125, from the first met */
	ck_assert_uint_eq(res[3].item, 0);
	ck_assert_uint_eq(res[4].item, 1);
	check_lists(m, &us, 5, res, NULL, 1);
	free(res);
	rec_topk_free(t);
	free_users(&us);
	rec_model_free(m);
}
END_TEST

/* ---- unseen users ---- */

/* A user the model never met gets the ranking by item weight: scores
 * w0 + w_i, ties to the item met first. */
START_TEST(test_unseen_users)
{
	rec_model *m = trained_model(_i == 0 ? 0 : 17, 20, 300, 1500, _i != 2,
				     42 + (uint64_t)_i);
	const size_t N = rec_model_items(m);
	struct scored *by_weight = malloc(N * sizeof(*by_weight));
	ck_assert_ptr_nonnull(by_weight);
	for (uint32_t i = 0; i < N; i++) {
		const float *row = m->rows +
			(size_t)m->catalogue.items[i].feature * m->stride;
		by_weight[i] = (struct scored){ (double)m->bias[0] + row[0],
						i };
	}
	qsort(by_weight, N, sizeof(*by_weight), by_rank);
	struct users us = make_users(0, 3);
	const int K = 25;
	rec_topk *t = new_topk(m, K, 1);
	struct rec_topk_result *res = run(t, &us, K);
	for (size_t u = 0; u < us.n; u++)
		for (int r = 0; r < K; r++) {
			const struct rec_topk_result *x =
				&res[u * K + (size_t)r];
			ck_assert_msg(x->item == by_weight[r].item,
				      "%s rank %d: item %u, by weight %u",
				      us.u[u].id, r + 1, x->item,
				      by_weight[r].item);
			ck_assert_double_eq_tol(x->score, by_weight[r].score,
						1e-6);
		}
	check_lists(m, &us, K, res, NULL, 0);
	free(res);
	rec_topk_free(t);
	free(by_weight);
	free_users(&us);
	rec_model_free(m);
}
END_TEST

/* ---- exclusions and candidates ---- */

START_TEST(test_exclude)
{
	const int k = _i == 0 ? 0 : 64;
	rec_model *m = trained_model(k, 24, 1000, 3000, 1, 7 + (uint64_t)_i);
	const size_t N = rec_model_items(m);
	struct users us = make_users(24, 2);
	const int K = 12;
	/* the lists before any exclusion */
	rec_topk *t = new_topk(m, K, 1);
	struct rec_topk_result *before = run(t, &us, K);
	rec_topk_free(t);

	t = new_topk(m, K, 1);
	unsigned char *ex = calloc(us.n * N, 1);
	ck_assert_ptr_nonnull(ex);
	struct rec_rng r;
	rec_rng_seed(&r, 99);
	for (size_t u = 0; u < us.n; u++) {
		/* every other user loses its top 3 and ranks 7 and 12 */
		if (u % 2 == 0) {
			const int ranks[] = { 0, 1, 2, 6, 11 };
			for (size_t j = 0; j < TU_ARRAY_LEN(ranks); j++) {
				uint32_t it = before[u * K +
						     (size_t)ranks[j]].item;
				ex[u * N + it] = 1;
			}
		}
		/* and everyone 40 random items */
		for (int j = 0; j < 40; j++)
			ex[u * N + rec_rng_below(&r, N)] = 1;
	}
	for (size_t u = 0; u < us.n; u++)
		for (uint32_t i = 0; i < N; i++) {
			if (!ex[u * N + i])
				continue;
			size_t len;
			const char *id = rec_model_item(m, i, &len);
			ck_assert_int_eq(rec_topk_exclude(t, us.u[u].id,
							  us.u[u].len, id,
							  len), 0);
			/* twice is the same as once */
			ck_assert_int_eq(rec_topk_exclude(t, us.u[u].id,
							  us.u[u].len, id,
							  len), 0);
		}
	/* items the model never met, and users not asked for: no effect */
	ck_assert_int_eq(rec_topk_exclude(t, "u0", 2, "no-such-item", 12), 0);
	size_t len0;
	const char *top = rec_model_item(m, before[K].item, &len0);
	ck_assert_int_eq(rec_topk_exclude(t, "someone", 7, top, len0), 0);
	struct rec_topk_result *res = run(t, &us, K);
	struct rules rl = { NULL, ex };
	check_lists(m, &us, K, res, &rl, 0);
	/* odd users kept their first item unless it was drawn at random */
	for (size_t u = 1; u < us.n; u += 2)
		if (!ex[u * N + before[u * K].item])
			ck_assert_uint_eq(res[u * K].item, before[u * K].item);
	free(res);
	rec_topk_free(t);
	free(before);
	free(ex);
	free_users(&us);
	rec_model_free(m);
}
END_TEST

START_TEST(test_exclude_per_user)
{
	rec_model *m = blank_model(0);
	char id[16];
	for (int i = 0; i < 20; i++) {
		snprintf(id, sizeof(id), "i%d", i);
		set_row(m, add_item(m, id), (float)(20 - i) / 32, NULL);
	}
	/* a, b and an unseen c: i0 is everyone's best until excluded */
	set_row(m, add_user(m, "a"), 0, NULL);
	set_row(m, add_user(m, "b"), 0, NULL);
	struct rec_topk_user users[] = { { "a", 1 }, { "b", 1 }, { "c", 1 },
					 { "ab", 2 } };
	rec_topk *t = new_topk(m, 2, 1);
	ck_assert_int_eq(rec_topk_exclude(t, "a", 1, "i0", 2), 0);
	ck_assert_int_eq(rec_topk_exclude(t, "c", 1, "i1", 2), 0);
	ck_assert_int_eq(rec_topk_exclude(t, "c", 1, "i0", 2), 0);
	struct rec_topk_result res[8];
	struct rec_error err;
	ck_assert_int_eq(rec_topk_run(t, users, 4, res, &err), 0);
	/* a: i1, i2; b: i0, i1; c: i2, i3; ab (no exclusion): i0, i1 */
	const uint32_t want[8] = { 1, 2, 0, 1, 2, 3, 0, 1 };
	for (int i = 0; i < 8; i++)
		ck_assert_msg(res[i].item == want[i], "result %d: item %u, "
			      "wanted %u", i, res[i].item, want[i]);
	rec_topk_free(t);
	rec_model_free(m);
}
END_TEST

START_TEST(test_candidates)
{
	const int k = _i == 0 ? 3 : 64;
	rec_model *m = trained_model(k, 20, 1000, 3000, _i == 0,
				     17 + (uint64_t)_i);
	const size_t N = rec_model_items(m);
	struct users us = make_users(20, 2);
	unsigned char *allowed = calloc(N, 1);
	ck_assert_ptr_nonnull(allowed);
	struct rec_rng r;
	rec_rng_seed(&r, 5);
	/* 1 in 7 items, at random: about 143, not a multiple of 16 */
	rec_topk *t = new_topk(m, 20, 1);
	for (uint32_t i = 0; i < N; i++) {
		if (rec_rng_below(&r, 7) != 0)
			continue;
		allowed[i] = 1;
		size_t len;
		const char *id = rec_model_item(m, i, &len);
		ck_assert_int_eq(rec_topk_allow(t, id, len), 0);
		ck_assert_int_eq(rec_topk_allow(t, id, len), 0);
	}
	/* ids the catalogue lacks are ignored */
	ck_assert_int_eq(rec_topk_allow(t, "not-an-item", 11), 0);
	struct rec_topk_result *res = run(t, &us, 20);
	struct rules rl = { allowed, NULL };
	check_lists(m, &us, 20, res, &rl, 0);
	free(res);
	rec_topk_free(t);

	/* candidates and exclusions together, with fewer candidates left
	 * than K: the lists end early */
	memset(allowed, 0, N);
	unsigned char *ex = calloc(us.n * N, 1);
	ck_assert_ptr_nonnull(ex);
	const int K = 9;
	t = new_topk(m, K, 1);
	for (uint32_t i = 3; i < N; i += 97) {	/* 11 candidates */
		allowed[i] = 1;
		size_t len;
		const char *id = rec_model_item(m, i, &len);
		ck_assert_int_eq(rec_topk_allow(t, id, len), 0);
		for (size_t u = 0; u < us.n; u++)
			if ((u + i) % 3 == 0) {
				ex[u * N + i] = 1;
				ck_assert_int_eq(rec_topk_exclude(t, us.u[u].id,
					us.u[u].len, id, len), 0);
			}
	}
	res = run(t, &us, K);
	rl = (struct rules){ allowed, ex };
	check_lists(m, &us, K, res, &rl, 0);
	free(res);
	rec_topk_free(t);

	/* no candidate in the catalogue: every list is empty */
	t = new_topk(m, 4, 1);
	ck_assert_int_eq(rec_topk_allow(t, "nothing", 7), 0);
	res = run(t, &us, 4);
	for (size_t i = 0; i < us.n * 4; i++)
		ck_assert_uint_eq(res[i].item, UINT32_MAX);
	free(res);
	rec_topk_free(t);
	free(ex);
	free(allowed);
	free_users(&us);
	rec_model_free(m);
}
END_TEST

/* ---- threads ---- */

/* 1 and 3 threads (and more threads than tiles) give the same lists and
 * the same scores, bit for bit; 600 users span three batches of 256. */
START_TEST(test_threads)
{
	rec_model *m = trained_model(_i == 0 ? 17 : 64, 580, 1000, 6000, 1,
				     23 + (uint64_t)_i);
	struct users us = make_users(580, 20);
	const int K = 10;
	rec_topk *t1 = new_topk(m, K, 1);
	rec_topk *t3 = new_topk(m, K, 3);
	rec_topk *t9 = new_topk(m, K, 9);
	for (int variant = 0; variant < 2; variant++) {
		if (variant == 1) {
			/* the same exclusions for each */
			for (size_t u = 0; u < us.n; u += 3) {
				size_t len;
				const char *id = rec_model_item(m,
					(uint32_t)(u % 50), &len);
				rec_topk *ts[] = { t1, t3, t9 };
				for (int j = 0; j < 3; j++)
					ck_assert_int_eq(rec_topk_exclude(ts[j],
						us.u[u].id, us.u[u].len, id,
						len), 0);
			}
		}
		struct rec_topk_result *a = run(t1, &us, K);
		struct rec_topk_result *b = run(t3, &us, K);
		struct rec_topk_result *c = run(t9, &us, K);
		same_results(a, b, us.n, K, "1 and 3 threads");
		same_results(a, c, us.n, K, "1 and 9 threads");
		if (variant == 0)
			check_lists(m, &us, K, a, NULL, 0);
		free(a);
		free(b);
		free(c);
	}
	/* fewer users than threads have tiles for */
	struct users few = make_users(3, 0);
	struct rec_topk_result *a = run(t1, &few, K);
	struct rec_topk_result *b = run(t9, &few, K);
	same_results(a, b, few.n, K, "3 users, 1 and 9 threads");
	free(a);
	free(b);
	free_users(&few);
	rec_topk_free(t1);
	rec_topk_free(t3);
	rec_topk_free(t9);
	free_users(&us);
	rec_model_free(m);
}
END_TEST

/* The same user twice in one run, and a second run on the same handle,
 * give the same list; a run of no users writes nothing. */
START_TEST(test_repeat_runs)
{
	rec_model *m = trained_model(3, 10, 33, 300, 1, 3);
	struct users us = make_users(10, 1);
	enum { K = 7 };
	rec_topk *t = new_topk(m, K, 2);
	struct rec_topk_result *a = run(t, &us, K);
	struct rec_topk_result *b = run(t, &us, K);
	same_results(a, b, us.n, K, "two runs");
	struct rec_topk_user twice[] = { us.u[4], us.u[4], us.u[10] };
	struct rec_topk_result c[3 * K];
	struct rec_error err;
	ck_assert_int_eq(rec_topk_run(t, twice, 3, c, &err), 0);
	same_results(c, a + 4 * K, 1, K, "user 4 again");
	same_results(c + K, a + 4 * K, 1, K, "user 4 twice");
	same_results(c + 2 * K, a + 10 * K, 1, K, "unseen user");
	struct rec_topk_result guard = { 12345, 0.5 };
	ck_assert_int_eq(rec_topk_run(t, us.u, 0, &guard, &err), 0);
	ck_assert_uint_eq(guard.item, 12345);
	free(a);
	free(b);
	rec_topk_free(t);
	free_users(&us);
	rec_model_free(m);
}
END_TEST

/* ---- errors and the catalogue accessors ---- */

START_TEST(test_create_errors)
{
	rec_model *m = blank_model(4);
	static char sentinel;
	rec_topk *t = (rec_topk *)(void *)&sentinel;	/* must become NULL */
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	/* an empty catalogue */
	ck_assert_int_eq(rec_topk_create(&t, m, 5, 1, &err), REC_EDATA);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(err.msg, "the model's item catalogue is empty");
	add_item(m, "only");
	const int bad[][2] = { { 0, 1 }, { -1, 1 }, { 100001, 1 }, { 5, 0 },
			       { 5, 257 }, { 5, -3 } };
	for (size_t i = 0; i < TU_ARRAY_LEN(bad); i++) {
		ck_assert_int_eq(rec_topk_create(&t, m, bad[i][0], bad[i][1],
						 &err), REC_EINVAL);
		ck_assert_ptr_null(t);
	}
	ck_assert_int_eq(rec_topk_create(&t, m, 100000, 256, NULL), 0);
	rec_topk_free(t);
	rec_topk_free(NULL);
	rec_model_free(m);
}
END_TEST

START_TEST(test_catalogue_accessors)
{
	rec_model *m = blank_model(0);
	ck_assert_uint_eq(rec_model_items(m), 0);
	add_item(m, "first");
	add_item(m, "second");
	add_item(m, "first");	/* met again: no new entry */
	ck_assert_uint_eq(rec_model_items(m), 2);
	size_t len = 99;
	const char *id = rec_model_item(m, 1, &len);
	ck_assert_uint_eq(len, 6);
	ck_assert(memcmp(id, "second", 6) == 0);
	id = rec_model_item(m, 0, &len);
	ck_assert_uint_eq(len, 5);
	ck_assert(memcmp(id, "first", 5) == 0);
	ck_assert_ptr_null(rec_model_item(m, 2, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_null(rec_model_item(m, UINT32_MAX, &len));
	rec_model_free(m);
}
END_TEST

/* A model of one item: every list has it, and nothing after it. */
START_TEST(test_one_item)
{
	rec_model *m = trained_model(64, 5, 1, 20, 1, 8);
	struct users us = make_users(5, 1);
	rec_topk *t = new_topk(m, 3, 1);
	struct rec_topk_result *res = run(t, &us, 3);
	for (size_t u = 0; u < us.n; u++) {
		ck_assert_uint_eq(res[u * 3].item, 0);
		ck_assert_uint_eq(res[u * 3 + 1].item, UINT32_MAX);
		ck_assert_uint_eq(res[u * 3 + 2].item, UINT32_MAX);
	}
	check_lists(m, &us, 3, res, NULL, 0);
	free(res);
	rec_topk_free(t);
	free_users(&us);
	rec_model_free(m);
}
END_TEST

/* ---- K beyond what can be recommended ---- */

/* K past the catalogue, or past the candidates: the same lists as K equal
 * to them, then nothing ({UINT32_MAX, 0}) up to K. */
START_TEST(test_k_beyond_items)
{
	rec_model *m = trained_model(17, 30, 200, 800, 1, 41);
	const size_t N = rec_model_items(m);
	struct users us = make_users(30, 3);
	const int big = 100000;
	for (int cand = 0; cand < 2; cand++) {
		rec_topk *t = new_topk(m, big, 2);
		rec_topk *ref = new_topk(m, (int)N, 2);
		unsigned char *allowed = calloc(N, 1);
		ck_assert_ptr_nonnull(allowed);
		size_t nallowed = N;
		if (cand) {
			nallowed = 0;
			for (uint32_t i = 1; i < N; i += 9) {	/* 23 items */
				size_t len;
				const char *id = rec_model_item(m, i, &len);
				ck_assert_int_eq(rec_topk_allow(t, id, len), 0);
				ck_assert_int_eq(rec_topk_allow(ref, id, len),
						 0);
				allowed[i] = 1;
				nallowed++;
			}
		}
		struct rec_topk_result *res = run(t, &us, big);
		struct rec_topk_result *want = run(ref, &us, (int)N);
		struct rules rl = { cand ? allowed : NULL, NULL };
		check_lists(m, &us, big, res, &rl, 0);
		for (size_t u = 0; u < us.n; u++) {
			const struct rec_topk_result *x = res + u * (size_t)big;
			const struct rec_topk_result *w = want + u * N;
			for (size_t r = 0; r < N; r++)
				TU_CHECK(x[r].item == w[r].item &&
					 (w[r].item == UINT32_MAX ||
					  x[r].score == w[r].score),
					 "candidates %d user %zu rank %zu: item "
					 "%u, with K = %zu item %u", cand, u,
					 r + 1, x[r].item, N, w[r].item);
			for (size_t r = nallowed; r < (size_t)big; r++)
				TU_CHECK(x[r].item == UINT32_MAX &&
					 x[r].score == 0,
					 "candidates %d user %zu rank %zu: "
					 "not empty", cand, u, r + 1);
		}
		free(res);
		free(want);
		free(allowed);
		rec_topk_free(t);
		rec_topk_free(ref);
	}
	free_users(&us);
	rec_model_free(m);
}
END_TEST

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* The memory of a run grows with the items, not with K: K = 100000 on 200
 * items runs within 64 MiB more address space than it had (its lists for
 * K would take 200 MB a thread).  Linux only (/proc/self/statm); not under
 * AddressSanitizer, which needs its address space.  Check runs each test
 * in a child process, so the limit ends with the test. */
START_TEST(test_k_memory)
{
#if defined(__linux__) && !defined(UNDER_ASAN)
	rec_model *m = trained_model(17, 30, 200, 800, 1, 43);
	struct users us = make_users(30, 3);
	const int big = 100000;
	rec_topk *t = new_topk(m, big, 2);
	struct rec_topk_result *res =
		malloc(us.n * (size_t)big * sizeof(*res));
	ck_assert_ptr_nonnull(res);
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;
	if (!f || fscanf(f, "%lu", &pages) != 1 || pages == 0) {
		if (f)
			fclose(f);
		goto out;	/* no way to know the address space */
	}
	fclose(f);
	struct rlimit lim;
	ck_assert_int_eq(getrlimit(RLIMIT_AS, &lim), 0);
	rlim_t cap = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) +
		     ((rlim_t)64 << 20);
	if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < cap)
		cap = lim.rlim_cur;
	lim.rlim_cur = cap;
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &lim), 0);
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_topk_run(t, us.u, us.n, res, &err);
	ck_assert_msg(rc == 0, "K = %d on 200 items: %d %s", big, rc,
		      err.msg);
	check_lists(m, &us, big, res, NULL, 0);
out:
	free(res);
	rec_topk_free(t);
	free_users(&us);
	rec_model_free(m);
#endif
}
END_TEST

static Suite *topk_suite(void)
{
	Suite *s = suite_create("topk");
	TCase *tc = tcase_create("brute_force");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_brute_force, 0,
			    (int)(TU_ARRAY_LEN(factor_lengths) *
				  TU_ARRAY_LEN(catalogue_sizes)));
	tcase_add_test(tc, test_lists_differ_between_users);
	tcase_add_loop_test(tc, test_unseen_users, 0, 3);
	tcase_add_test(tc, test_one_item);
	suite_add_tcase(s, tc);

	tc = tcase_create("ties");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ties_linear);
	tcase_add_test(tc, test_ties_factors);
	tcase_add_test(tc, test_tie_at_cut_off);
	suite_add_tcase(s, tc);

	tc = tcase_create("filters");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_exclude, 0, 2);
	tcase_add_test(tc, test_exclude_per_user);
	tcase_add_loop_test(tc, test_candidates, 0, 2);
	tcase_add_test(tc, test_k_beyond_items);
	tcase_add_test(tc, test_k_memory);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_threads, 0, 2);
	tcase_add_test(tc, test_repeat_runs);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_create_errors);
	tcase_add_test(tc, test_catalogue_accessors);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(topk_suite)
