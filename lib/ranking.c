/*
 * ranking.c - ranking metrics per user, averaged over users.
 *
 * Definitions (tools differ on these, so they are fixed and stated here and
 * in rec-eval's output):
 *   precision@k  hits in the first k / k, even when fewer than k were given
 *   recall@k     hits in the first k / the user's relevant items
 *   NDCG@k       sum over hits at rank r <= k of 1/log2(r + 1), divided by
 *                the same for min(relevant, k) hits at the top
 *   MAP@k        sum over hits at rank r <= k of precision@r, divided by
 *                min(relevant, k)
 *   HR@k         1 if any hit in the first k
 *   MRR          1 / the rank of the first hit in the whole list, 0 if none
 *   AUC          (grouped rows) pairs of a relevant and an irrelevant row
 *                ordered right by score, ties half
 * A user with no relevant items is not evaluated; a user with relevant
 * items but no list counts 0 in every metric.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

struct rec_ranking {
	int nk;
	int ks[REC_MAX_KS];
	double precision[REC_MAX_KS], recall[REC_MAX_KS], ndcg[REC_MAX_KS];
	double map[REC_MAX_KS], hit[REC_MAX_KS];
	double mrr, auc;
	uint64_t users, auc_users;
	rec_user_fn per_user;	/* or NULL */
	void *per_user_arg;
};

void rec_ranking_per_user(rec_ranking *r, rec_user_fn fn, void *arg)
{
	r->per_user = fn;
	r->per_user_arg = arg;
}

/* One user's values into v (its AUC left out). */
static void list_values(const rec_ranking *r, const unsigned char *relevant,
			size_t n, size_t total_relevant,
			struct rec_user_values *v)
{
	memset(v, 0, sizeof(*v));
	v->nk = r->nk;
	v->relevant = total_relevant;
	size_t first = 0;
	for (size_t i = 0; i < n && !first; i++)
		if (relevant[i])
			first = i + 1;
	v->rr = first ? 1.0 / (double)first : 0;
	for (int j = 0; j < r->nk; j++) {
		size_t k = (size_t)r->ks[j];
		double hits = 0, dcg = 0, ap = 0, idcg = 0;
		for (size_t i = 0; i < n && i < k; i++) {
			if (!relevant[i])
				continue;
			hits++;
			dcg += 1 / log2((double)i + 2);
			ap += hits / (double)(i + 1);
		}
		size_t ideal = total_relevant < k ? total_relevant : k;
		for (size_t i = 0; i < ideal; i++)
			idcg += 1 / log2((double)i + 2);
		v->ks[j] = r->ks[j];
		v->precision[j] = hits / (double)k;
		v->recall[j] = hits / (double)total_relevant;
		v->ndcg[j] = dcg / idcg;
		v->map[j] = ap / (double)ideal;
		v->hit[j] = hits > 0;
	}
}

/* A user's values into the sums, and to the per-user callback with its
 * id (NULL, 0 when the caller gave none). */
static void add_values(rec_ranking *r, const struct rec_user_values *v,
		       const char *id, size_t len)
{
	r->users++;
	r->mrr += v->rr;
	for (int j = 0; j < r->nk; j++) {
		r->precision[j] += v->precision[j];
		r->recall[j] += v->recall[j];
		r->ndcg[j] += v->ndcg[j];
		r->map[j] += v->map[j];
		r->hit[j] += v->hit[j];
	}
	if (r->per_user && id)
		r->per_user(id, len, v, r->per_user_arg);
}

int rec_ranking_create(rec_ranking **out, const int *ks, int nk)
{
	*out = NULL;
	if (nk < 1 || nk > REC_MAX_KS)
		return REC_EINVAL;
	for (int i = 0; i < nk; i++)
		if (ks[i] < 1 || ks[i] > 1000000)
			return REC_EINVAL;
	rec_ranking *r = rec_calloc(1, sizeof(*r));
	if (!r)
		return REC_ENOMEM;
	r->nk = nk;
	memcpy(r->ks, ks, (size_t)nk * sizeof(*ks));
	*out = r;
	return 0;
}

void rec_ranking_free(rec_ranking *r)
{
	rec_free(r);
}

int rec_ranking_add_list(rec_ranking *r, const unsigned char *relevant,
			 size_t n, size_t total_relevant)
{
	if (total_relevant == 0)
		return 0;	/* nothing to find: not evaluated */
	struct rec_user_values v;
	list_values(r, relevant, n, total_relevant, &v);
	add_values(r, &v, NULL, 0);
	return 0;
}

/* Rows of one group in ranking order: score descending, then input order. */
struct row {
	double score;
	size_t at;
	unsigned char label;
};

static int by_rank(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Room to rank a group of up to n rows, allocated before anything is
 * added, so that running out of memory leaves the ranking as it was. */
struct group_scratch {
	struct row *rows;
	unsigned char *rel;
	uint64_t *keys;		/* score keys: relevant rows, then others */
};

static int scratch_alloc(struct group_scratch *g, size_t n)
{
	g->rows = rec_malloc_array(n, sizeof(*g->rows));
	g->rel = rec_malloc(n);
	g->keys = rec_malloc_array(n, sizeof(*g->keys));
	if (g->rows && g->rel && g->keys)
		return 0;
	rec_free(g->rows);
	rec_free(g->rel);
	rec_free(g->keys);
	return REC_ENOMEM;
}

static void scratch_free(struct group_scratch *g)
{
	rec_free(g->rows);
	rec_free(g->rel);
	rec_free(g->keys);
}

static size_t count_relevant(const unsigned char *label, size_t n)
{
	size_t relevant = 0;
	for (size_t i = 0; i < n; i++)
		relevant += label[i] != 0;
	return relevant;
}

/* rec_ranking_add_group in scratch room for n rows: cannot fail. */
static void add_group(rec_ranking *r, const double *score,
		      const unsigned char *label, size_t n,
		      const struct group_scratch *g, const char *id,
		      size_t id_len)
{
	size_t relevant = count_relevant(label, n);
	if (relevant == 0)
		return;
	struct row *rows = g->rows;
	for (size_t i = 0; i < n; i++)
		rows[i] = (struct row){ score[i], i, label[i] != 0 };
	qsort(rows, n, sizeof(*rows), by_rank);
	for (size_t i = 0; i < n; i++)
		g->rel[i] = rows[i].label;
	struct rec_user_values v;
	list_values(r, g->rel, n, relevant, &v);
	if (relevant == n) {
		add_values(r, &v, id, id_len);
		return;
	}
	/* AUC: the classes' keys from the lowest score up */
	size_t npos = 0, nneg = 0;
	for (size_t i = n; i-- > 0;) {
		uint64_t key = rec_score_key(rows[i].score);
		if (rows[i].label)
			g->keys[npos++] = key;
		else
			g->keys[relevant + nneg++] = key;
	}
	struct rec_auc_class pos = { .keys = g->keys, .n = npos };
	struct rec_auc_class neg = { .keys = g->keys + relevant, .n = nneg };
	v.has_auc = 1;
	v.auc = rec_auc_pairs(&pos, &neg) /
		((double)relevant * (double)(n - relevant));
	r->auc += v.auc;
	r->auc_users++;
	add_values(r, &v, id, id_len);
}

int rec_ranking_add_group(rec_ranking *r, const double *score,
			  const unsigned char *label, size_t n)
{
	struct group_scratch g;
	if (count_relevant(label, n) == 0)
		return 0;	/* not evaluated: nothing to allocate */
	if (scratch_alloc(&g, n) != 0)
		return REC_ENOMEM;
	add_group(r, score, label, n, &g, NULL, 0);
	scratch_free(&g);
	return 0;
}

void rec_ranking_values(const rec_ranking *r, struct rec_rank_values *v)
{
	memset(v, 0, sizeof(*v));
	v->nk = r->nk;
	v->users = r->users;
	double u = r->users ? (double)r->users : 1;
	for (int j = 0; j < r->nk; j++) {
		v->ks[j] = r->ks[j];
		v->precision[j] = r->precision[j] / u;
		v->recall[j] = r->recall[j] / u;
		v->ndcg[j] = r->ndcg[j] / u;
		v->map[j] = r->map[j] / u;
		v->hit[j] = r->hit[j] / u;
	}
	v->mrr = r->mrr / u;
	v->auc_users = r->auc_users;
	if (r->auc_users)
		v->auc = r->auc / (double)r->auc_users;
}

/* Read all good rows of a reader, passing bad ones to bad_row. */
typedef int (*row_fn)(const struct rec_row *row, void *arg);

static int each_row(rec_reader *rd, rec_bad_row_fn bad_row, void *bad_arg,
		    row_fn fn, void *arg, struct rec_error *err)
{
	struct rec_row row;
	int rc;
	while ((rc = rec_reader_next_good(rd, &row, bad_row, bad_arg,
					  err)) != 0) {
		if (rc < 0)
			return rc;
		if ((rc = fn(&row, arg)) != 0)
			return rec_fail(err, rc, NULL, 0, "out of memory");
	}
	return 0;
}

/* A growable list of bytes per user. */
struct flags {
	unsigned char *v;
	size_t n, cap;
};

static int flags_push(struct flags *f, unsigned char x)
{
	if (f->n == f->cap) {
		size_t cap = rec_grow_cap(f->cap, f->n + 1, 16);
		unsigned char *v = cap ? rec_realloc(f->v, cap) : NULL;
		if (!v)
			return REC_ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = x;
	return 0;
}

/* p, an array of cap elements of size bytes, grown to newcap (0: too
 * large) with the new elements zeroed; NULL, p untouched, when out of
 * memory. */
static void *grow_zeroed(void *p, size_t cap, size_t newcap, size_t size)
{
	unsigned char *q = newcap ? rec_realloc_array(p, newcap, size) : NULL;
	if (q)
		memset(q + cap * size, 0, (newcap - cap) * size);
	return q;
}

struct truth_state {
	rec_idset *users;	/* users with truth, numbered */
	rec_idset *pairs;	/* "user \t item" of every truth pair */
	rec_idset *seen;	/* pairs already listed (duplicates skipped) */
	rec_idset *items;	/* every item met, for coverage */
	rec_idset *covered;	/* items in some evaluated top-k */
	size_t *relevant;	/* truth items per user */
	struct flags *lists;	/* per user: relevance of the list, in order */
	size_t cap;
	int max_k;
	char *key;
	size_t key_cap;
};

static const char *pair_text(struct truth_state *s, const struct rec_row *row,
			     size_t *len)
{
	*len = row->user_len + 1 + row->item_len;
	if (*len > s->key_cap) {
		size_t cap = rec_grow_cap(s->key_cap, *len, 64);
		char *key = cap ? rec_realloc(s->key, cap) : NULL;
		if (!key)
			return NULL;
		s->key = key;
		s->key_cap = cap;
	}
	memcpy(s->key, row->user, row->user_len);
	s->key[row->user_len] = '\t';
	memcpy(s->key + row->user_len + 1, row->item, row->item_len);
	return s->key;
}

static int truth_row(const struct rec_row *row, void *arg)
{
	struct truth_state *s = arg;
	size_t len, u;
	const char *key = pair_text(s, row, &len);
	if (!key || rec_idset_add(s->items, row->item, row->item_len,
				  NULL) < 0)
		return REC_ENOMEM;
	int fresh = rec_idset_add(s->pairs, key, len, NULL);
	if (fresh < 0)
		return REC_ENOMEM;
	if (!fresh)
		return 0;	/* the same pair twice counts once */
	if (rec_idset_add(s->users, row->user, row->user_len, &u) < 0)
		return REC_ENOMEM;
	if (u >= s->cap) {
		size_t cap = rec_grow_cap(s->cap, u + 1, 1024);
		size_t *rel = grow_zeroed(s->relevant, s->cap, cap,
					  sizeof(*rel));
		if (!rel)
			return REC_ENOMEM;
		s->relevant = rel;
		struct flags *lists = grow_zeroed(s->lists, s->cap, cap,
						  sizeof(*lists));
		if (!lists)
			return REC_ENOMEM;
		s->lists = lists;
		s->cap = cap;
	}
	s->relevant[u]++;
	return 0;
}

static int rec_row_listed(const struct rec_row *row, void *arg)
{
	struct truth_state *s = arg;
	size_t u, len;
	if (rec_idset_add(s->items, row->item, row->item_len, NULL) < 0)
		return REC_ENOMEM;
	if (!rec_idset_find(s->users, row->user, row->user_len, &u))
		return 0;	/* no truth: not evaluated */
	const char *key = pair_text(s, row, &len);
	if (!key)
		return REC_ENOMEM;
	int fresh = rec_idset_add(s->seen, key, len, NULL);
	if (fresh <= 0)
		return fresh;	/* an item listed twice counts once */
	if (s->lists[u].n < (size_t)s->max_k &&
	    rec_idset_add(s->covered, row->item, row->item_len, NULL) < 0)
		return REC_ENOMEM;
	return flags_push(&s->lists[u], (unsigned char)rec_idset_find(
				  s->pairs, key, len, NULL));
}

int rec_ranking_truth(rec_ranking *r, rec_reader *truth, rec_reader *recs,
		      rec_bad_row_fn bad_row, void *bad_arg, size_t catalogue,
		      double *coverage, struct rec_error *err)
{
	struct truth_state s = { 0 };
	for (int j = 0; j < r->nk; j++)
		if (r->ks[j] > s.max_k)
			s.max_k = r->ks[j];
	int rc = REC_ENOMEM;
	if (rec_idset_create(&s.users) || rec_idset_create(&s.pairs) ||
	    rec_idset_create(&s.seen) || rec_idset_create(&s.items) ||
	    rec_idset_create(&s.covered)) {
		rc = rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	rc = each_row(truth, bad_row, bad_arg, truth_row, &s, err);
	if (rc)
		goto out;
	if (rec_idset_size(s.users) == 0) {
		rc = rec_fail(err, REC_EDATA, NULL, 0,
			      "no user-item pairs in the truth");
		goto out;
	}
	rc = each_row(recs, bad_row, bad_arg, rec_row_listed, &s, err);
	if (rc)
		goto out;
	for (size_t u = 0; u < rec_idset_size(s.users); u++) {
		if (s.relevant[u] == 0)
			continue;	/* nothing to find: not evaluated */
		struct rec_user_values v;
		list_values(r, s.lists[u].v, s.lists[u].n, s.relevant[u], &v);
		size_t len;
		const char *id = rec_idset_id(s.users, u, &len);
		add_values(r, &v, id, len);
	}
	size_t all = catalogue ? catalogue : rec_idset_size(s.items);
	*coverage = all ? (double)rec_idset_size(s.covered) / (double)all : 0;
out:
	for (size_t u = 0; u < s.cap; u++)
		rec_free(s.lists[u].v);
	rec_free(s.lists);
	rec_free(s.relevant);
	rec_free(s.key);
	rec_idset_free(s.users);
	rec_idset_free(s.pairs);
	rec_idset_free(s.seen);
	rec_idset_free(s.items);
	rec_idset_free(s.covered);
	return rc;
}

/* Grouped rows: scores and labels per group. */
struct group {
	double *score;
	unsigned char *label;
	size_t n, cap;
};

struct group_state {
	rec_idset *ids;
	struct group *groups;
	size_t cap;
};

static int group_push(struct group *g, double score, unsigned char label)
{
	if (g->n == g->cap) {
		size_t cap = rec_grow_cap(g->cap, g->n + 1, 16);
		double *sc = cap ? rec_realloc_array(g->score, cap,
						     sizeof(*sc)) : NULL;
		if (!sc)
			return REC_ENOMEM;
		g->score = sc;
		unsigned char *lb = rec_realloc(g->label, cap);
		if (!lb)
			return REC_ENOMEM;
		g->label = lb;
		g->cap = cap;
	}
	g->score[g->n] = score;
	g->label[g->n++] = label;
	return 0;
}

static int group_row(const struct rec_row *row, void *arg)
{
	struct group_state *s = arg;
	size_t g;
	if (rec_idset_add(s->ids, row->user, row->user_len, &g) < 0)
		return REC_ENOMEM;
	if (g >= s->cap) {
		size_t cap = rec_grow_cap(s->cap, g + 1, 1024);
		struct group *groups = grow_zeroed(s->groups, s->cap, cap,
						   sizeof(*groups));
		if (!groups)
			return REC_ENOMEM;
		s->groups = groups;
		s->cap = cap;
	}
	return group_push(&s->groups[g], row->score, row->label == 1);
}

int rec_ranking_groups(rec_ranking *r, rec_reader *rows,
		       rec_bad_row_fn bad_row, void *bad_arg,
		       struct rec_error *err)
{
	struct group_state s = { 0 };
	if (rec_idset_create(&s.ids))
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	int rc = each_row(rows, bad_row, bad_arg, group_row, &s, err);
	size_t ngroups = rec_idset_size(s.ids), largest = 0;
	for (size_t g = 0; !rc && g < ngroups; g++)
		if (s.groups[g].n > largest)
			largest = s.groups[g].n;
	/* one scratch for every group, so that none can fail half-way */
	struct group_scratch scratch;
	if (!rc && scratch_alloc(&scratch, largest) != 0)
		rc = rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	if (!rc) {
		for (size_t g = 0; g < ngroups; g++) {
			size_t len;
			const char *id = rec_idset_id(s.ids, g, &len);
			add_group(r, s.groups[g].score, s.groups[g].label,
				  s.groups[g].n, &scratch, id, len);
		}
		scratch_free(&scratch);
	}
	for (size_t g = 0; g < s.cap; g++) {
		rec_free(s.groups[g].score);
		rec_free(s.groups[g].label);
	}
	rec_free(s.groups);
	rec_idset_free(s.ids);
	return rc;
}
