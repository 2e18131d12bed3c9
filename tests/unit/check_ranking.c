/*
 * check_ranking.c - unit tests for lib/ranking.c (precision, recall, NDCG,
 * MAP and hit rate at k, MRR, per-group AUC, coverage) against values
 * worked out by hand in the comments, and for the id set of lib/util.c
 * that numbers the users of a ranking.
 *
 * Notation: a list is written as its relevance flags, best first, so
 * [0 1 0 1 0] is a list of five items whose second and fourth are
 * relevant; R is the user's number of relevant items, listed or not.
 * L(r) = 1 / log2(r + 1) is the gain of a hit at rank r:
 *   L(1) = 1, L(2) = 1/log2 3 = 0.63093, L(3) = 1/2, L(4) = 1/log2 5 =
 *   0.43068, L(5) = 1/log2 6 = 0.38685.
 */
#include <math.h>

#include "internal.h"
#include "testutil.h"

#define TOL 1e-12

static double L(int r)
{
	return 1 / log2((double)r + 1);
}

/* idcg for min(R, k) hits at the top */
static double ideal(int hits)
{
	double s = 0;
	for (int r = 1; r <= hits; r++)
		s += L(r);
	return s;
}

static const int KS[] = { 1, 3, 5 };
#define NKS 3

/* Expected values of one run, at k = 1, 3, 5. */
struct want {
	uint64_t users;
	double precision[NKS], recall[NKS], ndcg[NKS], map[NKS], hit[NKS];
	double mrr;
	uint64_t auc_users;
	double auc;
};

static rec_ranking *new_ranking(void)
{
	rec_ranking *r = NULL;
	ck_assert_int_eq(rec_ranking_create(&r, KS, NKS), 0);
	ck_assert_ptr_nonnull(r);
	return r;
}

static void expect(const rec_ranking *r, const struct want *w)
{
	struct rec_rank_values v;
	memset(&v, 0x5a, sizeof(v));
	rec_ranking_values(r, &v);
	ck_assert_uint_eq(v.users, w->users);
	ck_assert_int_eq(v.nk, NKS);
	for (int j = 0; j < NKS; j++) {
		ck_assert_int_eq(v.ks[j], KS[j]);
		ck_assert_msg(fabs(v.precision[j] - w->precision[j]) <= TOL,
			      "precision@%d %.17g, wanted %.17g", KS[j],
			      v.precision[j], w->precision[j]);
		ck_assert_msg(fabs(v.recall[j] - w->recall[j]) <= TOL,
			      "recall@%d %.17g, wanted %.17g", KS[j],
			      v.recall[j], w->recall[j]);
		ck_assert_msg(fabs(v.ndcg[j] - w->ndcg[j]) <= TOL,
			      "ndcg@%d %.17g, wanted %.17g", KS[j], v.ndcg[j],
			      w->ndcg[j]);
		ck_assert_msg(fabs(v.map[j] - w->map[j]) <= TOL,
			      "map@%d %.17g, wanted %.17g", KS[j], v.map[j],
			      w->map[j]);
		ck_assert_msg(fabs(v.hit[j] - w->hit[j]) <= TOL,
			      "hit@%d %.17g, wanted %.17g", KS[j], v.hit[j],
			      w->hit[j]);
	}
	ck_assert_msg(fabs(v.mrr - w->mrr) <= TOL, "mrr %.17g, wanted %.17g",
		      v.mrr, w->mrr);
	ck_assert_uint_eq(v.auc_users, w->auc_users);
	if (w->auc_users)
		ck_assert_msg(fabs(v.auc - w->auc) <= TOL,
			      "auc %.17g, wanted %.17g", v.auc, w->auc);
	else
		ck_assert(v.auc == 0);
}

/* The mean of several users' expected values. */
static struct want mean_of(const struct want *w, int n)
{
	struct want m;
	memset(&m, 0, sizeof(m));
	for (int u = 0; u < n; u++) {
		m.users += w[u].users;
		for (int j = 0; j < NKS; j++) {
			m.precision[j] += w[u].precision[j] / n;
			m.recall[j] += w[u].recall[j] / n;
			m.ndcg[j] += w[u].ndcg[j] / n;
			m.map[j] += w[u].map[j] / n;
			m.hit[j] += w[u].hit[j] / n;
		}
		m.mrr += w[u].mrr / n;
	}
	return m;
}

/* ---- one list at a time ---- */

/* [0 1 0 1 0], R = 3: hits at ranks 2 and 4.
 *   MRR 1/2.
 *   @1: nothing.  MAP divides by min(3, 1) = 1: 0.
 *   @3: one hit (rank 2): precision 1/3, recall 1/3,
 *       NDCG L(2) / (L(1) + L(2) + L(3)), MAP (1/2) / 3, hit 1.
 *   @5: two hits (ranks 2, 4): precision 2/5, recall 2/3,
 *       NDCG (L(2) + L(4)) / (L(1) + L(2) + L(3)),
 *       MAP (1/2 + 2/4) / 3 = 1/3, hit 1. */
static struct want want_a(void)
{
	struct want w = {
		1,
		{ 0, 1.0 / 3, 2.0 / 5 },
		{ 0, 1.0 / 3, 2.0 / 3 },
		{ 0, L(2) / ideal(3), (L(2) + L(4)) / ideal(3) },
		{ 0, 0.5 / 3, 1.0 / 3 },
		{ 0, 1, 1 },
		0.5, 0, 0
	};
	return w;
}
static const unsigned char list_a[] = { 0, 1, 0, 1, 0 };

/* [1 1 0], R = 2: every relevant item listed, the list shorter than 5.
 *   MRR 1.
 *   @1: precision 1, recall 1/2, NDCG L(1)/L(1) = 1 (ideal: min(2, 1) = 1
 *       hit), MAP (1/1) / 1 = 1, hit 1.
 *   @3: precision 2/3, recall 1, NDCG (L(1) + L(2)) / (L(1) + L(2)) = 1,
 *       MAP (1/1 + 2/2) / 2 = 1.
 *   @5: precision 2/5 (divided by k although only 3 are listed), the
 *       rest as @3. */
static struct want want_b(void)
{
	struct want w = {
		1,
		{ 1, 2.0 / 3, 2.0 / 5 },
		{ 0.5, 1, 1 },
		{ 1, 1, 1 },
		{ 1, 1, 1 },
		{ 1, 1, 1 },
		1, 0, 0
	};
	return w;
}
static const unsigned char list_b[] = { 1, 1, 0 };

/* [0 0 0 0 0 0 1], R = 1: the only hit at rank 7, past every k.
 *   MRR 1/7 (over the whole list); every metric at 1, 3 and 5 is 0. */
static struct want want_c(void)
{
	struct want w = { 1, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, 1.0 / 7, 0,
			  0 };
	return w;
}
static const unsigned char list_c[] = { 0, 0, 0, 0, 0, 0, 1 };

/* [0 1 1 1 1 1], R = 6, more relevant items than k.
 *   MRR 1/2.
 *   @1: 0.
 *   @3: hits at 2, 3: precision 2/3, recall 2/6, NDCG (L(2) + L(3)) /
 *       (L(1) + L(2) + L(3)), MAP (1/2 + 2/3) / min(6, 3) = 7/18.
 *   @5: hits at 2..5: precision 4/5, recall 4/6, NDCG (L(2) + ... + L(5))
 *       / (L(1) + ... + L(5)), MAP (1/2 + 2/3 + 3/4 + 4/5) / 5. */
static struct want want_d(void)
{
	struct want w = {
		1,
		{ 0, 2.0 / 3, 4.0 / 5 },
		{ 0, 2.0 / 6, 4.0 / 6 },
		{ 0, (L(2) + L(3)) / ideal(3),
		  (L(2) + L(3) + L(4) + L(5)) / ideal(5) },
		{ 0, 7.0 / 18, (0.5 + 2.0 / 3 + 0.75 + 0.8) / 5 },
		{ 0, 1, 1 },
		0.5, 0, 0
	};
	return w;
}
static const unsigned char list_d[] = { 0, 1, 1, 1, 1, 1 };

struct list_case {
	const char *what;
	const unsigned char *rel;
	size_t n, total;
	struct want (*want)(void);
};

static const struct list_case list_cases[] = {
	{ "two hits of three", list_a, sizeof(list_a), 3, want_a },
	{ "short list, all found", list_b, sizeof(list_b), 2, want_b },
	{ "hit past every k", list_c, sizeof(list_c), 1, want_c },
	{ "more relevant than k", list_d, sizeof(list_d), 6, want_d },
};

START_TEST(test_list_cases)
{
	const struct list_case *c = &list_cases[_i];
	rec_ranking *r = new_ranking();
	ck_assert_int_eq(rec_ranking_add_list(r, c->rel, c->n, c->total), 0);
	struct want w = c->want();
	expect(r, &w);
	rec_ranking_free(r);
}
END_TEST

/* The values are means over users: the four lists above together give
 * the mean of their values, whatever the order they come in. */
START_TEST(test_list_mean)
{
	rec_ranking *r = new_ranking();
	struct want w[4];
	for (int i = 3; i >= 0; i--) {
		const struct list_case *c = &list_cases[i];
		ck_assert_int_eq(rec_ranking_add_list(r, c->rel, c->n,
						      c->total), 0);
		w[i] = c->want();
	}
	struct want m = mean_of(w, 4);
	expect(r, &m);
	rec_ranking_free(r);
}
END_TEST

/* A user with no relevant items is not evaluated at all; one with relevant
 * items but no list counts 0 everywhere and is one of the users. */
START_TEST(test_list_skip_and_zero)
{
	rec_ranking *r = new_ranking();
	/* nothing yet: no users, every value 0 */
	struct want none = { 0, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, 0, 0, 0 };
	expect(r, &none);
	/* R = 0: skipped, even with a list that looks like hits */
	const unsigned char ones[] = { 1, 1, 1 };
	ck_assert_int_eq(rec_ranking_add_list(r, ones, 3, 0), 0);
	ck_assert_int_eq(rec_ranking_add_list(r, NULL, 0, 0), 0);
	expect(r, &none);
	/* R = 4, no list: a user with zeros */
	ck_assert_int_eq(rec_ranking_add_list(r, NULL, 0, 4), 0);
	struct want zero = { 1, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, 0, 0, 0 };
	expect(r, &zero);
	/* with list b: (b + zeros) / 2 */
	ck_assert_int_eq(rec_ranking_add_list(r, list_b, sizeof(list_b), 2),
			 0);
	struct want w[2] = { want_b(), zero };
	struct want m = mean_of(w, 2);
	expect(r, &m);
	rec_ranking_free(r);
}
END_TEST

START_TEST(test_create_errors)
{
	rec_ranking *r = NULL;
	const int ok[REC_MAX_KS + 1] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
					 12, 13, 14, 15, 16, 17 };
	ck_assert_int_eq(rec_ranking_create(&r, ok, 0), REC_EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(rec_ranking_create(&r, ok, REC_MAX_KS + 1),
			 REC_EINVAL);
	ck_assert_ptr_null(r);
	const int zero[] = { 5, 0 }, negative[] = { -1 }, big[] = { 1000001 };
	ck_assert_int_eq(rec_ranking_create(&r, zero, 2), REC_EINVAL);
	ck_assert_int_eq(rec_ranking_create(&r, negative, 1), REC_EINVAL);
	ck_assert_int_eq(rec_ranking_create(&r, big, 1), REC_EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(rec_ranking_create(&r, ok, REC_MAX_KS), 0);
	struct rec_rank_values v;
	rec_ranking_values(r, &v);
	ck_assert_int_eq(v.nk, REC_MAX_KS);
	ck_assert_int_eq(v.ks[REC_MAX_KS - 1], 16);
	rec_ranking_free(r);
	const int top[] = { 1000000 };
	ck_assert_int_eq(rec_ranking_create(&r, top, 1), 0);
	rec_ranking_free(r);
	rec_ranking_free(NULL);
}
END_TEST

/* ---- groups of scored rows ---- */

/*
 * G1: scores .9 .3 .5 .5 .1, labels 0 1 1 0 1.  Ranked by score, ties in
 * input order: .9(0) .5(1) .5(0) .3(1) .1(1), so the list is [0 1 0 1 1]
 * with R = 3.
 *   MRR 1/2 (the tie broken the other way would give 1/3).
 *   @1: 0.
 *   @3: hit at 2: precision 1/3, recall 1/3, NDCG L(2) / ideal(3),
 *       MAP (1/2) / 3.
 *   @5: hits at 2, 4, 5: precision 3/5, recall 1,
 *       NDCG (L(2) + L(4) + L(5)) / ideal(3), MAP (1/2 + 2/4 + 3/5) / 3.
 *   AUC: positives .3 .5 .1, negatives .9 .5.  Pairs ordered right: .5
 *   against .5 is a tie, 1/2; no other positive beats a negative: 0.5 of
 *   3 x 2 = 6 pairs, 1/12.
 */
static const double g1_score[] = { 0.9, 0.3, 0.5, 0.5, 0.1 };
static const unsigned char g1_label[] = { 0, 1, 1, 0, 1 };
static struct want want_g1(void)
{
	struct want w = {
		1,
		{ 0, 1.0 / 3, 3.0 / 5 },
		{ 0, 1.0 / 3, 1 },
		{ 0, L(2) / ideal(3), (L(2) + L(4) + L(5)) / ideal(3) },
		{ 0, 0.5 / 3, (0.5 + 0.5 + 0.6) / 3 },
		{ 0, 1, 1 },
		0.5, 1, 1.0 / 12
	};
	return w;
}

/* G2: every score tied, labels 1 0 0 1: the list keeps input order,
 * [1 0 0 1], R = 2; AUC 1/2 (four tied pairs).
 *   MRR 1.  @1: precision 1, recall 1/2, NDCG 1, MAP 1, hit 1.
 *   @3: precision 1/3, recall 1/2, NDCG L(1) / (L(1) + L(2)),
 *       MAP (1/1) / 2.
 *   @5: precision 2/5, recall 1, NDCG (L(1) + L(4)) / (L(1) + L(2)),
 *       MAP (1 + 2/4) / 2. */
static const double g2_score[] = { 0.5, 0.5, 0.5, 0.5 };
static const unsigned char g2_label[] = { 1, 0, 0, 1 };
static struct want want_g2(void)
{
	struct want w = {
		1,
		{ 1, 1.0 / 3, 2.0 / 5 },
		{ 0.5, 0.5, 1 },
		{ 1, 1 / ideal(2), (1 + L(4)) / ideal(2) },
		{ 1, 0.5, 0.75 },
		{ 1, 1, 1 },
		1, 1, 0.5
	};
	return w;
}

/* G3: positives only, scores .2 .4: [1 1], R = 2.  Evaluated for the
 * ranking, with the values of list b ([1 1 0]: its third item changes
 * nothing), but it has no AUC: no negative to rank against.
 *   MRR 1.  @1: precision 1, recall 1/2, NDCG 1, MAP 1, hit 1.
 *   @3: precision 2/3, recall 1, NDCG 1, MAP 1.  @5: precision 2/5. */
static const double g3_score[] = { 0.2, 0.4 };
static const unsigned char g3_label[] = { 1, 1 };
static struct want want_g3(void)
{
	struct want w = want_b();
	return w;
}

/* G4: negatives only: not evaluated, no AUC. */
static const double g4_score[] = { 0.7, 0.1, 0.3 };
static const unsigned char g4_label[] = { 0, 0, 0 };

/* G5: scores 3 2 1 (beyond [0, 1]: only the order counts), labels
 * 1 0 1: [1 0 1], R = 2.  AUC: 3 beats 2, 1 does not: 1/2.
 *   MRR 1.  @1: precision 1, recall 1/2, NDCG 1, MAP 1, hit 1.
 *   @3: precision 2/3, recall 1, NDCG (L(1) + L(3)) / (L(1) + L(2)),
 *       MAP (1 + 2/3) / 2.  @5: precision 2/5, the rest as @3. */
static const double g5_score[] = { 3, 2, 1 };
static const unsigned char g5_label[] = { 1, 0, 1 };
static struct want want_g5(void)
{
	double n3 = (1 + L(3)) / ideal(2), m3 = (1 + 2.0 / 3) / 2;
	struct want w = {
		1,
		{ 1, 2.0 / 3, 2.0 / 5 },
		{ 0.5, 1, 1 },
		{ 1, n3, n3 },
		{ 1, m3, m3 },
		{ 1, 1, 1 },
		1, 1, 0.5
	};
	return w;
}

struct group_case {
	const double *score;
	const unsigned char *label;
	size_t n;
	struct want (*want)(void);
};

static const struct group_case group_cases[] = {
	{ g1_score, g1_label, 5, want_g1 },
	{ g2_score, g2_label, 4, want_g2 },
	{ g3_score, g3_label, 2, want_g3 },
	{ g5_score, g5_label, 3, want_g5 },
};

START_TEST(test_group_cases)
{
	const struct group_case *c = &group_cases[_i];
	rec_ranking *r = new_ranking();
	ck_assert_int_eq(rec_ranking_add_group(r, c->score, c->label, c->n),
			 0);
	struct want w = c->want();
	if (c->score == g3_score) {	/* no AUC */
		w.auc_users = 0;
		w.auc = 0;
	}
	expect(r, &w);
	rec_ranking_free(r);
}
END_TEST

/* Labels count as relevant when not 0; groups without a relevant row are
 * skipped; the AUC is the mean over groups with both kinds of rows. */
START_TEST(test_group_mean)
{
	rec_ranking *r = new_ranking();
	ck_assert_int_eq(rec_ranking_add_group(r, g4_score, g4_label, 3), 0);
	ck_assert_int_eq(rec_ranking_add_group(r, NULL, NULL, 0), 0);
	struct want none = { 0, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, 0, 0, 0 };
	expect(r, &none);
	/* G1 with labels written as 7 instead of 1 */
	const unsigned char g1_seven[] = { 0, 7, 7, 0, 7 };
	ck_assert_int_eq(rec_ranking_add_group(r, g1_score, g1_seven, 5), 0);
	ck_assert_int_eq(rec_ranking_add_group(r, g2_score, g2_label, 4), 0);
	ck_assert_int_eq(rec_ranking_add_group(r, g3_score, g3_label, 2), 0);
	ck_assert_int_eq(rec_ranking_add_group(r, g5_score, g5_label, 3), 0);
	struct want w[4] = { want_g1(), want_g2(), want_g3(), want_g5() };
	struct want m = mean_of(w, 4);
	/* AUC over G1, G2 and G5: (1/12 + 1/2 + 1/2) / 3 = 13/36 */
	m.auc_users = 3;
	m.auc = 13.0 / 36;
	expect(r, &m);
	rec_ranking_free(r);
}
END_TEST

/* AUC of a larger group against a count of all pairs: scores in steps of
 * 0.1 so that many tie across the labels. */
START_TEST(test_group_auc_brute_force)
{
	enum { N = 301 };
	double score[N];
	unsigned char label[N];
	struct rec_rng g;
	rec_rng_seed(&g, 77);
	size_t pos = 0;
	for (int i = 0; i < N; i++) {
		score[i] = (double)rec_rng_below(&g, 11) / 10;
		label[i] = rec_rng_below(&g, 3) == 0;
		pos += label[i];
	}
	double pairs = 0;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			if (label[i] && !label[j])
				pairs += score[i] > score[j] ? 1
					 : score[i] == score[j] ? 0.5 : 0;
	rec_ranking *r = new_ranking();
	ck_assert_int_eq(rec_ranking_add_group(r, score, label, N), 0);
	struct rec_rank_values v;
	rec_ranking_values(r, &v);
	ck_assert_uint_eq(v.auc_users, 1);
	ck_assert_double_eq_tol(v.auc, pairs / ((double)pos * (N - pos)),
				1e-12);
	/* MRR: the first relevant row is the first positive (in input
	 * order) of the highest score a positive has; its rank is one more
	 * than the rows above that score and the rows of that score before
	 * it in the input */
	double top = -1;
	int first = -1;
	for (int i = 0; i < N; i++)
		if (label[i] && score[i] > top) {
			top = score[i];
			first = i;
		}
	int rank = 1;
	for (int i = 0; i < N; i++)
		rank += score[i] > top || (score[i] == top && i < first);
	ck_assert_double_eq_tol(v.mrr, 1.0 / rank, 1e-15);
	rec_ranking_free(r);
}
END_TEST

/* ---- truth files and recommendation lists ---- */

static rec_reader *open_pairs(const char *path, const char *user,
			      const char *item, const char *label,
			      const char *score)
{
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.columns.user = user;
	opt.columns.item = item;
	opt.columns.label = label;
	opt.columns.score = score;
	opt.need = (user ? REC_NEED_USER : 0) | (item ? REC_NEED_ITEM : 0) |
		   (label ? REC_NEED_LABEL : 0) | (score ? REC_NEED_SCORE : 0);
	rec_reader *r = NULL;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	const char *files[] = { path };
	int rc = rec_reader_open(&r, files, 1, &opt, &err);
	ck_assert_msg(rc == 0, "rec_reader_open %s: %s", path, err.msg);
	return r;
}

/*
 * Truth (user item): u1 a, u1 b, u1 c, u1 a again (counts once: R = 3),
 * u2 x (R = 1), u3 y (R = 1, and no list).
 * Recommendations (user item score rank), each user's best first:
 *   u1: d a a b e c f   (a listed twice: counts once, the list is
 *                        d a b e c f = [0 1 1 0 1 0])
 *   u2: x z             [1 0]
 *   u4: w a             (no truth: not evaluated)
 * Three users: u1, u2 and u3.
 *   u1: MRR 1/2.  @1: 0.  @3: hits at 2, 3: precision 2/3, recall 2/3,
 *       NDCG (L(2) + L(3)) / ideal(3), MAP (1/2 + 2/3) / 3 = 7/18, hit 1.
 *       @5: hits at 2, 3, 5: precision 3/5, recall 1,
 *       NDCG (L(2) + L(3) + L(5)) / ideal(3), MAP (1/2 + 2/3 + 3/5) / 3
 *       = 53/90, hit 1.
 *   u2: MRR 1.  @1: precision 1, recall 1, NDCG 1, MAP 1, hit 1.
 *       @3: precision 1/3, the rest 1.  @5: precision 1/5, the rest 1.
 *   u3: 0 everywhere.
 * Coverage: the distinct items in the first max(k) = 5 distinct items of
 * the evaluated users' lists: d a b e c (not f, sixth) and x z: 7.  The
 * items met in truth and lists: a b c x y d e f z w: 10.  So 7/10, or
 * 7/20 against a catalogue of 20.
 */
static const char truth_tsv[] =
	"u1\ta\nu1\tb\nu1\tc\nu1\ta\nu2\tx\nu3\ty\n";
static const char recs_tsv[] =
	"u1\td\t0.9\t1\nu1\ta\t0.8\t2\nu1\ta\t0.8\t3\nu1\tb\t0.7\t4\n"
	"u1\te\t0.6\t5\nu1\tc\t0.5\t6\nu1\tf\t0.4\t7\n"
	"u2\tx\t0.9\t1\nu2\tz\t0.1\t2\n"
	"u4\tw\t0.9\t1\nu4\ta\t0.8\t2\n";

static struct want want_truth(void)
{
	struct want w[3] = {
		{ 1, { 0, 2.0 / 3, 3.0 / 5 }, { 0, 2.0 / 3, 1 },
		  { 0, (L(2) + L(3)) / ideal(3),
		    (L(2) + L(3) + L(5)) / ideal(3) },
		  { 0, 7.0 / 18, 53.0 / 90 }, { 0, 1, 1 }, 0.5, 0, 0 },
		{ 1, { 1, 1.0 / 3, 1.0 / 5 }, { 1, 1, 1 }, { 1, 1, 1 },
		  { 1, 1, 1 }, { 1, 1, 1 }, 1, 0, 0 },
		{ 1, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, 0, 0, 0 },
	};
	return mean_of(w, 3);
}

static int truth_run(const char *dir, const char *truth, const char *recs,
		     size_t catalogue, rec_ranking *r, double *coverage,
		     struct rec_error *err)
{
	char *tp = tu_write_str(dir, "truth.tsv", truth);
	char *rp = tu_write_str(dir, "recs.tsv", recs);
	rec_reader *t = open_pairs(tp, "1", "2", NULL, NULL);
	rec_reader *l = open_pairs(rp, "1", "2", NULL, NULL);
	int rc = rec_ranking_truth(r, t, l, NULL, NULL, catalogue, coverage,
				   err);
	rec_reader_free(t);
	rec_reader_free(l);
	free(tp);
	free(rp);
	return rc;
}

START_TEST(test_truth)
{
	char *dir = tu_mkdir();
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	for (int cat = 0; cat < 2; cat++) {
		rec_ranking *r = new_ranking();
		double coverage = -1;
		int rc = truth_run(dir, truth_tsv, recs_tsv, cat ? 20 : 0, r,
				   &coverage, &err);
		ck_assert_msg(rc == 0, "rec_ranking_truth: %d %s", rc, err.msg);
		struct want w = want_truth();
		expect(r, &w);
		ck_assert_double_eq_tol(coverage, cat ? 7.0 / 20 : 7.0 / 10,
					TOL);
		rec_ranking_free(r);
	}
	free(dir);
}
END_TEST

/* Coverage counts the first max(k) distinct items: with k = 1 alone,
 * d (u1) and x (u2): 2 of the 10 items. */
START_TEST(test_truth_coverage_k)
{
	char *dir = tu_mkdir();
	const int one[] = { 1 };
	rec_ranking *r = NULL;
	ck_assert_int_eq(rec_ranking_create(&r, one, 1), 0);
	double coverage = -1;
	struct rec_error err;
	ck_assert_int_eq(truth_run(dir, truth_tsv, recs_tsv, 0, r, &coverage,
				   &err), 0);
	ck_assert_double_eq_tol(coverage, 2.0 / 10, TOL);
	struct rec_rank_values v;
	rec_ranking_values(r, &v);
	ck_assert_uint_eq(v.users, 3);
	/* precision@1: u1 0, u2 1, u3 0 */
	ck_assert_double_eq_tol(v.precision[0], 1.0 / 3, TOL);
	rec_ranking_free(r);
	free(dir);
}
END_TEST

/* The lists of one user need not be contiguous, and the order of the
 * truth does not matter: interleaved rows give the same values. */
START_TEST(test_truth_interleaved)
{
	char *dir = tu_mkdir();
	static const char truth[] =
		"u3\ty\nu1\tc\nu2\tx\nu1\ta\nu1\tb\nu1\ta\n";
	static const char recs[] =
		"u4\tw\nu1\td\nu2\tx\nu1\ta\nu1\ta\nu4\ta\nu1\tb\n"
		"u1\te\nu2\tz\nu1\tc\nu1\tf\n";
	rec_ranking *r = new_ranking();
	double coverage = -1;
	struct rec_error err;
	ck_assert_int_eq(truth_run(dir, truth, recs, 0, r, &coverage, &err),
			 0);
	struct want w = want_truth();
	expect(r, &w);
	ck_assert_double_eq_tol(coverage, 7.0 / 10, TOL);
	rec_ranking_free(r);
	free(dir);
}
END_TEST

/* Truth without a single pair is an error; recommendations for nobody in
 * the truth leave every evaluated user at 0. */
START_TEST(test_truth_edges)
{
	char *dir = tu_mkdir();
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	rec_ranking *r = new_ranking();
	double coverage = -1;
	ck_assert_int_eq(truth_run(dir, "", recs_tsv, 0, r, &coverage, &err),
			 REC_EDATA);
	ck_assert_str_eq(err.msg, "no user-item pairs in the truth");
	rec_ranking_free(r);

	r = new_ranking();
	ck_assert_int_eq(truth_run(dir, "v\tq\nv\tr\n", recs_tsv, 0, r,
				   &coverage, &err), 0);
	struct want zero = { 1, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, 0, 0, 0 };
	expect(r, &zero);
	/* no evaluated user has a list: nothing covered, of 2 + 9 items */
	ck_assert_double_eq_tol(coverage, 0, TOL);
	rec_ranking_free(r);

	/* no recommendations at all */
	r = new_ranking();
	ck_assert_int_eq(truth_run(dir, truth_tsv, "", 5, r, &coverage, &err),
			 0);
	struct want three = zero;
	three.users = 3;
	expect(r, &three);
	ck_assert_double_eq_tol(coverage, 0, TOL);
	rec_ranking_free(r);
	free(dir);
}
END_TEST

/* Bad rows go to the callback; a non-zero return stops with its code. */
static int count_bad(const struct rec_error *e, void *arg)
{
	(void)e;
	int *n = arg;
	(*n)++;
	return 0;
}

static int stop_bad(const struct rec_error *e, void *arg)
{
	(void)e;
	(void)arg;
	return REC_EBADROW;
}

START_TEST(test_truth_bad_rows)
{
	char *dir = tu_mkdir();
	/* the third truth row and the second list row lack a column */
	char *tp = tu_write_str(dir, "t.tsv", "u1\ta\nu2\tx\nu3\n");
	char *rp = tu_write_str(dir, "r.tsv", "u1\ta\nu1\nu2\tx\n");
	rec_reader *t = open_pairs(tp, "1", "2", NULL, NULL);
	rec_reader *l = open_pairs(rp, "1", "2", NULL, NULL);
	rec_ranking *r = new_ranking();
	double coverage;
	struct rec_error err;
	int bad = 0;
	ck_assert_int_eq(rec_ranking_truth(r, t, l, count_bad, &bad, 0,
					   &coverage, &err), 0);
	ck_assert_int_eq(bad, 2);
	struct rec_rank_values v;
	rec_ranking_values(r, &v);
	ck_assert_uint_eq(v.users, 2);	/* u3's row was bad */
	ck_assert_double_eq_tol(v.mrr, 1, TOL);
	rec_ranking_free(r);
	rec_reader_free(t);
	rec_reader_free(l);

	t = open_pairs(tp, "1", "2", NULL, NULL);
	l = open_pairs(rp, "1", "2", NULL, NULL);
	r = new_ranking();
	ck_assert_int_eq(rec_ranking_truth(r, t, l, stop_bad, NULL, 0,
					   &coverage, &err), REC_EBADROW);
	rec_ranking_free(r);
	rec_reader_free(t);
	rec_reader_free(l);
	free(tp);
	free(rp);
	free(dir);
}
END_TEST

/* Grouped rows from a reader: group, label, score; the groups' rows are
 * interleaved, and a group is a value of the column, not a run of rows.
 * The groups are G1, G2, G3 (all positive), G4 (all negative) and G5. */
START_TEST(test_groups_reader)
{
	char *dir = tu_mkdir();
	char text[1024];
	size_t len = 0;
	const struct group_case *cs[] = { &group_cases[0], &group_cases[1],
					  &group_cases[2], &group_cases[3] };
	const char *names[] = { "g1", "g2", "g3", "g5" };
	for (size_t i = 0; i < 5; i++) {
		for (size_t g = 0; g < 4; g++)
			if (i < cs[g]->n)
				len += (size_t)snprintf(text + len,
					sizeof(text) - len, "%s\t%d\t%.17g\n",
					names[g], cs[g]->label[i],
					cs[g]->score[i]);
		if (i < 3)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
						"g4\t0\t%.17g\n", g4_score[i]);
	}
	char *path = tu_write(dir, "groups.tsv", text, len);
	rec_reader *rd = open_pairs(path, "1", NULL, "2", "3");
	rec_ranking *r = new_ranking();
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_ranking_groups(r, rd, NULL, NULL, &err);
	ck_assert_msg(rc == 0, "rec_ranking_groups: %d %s", rc, err.msg);
	struct want w[4] = { want_g1(), want_g2(), want_g3(), want_g5() };
	struct want m = mean_of(w, 4);
	m.auc_users = 3;
	m.auc = 13.0 / 36;
	expect(r, &m);
	rec_ranking_free(r);
	rec_reader_free(rd);
	free(path);
	free(dir);
}
END_TEST

/* ---- out of memory: a failed call leaves the ranking as it was ---- */

enum { OOM_GROUPS = 40, OOM_MAX = 60 };

struct oom_groups {
	double score[OOM_GROUPS][OOM_MAX];
	unsigned char label[OOM_GROUPS][OOM_MAX];
	size_t n[OOM_GROUPS];
};

static void oom_groups_make(struct oom_groups *g)
{
	struct rec_rng rng;
	rec_rng_seed(&rng, 4242);
	for (size_t i = 0; i < OOM_GROUPS; i++) {
		g->n[i] = 1 + (size_t)rec_rng_below(&rng, OOM_MAX);
		for (size_t j = 0; j < g->n[i]; j++) {
			g->score[i][j] = (double)rec_rng_below(&rng, 8) / 4;
			g->label[i][j] = rec_rng_below(&rng, 4) == 0;
		}
	}
}

/* Exactly equal values, or the test fails naming allocation nth. */
static void same_values(const rec_ranking *r, const struct rec_rank_values *w,
			long nth)
{
	struct rec_rank_values v;
	rec_ranking_values(r, &v);
	int same = v.users == w->users && v.nk == w->nk &&
		   v.mrr == w->mrr && v.auc_users == w->auc_users &&
		   v.auc == w->auc;
	for (int j = 0; j < v.nk; j++)
		same = same && v.ks[j] == w->ks[j] &&
		       v.precision[j] == w->precision[j] &&
		       v.recall[j] == w->recall[j] && v.ndcg[j] == w->ndcg[j] &&
		       v.map[j] == w->map[j] && v.hit[j] == w->hit[j];
	ck_assert_msg(same, "allocation %ld failed: users %llu auc %.17g, "
		      "want users %llu auc %.17g", nth,
		      (unsigned long long)v.users, v.auc,
		      (unsigned long long)w->users, w->auc);
}

/* Fail each allocation in turn of a run of rec_ranking_add_group calls,
 * retrying the call that failed: the end result is as without failures. */
START_TEST(test_oom_add_group)
{
	static struct oom_groups g;
	oom_groups_make(&g);
	struct rec_rank_values want;
	memset(&want, 0, sizeof(want));
	for (long nth = 0;; nth++) {
		long failures = 0;
		rec_alloc_fail_at(nth, 0);
		rec_ranking *r;
		while (rec_ranking_create(&r, KS, NKS) == REC_ENOMEM)
			failures++;
		for (size_t i = 0; i < OOM_GROUPS; i++) {
			int rc;
			while ((rc = rec_ranking_add_group(r, g.score[i],
					g.label[i], g.n[i])) == REC_ENOMEM)
				failures++;
			ck_assert_int_eq(rc, 0);
		}
		rec_alloc_fail_at(0, 0);
		if (nth == 0)
			rec_ranking_values(r, &want);
		else
			same_values(r, &want, nth);
		rec_ranking_free(r);
		if (nth > 0 && failures == 0)
			break;	/* past the last allocation */
		ck_assert_int_eq(failures, nth > 0);
	}
}
END_TEST

/* rec_ranking_groups failing at each allocation in turn returns an error
 * and leaves what was added before untouched. */
START_TEST(test_oom_groups_reader)
{
	static struct oom_groups g;
	oom_groups_make(&g);
	char *dir = tu_mkdir();
	char *path = tu_path(dir, "groups.tsv");
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (size_t j = 0; j < OOM_MAX; j++)	/* the groups interleaved */
		for (size_t i = 1; i < OOM_GROUPS; i++)
			if (j < g.n[i])
				fprintf(f, "g%zu\t%d\t%.17g\n", i,
					g.label[i][j], g.score[i][j]);
	ck_assert_int_eq(fclose(f), 0);
	struct rec_rank_values before, after;
	rec_ranking *r = new_ranking();
	ck_assert_int_eq(rec_ranking_add_group(r, g.score[0], g.label[0],
					       g.n[0]), 0);
	rec_ranking_values(r, &before);
	rec_reader *rd = open_pairs(path, "1", NULL, "2", "3");
	ck_assert_int_eq(rec_ranking_groups(r, rd, NULL, NULL, NULL), 0);
	rec_ranking_values(r, &after);
	rec_reader_free(rd);
	rec_ranking_free(r);
	for (long nth = 1;; nth++) {
		r = new_ranking();
		ck_assert_int_eq(rec_ranking_add_group(r, g.score[0],
						       g.label[0], g.n[0]), 0);
		rd = open_pairs(path, "1", NULL, "2", "3");
		rec_alloc_fail_at(nth, 0);
		int rc = rec_ranking_groups(r, rd, NULL, NULL, NULL);
		long made = rec_alloc_count();
		rec_alloc_fail_at(0, 0);
		rec_reader_free(rd);
		int failed = made >= nth;
		ck_assert_msg(failed ? rc != 0 : rc == 0,
			      "allocation %ld: rc %d", nth, rc);
		same_values(r, failed ? &before : &after, nth);
		rec_ranking_free(r);
		if (!failed)
			break;
	}
	free(path);
	free(dir);
}
END_TEST

/* ---- the id set ---- */

START_TEST(test_idset_numbering)
{
	rec_idset *s = NULL;
	ck_assert_int_eq(rec_idset_create(&s), 0);
	ck_assert_uint_eq(rec_idset_size(s), 0);
	size_t at = 99;
	ck_assert_int_eq(rec_idset_find(s, "a", 1, &at), 0);
	ck_assert_uint_eq(at, 99);	/* untouched when absent */
	ck_assert_int_eq(rec_idset_add(s, "a", 1, &at), 1);
	ck_assert_uint_eq(at, 0);
	ck_assert_int_eq(rec_idset_add(s, "b", 1, &at), 1);
	ck_assert_uint_eq(at, 1);
	/* again: not added, its place given */
	ck_assert_int_eq(rec_idset_add(s, "a", 1, &at), 0);
	ck_assert_uint_eq(at, 0);
	/* exact byte strings: prefixes, longer ids, embedded NULs and bytes
	 * above 127 are ids of their own */
	ck_assert_int_eq(rec_idset_add(s, "ab", 2, &at), 1);
	ck_assert_uint_eq(at, 2);
	ck_assert_int_eq(rec_idset_add(s, "a\0b", 3, &at), 1);
	ck_assert_uint_eq(at, 3);
	ck_assert_int_eq(rec_idset_add(s, "a\0", 2, &at), 1);
	ck_assert_uint_eq(at, 4);
	ck_assert_int_eq(rec_idset_add(s, "\xff\xfe", 2, NULL), 1);
	ck_assert_int_eq(rec_idset_add(s, "A", 1, NULL), 1);
	ck_assert_uint_eq(rec_idset_size(s), 7);
	/* only the first len bytes count */
	ck_assert_int_eq(rec_idset_find(s, "bxyz", 1, &at), 1);
	ck_assert_uint_eq(at, 1);
	ck_assert_int_eq(rec_idset_find(s, "a\0b", 3, &at), 1);
	ck_assert_uint_eq(at, 3);
	ck_assert_int_eq(rec_idset_find(s, "\xff\xfe", 2, &at), 1);
	ck_assert_uint_eq(at, 5);
	ck_assert_int_eq(rec_idset_find(s, "A", 1, NULL), 1);
	ck_assert_int_eq(rec_idset_find(s, "c", 1, NULL), 0);
	ck_assert_int_eq(rec_idset_find(s, "a\0c", 3, NULL), 0);
	ck_assert_int_eq(rec_idset_add(s, "ab", 2, NULL), 0);
	ck_assert_uint_eq(rec_idset_size(s), 7);
	rec_idset_free(s);
	rec_idset_free(NULL);
}
END_TEST

/* Thousands of ids, past every growth of the index, the offsets and the
 * byte arena (64 KiB at first): numbered in order of addition, found
 * again, and not added twice. */
START_TEST(test_idset_many)
{
	enum { N = 6000 };
	rec_idset *s = NULL;
	ck_assert_int_eq(rec_idset_create(&s), 0);
	char id[64];
	for (size_t i = 0; i < N; i++) {
		/* lengths from 5 to 40 bytes: about 130 KiB in all */
		int len = snprintf(id, sizeof(id), "user-%zu-%.*s", i,
				   (int)(i % 32), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		size_t at = SIZE_MAX;
		TU_CHECK(rec_idset_add(s, id, (size_t)len, &at) == 1,
			 "add %s", id);
		TU_CHECK(at == i, "%s numbered %zu", id, at);
	}
	ck_assert_uint_eq(rec_idset_size(s), N);
	for (size_t i = N; i-- > 0;) {
		int len = snprintf(id, sizeof(id), "user-%zu-%.*s", i,
				   (int)(i % 32), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		size_t at = SIZE_MAX;
		TU_CHECK(rec_idset_find(s, id, (size_t)len, &at) == 1 &&
			 at == i, "find %s: %zu", id, at);
		TU_CHECK(rec_idset_add(s, id, (size_t)len, &at) == 0 &&
			 at == i, "add %s again: %zu", id, at);
		/* one byte shorter is another id, never added */
		TU_CHECK(rec_idset_find(s, id, (size_t)len - 1, NULL) == 0,
			 "%.*s found", len - 1, id);
	}
	ck_assert_uint_eq(rec_idset_size(s), N);
	rec_idset_free(s);
}
END_TEST

static Suite *ranking_suite(void)
{
	Suite *s = suite_create("ranking");
	TCase *tc = tcase_create("lists");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_list_cases, 0,
			    (int)TU_ARRAY_LEN(list_cases));
	tcase_add_test(tc, test_list_mean);
	tcase_add_test(tc, test_list_skip_and_zero);
	tcase_add_test(tc, test_create_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("groups");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_group_cases, 0,
			    (int)TU_ARRAY_LEN(group_cases));
	tcase_add_test(tc, test_group_mean);
	tcase_add_test(tc, test_group_auc_brute_force);
	tcase_add_test(tc, test_groups_reader);
	tcase_add_test(tc, test_oom_add_group);
	tcase_add_test(tc, test_oom_groups_reader);
	suite_add_tcase(s, tc);

	tc = tcase_create("truth");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_truth);
	tcase_add_test(tc, test_truth_coverage_k);
	tcase_add_test(tc, test_truth_interleaved);
	tcase_add_test(tc, test_truth_edges);
	tcase_add_test(tc, test_truth_bad_rows);
	suite_add_tcase(s, tc);

	tc = tcase_create("idset");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_idset_numbering);
	tcase_add_test(tc, test_idset_many);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(ranking_suite)
