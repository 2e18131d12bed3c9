/*
 * merge.c - one model from models trained on shards of the data (rec-merge),
 * so that training can run on many machines: parameter mixing (McDonald et
 * al. 2010), each feature weighted by the events that taught it.
 *
 * The merged model starts as a copy of the first model, so that whatever
 * the others do not change (the random generator, the settings of a run,
 * the first model's order of rows and items) is the first's.  Then the
 * others' new feature rows, items, attribute table rows and journal
 * entries are added in input order, and every row's values are set to the
 * mean over the models that have it.
 *
 * A row's count in a model is its events (feature_events), or with a base
 * model the events it learned beyond the base: in iterative parameter
 * mixing every shard starts from the last merged model, and counting what
 * each shard had from it would count the base once per shard.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* Whether two floats have the same bits (so -0 and +0 differ). */
static int same_float(float a, float b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/*
 * The mean of n values x[i] weighted by c[i] (their sum positive), in
 * double, rounded once.  When every value with a weight is the same float
 * it is that float: the arithmetic cannot turn copies of one value into
 * its neighbour.
 */
static float mean_of(const float *x, const double *c, int n)
{
	int first = -1, same = 1;
	double s = 0, w = 0;
	for (int i = 0; i < n; i++) {
		if (!(c[i] > 0))
			continue;
		if (first < 0)
			first = i;
		else
			same &= same_float(x[i], x[first]);
		s += c[i] * (double)x[i];
		w += c[i];
	}
	if (first < 0)
		return x[0];
	if (same)
		return x[first];
	return (float)(s / w);
}

/* The same for doubles, which the products may take past DBL_MAX: then
 * each value is scaled by its share of the weight first.  The mean stays
 * between the least and the greatest value. */
static double mean_double(const double *x, const double *c, int n)
{
	double s = 0, w = 0, lo = 0, hi = 0;
	int first = -1, same = 1;
	for (int i = 0; i < n; i++) {
		if (!(c[i] > 0))
			continue;
		if (first < 0) {
			first = i;
			lo = hi = x[i];
		} else {
			same &= x[i] == x[first];
			lo = x[i] < lo ? x[i] : lo;
			hi = x[i] > hi ? x[i] : hi;
		}
		s += c[i] * x[i];
		w += c[i];
	}
	if (first < 0)
		return x[0];
	if (same)
		return x[first];
	double mean = s / w;
	if (!isfinite(mean)) {
		mean = 0;
		for (int i = 0; i < n; i++)
			if (c[i] > 0)
				mean += c[i] / w * x[i];
	}
	return mean < lo ? lo : mean > hi ? hi : mean;
}

/* ---- which models can be merged ---- */

static void show_value(const struct rec_param *d,
		       const struct rec_param_value *v, char *buf, size_t len)
{
	if (d->type == REC_PARAM_STRING || d->type == REC_PARAM_ENUM)
		snprintf(buf, len, "%s", v->str ? v->str : "none");
	else if (d->type == REC_PARAM_U64)
		snprintf(buf, len, "%llu", (unsigned long long)v->u64);
	else
		snprintf(buf, len, "%.15g", v->num);
}

static int same_value(const struct rec_param *d,
		      const struct rec_param_value *a,
		      const struct rec_param_value *b)
{
	if (d->type == REC_PARAM_STRING)
		return a->str == b->str ||
		       (a->str && b->str && strcmp(a->str, b->str) == 0);
	if (d->type == REC_PARAM_U64)
		return a->u64 == b->u64;
	return a->num == b->num;
}

const char *rec_model_merge_difference(const rec_model *a, const rec_model *b,
				       char *why, size_t len)
{
	/* the model family and the task first: the rest follow from them */
	const struct rec_param *family = rec_param_find("model", 5);
	const struct rec_param *task = rec_param_find("task", 4);
	for (size_t i = 0; i < rec_param_count + 2; i++) {
		const struct rec_param *d = i == 0 ? family : i == 1 ? task
					    : &rec_param_table[i - 2];
		if (d->flags & REC_PARAM_RUN)
			continue;
		struct rec_param_value va, vb;
		rec_param_get(&a->params, d, &va);
		rec_param_get(&b->params, d, &vb);
		if (same_value(d, &va, &vb))
			continue;
		char x[64], y[64];
		show_value(d, &vb, x, sizeof(x));
		show_value(d, &va, y, sizeof(y));
		snprintf(why, len, "%s %s against %s", rec_param_what(d), x, y);
		return why;
	}
	const struct rec_schema *s = &a->schema, *t = &b->schema;
	int same = s->nspaces == t->nspaces && s->active == t->active;
	for (size_t i = 0; same && i < s->nspaces; i++)
		same = strcmp(s->spaces[i].name, t->spaces[i].name) == 0 &&
		       s->spaces[i].side == t->spaces[i].side &&
		       s->spaces[i].origin == t->spaces[i].origin &&
		       s->spaces[i].numeric == t->spaces[i].numeric;
	if (!same) {
		snprintf(why, len, "attribute table columns (the models did "
			 "not load the same tables)");
		return why;
	}
	return NULL;
}

/* ---- the pieces of the merge ---- */

struct merge {
	rec_model *out;
	rec_model *const *in;
	int n;
	const rec_model *base;
	const char *const *names;	/* for messages */
	const char *base_name;
	double *c;		/* n counts */
	float *x;		/* n values */
	uint32_t *rows;		/* n rows, UINT32_MAX where absent */
	struct rec_error *err;
};

/* Events learned, each once (training steps when the writer did not
 * count them). */
static uint64_t learned_of(const rec_model *m)
{
	return m->counters.learned_known ? m->counters.learned
					 : m->counters.events;
}

/* What model i added to the base's count b of something: c - b, or an
 * error when the model has less than the base.  An integer: a count near
 * 2^64 in a double rounds up to 2^64, which no uint64_t holds. */
static int beyond_base(struct merge *g, int i, uint64_t c, uint64_t b,
		       const char *what, uint64_t *out)
{
	if (c < b)
		return rec_fail(g->err, REC_EINVAL, g->names[i], 0,
				"fewer %s than the base %s: it was not "
				"updated from it", what, g->base_name);
	*out = c - b;
	return 0;
}

/* a + b, or UINT64_MAX when that is more */
static uint64_t add_counts(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* A sum of losses or weights (each finite, not negative) as a model file
 * holds it: a difference of sums of floats may come out a hair below 0,
 * and a sum of large ones past DBL_MAX. */
static double loss_sum(double x)
{
	return x > 0 ? (x < DBL_MAX ? x : DBL_MAX) : 0;
}

/* Rows of the others that the first lacks, added in input order. */
static int add_rows(struct merge *g)
{
	rec_model *out = g->out;
	for (int i = 1; i < g->n; i++) {
		const rec_model *m = g->in[i];
		if (m->feature_stamp && rec_model_forget_init(out) != 0)
			return REC_ENOMEM;
		for (size_t r = 0; r < m->features; r++) {
			uint32_t row;
			uint32_t space = m->feature_space ? m->feature_space[r]
							  : 0;
			if (rec_model_intern(out, m->feature_keys[r], space,
					     &row) != 0)
				return REC_ENOMEM;
		}
	}
	return 0;
}

/* FTRL's z for weight w and sum n: where its closed form gives w (as
 * rec_model_reset_optimizer sets it); for w 0, z brought within l1. */
static float ftrl_z(const rec_model *m, float w, float n, float z)
{
	const double alpha = (float)m->params.ftrl_alpha;
	const double beta = (float)m->params.ftrl_beta;
	const double l1 = (float)m->params.l1, l2 = (float)m->params.l2;
	double v;
	if (w == 0)
		v = z > l1 ? l1 : z < -l1 ? -l1 : z;
	else
		v = -(double)w * ((beta + sqrt((double)n)) / alpha + l2) -
		    copysign(l1, (double)w);
	v = v <= REC_ACC_MAX ? v : REC_ACC_MAX;
	return (float)(v >= -REC_ACC_MAX ? v : -REC_ACC_MAX);
}

/* Every row of out: the count-weighted means of the models' rows. */
static int merge_rows(struct merge *g)
{
	rec_model *out = g->out;
	const size_t stride = out->stride;
	const int k = out->params.factors, n = g->n;
	const int ftrl = out->params.optimizer == REC_OPT_FTRL;
	/* FTRL's z is last; the rest are weight, factors and sums */
	const size_t values = ftrl ? stride - 1 : stride;
	for (size_t r = 0; r < out->features; r++) {
		const uint64_t key = out->feature_keys[r];
		uint64_t b = 0;
		if (g->base) {
			uint32_t br = rec_model_find(g->base, key);
			if (br != UINT32_MAX)
				b = g->base->feature_events[br];
		}
		uint64_t total = b;
		int first = -1, counted = 0;
		double stamp = 0;
		for (int i = 0; i < n; i++) {
			const rec_model *m = g->in[i];
			uint32_t mr = rec_model_find(m, key);
			g->rows[i] = mr;
			g->c[i] = 0;
			if (mr == UINT32_MAX)
				continue;
			if (first < 0)
				first = i;
			uint64_t more = 0;
			int rc = beyond_base(g, i, m->feature_events[mr], b,
					     "events of a feature", &more);
			if (rc)
				return rc;
			g->c[i] = (double)more;
			total += more;
			counted += g->c[i] > 0;
			if (m->feature_stamp && m->feature_stamp[mr] > stamp)
				stamp = m->feature_stamp[mr];
		}
		if (!counted)	/* no model learned it: the first's values */
			g->c[first] = 1;
		float *row = out->rows + r * stride;
		int same = 1;
		for (size_t j = 0; j < stride; j++) {
			for (int i = 0; i < n; i++)
				g->x[i] = g->rows[i] == UINT32_MAX ? 0
					: g->in[i]->rows[g->rows[i] * stride + j];
			row[j] = mean_of(g->x, g->c, n);
			if (j >= values)
				continue;
			for (int i = 0; i < n; i++)
				same &= !(g->c[i] > 0) ||
					same_float(g->x[i], row[j]);
		}
		/* z from the mean weight and n, unless every model counted
		 * had this very row */
		if (ftrl && !same)
			row[stride - 1] = ftrl_z(out, row[0], row[1 + k],
						 row[stride - 1]);
		out->feature_events[r] = total < UINT32_MAX ? (uint32_t)total
							    : UINT32_MAX;
		if (out->feature_stamp)
			out->feature_stamp[r] = stamp;
	}
	return 0;
}

/* The bias, weighted by the events each model learned (beyond base). */
static int merge_bias(struct merge *g)
{
	rec_model *out = g->out;
	uint64_t b = g->base ? learned_of(g->base) : 0;
	for (int j = 0; j < 2; j++) {
		int counted = 0;
		for (int i = 0; i < g->n; i++) {
			uint64_t more = 0;
			int rc = beyond_base(g, i, learned_of(g->in[i]), b,
					     "events", &more);
			if (rc)
				return rc;
			g->c[i] = (double)more;
			counted += g->c[i] > 0;
			g->x[i] = g->in[i]->bias[j];
		}
		if (!counted)
			g->c[0] = 1;
		out->bias[j] = mean_of(g->x, g->c, g->n);
	}
	for (int i = 0; i < g->n; i++)
		if (g->in[i]->bias_stamp > out->bias_stamp)
			out->bias_stamp = g->in[i]->bias_stamp;
	return 0;
}

static const char *item_id(const rec_model *m, uint32_t at, size_t *len)
{
	const struct rec_item *it = &m->catalogue.items[at];
	*len = it->name_len;
	return m->catalogue.names + it->name_off;
}

/* The catalogues united: the others' new items added in input order;
 * every item's count the sum (beyond base), its time the latest, its
 * features those of the model that saw it last. */
static int merge_catalogue(struct merge *g)
{
	rec_model *out = g->out;
	for (int i = 1; i < g->n; i++) {
		const rec_model *m = g->in[i];
		for (uint32_t a = 0; a < m->catalogue.count; a++) {
			size_t len;
			const char *id = item_id(m, a, &len);
			if (rec_catalogue_find(out, id, len) != UINT32_MAX)
				continue;
			const struct rec_item *it = &m->catalogue.items[a];
			uint32_t row = 0;
			if (!out->ease)
				row = rec_model_find(out, m->feature_keys[
							      it->feature]);
			int rc = rec_catalogue_note(out, rec_hash(
					REC_SPACE_ITEM, id, len), id, len,
					row, it->last_time);
			if (rc)
				return rc;
		}
	}
	struct rec_catalogue *c = &out->catalogue;
	c->max_count = 0;
	for (uint32_t a = 0; a < c->count; a++) {
		size_t len;
		const char *id = item_id(out, a, &len);
		uint64_t b = 0;
		if (g->base) {
			uint32_t ba = rec_catalogue_find(g->base, id, len);
			if (ba != UINT32_MAX)
				b = g->base->catalogue.items[ba].count;
		}
		uint64_t count = b;
		int last = -1;
		uint32_t last_at = 0;
		for (int i = 0; i < g->n; i++) {
			const rec_model *m = g->in[i];
			uint32_t at = rec_catalogue_find(m, id, len);
			if (at == UINT32_MAX)
				continue;
			uint64_t more = 0;
			int rc = beyond_base(g, i, m->catalogue.items[at].count,
					     b, "events of an item", &more);
			if (rc)
				return rc;
			count = add_counts(count, more);
			if (last < 0 || m->catalogue.items[at].last_time >
			    g->in[last]->catalogue.items[last_at].last_time) {
				last = i;
				last_at = at;
			}
		}
		const rec_model *m = g->in[last];
		const struct rec_item *from = &m->catalogue.items[last_at];
		struct rec_item *it = &c->items[a];
		it->count = count > 0 ? count : 1;
		it->last_time = from->last_time;
		if (it->count > c->max_count)
			c->max_count = it->count;
		if (last > 0 && out->schema.active &&
		    rec_catalogue_set_kfeats(out, a, from->feats_count ?
					     m->catalogue.kfeats +
					     from->feats_first : NULL,
					     (int)from->feats_count) != 0)
			return REC_ENOMEM;
	}
	return 0;
}

static int same_kfeats(const struct rec_kfeat *a, const struct rec_kfeat *b,
		       uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i].key != b[i].key || a[i].space != b[i].space ||
		    !same_float(a[i].x, b[i].x))
			return 0;
	return 1;
}

/* The attribute tables united; an id in two must have the same row. */
static int merge_tables(struct merge *g)
{
	static const char *const side_name[2] = { "user", "item" };
	for (int side = 0; side < 2; side++) {
		struct rec_table *t = &g->out->schema.tables[side];
		for (int i = 1; i < g->n; i++) {
			const struct rec_table *f =
				&g->in[i]->schema.tables[side];
			size_t n = f->ids ? rec_idset_size(f->ids) : 0;
			for (size_t r = 0; r < n; r++) {
				size_t len, at;
				const char *id = rec_idset_id(f->ids, r, &len);
				const struct rec_kfeat *v = f->count[r]
					? f->values + f->first[r] : NULL;
				if (t->ids &&
				    rec_idset_find(t->ids, id, len, &at)) {
					if (t->count[at] == f->count[r] &&
					    same_kfeats(t->values +
							t->first[at], v,
							f->count[r]))
						continue;
					return rec_fail(g->err, REC_EINVAL,
						g->names[i], 0, "its %s "
						"attribute table gives '%.*s' "
						"another row than an earlier "
						"model's (load the same table "
						"into each)", side_name[side],
						len > 64 ? 64 : (int)len, id);
				}
				if (rec_table_add(t, id, len, v,
						  f->count[r]) < 0)
					return REC_ENOMEM;
			}
		}
	}
	return 0;
}

/* Runs, events and the progressive loss added up (beyond base), the
 * counts held at UINT64_MAX; the loss of the last pass a mean; the first
 * creation.  Each event learned is a training step at least, so a model
 * that learned more events beyond the base than it took steps was not
 * updated from it. */
static int merge_counters(struct merge *g)
{
	struct rec_counters *o = &g->out->counters;
	const struct rec_counters *b = g->base ? &g->base->counters : NULL;
	struct rec_counters sum = *o;
	sum.events = b ? b->events : 0;
	sum.learned = b ? b->learned : 0;
	sum.updates = b ? b->updates : 0;
	sum.prog_events = b ? b->prog_events : 0;
	sum.prog_loss = b ? b->prog_loss : 0;
	sum.prog_weight = b ? b->prog_weight : 0;
	double *train = rec_malloc_array((size_t)g->n, 2 * sizeof(double));
	if (!train)
		return REC_ENOMEM;
	double *hold = train + g->n;
	int holdout = 1, counted = 0;
	for (int i = 0; i < g->n; i++) {
		const struct rec_counters *k = &g->in[i]->counters;
		uint64_t d = 0;
		int rc = beyond_base(g, i, k->events, b ? b->events : 0,
				     "training steps", &d);
		if (!rc)
			rc = beyond_base(g, i, k->updates,
					 b ? b->updates : 0, "runs", &d);
		if (!rc)
			rc = beyond_base(g, i, k->prog_events,
					 b ? b->prog_events : 0,
					 "events scored", &d);
		if (!rc)
			rc = beyond_base(g, i, learned_of(g->in[i]),
					 b ? learned_of(g->base) : 0,
					 "events", &d);
		if (!rc && b && k->learned_known && b->learned_known &&
		    k->learned - b->learned > k->events - b->events)
			rc = rec_fail(g->err, REC_EINVAL, g->names[i], 0,
				      "more events learned beyond the base %s "
				      "than training steps: it was not "
				      "updated from it", g->base_name);
		if (rc) {
			rec_free(train);
			return rc;
		}
		g->c[i] = (double)d;
		sum.events = add_counts(sum.events,
					k->events - (b ? b->events : 0));
		sum.learned = add_counts(sum.learned,
					 k->learned - (b ? b->learned : 0));
		sum.learned_known &= k->learned_known;
		sum.updates = add_counts(sum.updates,
					 k->updates - (b ? b->updates : 0));
		sum.prog_events = add_counts(sum.prog_events, k->prog_events -
					     (b ? b->prog_events : 0));
		sum.prog_loss += k->prog_loss - (b ? b->prog_loss : 0);
		sum.prog_weight += k->prog_weight - (b ? b->prog_weight : 0);
		if (k->passes_done > sum.passes_done)
			sum.passes_done = k->passes_done;
		if (k->created < sum.created)
			sum.created = k->created;
		train[i] = k->train_loss;
		hold[i] = k->holdout_loss;
		holdout &= k->holdout_loss >= 0;
		counted += g->c[i] > 0;
	}
	if (!counted)
		g->c[0] = 1;
	sum.train_loss = mean_double(train, g->c, g->n);
	sum.holdout_loss = holdout ? mean_double(hold, g->c, g->n) : -1;
	sum.prog_loss = loss_sum(sum.prog_loss);
	sum.prog_weight = loss_sum(sum.prog_weight);
	if (b)
		sum.learned_known &= b->learned_known;
	if (!sum.learned_known)
		sum.learned = 0;
	*o = sum;
	rec_free(train);
	return 0;
}

/* The journals united: the others' entries the first lacks, oldest
 * first, in input order. */
static int merge_journals(struct merge *g)
{
	for (int i = 1; i < g->n; i++) {
		const struct rec_journal *j = &g->in[i]->journal;
		for (size_t e = 0; e < j->n; e++)
			if (!rec_model_learned(g->out, j->e[e].sha,
					       j->e[e].bytes, NULL) &&
			    rec_model_note_learned(g->out, j->e[e].sha,
						   j->e[e].bytes,
						   j->e[e].when) != 0)
				return REC_ENOMEM;
	}
	return 0;
}

/* A model of its own with the same contents as m. */
static int copy_model(rec_model **out, const rec_model *m,
		      struct rec_error *err)
{
	void *image;
	size_t len;
	int rc = rec_model_encode(m, m->counters.saved, &image, &len, err);
	if (rc)
		return rc;
	rc = rec_model_decode(out, image, len, "merge", err);
	free(image);
	if (rc)
		return rc;
	(*out)->file_read_version = 0;
	(*out)->file_write_version = 0;
	return 0;
}

static int merge_all(struct merge *g)
{
	int rc = 0;
	if (!g->out->ease)
		rc = add_rows(g);
	if (!rc)
		rc = merge_catalogue(g);
	if (!rc && !g->out->ease)
		rc = merge_rows(g);
	if (!rc && !g->out->ease)
		rc = merge_bias(g);
	if (!rc)
		rc = merge_tables(g);
	for (int i = 1; i < g->n && !rc && g->out->ease; i++)
		rc = rec_ease_unite(g->out, g->in[i]);
	if (!rc)
		rc = merge_counters(g);
	if (!rc)
		rc = merge_journals(g);
	if (!rc && g->out->ease && g->n > 1)
		rc = rec_ease_fit(g->out, g->err);
	if (rc == REC_ENOMEM)
		rec_fail(g->err, REC_ENOMEM, NULL, 0, "out of memory");
	return rc;
}

int rec_model_merge(rec_model **out, rec_model *const *in,
		    const char *const *names, int n, const rec_model *base,
		    const char *base_name, struct rec_error *err)
{
	*out = NULL;
	if (n < 1)
		return rec_fail(err, REC_EINVAL, NULL, 0, "no model to merge");
	char why[256];
	for (int i = 0; i <= n; i++) {
		const rec_model *m = i < n ? in[i] : base;
		if (m && m->no_optimiser_state)
			return rec_fail(err, REC_EINVAL,
					i < n ? names[i] : base_name, 0,
					"saved at precision %d, without the "
					"optimiser's state that merging "
					"averages: merge the models saved at "
					"32", m->precision);
		if (m && rec_model_merge_difference(in[0], m, why, sizeof(why)))
			return rec_fail(err, REC_EINVAL,
					i < n ? names[i] : base_name, 0,
					"%s in %s", why, names[0]);
	}
	struct merge g = { NULL, in, n, base, names, base_name, NULL, NULL,
			   NULL, err };
	int rc = copy_model(&g.out, in[0], err);
	if (rc)
		return rc;
	g.c = rec_malloc_array((size_t)n, sizeof(*g.c));
	g.x = rec_malloc_array((size_t)n, sizeof(*g.x));
	g.rows = rec_malloc_array((size_t)n, sizeof(*g.rows));
	rc = g.c && g.x && g.rows ? merge_all(&g)
				  : rec_fail(err, REC_ENOMEM, NULL, 0,
					     "out of memory");
	rec_free(g.c);
	rec_free(g.x);
	rec_free(g.rows);
	if (rc) {
		rec_model_free(g.out);
		return rc;
	}
	*out = g.out;
	return 0;
}
