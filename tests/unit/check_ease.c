/*
 * check_ease.c - unit tests for lib/ease.c: the EASE item-item model
 * (Steck 2019), its fit, scores, top-k lists, updates and model file.
 *
 * The reference is computed here from the events alone, in doubles and
 * without the library: X the binary users x items matrix (a repeated
 * event counts once), G = X'X over the kept items, P = (G + lambda I)^-1
 * by Gauss-Jordan elimination, and a known user's score for a kept item i
 *
 *     s_i = -(sum over the user's kept items j of P[j][i]
 *             - [i seen] P[i][i]) / P[i][i],
 *
 * the share of users who met the item otherwise (items past max_items,
 * users the model never saw), 0 for an item nobody met.  The library fits
 * P in floats, so scores are compared within SCORE_TOL, relative, and
 * absolute below 1 (on these data they differ by about 2e-7).  The
 * catalogue order, the kept items and the popularity scores follow from
 * counting alone and must match exactly.
 */
#include <math.h>
#include <zlib.h>

#include "internal.h"
#include "testutil.h"

#define SCORE_TOL 1e-5		/* relative, and absolute below 1 */

/* ---- events ---- */

struct event {
	int u, i;		/* the ids u<u> and i<i> */
};

struct events {
	struct event *e;
	size_t n, cap;
};

static void push_event(struct events *ev, int u, int i)
{
	if (ev->n == ev->cap) {
		ev->cap = ev->cap ? 2 * ev->cap : 256;
		ev->e = realloc(ev->e, ev->cap * sizeof(*ev->e));
		ck_assert_ptr_nonnull(ev->e);
	}
	ev->e[ev->n++] = (struct event){ u, i };
}

static void append_events(struct events *to, const struct events *from)
{
	for (size_t k = 0; k < from->n; k++)
		push_event(to, from->e[k].u, from->e[k].i);
}

/*
 * Events of users [u0, u1) over items [i0, i1): first every item once, in
 * a shuffled order (so the catalogue order is not the order of the ids),
 * then `extra` events whose items follow a skewed popularity, so that
 * items differ in how many users met them and some counts tie.
 */
static void add_events(struct events *ev, int u0, int u1, int i0, int i1,
		       int extra, struct rec_rng *r)
{
	int items = i1 - i0;
	int *perm = malloc((size_t)items * sizeof(*perm));
	ck_assert_ptr_nonnull(perm);
	for (int i = 0; i < items; i++)
		perm[i] = i0 + i;
	for (int i = items - 1; i > 0; i--) {
		int j = (int)rec_rng_below(r, (uint64_t)i + 1);
		int t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (int k = 0; k < items + extra; k++) {
		int u = u0 + (int)rec_rng_below(r, (uint64_t)(u1 - u0));
		double x = rec_rng_uniform(r);
		/* the square of a uniform draw favours low ranks */
		push_event(ev, u, perm[k < items ? k : (int)(x * x * items)]);
	}
	free(perm);
}

/* count events copied from random places of from: pairs met again. */
static void add_repeats(struct events *ev, const struct events *from,
			int count, struct rec_rng *r)
{
	for (int k = 0; k < count; k++) {
		struct event e = from->e[rec_rng_below(r, from->n)];
		push_event(ev, e.u, e.i);
	}
}

/* The events as "u<u> TAB i<i>" lines in a malloc'ed buffer. */
static char *events_text(const struct events *ev, size_t *len)
{
	size_t cap = ev->n * 24 + 1;
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	*len = 0;
	for (size_t k = 0; k < ev->n; k++)
		*len += (size_t)snprintf(text + *len, cap - *len, "u%d\ti%d\n",
					 ev->e[k].u, ev->e[k].i);
	return text;
}

/* ---- the reference ---- */

struct ref {
	size_t nusers, nitems;	/* users by first event, catalogue */
	int *user_place;	/* by user id: place, or -1 */
	int *item_index;	/* by item id: catalogue index, or -1 */
	int *user_id;		/* by place */
	int *item_id;		/* by catalogue index */
	unsigned char *x;	/* nusers x nitems: who met what */
	uint32_t *met;		/* by catalogue index: users who met it */
	uint64_t pairs;		/* ones of x */
	size_t nkept;
	uint32_t *kept;		/* catalogue indices, ascending */
	int *pos;		/* by catalogue index: place in kept, or -1 */
	double *P;		/* nkept x nkept */
	uint64_t nonzero;	/* of G */
};

/* Invert the n x n symmetric positive definite A in place by Gauss-Jordan
 * elimination (no pivoting: every pivot of such a matrix is positive). */
static void gauss_jordan(double *A, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		double *rk = A + k * n;
		double d = rk[k];
		TU_CHECK(d > 0, "pivot %zu is %g", k, d);
		rk[k] = 1;
		for (size_t j = 0; j < n; j++)
			rk[j] /= d;
		for (size_t i = 0; i < n; i++) {
			if (i == k)
				continue;
			double *ri = A + i * n;
			double f = ri[k];
			if (f == 0)
				continue;
			ri[k] = 0;
			for (size_t j = 0; j < n; j++)
				ri[j] -= f * rk[j];
		}
	}
}

static const uint32_t *ref_met;	/* the items' user counts, for by_met */

/* More users first, then the earlier catalogue index. */
static int by_met(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (ref_met[x] != ref_met[y])
		return ref_met[x] > ref_met[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int ascending(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The reference of a list of events, read in order, for lambda and
 * max_items (0: every item); user ids are below max_user, item ids below
 * max_item. */
static struct ref make_ref(const struct events *ev, int max_user,
			   int max_item, double lambda, int max_items)
{
	struct ref f;
	memset(&f, 0, sizeof(f));
	f.user_place = malloc((size_t)max_user * sizeof(int));
	f.item_index = malloc((size_t)max_item * sizeof(int));
	f.user_id = malloc((size_t)max_user * sizeof(int));
	f.item_id = malloc((size_t)max_item * sizeof(int));
	ck_assert(f.user_place && f.item_index && f.user_id && f.item_id);
	for (int u = 0; u < max_user; u++)
		f.user_place[u] = -1;
	for (int i = 0; i < max_item; i++)
		f.item_index[i] = -1;
	for (size_t k = 0; k < ev->n; k++) {
		const struct event *e = &ev->e[k];
		TU_CHECK(e->u < max_user && e->i < max_item, "event %zu: "
			 "an id out of range", k);
		if (f.user_place[e->u] < 0) {
			f.user_id[f.nusers] = e->u;
			f.user_place[e->u] = (int)f.nusers++;
		}
		if (f.item_index[e->i] < 0) {
			f.item_id[f.nitems] = e->i;
			f.item_index[e->i] = (int)f.nitems++;
		}
	}
	f.x = calloc(f.nusers * f.nitems, 1);
	f.met = calloc(f.nitems, sizeof(*f.met));
	ck_assert(f.x && f.met);
	for (size_t k = 0; k < ev->n; k++) {
		size_t u = (size_t)f.user_place[ev->e[k].u];
		size_t i = (size_t)f.item_index[ev->e[k].i];
		if (!f.x[u * f.nitems + i]) {
			f.x[u * f.nitems + i] = 1;
			f.met[i]++;
			f.pairs++;
		}
	}
	/* the kept items */
	f.kept = malloc(f.nitems * sizeof(*f.kept));
	f.pos = malloc(f.nitems * sizeof(*f.pos));
	ck_assert(f.kept && f.pos);
	for (size_t i = 0; i < f.nitems; i++)
		f.kept[i] = (uint32_t)i;
	f.nkept = f.nitems;
	if (max_items > 0 && f.nitems > (size_t)max_items) {
		ref_met = f.met;
		qsort(f.kept, f.nitems, sizeof(*f.kept), by_met);
		f.nkept = (size_t)max_items;
		qsort(f.kept, f.nkept, sizeof(*f.kept), ascending);
	}
	for (size_t i = 0; i < f.nitems; i++)
		f.pos[i] = -1;
	for (size_t k = 0; k < f.nkept; k++)
		f.pos[f.kept[k]] = (int)k;
	/* G + lambda I over the kept items, then its inverse */
	const size_t n = f.nkept;
	f.P = calloc(n ? n * n : 1, sizeof(double));
	int *hist = malloc((f.nitems ? f.nitems : 1) * sizeof(int));
	ck_assert(f.P && hist);
	for (size_t u = 0; u < f.nusers; u++) {
		size_t h = 0;
		for (size_t i = 0; i < f.nitems; i++)
			if (f.x[u * f.nitems + i] && f.pos[i] >= 0)
				hist[h++] = f.pos[i];
		for (size_t a = 0; a < h; a++)
			for (size_t b = 0; b < h; b++)
				f.P[(size_t)hist[a] * n + (size_t)hist[b]] += 1;
	}
	free(hist);
	for (size_t k = 0; k < n * n; k++)
		f.nonzero += f.P[k] != 0;
	double *G = malloc((n ? n * n : 1) * sizeof(double));
	ck_assert_ptr_nonnull(G);
	for (size_t k = 0; k < n; k++)
		f.P[k * n + k] += lambda;
	memcpy(G, f.P, n * n * sizeof(double));
	gauss_jordan(f.P, n);
	/* the inverse checked on a few columns: (G + lambda I) P = I */
	for (size_t c = 0; c < n; c += n / 7 + 1)
		for (size_t r = 0; r < n; r++) {
			double s = 0;
			for (size_t k = 0; k < n; k++)
				s += G[r * n + k] * f.P[k * n + c];
			TU_CHECK(fabs(s - (r == c)) < 1e-9,
				 "reference inverse: (%zu, %zu) is %g", r, c,
				 s);
		}
	free(G);
	return f;
}

static void free_ref(struct ref *f)
{
	free(f->user_place);
	free(f->item_index);
	free(f->user_id);
	free(f->item_id);
	free(f->x);
	free(f->met);
	free(f->kept);
	free(f->pos);
	free(f->P);
}

static double popularity(const struct ref *f, size_t item)
{
	return (double)f->met[item] / (double)f->nusers;
}

/* The scores of every catalogue item for the user at place (-1:
 * unknown) into out[nitems]. */
static void ref_scores(const struct ref *f, int place, double *out)
{
	const size_t n = f->nkept;
	const unsigned char *x = place >= 0
		? f->x + (size_t)place * f->nitems : NULL;
	/* sum[k]: P[j][k] summed over the user's kept items j */
	double *sum = calloc(n ? n : 1, sizeof(double));
	ck_assert_ptr_nonnull(sum);
	for (size_t j = 0; x && j < f->nitems; j++)
		if (x[j] && f->pos[j] >= 0)
			for (size_t k = 0; k < n; k++)
				sum[k] += f->P[(size_t)f->pos[j] * n + k];
	for (size_t i = 0; i < f->nitems; i++) {
		int at = f->pos[i];
		if (!x || at < 0) {
			out[i] = popularity(f, i);
			continue;
		}
		double d = f->P[(size_t)at * n + (size_t)at];
		out[i] = -(sum[at] - (x[i] ? d : 0)) / d;
	}
	free(sum);
}

static int close_to(double got, double want)
{
	return fabs(got - want) <= SCORE_TOL * fmax(1, fabs(want));
}

/* ---- models ---- */

static struct rec_params ease_params(double l2, int max_items)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_IMPLICIT);
	p.model = REC_MODEL_EASE;
	p.l2 = l2;
	p.max_items = max_items;
	p.input.need = REC_NEED_USER | REC_NEED_ITEM;
	p.input.columns.label = NULL;
	return p;
}

static rec_model *new_model(const struct rec_params *p, int threads)
{
	rec_model *m = NULL;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_model_create(&m, p, &err);
	ck_assert_msg(rc == 0, "rec_model_create: %d %s", rc, err.msg);
	rec_model_set_threads(m, threads);
	return m;
}

enum how { BY_DATASET, BY_STREAM, BY_UPDATE };

/* Give m the events, as rec-train (a data set or a stream) or rec-update
 * would: the return code, with err filled. */
static int learn_text(rec_model *m, const char *text, size_t len,
		      enum how how, const struct rec_update_options *o,
		      struct rec_error *err)
{
	struct rec_mem_input in = { text, len, "events" };
	rec_reader *r = NULL;
	memset(err, 0, sizeof(*err));
	ck_assert_int_eq(rec_reader_open_mem(&r, &in, 1,
					     &rec_model_params(m)->input, err),
			 0);
	int rc;
	if (how == BY_DATASET) {
		rec_dataset *d = NULL;
		rc = rec_dataset_read(&d, m, r, NULL, NULL, err);
		if (rc == 0)
			rc = rec_train(m, d, NULL, NULL, err);
		rec_dataset_free(d);
	} else if (how == BY_STREAM) {
		rc = rec_train_stream(m, r, NULL, NULL, NULL, NULL, err);
	} else {
		struct rec_update_options none = { 0 };
		rc = rec_update(m, r, o ? o : &none, NULL, NULL, NULL, NULL,
				err);
	}
	rec_reader_free(r);
	return rc;
}

static void learn(rec_model *m, const struct events *ev, enum how how)
{
	size_t len;
	char *text = events_text(ev, &len);
	struct rec_error err;
	int rc = learn_text(m, text, len, how, NULL, &err);
	ck_assert_msg(rc == 0, "learning (%d): %d %s", (int)how, rc, err.msg);
	free(text);
}

static rec_model *trained(const struct rec_params *p, const struct events *ev,
			  enum how how, int threads)
{
	rec_model *m = new_model(p, threads);
	learn(m, ev, how);
	return m;
}

static unsigned char *encode(const rec_model *m, size_t *len)
{
	void *img = NULL;
	struct rec_error err;
	int rc = rec_model_encode(m, 1234567, &img, len, &err);
	ck_assert_msg(rc == 0, "rec_model_encode: %d %s", rc, err.msg);
	return img;
}

static rec_model *decode_ok(const unsigned char *img, size_t len)
{
	rec_model *m = NULL;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_model_decode(&m, img, len, "ease", &err);
	ck_assert_msg(rc == 0, "rec_model_decode: %d %s", rc, err.msg);
	return m;
}

static double margin(const rec_model *m, const char *user, const char *item)
{
	return rec_model_margin(m, user, strlen(user), item, strlen(item));
}

/* ---- comparing with the reference ---- */

/* The catalogue, the histories and the kept items are those the events
 * give; every score is the reference's. */
static void check_against(const rec_model *m, const struct ref *f)
{
	const struct rec_ease *e = m->ease;
	ck_assert_ptr_nonnull(e);
	char id[32];
	ck_assert_uint_eq(rec_model_items(m), f->nitems);
	for (size_t i = 0; i < f->nitems; i++) {
		size_t len;
		const char *got = rec_model_item(m, (uint32_t)i, &len);
		snprintf(id, sizeof(id), "i%d", f->item_id[i]);
		TU_CHECK(len == strlen(id) && memcmp(got, id, len) == 0,
			 "catalogue item %zu: %.*s, wanted %s", i, (int)len,
			 got, id);
		TU_CHECK(e->item_users[i] == f->met[i],
			 "item %s: %u users, wanted %u", id, e->item_users[i],
			 f->met[i]);
	}
	ck_assert_uint_eq(e->nusers, f->nusers);
	for (size_t u = 0; u < f->nusers; u++) {
		size_t len;
		const char *got = rec_idset_id(e->users, u, &len);
		snprintf(id, sizeof(id), "u%d", f->user_id[u]);
		TU_CHECK(len == strlen(id) && memcmp(got, id, len) == 0,
			 "user %zu: %.*s, wanted %s", u, (int)len, got, id);
		/* the history: the user's items, ascending, each once */
		const struct rec_ease_history *h = &e->hist[u];
		uint32_t j = 0;
		for (size_t i = 0; i < f->nitems; i++)
			if (f->x[u * f->nitems + i]) {
				TU_CHECK(j < h->n && h->items[j] == i,
					 "user %s: history item %u is not %zu",
					 id, j, i);
				j++;
			}
		TU_CHECK(j == h->n, "user %s: %u items, wanted %u", id, h->n,
			 j);
	}
	ck_assert_uint_eq(e->n, f->nkept);
	ck_assert(memcmp(e->kept, f->kept, f->nkept * sizeof(*f->kept)) == 0);

	struct rec_model_info info;
	rec_model_info(m, &info);
	ck_assert_str_eq(info.family, "ease");
	ck_assert_uint_eq(info.format_version, 3);
	ck_assert_uint_eq(info.items, f->nitems);
	ck_assert_uint_eq(info.ease_items, f->nkept);
	ck_assert_uint_eq(info.ease_users, f->nusers);
	ck_assert_uint_eq(info.ease_pairs, f->pairs);
	ck_assert_uint_eq(info.ease_gram_nonzero, f->nonzero);

	double *want_all = malloc((f->nitems ? f->nitems : 1) *
				  sizeof(double));
	ck_assert_ptr_nonnull(want_all);
	for (int place = -1; place < (int)f->nusers; place++) {
		char user[32];
		if (place < 0)
			snprintf(user, sizeof(user), "nobody");
		else
			snprintf(user, sizeof(user), "u%d",
				 f->user_id[place]);
		ref_scores(f, place, want_all);
		for (size_t i = 0; i < f->nitems; i++) {
			snprintf(id, sizeof(id), "i%d", f->item_id[i]);
			double got = margin(m, user, id);
			double want = want_all[i];
			if (place < 0 || f->pos[i] < 0)
				/* popularity: counts, exactly */
				TU_CHECK(got == want, "%s, %s: %.17g, wanted "
					 "the popularity %.17g", user, id, got,
					 want);
			else
				TU_CHECK(close_to(got, want), "%s, %s: %.9g, "
					 "wanted %.9g", user, id, got, want);
		}
		/* an item nobody met scores nothing */
		TU_CHECK(margin(m, user, "no-such-item") == 0,
			 "%s: a score for an unknown item", user);
	}
	free(want_all);
}

/* ---- fits against the reference ---- */

struct fit_case {
	int users, items, extra, repeats, max_items;
	double l2;
	enum how how;
	int threads;
};

/* One sweep block (30, padded), two (257: one item in the second), and
 * max_items cutting 600 items to 300; both ways of training.  test_threads
 * has three blocks. */
static const struct fit_case fit_cases[] = {
	{ 200, 30, 1500, 200, 0, 10, BY_DATASET, 1 },
	{ 300, 257, 3000, 300, 0, 10, BY_STREAM, 2 },
	{ 300, 600, 4000, 400, 300, 5, BY_STREAM, 2 },
};

START_TEST(test_reference)
{
	const struct fit_case *fc = &fit_cases[_i];
	struct rec_rng r;
	rec_rng_seed(&r, 100 + (uint64_t)_i);
	struct events ev = { 0 };
	add_events(&ev, 0, fc->users, 0, fc->items, fc->extra, &r);
	struct events again = { 0 };
	add_repeats(&again, &ev, fc->repeats, &r);
	append_events(&ev, &again);
	struct rec_params p = ease_params(fc->l2, fc->max_items);
	rec_model *m = trained(&p, &ev, fc->how, fc->threads);
	struct ref f = make_ref(&ev, fc->users, fc->items, fc->l2,
				fc->max_items);
	ck_assert_uint_lt(f.pairs, ev.n);	/* some pairs came twice */
	check_against(m, &f);
	struct rec_model_info info;
	rec_model_info(m, &info);
	ck_assert_uint_eq(info.events, ev.n);
	ck_assert_double_eq(info.ease_lambda, fc->l2);
	free_ref(&f);
	rec_model_free(m);
	free(ev.e);
	free(again.e);
}
END_TEST

/*
 * max_items by hand: five items met by 1, 2, 3, 2 and 2 users in
 * catalogue order e, d, a, c, b, with repeats that would change the order
 * if they counted.  The three kept are a and the two earliest of the tied
 * d, c, b; e and b are scored by popularity.
 */
START_TEST(test_max_items_ties)
{
	enum { E, D, A, C, B };
	static const struct event list[] = {
		{ 0, E }, { 0, E }, { 0, E }, { 0, E },	/* e: 1 user, 4 times */
		{ 1, D }, { 2, D },
		{ 1, A }, { 2, A }, { 3, A },
		{ 3, C }, { 4, C }, { 3, C },
		{ 4, B }, { 4, B }, { 4, B }, { 2, B },	/* b: 2 users */
	};
	struct events ev = { 0 };
	for (size_t k = 0; k < TU_ARRAY_LEN(list); k++)
		push_event(&ev, list[k].u, list[k].i);
	struct rec_params p = ease_params(2, 3);
	rec_model *m = trained(&p, &ev, BY_DATASET, 1);
	const struct rec_ease *e = m->ease;
	ck_assert_uint_eq(e->n, 3);
	/* catalogue indices: e 0, d 1, a 2, c 3, b 4 */
	ck_assert_uint_eq(e->kept[0], 1);
	ck_assert_uint_eq(e->kept[1], 2);
	ck_assert_uint_eq(e->kept[2], 3);
	/* e (i0) met by 1 user of 5, b (i4) by 2, for anyone */
	for (int u = 0; u < 5; u++) {
		char user[8];
		snprintf(user, sizeof(user), "u%d", u);
		ck_assert_double_eq(margin(m, user, "i0"), 0.2);
		ck_assert_double_eq(margin(m, user, "i4"), 0.4);
	}
	struct ref f = make_ref(&ev, 5, 5, 2, 3);
	check_against(m, &f);
	/* max_items 0 and max_items at the count keep everything */
	for (int max = 0; max <= 5; max += 5) {
		p = ease_params(2, max);
		rec_model *all = trained(&p, &ev, BY_STREAM, 1);
		ck_assert_uint_eq(all->ease->n, 5);
		struct ref g = make_ref(&ev, 5, 5, 2, max);
		check_against(all, &g);
		free_ref(&g);
		rec_model_free(all);
	}
	free_ref(&f);
	rec_model_free(m);
	free(ev.e);
}
END_TEST

/* ---- top-k ---- */

/*
 * Each list holds the best items by the reference, best first, within
 * the tolerance: its scores are the reference's, no item left out scores
 * above the last one listed, and a user's own items are left out unless
 * include_seen.  excluded: one item per user (or -1) that must not come;
 * allowed (NULL: all): the candidates.
 */
static void check_lists(const struct ref *f, const int *places, size_t n,
			int K, const struct rec_topk_result *res,
			int include_seen, const int *excluded,
			const unsigned char *allowed)
{
	unsigned char *listed = malloc(f->nitems);
	double *score = malloc(f->nitems * sizeof(double));
	ck_assert(listed && score);
	for (size_t k = 0; k < n; k++) {
		const int place = places[k];
		const struct rec_topk_result *x = res + k * (size_t)K;
		ref_scores(f, place, score);
		memset(listed, 0, f->nitems);
		size_t can = 0;
		for (size_t i = 0; i < f->nitems; i++) {
			int seen = place >= 0 &&
				   f->x[(size_t)place * f->nitems + i];
			int ok = (include_seen || !seen) &&
				 excluded[k] != (int)i &&
				 (!allowed || allowed[i]);
			listed[i] = ok ? 0 : 2;	/* 2: may not be listed */
			can += ok;
		}
		size_t want_n = can < (size_t)K ? can : (size_t)K;
		double last = INFINITY;
		for (size_t r = 0; r < (size_t)K; r++) {
			if (r >= want_n) {
				TU_CHECK(x[r].item == UINT32_MAX,
					 "user %d rank %zu: item %u past the "
					 "%zu it may have", place, r + 1,
					 x[r].item, want_n);
				continue;
			}
			uint32_t it = x[r].item;
			TU_CHECK(it < f->nitems && listed[it] == 0,
				 "user %d rank %zu: item %u may not be listed "
				 "or is listed twice", place, r + 1, it);
			listed[it] = 1;
			double want = score[it];
			TU_CHECK(close_to(x[r].score, want), "user %d rank %zu "
				 "item %u: score %.9g, wanted %.9g", place,
				 r + 1, it, x[r].score, want);
			TU_CHECK(want <= last + SCORE_TOL * fmax(1, fabs(last)),
				 "user %d rank %zu: %.9g after %.9g", place,
				 r + 1, want, last);
			last = want;
		}
		if (want_n < (size_t)K)
			continue;	/* everything it may have is listed */
		for (size_t i = 0; i < f->nitems; i++) {
			if (listed[i] != 0)
				continue;
			TU_CHECK(score[i] <= last + SCORE_TOL *
						      fmax(1, fabs(last)),
				 "user %d: item %zu (%.9g) left out, the last "
				 "listed scores %.9g", place, i, score[i], last);
		}
	}
	free(score);
	free(listed);
}

/* The lists of every user and one stranger, seen items left out (_i 0)
 * or not (_i 1); every third loses its best item by exclusion.  Then
 * with candidates. */
START_TEST(test_topk)
{
	const int include_seen = _i;
	struct rec_rng r;
	rec_rng_seed(&r, 7);
	struct events ev = { 0 };
	add_events(&ev, 0, 120, 0, 300, 2500, &r);
	struct rec_params p = ease_params(10, 260);
	rec_model *m = trained(&p, &ev, BY_DATASET, 2);
	struct ref f = make_ref(&ev, 120, 300, 10, 260);
	const size_t n = f.nusers + 1;
	struct rec_topk_user *users = malloc(n * sizeof(*users));
	char (*names)[16] = malloc(n * sizeof(*names));
	int *places = malloc(n * sizeof(int));
	int *excluded = malloc(n * sizeof(int));
	double *score = malloc(f.nitems * sizeof(double));
	ck_assert(users && names && places && excluded && score);
	const int K = 12;
	rec_topk *t = NULL;
	struct rec_error err;
	ck_assert_int_eq(rec_topk_create(&t, m, K, 2, &err), 0);
	ck_assert_int_eq(rec_topk_include_seen(t, include_seen), 0);
	for (size_t k = 0; k < n; k++) {
		places[k] = k < f.nusers ? (int)k : -1;
		if (k < f.nusers)
			snprintf(names[k], sizeof(names[k]), "u%d",
				 f.user_id[k]);
		else
			snprintf(names[k], sizeof(names[k]), "stranger");
		users[k] = (struct rec_topk_user){ names[k],
						   strlen(names[k]) };
		/* every third user never gets what would be its best */
		excluded[k] = -1;
		if (k % 3 == 0) {
			ref_scores(&f, places[k], score);
			for (size_t i = 0; i < f.nitems; i++)
				if ((include_seen || places[k] < 0 ||
				     !f.x[(size_t)places[k] * f.nitems + i]) &&
				    (excluded[k] < 0 ||
				     score[i] > score[excluded[k]]))
					excluded[k] = (int)i;
		}
		if (excluded[k] >= 0) {
			char id[16];
			snprintf(id, sizeof(id), "i%d",
				 f.item_id[excluded[k]]);
			ck_assert_int_eq(rec_topk_exclude(t, names[k],
				strlen(names[k]), id, strlen(id)), 0);
		}
	}
	struct rec_topk_result *res = malloc(n * (size_t)K * sizeof(*res));
	ck_assert_ptr_nonnull(res);
	ck_assert_int_eq(rec_topk_run(t, users, n, res, &err), 0);
	check_lists(&f, places, n, K, res, include_seen, excluded, NULL);
	rec_topk_free(t);

	/* candidates: one item in three, kept or not */
	unsigned char *allowed = calloc(f.nitems, 1);
	ck_assert_ptr_nonnull(allowed);
	ck_assert_int_eq(rec_topk_create(&t, m, K, 2, &err), 0);
	ck_assert_int_eq(rec_topk_include_seen(t, include_seen), 0);
	for (size_t i = 0; i < f.nitems; i += 3) {
		char id[16];
		snprintf(id, sizeof(id), "i%d", f.item_id[i]);
		ck_assert_int_eq(rec_topk_allow(t, id, strlen(id)), 0);
		allowed[i] = 1;
	}
	for (size_t k = 0; k < n; k++)
		excluded[k] = -1;
	ck_assert_int_eq(rec_topk_run(t, users, n, res, &err), 0);
	check_lists(&f, places, n, K, res, include_seen, excluded, allowed);
	rec_topk_free(t);
	free(allowed);
	free(res);
	free(users);
	free(names);
	free(places);
	free(excluded);
	free(score);
	free_ref(&f);
	rec_model_free(m);
	free(ev.e);
}
END_TEST

/* A user who has met all but a few items: the list ends after them,
 * unless seen items may come back. */
START_TEST(test_topk_short)
{
	struct events ev = { 0 };
	for (int i = 0; i < 20; i++)
		push_event(&ev, 0, i);
	for (int u = 1; u < 6; u++)
		for (int i = u; i < 20; i += 3)
			push_event(&ev, u, i);
	push_event(&ev, 1, 20);	/* u0 has not met i20, i21 */
	push_event(&ev, 2, 21);
	struct rec_params p = ease_params(1, 0);
	rec_model *m = trained(&p, &ev, BY_DATASET, 1);
	struct ref f = make_ref(&ev, 6, 22, 1, 0);
	check_against(m, &f);
	const int K = 5;
	struct rec_topk_user u0 = { "u0", 2 };
	int place = f.user_place[0], none = -1;
	struct rec_topk_result res[5];
	struct rec_error err;
	for (int include = 0; include < 2; include++) {
		rec_topk *t = NULL;
		ck_assert_int_eq(rec_topk_create(&t, m, K, 1, &err), 0);
		ck_assert_int_eq(rec_topk_include_seen(t, include), 0);
		ck_assert_int_eq(rec_topk_run(t, &u0, 1, res, &err), 0);
		check_lists(&f, &place, 1, K, res, include, &none, NULL);
		if (!include)
			ck_assert_uint_eq(res[2].item, UINT32_MAX);
		else
			ck_assert_uint_ne(res[4].item, UINT32_MAX);
		rec_topk_free(t);
	}
	free_ref(&f);
	rec_model_free(m);
	free(ev.e);
}
END_TEST

/* ---- the same bits ---- */

/* Two fits hold the same catalogue, histories and P, bit for bit. */
static void same_fit(const rec_model *a, const rec_model *b)
{
	const struct rec_ease *ea = a->ease, *eb = b->ease;
	ck_assert_uint_eq(rec_model_items(a), rec_model_items(b));
	const size_t count = rec_model_items(a);
	for (uint32_t i = 0; i < count; i++) {
		size_t la, lb;
		const char *ia = rec_model_item(a, i, &la);
		const char *ib = rec_model_item(b, i, &lb);
		TU_CHECK(la == lb && memcmp(ia, ib, la) == 0,
			 "catalogue item %u differs", i);
	}
	ck_assert(memcmp(ea->item_users, eb->item_users,
			 count * sizeof(*ea->item_users)) == 0);
	ck_assert_uint_eq(ea->nusers, eb->nusers);
	ck_assert_uint_eq(ea->pairs, eb->pairs);
	for (size_t u = 0; u < ea->nusers; u++) {
		size_t la, lb;
		const char *ua = rec_idset_id(ea->users, u, &la);
		const char *ub = rec_idset_id(eb->users, u, &lb);
		TU_CHECK(la == lb && memcmp(ua, ub, la) == 0,
			 "user %zu differs", u);
		const struct rec_ease_history *ha = &ea->hist[u],
					      *hb = &eb->hist[u];
		TU_CHECK(ha->n == hb->n &&
			 memcmp(ha->items, hb->items,
				ha->n * sizeof(*ha->items)) == 0,
			 "history of user %zu differs", u);
	}
	ck_assert_uint_eq(ea->n, eb->n);
	ck_assert_uint_eq(ea->npos, eb->npos);
	ck_assert(memcmp(ea->kept, eb->kept, ea->n * sizeof(*ea->kept)) == 0);
	ck_assert(memcmp(ea->pos, eb->pos, ea->npos * sizeof(*ea->pos)) == 0);
	ck_assert(ea->lambda == eb->lambda);
	ck_assert_uint_eq(ea->gram_nonzero, eb->gram_nonzero);
	for (size_t r = 0; r < ea->n; r++)
		TU_CHECK(memcmp(ea->P + r * ea->ld, eb->P + r * eb->ld,
				ea->n * sizeof(float)) == 0,
			 "row %zu of P differs", r);
}

/* Every user (and a stranger) with every item: the same scores, bits. */
static void same_scores(const rec_model *a, const rec_model *b)
{
	const struct rec_ease *e = a->ease;
	for (size_t u = 0; u <= e->nusers; u++) {
		size_t ulen = 6;
		const char *user = u < e->nusers
			? rec_idset_id(e->users, u, &ulen) : "no-one";
		for (uint32_t i = 0; i < rec_model_items(a); i++) {
			size_t len;
			const char *it = rec_model_item(a, i, &len);
			double x = rec_model_margin(a, user, ulen, it, len);
			double y = rec_model_margin(b, user, ulen, it, len);
			TU_CHECK(memcmp(&x, &y, sizeof(x)) == 0,
				 "user %zu item %u: %.17g and %.17g", u, i, x,
				 y);
		}
	}
}

/* 1, 2 and 3 threads over three sweep blocks: the same P, and the same
 * file apart from the time of creation; and the reference's scores. */
START_TEST(test_threads)
{
	struct rec_rng r;
	rec_rng_seed(&r, 31);
	struct events ev = { 0 };
	add_events(&ev, 0, 250, 0, 540, 3000, &r);
	struct events again = { 0 };
	add_repeats(&again, &ev, 300, &r);
	append_events(&ev, &again);
	struct rec_params p = ease_params(10, 0);
	rec_model *m[3];
	unsigned char *img[3];
	size_t len[3];
	for (int k = 0; k < 3; k++) {
		m[k] = trained(&p, &ev, k == 1 ? BY_STREAM : BY_DATASET,
			       k + 1);
		ck_assert_uint_eq(m[k]->ease->ld, 768);
		m[k]->counters.created = 0;
		img[k] = encode(m[k], &len[k]);
	}
	for (int k = 1; k < 3; k++) {
		same_fit(m[0], m[k]);
		ck_assert_uint_eq(len[0], len[k]);
		ck_assert_msg(memcmp(img[0], img[k], len[0]) == 0,
			      "the files of 1 and %d threads differ", k + 1);
	}
	/* more threads than blocks */
	rec_model *many = trained(&p, &ev, BY_DATASET, 64);
	same_fit(m[0], many);
	rec_model_free(many);
	struct ref f = make_ref(&ev, 250, 540, 10, 0);
	check_against(m[0], &f);
	free_ref(&f);
	free(again.e);
	for (int k = 0; k < 3; k++) {
		free(img[k]);
		rec_model_free(m[k]);
	}
	free(ev.e);
}
END_TEST

/*
 * Training on A and updating on B is training on A + B: B has new users,
 * new items and pairs A had already.  _i 0: every item kept (A one sweep
 * block, A + B two); 1: max_items between A's items and A + B's; 2:
 * max_items below A's.  A model saved after A and loaded again updates
 * to the same too.
 */
START_TEST(test_update_exact)
{
	static const int max_items[] = { 0, 250, 150 };
	const int max = max_items[_i];
	struct rec_rng r;
	rec_rng_seed(&r, 50 + (uint64_t)_i);
	struct events a = { 0 }, b = { 0 }, all = { 0 };
	add_events(&a, 0, 150, 0, 200, 1500, &r);
	add_repeats(&b, &a, 300, &r);
	add_events(&b, 0, 250, 0, 300, 1500, &r);	/* i200.. i299 new */
	append_events(&all, &a);
	append_events(&all, &b);
	struct rec_params p = ease_params(8, max);

	rec_model *updated = trained(&p, &a, BY_DATASET, 2);
	if (max)
		ck_assert_uint_eq(updated->ease->n, max < 200 ? max : 200);
	size_t len;
	unsigned char *img = encode(updated, &len);
	learn(updated, &b, BY_UPDATE);
	rec_model *whole = trained(&p, &all, BY_STREAM, 1);
	same_fit(updated, whole);
	same_scores(updated, whole);
	struct ref f = make_ref(&all, 250, 300, 8, max);
	check_against(whole, &f);

	rec_model *loaded = decode_ok(img, len);
	rec_model_set_threads(loaded, 3);
	learn(loaded, &b, BY_UPDATE);
	same_fit(loaded, whole);
	same_scores(loaded, whole);

	struct rec_model_info iu, iw;
	rec_model_info(updated, &iu);
	rec_model_info(whole, &iw);
	ck_assert_uint_eq(iu.events, iw.events);
	ck_assert_uint_eq(iu.updates, 2);
	ck_assert_uint_eq(iw.updates, 1);

	free_ref(&f);
	free(img);
	rec_model_free(loaded);
	rec_model_free(updated);
	rec_model_free(whole);
	free(a.e);
	free(b.e);
	free(all.e);
}
END_TEST

/*
 * l2 and max_items may change between runs (rec_model_retune): a model
 * retuned and saved before its next update keeps the fit it has, loads
 * again, and the update then fits with the new values, as training on
 * all the events with them does.
 */
START_TEST(test_retune)
{
	struct rec_rng r;
	rec_rng_seed(&r, 17);
	struct events a = { 0 }, b = { 0 }, all = { 0 };
	add_events(&a, 0, 40, 0, 50, 300, &r);
	add_events(&b, 20, 60, 40, 70, 300, &r);
	append_events(&all, &a);
	append_events(&all, &b);
	struct rec_params p = ease_params(4, 30);
	rec_model *m = trained(&p, &a, BY_DATASET, 1);
	struct rec_params q = ease_params(9, 40 + 20 * _i);
	struct rec_error err;
	ck_assert_int_eq(rec_model_retune(m, &q, &err), 0);
	size_t len;
	unsigned char *img = encode(m, &len);
	rec_model *back = decode_ok(img, len);
	same_fit(m, back);
	same_scores(m, back);
	ck_assert_uint_eq(back->ease->n, 30);
	ck_assert(back->ease->lambda == 4);
	learn(back, &b, BY_UPDATE);
	rec_model *whole = trained(&q, &all, BY_STREAM, 1);
	same_fit(back, whole);
	struct ref f = make_ref(&all, 60, 70, 9, q.max_items);
	check_against(back, &f);
	free_ref(&f);
	rec_model_free(whole);
	rec_model_free(back);
	free(img);
	rec_model_free(m);
	free(a.e);
	free(b.e);
	free(all.e);
}
END_TEST

/* ---- options that do not apply, inputs that cannot be used ---- */

START_TEST(test_update_refused)
{
	struct rec_rng r;
	rec_rng_seed(&r, 5);
	struct events a = { 0 }, b = { 0 };
	add_events(&a, 0, 30, 0, 40, 200, &r);
	add_events(&b, 10, 50, 30, 60, 200, &r);
	struct rec_params p = ease_params(3, 0);
	rec_model *m = trained(&p, &a, BY_DATASET, 1);
	rec_model *before = trained(&p, &a, BY_DATASET, 1);
	size_t len;
	char *text = events_text(&b, &len);
	struct rec_error err;
	const struct rec_update_options refused[] = {
		{ .test_only = 1 },
		{ .freeze_users = 1 },
		{ .freeze_items = 1 },
	};
	for (size_t k = 0; k < TU_ARRAY_LEN(refused); k++) {
		ck_assert_int_eq(learn_text(m, text, len, BY_UPDATE,
					    &refused[k], &err), REC_EINVAL);
		ck_assert_int_eq(err.code, REC_EINVAL);
		same_fit(m, before);
	}
	/* no usable event: REC_EDATA, nothing learned */
	ck_assert_int_eq(learn_text(m, "", 0, BY_UPDATE, NULL, &err),
			 REC_EDATA);
	same_fit(m, before);
	ck_assert_int_eq(learn_text(m, "lonely\n", 7, BY_UPDATE, NULL, &err),
			 REC_EDATA);
	same_fit(m, before);
	/* and then an update works */
	ck_assert_int_eq(learn_text(m, text, len, BY_UPDATE, NULL, &err), 0);
	struct events all = { 0 };
	append_events(&all, &a);
	append_events(&all, &b);
	struct ref f = make_ref(&all, 50, 60, 3, 0);
	check_against(m, &f);
	free_ref(&f);
	free(all.e);
	free(text);
	rec_model_free(before);
	rec_model_free(m);
	free(a.e);
	free(b.e);
}
END_TEST

START_TEST(test_params_refused)
{
	struct rec_params p;
	rec_model *m = NULL;
	struct rec_error err;
	/* ease ranks items: binary and regression are refused */
	static const enum rec_task other[] = { REC_TASK_BINARY,
					       REC_TASK_REGRESSION };
	for (size_t k = 0; k < TU_ARRAY_LEN(other); k++) {
		rec_params_init(&p, other[k]);
		p.model = REC_MODEL_EASE;
		p.l2 = 10;
		ck_assert_int_eq(rec_model_create(&m, &p, &err), REC_EINVAL);
		ck_assert_ptr_null(m);
		ck_assert_msg(strstr(err.msg, "implicit") != NULL,
			      "message '%s'", err.msg);
	}
	/* the FM's settings do not apply */
	p = ease_params(10, 0);
	p.factors = 16;
	ck_assert_int_eq(rec_model_create(&m, &p, &err), REC_EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_msg(strstr(err.msg, "does not apply") != NULL,
		      "message '%s'", err.msg);
	p = ease_params(10, 0);
	p.passes = 3;
	ck_assert_int_eq(rec_model_create(&m, &p, &err), REC_EINVAL);
	p = ease_params(10, 0);
	p.negatives = 2;
	ck_assert_int_eq(rec_model_create(&m, &p, &err), REC_EINVAL);
	/* lambda must be positive */
	p = ease_params(0, 0);
	ck_assert_int_eq(rec_model_create(&m, &p, &err), REC_EINVAL);
	/* events count once: no weights */
	p = ease_params(10, 0);
	p.input.columns.weight = "3";
	ck_assert_int_eq(rec_model_create(&m, &p, &err), REC_EINVAL);
	ck_assert_ptr_null(m);
	/* and the plain setting is fine */
	p = ease_params(10, 0);
	ck_assert_int_eq(rec_model_create(&m, &p, &err), 0);
	rec_model_free(m);
}
END_TEST

/* rec_topk_include_seen is for EASE only. */
START_TEST(test_include_seen_fm)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_IMPLICIT);
	p.factors = 2;
	p.input.need = REC_NEED_USER | REC_NEED_ITEM;
	p.input.columns.label = NULL;
	rec_model *m = new_model(&p, 1);
	static const char text[] = "u1\ti1\nu2\ti2\nu1\ti2\n";
	struct rec_error err;
	ck_assert_int_eq(learn_text(m, text, sizeof(text) - 1, BY_STREAM,
				    NULL, &err), 0);
	rec_topk *t = NULL;
	ck_assert_int_eq(rec_topk_create(&t, m, 2, 1, &err), 0);
	ck_assert_int_eq(rec_topk_include_seen(t, 1), REC_EINVAL);
	rec_topk_free(t);
	rec_model_free(m);
}
END_TEST

/* ---- the model file ---- */

/* Where the chunk id is in an image: its header's offset, or 0. */
static size_t find_chunk(const unsigned char *img, size_t len, const char *id)
{
	for (size_t pos = 20; pos + 32 <= len;
	     pos += 32 + (size_t)get64(img + pos + 16))
		if (memcmp(img + pos, id, 4) == 0)
			return pos;
	return 0;
}

/* The raw content of a chunk, inflated, in a malloc'ed buffer. */
static unsigned char *chunk_raw(const unsigned char *img, size_t len,
				const char *id, size_t *raw_len)
{
	size_t at = find_chunk(img, len, id);
	ck_assert_msg(at != 0, "no chunk %s", id);
	*raw_len = (size_t)get64(img + at + 8);
	unsigned char *raw = malloc(*raw_len + 1);
	ck_assert_ptr_nonnull(raw);
	uLongf got = (uLongf)*raw_len;
	ck_assert_int_eq(uncompress(raw, &got, img + at + 32,
				    (uLong)get64(img + at + 16)), Z_OK);
	ck_assert_uint_eq(got, *raw_len);
	return raw;
}

/* A copy of the image with chunk id's content replaced by raw (deflated
 * at level 0, lengths and CRCs set right), or the chunk left out when raw
 * is NULL. */
static unsigned char *with_chunk(const unsigned char *img, size_t len,
				 const char *id, const unsigned char *raw,
				 size_t raw_len, size_t *out_len)
{
	size_t at = find_chunk(img, len, id);
	ck_assert_msg(at != 0, "no chunk %s", id);
	size_t after = at + 32 + (size_t)get64(img + at + 16);
	uLongf stored = compressBound((uLong)raw_len);
	unsigned char *out = malloc(len + 32 + stored);
	ck_assert_ptr_nonnull(out);
	memcpy(out, img, at);
	size_t n = at;
	if (raw) {
		unsigned char *h = out + at;
		ck_assert_int_eq(compress2(h + 32, &stored, raw,
					   (uLong)raw_len, 0), Z_OK);
		memcpy(h, img + at, 8);		/* id, flags */
		set64(h + 8, raw_len);
		set64(h + 16, stored);
		set32(h + 24, (uint32_t)crc32(0, h + 32, (uInt)stored));
		set32(h + 28, (uint32_t)crc32(0, h, 28));
		n += 32 + stored;
	}
	memcpy(out + n, img + after, len - after);
	*out_len = n + len - after;
	return out;
}

static int decode_bad(const unsigned char *img, size_t len,
		      struct rec_error *err)
{
	rec_model *m = (rec_model *)(uintptr_t)1;
	memset(err, 0, sizeof(*err));
	int rc = rec_model_decode(&m, img, len, "bad", err);
	ck_assert_ptr_null(m);
	return rc;
}

/* Encode, decode: the same fit and scores, and the same file again. */
START_TEST(test_round_trip)
{
	struct rec_rng r;
	rec_rng_seed(&r, 3);
	struct events ev = { 0 };
	add_events(&ev, 0, 60, 0, 90, 500, &r);
	struct rec_params p = ease_params(4, 70);
	rec_model *m = trained(&p, &ev, BY_DATASET, 1);
	size_t len;
	unsigned char *img = encode(m, &len);
	rec_model *back = decode_ok(img, len);
	same_fit(m, back);
	same_scores(m, back);
	const struct rec_params *q = rec_model_params(back);
	ck_assert_int_eq(q->model, REC_MODEL_EASE);
	ck_assert_int_eq(q->max_items, 70);
	ck_assert(q->l2 == 4);
	size_t len2;
	unsigned char *img2 = encode(back, &len2);
	ck_assert_uint_eq(len, len2);
	ck_assert(memcmp(img, img2, len) == 0);
	/* top-k from the loaded model is the same too */
	struct rec_topk_user users[] = { { "u1", 2 }, { "u7", 2 },
					 { "nobody", 6 } };
	struct rec_topk_result ra[3 * 9], rb[3 * 9];
	rec_topk *ta = NULL, *tb = NULL;
	struct rec_error err;
	ck_assert_int_eq(rec_topk_create(&ta, m, 9, 1, &err), 0);
	ck_assert_int_eq(rec_topk_create(&tb, back, 9, 2, &err), 0);
	ck_assert_int_eq(rec_topk_run(ta, users, 3, ra, &err), 0);
	ck_assert_int_eq(rec_topk_run(tb, users, 3, rb, &err), 0);
	for (int k = 0; k < 3 * 9; k++)
		ck_assert(ra[k].item == rb[k].item &&
			  ra[k].score == rb[k].score);
	rec_topk_free(ta);
	rec_topk_free(tb);
	free(img2);
	rec_model_free(back);
	free(img);
	rec_model_free(m);
	free(ev.e);
}
END_TEST

/*
 * The EASE chunk changed, sealed again as a writer would seal it: the
 * loader refuses a P it could not have fitted (a diagonal that is not
 * positive, a value that is not finite), items other than those the
 * histories choose, and lengths that do not add up.
 */
START_TEST(test_damaged_chunk)
{
	struct rec_rng r;
	rec_rng_seed(&r, 11);
	struct events ev = { 0 };
	add_events(&ev, 0, 40, 0, 50, 300, &r);
	struct rec_params p = ease_params(4, 30);	/* 20 items left out */
	rec_model *m = trained(&p, &ev, BY_DATASET, 1);
	const uint32_t n = m->ease->n;
	ck_assert_uint_eq(n, 30);
	size_t len, raw_len, bad_len;
	unsigned char *img = encode(m, &len);
	unsigned char *raw = chunk_raw(img, len, "EASE", &raw_len);
	ck_assert_uint_eq(raw_len, 20 + 4 * (size_t)n +
				   4 * (size_t)n * (n + 1) / 2);
	unsigned char *copy = malloc(raw_len + 8);
	ck_assert_ptr_nonnull(copy);
	struct rec_error err;

	/* sealed again unchanged, at level 0: the same model */
	unsigned char *bad = with_chunk(img, len, "EASE", raw, raw_len,
					&bad_len);
	rec_model *same = decode_ok(bad, bad_len);
	same_fit(m, same);
	rec_model_free(same);
	free(bad);

	/* the offset of P[r][c], c >= r, in the upper triangle */
	const size_t tri = 20 + 4 * (size_t)n;
#define AT(r, c) (tri + 4 * ((size_t)(r) * n - (size_t)(r) * ((r) - 1) / 2 + \
			     (size_t)(c) - (size_t)(r)))
	ck_assert_uint_eq(AT(n - 1, n - 1), raw_len - 4);
	/* the offset really is P[r][c]: compare a few with the model */
	for (uint32_t k = 0; k < n; k += 7) {
		float v;
		uint32_t bits = get32(raw + AT(k, n - 1));
		memcpy(&v, &bits, 4);
		ck_assert(v == m->ease->P[(size_t)k * m->ease->ld + n - 1]);
	}
	static const uint32_t not_positive[] = { 0xbf800000u /* -1 */,
		0x80000000u /* -0 */, 0 };
	static const uint32_t not_finite[] = { 0x7fc00000u /* NaN */,
		0x7f800000u /* inf */, 0xff800000u /* -inf */ };
	struct change {
		size_t at;	/* offset of a u32 to set */
		uint32_t value;
		const char *what;
	} changes[16];
	int nc = 0;
	for (int k = 0; k < 3; k++) {
		changes[nc++] = (struct change){ AT(5, 5),
			not_positive[k], "a diagonal not positive" };
		changes[nc++] = (struct change){ AT(k, n - 1 - k),
			not_finite[k], "a weight not finite" };
	}
	changes[nc++] = (struct change){ AT(n - 1, n - 1), 0xc0000000u,
					      "the last diagonal -2" };
	/* a kept index: one left out instead, out of range, twice */
	uint32_t left_out = 0;
	while (m->ease->pos[left_out] != UINT32_MAX)
		left_out++;
	changes[nc++] = (struct change){ 20 + 4 * 3, left_out,
					      "an item not chosen" };
	changes[nc++] = (struct change){ 20 + 4 * 3, 50,
					      "an item past the catalogue" };
	changes[nc++] = (struct change){ 20 + 4 * 3, get32(raw + 20 + 8),
					      "an item twice" };
	/* lambda, as a double's upper half: 0 and negative */
	changes[nc++] = (struct change){ 4, 0, "lambda 0" };
	changes[nc++] = (struct change){ 4, 0xc0100000u,
					      "lambda -4" };
	/* n: one more and one less than the content holds */
	changes[nc++] = (struct change){ 16, n + 1, "n too large" };
	changes[nc++] = (struct change){ 16, n - 1, "n too small" };
	for (int k = 0; k < nc; k++) {
		memcpy(copy, raw, raw_len);
		set32(copy + changes[k].at, changes[k].value);
		bad = with_chunk(img, len, "EASE", copy, raw_len, &bad_len);
		ck_assert_msg(decode_bad(bad, bad_len, &err) == REC_EFORMAT,
			      "%s: not refused (%s)", changes[k].what,
			      err.msg);
		ck_assert_msg(strstr(err.msg, "damaged model file: EASE") !=
			      NULL, "%s: message '%s'", changes[k].what,
			      err.msg);
		free(bad);
	}
#undef AT

	/* P without its last item, consistently: the histories choose 30 */
	{
		size_t at = 20 + 4 * (size_t)(n - 1), out = at;
		memcpy(copy, raw, at);
		set32(copy + 16, n - 1);
		for (uint32_t row = 0; row + 1 < n; row++) {
			size_t from = tri + 4 * ((size_t)row * n -
						 (size_t)row * (row - 1) / 2);
			memcpy(copy + out, raw + from, 4 * (size_t)(n - 1 - row));
			out += 4 * (size_t)(n - 1 - row);
		}
		bad = with_chunk(img, len, "EASE", copy, out, &bad_len);
		ck_assert_int_eq(decode_bad(bad, bad_len, &err), REC_EFORMAT);
		free(bad);
	}
	/* trailing bytes, and a chunk cut short */
	memcpy(copy, raw, raw_len);
	memset(copy + raw_len, 0, 4);
	bad = with_chunk(img, len, "EASE", copy, raw_len + 4, &bad_len);
	ck_assert_int_eq(decode_bad(bad, bad_len, &err), REC_EFORMAT);
	free(bad);
	bad = with_chunk(img, len, "EASE", copy, raw_len - 4, &bad_len);
	ck_assert_int_eq(decode_bad(bad, bad_len, &err), REC_EFORMAT);
	free(bad);
	/* either chunk missing */
	bad = with_chunk(img, len, "EASE", NULL, 0, &bad_len);
	ck_assert_int_eq(decode_bad(bad, bad_len, &err), REC_EFORMAT);
	free(bad);
	bad = with_chunk(img, len, "EUSR", NULL, 0, &bad_len);
	ck_assert_int_eq(decode_bad(bad, bad_len, &err), REC_EFORMAT);
	free(bad);
	free(copy);
	free(raw);

	/* the histories: an item past the catalogue, and out of order */
	raw = chunk_raw(img, len, "EUSR", &raw_len);
	copy = malloc(raw_len);
	ck_assert_ptr_nonnull(copy);
	size_t id_len = get32(raw + 8);
	size_t first = 8 + 4 + id_len + 4;	/* user 0's first item */
	ck_assert_uint_ge(get32(raw + first - 4), 2);
	memcpy(copy, raw, raw_len);
	set32(copy + first, 50);
	bad = with_chunk(img, len, "EUSR", copy, raw_len, &bad_len);
	ck_assert_int_eq(decode_bad(bad, bad_len, &err), REC_EFORMAT);
	free(bad);
	memcpy(copy, raw, raw_len);
	set32(copy + first, get32(raw + first + 4));
	set32(copy + first + 4, get32(raw + first));
	bad = with_chunk(img, len, "EUSR", copy, raw_len, &bad_len);
	ck_assert_int_eq(decode_bad(bad, bad_len, &err), REC_EFORMAT);
	free(bad);
	free(copy);
	free(raw);
	free(img);
	rec_model_free(m);
	free(ev.e);
}
END_TEST

/* EASE chunks in a factorization machine's file are refused. */
START_TEST(test_chunks_in_fm)
{
	struct rec_rng r;
	rec_rng_seed(&r, 13);
	struct events ev = { 0 };
	add_events(&ev, 0, 10, 0, 10, 30, &r);
	struct rec_params p = ease_params(4, 0);
	rec_model *ease = trained(&p, &ev, BY_DATASET, 1);
	rec_params_init(&p, REC_TASK_IMPLICIT);
	p.factors = 2;
	p.input.need = REC_NEED_USER | REC_NEED_ITEM;
	p.input.columns.label = NULL;
	rec_model *fm = trained(&p, &ev, BY_STREAM, 1);
	size_t elen, flen;
	unsigned char *eimg = encode(ease, &elen);
	unsigned char *fimg = encode(fm, &flen);
	/* EUSR and EASE (LRND follows them) spliced in before the FM
	 * file's end chunk */
	size_t from = find_chunk(eimg, elen, "EUSR");
	size_t to = find_chunk(eimg, elen, "LRND");
	size_t end = find_chunk(fimg, flen, "END ");
	ck_assert(from && to && end);
	size_t len = flen + (to - from);
	unsigned char *img = malloc(len);
	ck_assert_ptr_nonnull(img);
	memcpy(img, fimg, end);
	memcpy(img + end, eimg + from, to - from);
	memcpy(img + end + (to - from), fimg + end, flen - end);
	struct rec_error err;
	ck_assert_int_eq(decode_bad(img, len, &err), REC_EFORMAT);
	ck_assert_msg(strstr(err.msg, "another family") != NULL,
		      "message '%s'", err.msg);
	free(img);
	free(eimg);
	free(fimg);
	rec_model_free(fm);
	rec_model_free(ease);
	free(ev.e);
}
END_TEST

static Suite *ease_suite(void)
{
	Suite *s = suite_create("ease");
	TCase *tc = tcase_create("fit");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_reference, 0,
			    (int)TU_ARRAY_LEN(fit_cases));
	tcase_add_test(tc, test_max_items_ties);
	tcase_add_test(tc, test_threads);
	tcase_add_loop_test(tc, test_update_exact, 0, 3);
	tcase_add_loop_test(tc, test_retune, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("topk");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_topk, 0, 2);
	tcase_add_test(tc, test_topk_short);
	tcase_add_test(tc, test_include_seen_fm);
	suite_add_tcase(s, tc);

	tc = tcase_create("refused");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_update_refused);
	tcase_add_test(tc, test_params_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_damaged_chunk);
	tcase_add_test(tc, test_chunks_in_fm);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(ease_suite)
