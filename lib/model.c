/*
 * model.c - the factorization machine: parameters, feature rows, the item
 * catalogue, scoring and one learning step.
 *
 * Features are hashed to 2^bits keys, but rows are only allocated for keys
 * actually met, in first-seen order: memory follows the data, not the hash
 * space.  A feature the model never saw has no row and its terms are zero:
 * an unseen user gets the bias and the item's weight, and no interaction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

#define MAX_FACTORS REC_MAX_FACTORS

/* AdaGrad's accumulators start here rather than at 0, so that the first
 * steps of a rare feature are not a full learning-rate jump. */
#define ADAGRAD_INIT 0.01f
/* The least a faded accumulator keeps. */
#define ACC_FLOOR 1e-12f

static char *dup_or_null(const char *s, int *fail)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = rec_malloc(n);
	if (!d) {
		*fail = 1;
		return NULL;
	}
	memcpy(d, s, n);
	return d;
}

/* Copy the strings so params points into the model. */
int rec_model_own_columns(struct rec_model *m)
{
	int fail = 0;
	for (size_t i = 0; i < rec_param_count; i++) {
		const struct rec_param *d = &rec_param_table[i];
		if (d->type != REC_PARAM_STRING)
			continue;
		const char *s;
		memcpy(&s, (char *)&m->params + d->offset, sizeof(s));
		char *copy = dup_or_null(s, &fail);
		rec_free(m->strings[i]);
		m->strings[i] = copy;
		memcpy((char *)&m->params + d->offset, &copy, sizeof(copy));
	}
	return fail ? REC_ENOMEM : 0;
}

/* A row: weight and k factors, their AdaGrad sums (FTRL: the weight's n),
 * and with FTRL the weight's z last. */
void rec_model_shape(struct rec_model *m)
{
	m->stride = 2 * (1 + (size_t)m->params.factors) +
		    (m->params.optimizer == REC_OPT_FTRL);
	m->key_mask = ((uint64_t)1 << m->params.bits) - 1;
}

int rec_model_create(rec_model **out, const struct rec_params *p,
		     struct rec_error *err)
{
	*out = NULL;
	const char *why = rec_params_check(p);
	if (why)
		return rec_fail(err, REC_EINVAL, NULL, 0, "%s", why);
	rec_model *m = rec_calloc(1, sizeof(*m));
	if (!m)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	m->params = *p;
	rec_model_shape(m);
	m->precision = 32;
	m->bias[1] = ADAGRAD_INIT;
	m->counters.holdout_loss = -1;
	m->counters.learned_known = 1;
	m->counters.created = (int64_t)time(NULL);
	rec_rng_seed(&m->rng, p->seed);
	if (rec_model_own_columns(m) != 0 ||
	    rec_map_init(&m->feature_index, 1024) != 0 ||
	    rec_map_init(&m->catalogue.index, 1024) != 0) {
		rec_model_free(m);
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	}
	int rc = rec_schema_init(m, err);
	if (rc) {
		rec_model_free(m);
		return rc;
	}
	if (p->model == REC_MODEL_EASE && rec_ease_init(m) != 0) {
		rec_model_free(m);
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	}
	*out = m;
	return 0;
}

void rec_model_free(rec_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < REC_MAX_PARAMS; i++)
		rec_free(m->strings[i]);
	rec_free(m->rows);
	rec_free(m->feature_keys);
	rec_free(m->feature_events);
	rec_free(m->feature_stamp);
	rec_free(m->anchor);
	rec_free(m->feature_space);
	rec_free(m->grads.e);
	rec_free(m->grads.g);
	rec_schema_free(&m->schema);
	rec_free(m->catalogue.kfeats);
	rec_map_destroy(&m->feature_index);
	rec_free(m->catalogue.items);
	rec_free(m->catalogue.names);
	rec_map_destroy(&m->catalogue.index);
	rec_free(m->catalogue.by_row);
	rec_ease_free(m->ease);
	rec_free(m->journal.e);
	rec_free(m);
}

/* A model of ids alone, with no format 2 parameter, reads as format 1;
 * one with a format 4 parameter (soft labels) as format 4; one saved at
 * precision 16 or 8 as format 5. */
int rec_model_read_version(const rec_model *m)
{
	if (m->precision != 32)
		return 5;
	int v = m->ease ? 3 : m->schema.active ? 2 : 1;
	int pv = rec_params_version(&m->params);
	return pv > v ? pv : v;
}

int rec_model_write_version(const rec_model *m)
{
	return rec_model_read_version(m) > 4 ? REC_FORMAT_VERSION : 4;
}

int rec_model_check_learnable(const rec_model *m, struct rec_error *err)
{
	if (!m->no_optimiser_state)
		return 0;
	return rec_fail(err, REC_EINVAL, NULL, 0,
			"the model was saved at precision %d, without the "
			"optimiser state that training on needs",
			m->precision);
}

int rec_model_set_precision(rec_model *m, int bits, struct rec_error *err)
{
	if (bits != 32 && bits != 16 && bits != 8)
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"precision must be 32, 16 or 8");
	if (bits != 32 && m->ease)
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"precision %d applies to the factorization "
				"machine; an EASE model is saved at 32", bits);
	if (bits == 32 && m->no_optimiser_state)
		/* a file of precision 32 promises the state for an exact
		 * update: one restarted on purpose, never a stand-in */
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"a model loaded at precision %d has no "
				"optimiser state to save at 32; reset the "
				"optimiser to start one", m->precision);
	m->precision = bits;
	return 0;
}

const struct rec_params *rec_model_params(const rec_model *m)
{
	return &m->params;
}

void rec_model_info(const rec_model *m, struct rec_model_info *info)
{
	info->format_version = m->file_read_version ? m->file_read_version
						    : (uint32_t)rec_model_read_version(m);
	info->writer_version = m->file_write_version ? m->file_write_version
						     : (uint32_t)rec_model_write_version(m);
	info->precision = m->precision;
	info->optimiser_state = !m->no_optimiser_state;
	info->features = m->features;
	info->items = m->catalogue.count;
	info->events = m->counters.events;
	info->events_learned = m->counters.learned;
	info->events_learned_known = m->counters.learned_known;
	info->updates = m->counters.updates;
	info->train_loss = m->counters.train_loss;
	info->holdout_loss = m->counters.holdout_loss;
	info->passes_done = m->counters.passes_done;
	info->created = m->counters.created;
	info->saved = m->counters.saved;
	info->nonzero = 0;
	for (size_t r = 0; r < m->features; r++)
		info->nonzero += m->rows[r * m->stride] != 0;
	info->user_table = rec_model_table_size(m, REC_USERS);
	info->item_table = rec_model_table_size(m, REC_ITEMS);
	info->family = m->ease ? "ease" : "fm";
	info->ease_lambda = 0;
	info->ease_items = info->ease_gram_nonzero = 0;
	info->ease_users = info->ease_pairs = 0;
	if (m->ease) {
		info->ease_lambda = m->ease->lambda;
		info->ease_items = m->ease->n;
		info->ease_gram_nonzero = m->ease->gram_nonzero;
		info->ease_users = m->ease->nusers;
		info->ease_pairs = m->ease->pairs;
	}
	info->cold_items = 0;
	for (size_t i = 0; i < info->item_table; i++) {
		size_t len;
		const char *id = rec_idset_id(m->schema.tables[REC_ITEMS].ids,
					      i, &len);
		info->cold_items += rec_catalogue_find(m, id, len) ==
				    UINT32_MAX;
	}
}

/*
 * A new row's factors depend only on the seed and the feature key, not on
 * the order rows are made in or on the generator's state: so training on A
 * then updating on B starts every feature exactly where training on A and B
 * together would.
 */
static void init_row(const struct rec_model *m, uint64_t key, float *row)
{
	int k = m->params.factors;
	float scale = (float)(m->params.init_std * sqrt(3.0));
	row[0] = 0;
	for (int j = 0; j < k; j++) {
		uint64_t h = rec_hash('v', (const char *)&key, sizeof(key)) ^
			     (m->params.seed * 0x9E3779B97F4A7C15ull) ^
			     ((uint64_t)j * 0xD1B54A32D192ED03ull);
		struct rec_rng r;
		rec_rng_seed(&r, h);
		row[1 + j] = scale * (float)(2 * rec_rng_uniform(&r) - 1);
	}
	float acc = m->params.optimizer != REC_OPT_SGD ? ADAGRAD_INIT : 0;
	for (int j = 0; j <= k; j++)
		row[1 + k + j] = acc;
	if (m->params.optimizer == REC_OPT_FTRL) {
		row[1 + k] = 0;		/* the weight's n */
		row[2 + 2 * k] = 0;	/* and z */
	}
}

int rec_model_reserve_rows(struct rec_model *m, size_t n)
{
	if (n > UINT32_MAX - 1 - m->features)
		return REC_ENOMEM;
	if (m->features + n > m->cap) {
		/* each array is kept on success, so a failure part way
		 * leaves every array at least m->cap long */
		size_t cap = rec_grow_cap(m->cap, m->features + n, 1024);
		float *rows = cap ? rec_realloc_array(m->rows, cap,
						      m->stride * sizeof(float))
				  : NULL;
		if (!rows)
			return REC_ENOMEM;
		m->rows = rows;
		uint64_t *keys = rec_realloc_array(m->feature_keys, cap,
						   sizeof(*keys));
		if (!keys)
			return REC_ENOMEM;
		m->feature_keys = keys;
		uint32_t *events = rec_realloc_array(m->feature_events, cap,
						     sizeof(*events));
		if (!events)
			return REC_ENOMEM;
		m->feature_events = events;
		if (m->feature_stamp) {
			double *stamps = rec_realloc_array(m->feature_stamp,
							   cap,
							   sizeof(*stamps));
			if (!stamps)
				return REC_ENOMEM;
			m->feature_stamp = stamps;
		}
		if (m->feature_space) {
			uint32_t *spaces = rec_realloc_array(m->feature_space,
							     cap,
							     sizeof(*spaces));
			if (!spaces)
				return REC_ENOMEM;
			m->feature_space = spaces;
		}
		m->cap = cap;
	}
	return 0;
}

void rec_model_append_row(struct rec_model *m, uint64_t key, uint32_t space)
{
	size_t r = m->features;
	init_row(m, key, m->rows + r * m->stride);
	m->feature_keys[r] = key;
	m->feature_events[r] = 0;
	if (m->feature_stamp)
		m->feature_stamp[r] = 0;
	if (m->feature_space)
		m->feature_space[r] = space;
	m->features++;
}

int rec_model_intern(struct rec_model *m, uint64_t key, uint32_t space,
		     uint32_t *row)
{
	uint32_t r = rec_map_get(&m->feature_index, key);
	if (r != UINT32_MAX) {
		*row = r;
		return 0;
	}
	if (rec_model_reserve_rows(m, 1) != 0)
		return REC_ENOMEM;
	r = (uint32_t)m->features;
	if (rec_map_put(&m->feature_index, key, r) != 0)
		return REC_ENOMEM;
	rec_model_append_row(m, key, space);
	*row = r;
	return 0;
}

/* The position of the item with key, and feature row feature, or
 * UINT32_MAX: from the row's hint when it holds, else from the index. */
static uint32_t catalogue_at(const struct rec_catalogue *c, uint64_t key,
			     uint32_t feature)
{
	if (feature < c->by_row_len) {
		uint32_t at = c->by_row[feature];
		if (at < c->count && c->items[at].key == key)
			return at;
	}
	return rec_map_get(&c->index, key);
}

/* Remember that feature row feature leads to position at; without the
 * memory for it, the index serves. */
static void hint_row(struct rec_catalogue *c, uint32_t feature, uint32_t at)
{
	if (feature == UINT32_MAX)
		return;
	if (feature >= c->by_row_len) {
		size_t len = rec_grow_cap(c->by_row_len, (size_t)feature + 1,
					  1024);
		uint32_t *by_row = rec_realloc_array(c->by_row, len,
						     sizeof(*by_row));
		if (!by_row)
			return;
		for (size_t r = c->by_row_len; r < len; r++)
			by_row[r] = UINT32_MAX;
		c->by_row = by_row;
		c->by_row_len = len;
	}
	c->by_row[feature] = at;
}

int rec_catalogue_note(struct rec_model *m, uint64_t key, const char *id,
		       size_t len, uint32_t feature, double time)
{
	struct rec_catalogue *c = &m->catalogue;
	uint32_t at = catalogue_at(c, key, feature);
	if (at != UINT32_MAX) {
		struct rec_item *it = &c->items[at];
		c->last = at;
		it->count++;
		if (it->count > c->max_count)
			c->max_count = it->count;
		if (time > it->last_time)
			it->last_time = time;
		if (feature < c->by_row_len && c->by_row[feature] != at)
			c->by_row[feature] = at;
		return 0;
	}
	if (c->names_len + len > UINT32_MAX || c->count >= UINT32_MAX - 1)
		return REC_ENOMEM;
	if (c->count == c->cap) {
		size_t cap = rec_grow_cap(c->cap, c->count + 1, 256);
		struct rec_item *items = cap ? rec_realloc_array(c->items, cap,
								 sizeof(*items))
					     : NULL;
		if (!items)
			return REC_ENOMEM;
		c->items = items;
		c->cap = cap;
	}
	if (c->names_len + len > c->names_cap) {
		size_t cap = rec_grow_cap(c->names_cap, c->names_len + len,
					  4096);
		char *names = cap ? rec_realloc(c->names, cap) : NULL;
		if (!names)
			return REC_ENOMEM;
		c->names = names;
		c->names_cap = cap;
	}
	if (rec_map_put(&c->index, key, (uint32_t)c->count) != 0)
		return REC_ENOMEM;
	memcpy(c->names + c->names_len, id, len);
	c->last = (uint32_t)c->count;
	struct rec_item *it = &c->items[c->count++];
	it->key = key;
	it->name_off = (uint32_t)c->names_len;
	it->name_len = (uint32_t)len;
	it->feature = feature;
	it->feats_first = 0;
	it->feats_count = 0;
	it->count = 1;
	if (c->max_count < 1)
		c->max_count = 1;
	it->last_time = time;
	c->names_len += len;
	hint_row(c, feature, c->last);
	return 0;
}

uint32_t rec_catalogue_find(const struct rec_model *m, const char *id,
			    size_t len)
{
	const struct rec_catalogue *c = &m->catalogue;
	uint32_t at = rec_map_get(&c->index, rec_hash(REC_SPACE_ITEM, id, len));
	if (at == UINT32_MAX || c->items[at].name_len != len ||
	    memcmp(c->names + c->items[at].name_off, id, len) != 0)
		return UINT32_MAX;
	return at;
}

int rec_model_item_stats(const rec_model *m, uint32_t index,
			 struct rec_item_stats *st)
{
	const struct rec_catalogue *c = &m->catalogue;
	if (index >= c->count)
		return REC_EINVAL;
	st->events = c->items[index].count;
	st->last_time = c->items[index].last_time;
	st->users = m->ease && index < m->ease->item_users_cap
		? m->ease->item_users[index] : 0;
	return 0;
}

const char *rec_model_item(const rec_model *m, uint32_t index, size_t *len)
{
	const struct rec_catalogue *c = &m->catalogue;
	if (index >= c->count) {
		*len = 0;
		return NULL;
	}
	*len = c->items[index].name_len;
	return c->names + c->items[index].name_off;
}

size_t rec_model_items(const rec_model *m)
{
	return m->catalogue.count;
}

double rec_loss(enum rec_loss loss, double margin, double label)
{
	if (loss == REC_LOSS_BPR)	/* margin: positive minus negative */
		return margin > 0 ? log1p(exp(-margin))
			: -margin + log1p(exp(margin));
	if (loss == REC_LOSS_SQUARED)
		return (margin - label) * (margin - label);
	/* log(1 + e^s) - y s, without overflow */
	double l = margin > 0 ? margin + log1p(exp(-margin))
		: log1p(exp(margin));
	return l - label * margin;
}

double rec_model_loss(const struct rec_model *m, double margin, double label)
{
	return rec_loss(m->params.loss, margin, label);
}

int rec_model_scores_classes(const struct rec_model *m)
{
	return m->params.loss == REC_LOSS_LOGISTIC ||
	       m->params.task == REC_TASK_IMPLICIT;
}

double rec_model_predict(const rec_model *m, double margin)
{
	if (m->params.loss == REC_LOSS_LOGISTIC)
		return 1 / (1 + exp(-margin));
	return margin;	/* squared loss: the value; BPR: a ranking score */
}

double rec_model_margin_rows(const struct rec_model *m, uint32_t user_row,
			     uint32_t item_row)
{
	double s = m->bias[0];
	int k = m->params.factors;
	const float *u = user_row != UINT32_MAX
		? m->rows + (size_t)user_row * m->stride : NULL;
	const float *v = item_row != UINT32_MAX
		? m->rows + (size_t)item_row * m->stride : NULL;
	if (u)
		s += u[0];
	if (v)
		s += v[0];
	if (u && v) {
		float dot = 0;
		for (int j = 1; j <= k; j++)
			dot += u[j] * v[j];
		s += dot;
	}
	return s;
}

static struct rec_learned *journal_find(const rec_model *m,
					 const unsigned char sha[32],
					 uint64_t bytes)
{
	for (size_t i = 0; i < m->journal.n; i++)
		if (m->journal.e[i].bytes == bytes &&
		    memcmp(m->journal.e[i].sha, sha, 32) == 0)
			return &m->journal.e[i];
	return NULL;
}

int rec_model_learned(const rec_model *m, const unsigned char sha[32],
		      uint64_t bytes, int64_t *when)
{
	const struct rec_learned *e = journal_find(m, sha, bytes);
	if (e && when)
		*when = e->when;
	return e != NULL;
}

int rec_model_note_learned(rec_model *m, const unsigned char sha[32],
			   uint64_t bytes, int64_t when)
{
	struct rec_journal *j = &m->journal;
	struct rec_learned *old = journal_find(m, sha, bytes);
	if (old) {	/* learned again: the newest now */
		size_t at = (size_t)(old - j->e);
		memmove(j->e + at, j->e + at + 1,
			(j->n - at - 1) * sizeof(*j->e));
		j->n--;
	} else if (j->n == REC_JOURNAL_MAX) {
		memmove(j->e, j->e + 1, (j->n - 1) * sizeof(*j->e));
		j->n--;
	}
	struct rec_learned *e = rec_grow_array(j->e, &j->cap, j->n + 1, 16,
					       sizeof(*e));
	if (!e)
		return REC_ENOMEM;
	j->e = e;
	memcpy(e[j->n].sha, sha, 32);
	e[j->n].bytes = bytes;
	e[j->n].when = when;
	j->n++;
	return 0;
}

size_t rec_model_journal_size(const rec_model *m)
{
	return m->journal.n;
}

void rec_model_reset_optimizer(rec_model *m)
{
	const int k = m->params.factors;
	const int opt = m->params.optimizer;
	const float acc = opt != REC_OPT_SGD ? ADAGRAD_INIT : 0;
	const float alpha = (float)m->params.ftrl_alpha;
	const float beta = (float)m->params.ftrl_beta;
	const float l1 = (float)m->params.l1, l2 = (float)m->params.l2;
	m->bias[1] = ADAGRAD_INIT;	/* as a new model has it */
	m->no_optimiser_state = 0;	/* the state is this one now */
	for (size_t r = 0; r < m->features; r++) {
		float *row = m->rows + r * m->stride;
		for (int j = 0; j <= k; j++)
			row[1 + k + j] = acc;
		if (opt != REC_OPT_FTRL)
			continue;
		/* n = 0, and z where FTRL's closed form gives the weight
		 * the row has, so that only the step size starts again */
		float w = row[0];
		row[1 + k] = 0;
		row[2 + 2 * k] = w == 0 ? 0
			: -w * (beta / alpha + l2) - copysignf(l1, w);
	}
}

int rec_model_anchor(rec_model *m, double l2)
{
	rec_free(m->anchor);
	m->anchor = NULL;
	m->anchor_rows = 0;
	if (!(l2 > 0) || m->features == 0)
		return 0;
	const size_t n = 1 + (size_t)m->params.factors;
	m->anchor = rec_malloc_array(m->features, n * sizeof(float));
	if (!m->anchor)
		return REC_ENOMEM;
	for (size_t r = 0; r < m->features; r++)
		memcpy(m->anchor + r * n, m->rows + r * m->stride,
		       n * sizeof(float));
	m->anchor_rows = m->features;
	m->anchor_l2 = (float)l2;
	return 0;
}

void rec_model_set_threads(rec_model *m, int threads)
{
	m->threads = threads < 1 ? 1 : threads;
	if (m->ease)
		m->ease->threads = m->threads;
}

double rec_model_margin(const rec_model *m, const char *user, size_t user_len,
			const char *item, size_t item_len)
{
	if (m->ease)
		return rec_ease_margin(m, user, user_len, item, item_len);
	if (m->schema.active)
		return rec_fm_margin_ids(m, user, user_len, item, item_len);
	uint32_t rows[2];
	rec_model_find_pair(m, user, user_len, item, item_len, rows);
	return rec_model_margin_rows(m, rows[0], rows[1]);
}

/* One optimiser step on n values with gradients g. */
static inline void step(float *restrict w, float *restrict acc,
			const float *restrict g, int n, float lr, int adagrad)
{
	/* written as comparisons, which vectorise, and which also turn a
	 * NaN into the bound (a comparison with NaN is false) */
	if (adagrad) {
		for (int j = 0; j < n; j++) {
			float a = acc[j] + g[j] * g[j];
			acc[j] = a <= REC_ACC_MAX ? a : REC_ACC_MAX;
			float x = w[j] - lr * g[j] / sqrtf(acc[j]);
			x = x <= REC_PARAM_MAX ? x : REC_PARAM_MAX;
			w[j] = x >= -REC_PARAM_MAX ? x : -REC_PARAM_MAX;
		}
	} else {
		for (int j = 0; j < n; j++) {
			float x = w[j] - lr * g[j];
			x = x <= REC_PARAM_MAX ? x : REC_PARAM_MAX;
			w[j] = x >= -REC_PARAM_MAX ? x : -REC_PARAM_MAX;
		}
	}
}

/*
 * FTRL-Proximal (McMahan et al. 2013, algorithm 1) on a row's weight, whose
 * n and z lie at row[1 + k] and row[2 + 2k]: the weight is a closed form
 * of them, exactly 0 while |z| <= l1.  L2 enters as the paper's lambda2.
 */
static inline void ftrl_step(const struct rec_model *m, float *row, float g)
{
	const int k = m->params.factors;
	const float alpha = (float)m->params.ftrl_alpha;
	const float beta = (float)m->params.ftrl_beta;
	const float l1 = (float)m->params.l1, l2 = (float)m->params.l2;
	float n = row[1 + k], z = row[2 + 2 * k], w = row[0];
	float n1 = n + g * g;
	n1 = n1 <= REC_ACC_MAX ? n1 : REC_ACC_MAX;
	float sigma = (sqrtf(n1) - sqrtf(n)) / alpha;
	z += g - sigma * w;
	z = z <= REC_ACC_MAX ? z : REC_ACC_MAX;
	z = z >= -REC_ACC_MAX ? z : -REC_ACC_MAX;
	row[1 + k] = n1;
	row[2 + 2 * k] = z;
	if (fabsf(z) <= l1) {
		row[0] = 0;
		return;
	}
	float x = -(z - copysignf(l1, z)) / ((beta + sqrtf(n1)) / alpha + l2);
	x = x <= REC_PARAM_MAX ? x : REC_PARAM_MAX;
	row[0] = x >= -REC_PARAM_MAX ? x : -REC_PARAM_MAX;
}

static float event_share(const struct rec_model *m, uint32_t row);

/* g with the pull of --l2-init added, into pulled, for a row the model had
 * when the pull began (else g itself): anchor_l2 (row - anchor), shared
 * out over the row's events as L2 is (event_share). */
static inline const float *anchor_pull(const struct rec_model *m,
				       const float *row, const float *g,
				       float *pulled)
{
	size_t r = (size_t)(row - m->rows) / m->stride;
	if (r >= m->anchor_rows)
		return g;
	const int n = 1 + m->params.factors;
	const float *a = m->anchor + r * (size_t)n;
	const float pull = m->anchor_l2 * event_share(m, (uint32_t)r);
	for (int j = 0; j < n; j++)
		pulled[j] = g[j] + pull * (row[j] - a[j]);
	return pulled;
}

/* One optimiser step on a row: its weight too when with_w, else its
 * factors only (g[0] is then ignored). */
static inline void step_row(const struct rec_model *m, float *row,
			    const float *g, int with_w)
{
	const int k = m->params.factors;
	const float lr = (float)m->params.lr;
	const int opt = m->params.optimizer;
	float pulled[1 + MAX_FACTORS];
	if (m->anchor)
		g = anchor_pull(m, row, g, pulled);
	if (opt == REC_OPT_FTRL) {
		if (with_w)
			ftrl_step(m, row, g[0]);
		if (k > 0)
			step(row + 1, row + 2 + k, g + 1, k, lr, 1);
		return;
	}
	if (with_w)
		step(row, row + 1 + k, g, 1 + k, lr, opt == REC_OPT_ADAGRAD);
	else if (k > 0)
		step(row + 1, row + 2 + k, g + 1, k, lr,
		     opt == REC_OPT_ADAGRAD);
}

/*
 * L2 is a penalty per parameter, as in liblinear's objective
 * sum(loss) + l2/2 |w|^2, not per event: each event of a feature carries
 * 1/n of it, n being the feature's events so far.  A rare item is then
 * pulled towards zero much harder than a frequent one, which is what keeps
 * an item seen twice with high ratings from topping every cold user's list.
 */
static float event_share(const struct rec_model *m, uint32_t row)
{
	uint32_t n = m->feature_events[row];
	return n > 1 ? 1.0f / (float)n : 1.0f;
}

/* With exp_out and the logistic loss, the loss is left to the caller:
 * *exp_out gets the e it is computed from (rec_logistic_loss), and 0 is
 * returned. */
static double learn_step(struct rec_model *m, uint32_t user_row,
			 uint32_t item_row, float label, float weight,
			 double *margin_out, int freeze, float *exp_out)
{
	const int k = m->params.factors;
	const float lr = (float)m->params.lr;
	const float nu = event_share(m, user_row);
	const float ni = event_share(m, item_row);
	/* FTRL has its L2 in the closed form of the weight */
	const float l2w = m->params.optimizer == REC_OPT_FTRL
		? 0 : (float)m->params.l2;
	const float l2u = l2w * nu;
	const float l2i = l2w * ni;
	const float l2fu = (float)m->params.l2_factors * nu;
	const float l2fi = (float)m->params.l2_factors * ni;
	const int adagrad = m->params.optimizer != REC_OPT_SGD;
	float *u = m->rows + (size_t)user_row * m->stride;
	float *v = m->rows + (size_t)item_row * m->stride;

	float dot = 0;
	for (int j = 1; j <= k; j++)
		dot += u[j] * v[j];
	double margin = (double)m->bias[0] + u[0] + v[0] + dot;
	if (margin_out)
		*margin_out = margin;
	double loss;
	float g;
	if (m->params.loss == REC_LOSS_LOGISTIC) {
		/* one exp serves both the probability and the loss; float
		 * precision is plenty for a gradient and a reported loss */
		float e = expf(-fabsf((float)margin));
		float p = margin >= 0 ? 1 / (1 + e) : e / (1 + e);
		if (exp_out) {
			*exp_out = e;
			loss = 0;
		} else {
			loss = rec_logistic_loss(margin, e, label, weight);
		}
		g = p - label;
	} else {
		loss = (margin - label) * (margin - label) * weight;
		g = (float)(margin - label);
	}
	g *= weight;

	/* gradients from the old values of both rows, then both steps */
	float gu[1 + MAX_FACTORS], gv[1 + MAX_FACTORS];
	gu[0] = g + l2u * u[0];
	gv[0] = g + l2i * v[0];
	for (int j = 1; j <= k; j++) {
		gu[j] = g * v[j] + l2fu * u[j];
		gv[j] = g * u[j] + l2fi * v[j];
	}
	float gb = g;
	step(&m->bias[0], &m->bias[1], &gb, 1, lr, adagrad);
	if (!(freeze & REC_FREEZE_USERS))
		step_row(m, u, gu, 1);
	if (item_row != user_row && !(freeze & REC_FREEZE_ITEMS))
		step_row(m, v, gv, 1);
	return loss;
}

static double learn(struct rec_model *m, uint32_t user_row, uint32_t item_row,
		    float label, float weight, double *margin_out, int freeze)
{
	return learn_step(m, user_row, item_row, label, weight, margin_out,
			  freeze, NULL);
}

static void count_event(struct rec_model *m, uint32_t row)
{
	if (m->feature_events[row] < UINT32_MAX)
		m->feature_events[row]++;
}

double rec_model_learn(struct rec_model *m, uint32_t user_row,
		       uint32_t item_row, float label, float weight)
{
	return rec_model_learn_scored(m, user_row, item_row, label, weight,
				      NULL, 0);
}

double rec_model_learn_scored(struct rec_model *m, uint32_t user_row,
			      uint32_t item_row, float label, float weight,
			      double *margin, int freeze)
{
	count_event(m, user_row);
	if (item_row != user_row)
		count_event(m, item_row);
	return learn(m, user_row, item_row, label, weight, margin, freeze);
}

double rec_model_learn_deferred(struct rec_model *m, uint32_t user_row,
				uint32_t item_row, float label, float weight,
				double *margin, float *exp_out)
{
	count_event(m, user_row);
	if (item_row != user_row)
		count_event(m, item_row);
	return learn_step(m, user_row, item_row, label, weight, margin, 0,
			  exp_out);
}

/*
 * Forgetting scales AdaGrad's sums of squared gradients down with age, so
 * the step size of a feature recovers when it has not been learned for a
 * while and recent events weigh more than old ones.  Stamps are kept only
 * once forgetting is on; a row without a stamp starts its clock now.
 */
static void fade(float *acc, int n, double *stamp, double now, double half)
{
	if (*stamp > 0 && now > *stamp) {
		/* never to 0: a zero gradient would then step by 0/0 */
		float f = (float)exp2(-(now - *stamp) / half);
		for (int j = 0; j < n; j++)
			acc[j] = fmaxf(acc[j] * f, ACC_FLOOR);
	}
	if (now > *stamp)
		*stamp = now;
}

int rec_model_forget_init(struct rec_model *m)
{
	if (!(m->params.half_life > 0) ||
	    m->params.optimizer != REC_OPT_ADAGRAD || m->feature_stamp)
		return 0;
	m->feature_stamp = rec_calloc(m->cap ? m->cap : 1, sizeof(double));
	return m->feature_stamp ? 0 : REC_ENOMEM;
}

int rec_model_forget(struct rec_model *m, uint32_t user_row,
		     uint32_t item_row, double now)
{
	const double half = m->params.half_life;
	if (!(half > 0) || m->params.optimizer != REC_OPT_ADAGRAD)
		return 0;
	if (rec_model_forget_init(m) != 0)
		return REC_ENOMEM;
	const int n = 1 + m->params.factors;
	fade(&m->bias[1], 1, &m->bias_stamp, now, half);
	fade(m->rows + (size_t)user_row * m->stride + n, n,
	     &m->feature_stamp[user_row], now, half);
	if (item_row != user_row)
		fade(m->rows + (size_t)item_row * m->stride + n, n,
		     &m->feature_stamp[item_row], now, half);
	return 0;
}

int rec_model_forget_rows(struct rec_model *m, const struct rec_feat *f,
			  int n, double now)
{
	const double half = m->params.half_life;
	if (!(half > 0) || m->params.optimizer != REC_OPT_ADAGRAD)
		return 0;
	if (rec_model_forget_init(m) != 0)
		return REC_ENOMEM;
	const int w = 1 + m->params.factors;
	for (int a = 0; a < n; a++)
		fade(m->rows + (size_t)f[a].row * m->stride + w, w,
		     &m->feature_stamp[f[a].row], now, half);
	return 0;
}

double rec_model_learn_again(struct rec_model *m, uint32_t user_row,
			     uint32_t item_row, float label, float weight)
{
	return learn(m, user_row, item_row, label, weight, NULL, 0);
}

/* A parameter's value as an option would give it. */
static void param_text(const struct rec_param *d,
		       const struct rec_param_value *v, char *buf, size_t len)
{
	if (v->str)
		snprintf(buf, len, "%s", v->str);
	else if (d->type == REC_PARAM_FLAG)
		snprintf(buf, len, "%s", v->num ? "on" : "off");
	else if (d->type == REC_PARAM_U64)
		snprintf(buf, len, "%llu", (unsigned long long)v->u64);
	else
		snprintf(buf, len, "%g", v->num);
}

/* p's values of the rows whose flags meet settable into m; the others
 * must be m's own. */
static int retune(rec_model *m, const struct rec_params *p, int settable,
		  struct rec_error *err)
{
	struct rec_params n = m->params;
	for (size_t i = 0; i < rec_param_count; i++) {
		const struct rec_param *d = &rec_param_table[i];
		if (d->flags & settable) {
			rec_param_copy(&n, p, d);
			continue;
		}
		if (d->flags & REC_PARAM_INPUT && d->type == REC_PARAM_STRING)
			continue;	/* each run reads its own columns */
		struct rec_param_value was, given;
		rec_param_get(&m->params, d, &was);
		rec_param_get(p, d, &given);
		if (d->type == REC_PARAM_STRING) {
			if (was.str == given.str ||
			    (was.str && given.str &&
			     strcmp(was.str, given.str) == 0))
				continue;
			if (!was.str)
				return rec_fail(err, REC_EINVAL, NULL, 0,
						"--%s %s: the model was trained "
						"without --%s, which is fixed "
						"then", d->option, given.str,
						d->option);
			return rec_fail(err, REC_EINVAL, NULL, 0,
					"--%s %s: the model was trained with "
					"--%s %s, which is fixed then",
					d->option, given.str ? given.str : "",
					d->option, was.str);
		}
		if (was.num == given.num && was.u64 == given.u64)
			continue;
		char a[64], b[64];
		param_text(d, &was, a, sizeof(a));
		param_text(d, &given, b, sizeof(b));
		if (d->option)
			return rec_fail(err, REC_EINVAL, NULL, 0,
					"--%s %s: the model has %s, fixed when "
					"it was trained", d->option, b, a);
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"parameter %s is fixed when a model is "
				"trained (the model has %s)", d->key, a);
	}
	const char *why = rec_params_check(&n);
	if (why)
		return rec_fail(err, REC_EINVAL, NULL, 0, "%s", why);
	m->params = n;
	return 0;
}

int rec_model_retune(rec_model *m, const struct rec_params *p,
		     struct rec_error *err)
{
	return retune(m, p, REC_PARAM_UPDATE, err);
}

int rec_model_warm_start(rec_model *m, const struct rec_params *p,
			 struct rec_error *err)
{
	return retune(m, p, REC_PARAM_UPDATE | REC_PARAM_RUN, err);
}

void rec_model_progressive(const rec_model *m, struct rec_progressive *pv)
{
	pv->events = m->counters.prog_events;
	pv->loss = m->counters.prog_weight > 0
		? m->counters.prog_loss / m->counters.prog_weight : 0;
}

/*
 * A negative for a positive of item row pos: a catalogue item drawn
 * uniformly, or in proportion to count^alpha by rejection, never pos itself.
 * UINT32_MAX when none could be drawn (a catalogue of one item).
 */
static uint32_t draw_negative(const struct rec_model *m, struct rec_rng *rng,
			      uint32_t pos_row, uint32_t pos_item)
{
	const struct rec_catalogue *c = &m->catalogue;
	const double alpha = m->params.sample_alpha;
	if (c->count < 2)
		return UINT32_MAX;
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t at = (uint32_t)rec_rng_below(rng, c->count);
		const struct rec_item *it = &c->items[at];
		if (it->feature == pos_row || at == pos_item)
			continue;
		if (alpha > 0 &&
		    rec_rng_uniform(rng) >=
			    pow((double)it->count / (double)c->max_count, alpha))
			continue;
		return at;
	}
	return UINT32_MAX;
}

static uint32_t sample_negative(const struct rec_model *m, struct rec_rng *rng,
				uint32_t pos)
{
	uint32_t at = draw_negative(m, rng, pos, UINT32_MAX);
	return at == UINT32_MAX ? UINT32_MAX : m->catalogue.items[at].feature;
}

/* BPR: the user should score item i above item j.  The global bias and
 * the user's weight cancel out of the difference and are not touched. */
static double learn_pair(struct rec_model *m, uint32_t user_row,
			 uint32_t i_row, uint32_t j_row, float weight,
			 double *diff_out, int freeze)
{
	const int k = m->params.factors;
	const float su = event_share(m, user_row);
	const float si = event_share(m, i_row), sj = event_share(m, j_row);
	const float l2 = m->params.optimizer == REC_OPT_FTRL
		? 0 : (float)m->params.l2;
	const float l2f = (float)m->params.l2_factors;
	float *u = m->rows + (size_t)user_row * m->stride;
	float *vi = m->rows + (size_t)i_row * m->stride;
	float *vj = m->rows + (size_t)j_row * m->stride;
	float dot = 0;
	for (int f = 1; f <= k; f++)
		dot += u[f] * (vi[f] - vj[f]);
	double x = (double)vi[0] - vj[0] + dot;
	if (diff_out)
		*diff_out = x;
	double loss = rec_loss(REC_LOSS_BPR, x, 1) * weight;
	/* d/dx of -log sigmoid(x) is -sigmoid(-x) */
	float g = (float)(-1 / (1 + exp(x))) * weight;
	float gu[1 + MAX_FACTORS], gi[1 + MAX_FACTORS], gj[1 + MAX_FACTORS];
	gi[0] = g + l2 * si * vi[0];
	gj[0] = -g + l2 * sj * vj[0];
	for (int f = 1; f <= k; f++) {
		gu[f] = g * (vi[f] - vj[f]) + l2f * su * u[f];
		gi[f] = g * u[f] + l2f * si * vi[f];
		gj[f] = -g * u[f] + l2f * sj * vj[f];
	}
	if (!(freeze & REC_FREEZE_USERS) && k > 0)
		step_row(m, u, gu, 0);
	if (!(freeze & REC_FREEZE_ITEMS)) {
		if (i_row != user_row)
			step_row(m, vi, gi, 1);
		if (j_row != user_row && j_row != i_row)
			step_row(m, vj, gj, 1);
	}
	return loss;
}

double rec_model_learn_implicit(struct rec_model *m, uint32_t user_row,
				uint32_t item_row, float weight, int count,
				int freeze, double *pos_margin,
				double *neg_margin)
{
	if (count) {
		count_event(m, user_row);
		if (item_row != user_row)
			count_event(m, item_row);
	}
	const int bpr = m->params.loss == REC_LOSS_BPR;
	double loss = 0, margin;
	int steps = 0;
	*pos_margin = rec_model_margin_rows(m, user_row, item_row);
	*neg_margin = *pos_margin;
	if (!bpr) {
		loss += learn(m, user_row, item_row, 1, weight, NULL, freeze);
		steps++;
	}
	if (m->params.hard_negatives) {
		/* dynamic negative sampling: the negative the model ranks
		 * highest teaches it most about the top of its lists */
		uint32_t best = UINT32_MAX;
		double best_margin = 0;
		for (int n = 0; n < m->params.negatives; n++) {
			uint32_t j = sample_negative(m, &m->rng, item_row);
			if (j == UINT32_MAX)
				break;
			double s = rec_model_margin_rows(m, user_row, j);
			if (best == UINT32_MAX || s > best_margin) {
				best = j;
				best_margin = s;
			}
		}
		if (best == UINT32_MAX)
			return 0;
		*neg_margin = best_margin;
		return learn_pair(m, user_row, item_row, best, weight, &margin,
				  freeze);
	}
	for (int n = 0; n < m->params.negatives; n++) {
		uint32_t j = sample_negative(m, &m->rng, item_row);
		if (j == UINT32_MAX)
			break;
		if (n == 0)
			*neg_margin = rec_model_margin_rows(m, user_row, j);
		loss += bpr ? learn_pair(m, user_row, item_row, j, weight,
					 &margin, freeze)
			    : learn(m, user_row, j, 0, weight, NULL, freeze);
		steps++;
	}
	return steps ? loss / steps : 0;
}

double rec_model_implicit_loss(const struct rec_model *m, struct rec_rng *rng,
			       uint32_t user_row, uint32_t item_row,
			       double *pos_margin, double *neg_margin)
{
	const int bpr = m->params.loss == REC_LOSS_BPR;
	double pos = rec_model_margin_rows(m, user_row, item_row);
	double loss = bpr ? 0 : rec_loss(REC_LOSS_LOGISTIC, pos, 1);
	int steps = !bpr;
	*pos_margin = *neg_margin = pos;
	for (int n = 0; n < m->params.negatives; n++) {
		uint32_t j = sample_negative(m, rng, item_row);
		if (j == UINT32_MAX)
			break;
		double neg = rec_model_margin_rows(m, user_row, j);
		if (n == 0)
			*neg_margin = neg;
		loss += bpr ? rec_loss(REC_LOSS_BPR, pos - neg, 1)
			    : rec_loss(REC_LOSS_LOGISTIC, neg, 0);
		steps++;
	}
	return steps ? loss / steps : 0;
}

/* ---- the factorization machine over feature lists ---- */

/*
 * The sums of one side: q = sum x v (k floats) into q, and the return
 * value: the linear part sum x w plus, with all interactions, the side's
 * own pairs, 1/2 (|q|^2 - sum x^2 |v|^2) (Rendle's identity).
 */
static double side_sums(const struct rec_model *m, const struct rec_feat *f,
			int n, float *q)
{
	const int k = m->params.factors;
	const int all = m->params.interactions == REC_ALL;
	for (int j = 0; j < k; j++)
		q[j] = 0;
	double lin = 0, self = 0;
	for (int a = 0; a < n; a++) {
		const float *r = m->rows + (size_t)f[a].row * m->stride;
		const float x = f[a].x;
		lin += (double)x * r[0];
		for (int j = 0; j < k; j++)
			q[j] += x * r[1 + j];
		if (all) {
			float sq = 0;
			for (int j = 0; j < k; j++)
				sq += r[1 + j] * r[1 + j];
			self += (double)x * x * sq;
		}
	}
	if (all) {
		float qq = 0;
		for (int j = 0; j < k; j++)
			qq += q[j] * q[j];
		lin += 0.5 * ((double)qq - self);
	}
	return lin;
}

double rec_fm_side(const struct rec_model *m, const struct rec_feat *f, int n,
		   float *q)
{
	return side_sums(m, f, n, q);
}

static float dot_k(const float *a, const float *b, int k)
{
	float d = 0;
	for (int j = 0; j < k; j++)
		d += a[j] * b[j];
	return d;
}

double rec_fm_margin(const struct rec_model *m, const struct rec_feat *u,
		     int nu, const struct rec_feat *i, int ni)
{
	float qu[MAX_FACTORS + 1], qi[MAX_FACTORS + 1];
	double s = (double)m->bias[0] + side_sums(m, u, nu, qu) +
		   side_sums(m, i, ni, qi);
	return s + dot_k(qu, qi, m->params.factors);
}

/* Room for n more gradient entries.  0 or REC_ENOMEM. */
int rec_model_grads_reserve(struct rec_model *m, size_t n)
{
	struct rec_grads *g = &m->grads;
	const size_t width = 1 + (size_t)m->params.factors;
	struct rec_grad *e = rec_grow_array(g->e, &g->cap, n, 64, sizeof(*e));
	if (!e)
		return REC_ENOMEM;
	g->e = e;
	float *gv = rec_grow_array(g->g, &g->g_cap, n * width, 64 * width,
				   sizeof(*gv));
	if (!gv)
		return REC_ENOMEM;
	g->g = gv;
	return 0;
}

/* The gradient entry of a row, made (zero) if new: a row met twice in a
 * step (a hash collision, a feature both items of a pair share) gets one
 * step with the sum of its gradients. */
static float *grad_of(struct rec_model *m, uint32_t row, int side, int with_w,
		      int shared)
{
	struct rec_grads *g = &m->grads;
	const size_t width = 1 + (size_t)m->params.factors;
	for (size_t a = 0; a < g->n; a++)
		if (g->e[a].row == row) {
			g->e[a].side |= (unsigned char)side;
			g->e[a].with_w |= (unsigned char)with_w;
			g->e[a].shared |= (unsigned char)shared;
			return g->g + a * width;
		}
	size_t a = g->n++;
	g->e[a] = (struct rec_grad){ row, (unsigned char)side,
				     (unsigned char)with_w,
				     (unsigned char)shared };
	float *v = g->g + a * width;
	for (size_t j = 0; j < width; j++)
		v[j] = 0;
	return v;
}

/*
 * The loss gradients of one side's rows, G times the derivative of the
 * margin: x for the weight, x (other + own - x v) for the factors, where
 * own (the side's own sum) enters only with all interactions, and not at
 * all when NULL.  with_w is 0 for a side whose weights cancel out of a
 * pair.
 */
static void side_grads(struct rec_model *m, const struct rec_feat *f, int n,
		       int side, float G, const float *other, const float *own,
		       int with_w)
{
	const int k = m->params.factors;
	const int all = m->params.interactions == REC_ALL && own;
	for (int a = 0; a < n; a++) {
		const float x = f[a].x, gx = G * x;
		/* a learning step's lists start with the id (its row is
		 * always made), then the side features */
		float *restrict g = grad_of(m, f[a].row, side, with_w, a > 0);
		if (with_w)
			g[0] += gx;
		if (!all) {
			for (int j = 0; j < k; j++)
				g[1 + j] += gx * other[j];
			continue;
		}
		const float *restrict v = m->rows +
					  (size_t)f[a].row * m->stride + 1;
		for (int j = 0; j < k; j++)
			g[1 + j] += gx * (other[j] + (own[j] - x * v[j]));
	}
}

/* Every entry's step, its L2 added (spread over the feature's events as
 * in learn()); the bias's step with gradient gb. */
static void apply_grads(struct rec_model *m, float gb, int freeze)
{
	struct rec_grads *g = &m->grads;
	const int k = m->params.factors;
	const size_t width = 1 + (size_t)k;
	const float l2 = m->params.optimizer == REC_OPT_FTRL
		? 0 : (float)m->params.l2;
	const float l2f = (float)m->params.l2_factors;
	const float lr = (float)m->params.lr;
	const float shared = (float)m->params.l2_shared;
	step(&m->bias[0], &m->bias[1], &gb, 1, lr,
	     m->params.optimizer != REC_OPT_SGD);
	for (size_t a = 0; a < g->n; a++) {
		const struct rec_grad *e = &g->e[a];
		if (e->side & freeze)
			continue;
		float *restrict r = m->rows + (size_t)e->row * m->stride;
		float *restrict gv = g->g + a * width;
		float share = event_share(m, e->row);
		/* a side feature shared by many events is still pulled
		 * towards zero at each of them: its share has a floor */
		if (e->shared && share < shared)
			share = shared;
		gv[0] += l2 * share * r[0];
		const float l2fs = l2f * share;
		for (int j = 1; j <= k; j++)
			gv[j] += l2fs * r[j];
		step_row(m, r, gv, e->with_w);
	}
	g->n = 0;
}

static void count_list(struct rec_model *m, const struct rec_feat *f, int n)
{
	for (int a = 0; a < n; a++)
		count_event(m, f[a].row);
}

/* The loss and its gradient G (times weight) of a margin. */
static double point_loss(const struct rec_model *m, double margin,
			 float label, float weight, float *G)
{
	double loss;
	if (m->params.loss == REC_LOSS_LOGISTIC) {
		float e = expf(-fabsf((float)margin));
		float p = margin >= 0 ? 1 / (1 + e) : e / (1 + e);
		loss = log1pf(e) + (margin > 0 ? margin : 0) - label * margin;
		*G = (p - label) * weight;
	} else {
		loss = (margin - label) * (margin - label);
		*G = (float)(margin - label) * weight;
	}
	return loss * weight;
}

static void prefetch_rows(const struct rec_model *m, const struct rec_feat *f,
			  int n)
{
	for (int a = 0; a < n; a++) {
		const float *r = m->rows + (size_t)f[a].row * m->stride;
		__builtin_prefetch(r);
		__builtin_prefetch(r + m->stride - 1);
	}
}

static double fm_point(struct rec_model *m, const struct rec_feat *u, int nu,
		       const struct rec_feat *i, int ni, float label,
		       float weight, double *margin_out, int freeze)
{
	const int k = m->params.factors;
	prefetch_rows(m, u, nu);
	prefetch_rows(m, i, ni);
	float qu[MAX_FACTORS + 1], qi[MAX_FACTORS + 1];
	double margin = (double)m->bias[0] + side_sums(m, u, nu, qu) +
			side_sums(m, i, ni, qi) + dot_k(qu, qi, k);
	if (margin_out)
		*margin_out = margin;
	float G;
	double loss = point_loss(m, margin, label, weight, &G);
	if (rec_model_grads_reserve(m, (size_t)(nu + ni)) != 0)
		return loss;	/* never: reserved when the event was made */
	side_grads(m, u, nu, REC_FREEZE_USERS, G, qi, qu, 1);
	side_grads(m, i, ni, REC_FREEZE_ITEMS, G, qu, qi, 1);
	apply_grads(m, G, freeze);
	return loss;
}

double rec_fm_learn(struct rec_model *m, const struct rec_feat *u, int nu,
		    const struct rec_feat *i, int ni, float label, float weight,
		    int count, double *margin, int freeze)
{
	if (count) {
		count_list(m, u, nu);
		count_list(m, i, ni);
	}
	return fm_point(m, u, nu, i, ni, label, weight, margin, freeze);
}

/* BPR on the lists: the query side should score item list i above j. */
static double fm_pair(struct rec_model *m, const struct rec_feat *u, int nu,
		      const struct rec_feat *i, int ni,
		      const struct rec_feat *j, int nj, float weight,
		      double *diff_out, int freeze)
{
	const int k = m->params.factors;
	float qu[MAX_FACTORS + 1], qi[MAX_FACTORS + 1], qj[MAX_FACTORS + 1];
	float dq[MAX_FACTORS + 1];
	side_sums(m, u, nu, qu);
	double x = side_sums(m, i, ni, qi) - side_sums(m, j, nj, qj);
	for (int f = 0; f < k; f++)
		dq[f] = qi[f] - qj[f];
	x += dot_k(qu, dq, k);
	if (diff_out)
		*diff_out = x;
	double loss = rec_loss(REC_LOSS_BPR, x, 1) * weight;
	float G = (float)(-1 / (1 + exp(x))) * weight;
	if (rec_model_grads_reserve(m, (size_t)(nu + ni + nj)) != 0)
		return loss;	/* never: reserved when the event was made */
	/* the query side's weights and own pairs cancel out of x */
	side_grads(m, u, nu, REC_FREEZE_USERS, G, dq, NULL, 0);
	side_grads(m, i, ni, REC_FREEZE_ITEMS, G, qu, qi, 1);
	side_grads(m, j, nj, REC_FREEZE_ITEMS, -G, qu, qj, 1);
	apply_grads(m, 0, freeze);
	return loss;
}

/* The rows of a negative item's side; its count. */
static int negative_side(const struct rec_model *m, uint32_t item,
			 struct rec_feat *out)
{
	struct rec_kfeat scratch[REC_MAX_SIDE];
	return rec_catalogue_item_feats(m, item, scratch, out);
}

double rec_fm_learn_implicit(struct rec_model *m, const struct rec_feat *u,
			     int nu, const struct rec_feat *i, int ni,
			     uint32_t item, float weight, int count,
			     int freeze, double *pos_margin,
			     double *neg_margin)
{
	if (count) {
		count_list(m, u, nu);
		count_list(m, i, ni);
	}
	const int bpr = m->params.loss == REC_LOSS_BPR;
	struct rec_feat neg[REC_MAX_SIDE];
	double loss = 0, x;
	int steps = 0;
	*pos_margin = rec_fm_margin(m, u, nu, i, ni);
	*neg_margin = *pos_margin;
	if (!bpr) {
		loss += fm_point(m, u, nu, i, ni, 1, weight, NULL, freeze);
		steps++;
	}
	if (m->params.hard_negatives) {
		uint32_t best = UINT32_MAX;
		double best_margin = 0;
		for (int n = 0; n < m->params.negatives; n++) {
			uint32_t j = draw_negative(m, &m->rng, UINT32_MAX,
						   item);
			if (j == UINT32_MAX)
				break;
			int nn = negative_side(m, j, neg);
			double s = rec_fm_margin(m, u, nu, neg, nn);
			if (best == UINT32_MAX || s > best_margin) {
				best = j;
				best_margin = s;
			}
		}
		if (best == UINT32_MAX)
			return 0;
		*neg_margin = best_margin;
		int nn = negative_side(m, best, neg);
		return fm_pair(m, u, nu, i, ni, neg, nn, weight, &x, freeze);
	}
	for (int n = 0; n < m->params.negatives; n++) {
		uint32_t j = draw_negative(m, &m->rng, UINT32_MAX, item);
		if (j == UINT32_MAX)
			break;
		int nn = negative_side(m, j, neg);
		if (n == 0)
			*neg_margin = rec_fm_margin(m, u, nu, neg, nn);
		loss += bpr ? fm_pair(m, u, nu, i, ni, neg, nn, weight, &x,
				      freeze)
			    : fm_point(m, u, nu, neg, nn, 0, weight, NULL,
				       freeze);
		steps++;
	}
	return steps ? loss / steps : 0;
}

double rec_fm_implicit_loss(const struct rec_model *m, struct rec_rng *rng,
			    const struct rec_feat *u, int nu,
			    const struct rec_feat *i, int ni, uint32_t item,
			    double *pos_margin, double *neg_margin)
{
	const int bpr = m->params.loss == REC_LOSS_BPR;
	struct rec_feat neg[REC_MAX_SIDE];
	double pos = rec_fm_margin(m, u, nu, i, ni);
	double loss = bpr ? 0 : rec_loss(REC_LOSS_LOGISTIC, pos, 1);
	int steps = !bpr;
	*pos_margin = *neg_margin = pos;
	for (int n = 0; n < m->params.negatives; n++) {
		uint32_t j = draw_negative(m, rng, UINT32_MAX, item);
		if (j == UINT32_MAX)
			break;
		int nn = negative_side(m, j, neg);
		double s = rec_fm_margin(m, u, nu, neg, nn);
		if (n == 0)
			*neg_margin = s;
		loss += bpr ? rec_loss(REC_LOSS_BPR, pos - s, 1)
			    : rec_loss(REC_LOSS_LOGISTIC, s, 0);
		steps++;
	}
	return steps ? loss / steps : 0;
}

/* ---- removing rows and items (forgetting users) ---- */

/*
 * Remove the rows marked in drop (one flag per row): the others keep
 * their order, values, counts and stamps, and the index finds them at
 * their new places.  A marked row that is a catalogue item's own row (a
 * user id hashed onto it) cannot go, since the item needs it: it is reset
 * to what a new row of its key starts as.  0, or REC_ENOMEM with m as it
 * was.
 */
int rec_model_drop_rows(struct rec_model *m, const unsigned char *drop,
			uint64_t *removed, uint64_t *reset)
{
	const size_t n = m->features;
	struct rec_catalogue *c = &m->catalogue;
	*removed = *reset = 0;
	unsigned char *keep = rec_malloc(n ? n : 1);
	uint32_t *to = rec_malloc_array(n ? n : 1, sizeof(*to));
	struct rec_map index = { 0 };
	int rc = REC_ENOMEM;
	if (!keep || !to)
		goto out;
	for (size_t r = 0; r < n; r++)
		keep[r] = !drop[r];
	for (size_t i = 0; i < c->count && !m->ease; i++)
		keep[c->items[i].feature] = 1;
	size_t kept = 0;
	for (size_t r = 0; r < n; r++)
		to[r] = keep[r] ? (uint32_t)kept++ : UINT32_MAX;
	if (rec_map_init(&index, kept ? kept : 1) != 0)
		goto out;
	for (size_t r = 0; r < n; r++)
		if (keep[r] && rec_map_put(&index, m->feature_keys[r],
					   to[r]) != 0)
			goto out;
	/* nothing fails from here on */
	for (size_t r = 0; r < n; r++) {
		float *row = m->rows + r * m->stride;
		if (keep[r] && drop[r]) {
			init_row(m, m->feature_keys[r], row);
			m->feature_events[r] = 0;
			if (m->feature_stamp)
				m->feature_stamp[r] = 0;
			++*reset;
		}
		if (!keep[r]) {
			++*removed;
			continue;
		}
		size_t at = to[r];
		if (at == r)
			continue;
		memmove(m->rows + at * m->stride, row,
			m->stride * sizeof(float));
		m->feature_keys[at] = m->feature_keys[r];
		m->feature_events[at] = m->feature_events[r];
		if (m->feature_stamp)
			m->feature_stamp[at] = m->feature_stamp[r];
		if (m->feature_space)
			m->feature_space[at] = m->feature_space[r];
	}
	for (size_t i = 0; i < c->count && !m->ease; i++)
		c->items[i].feature = to[c->items[i].feature];
	rec_map_destroy(&m->feature_index);
	m->feature_index = index;
	index.slots = NULL;
	m->features = kept;
	rc = 0;
out:
	rec_map_destroy(&index);
	rec_free(keep);
	rec_free(to);
	return rc;
}

/*
 * Remove the catalogue items marked in drop: the others keep their order
 * and what the catalogue knows of them; to[i] is item i's new index
 * (UINT32_MAX for a removed one).  0, or REC_ENOMEM with m as it was.
 */
int rec_catalogue_drop(struct rec_model *m, const unsigned char *drop,
		       uint32_t *to)
{
	struct rec_catalogue *c = &m->catalogue;
	struct rec_map index = { 0 };
	size_t kept = 0;
	for (size_t i = 0; i < c->count; i++)
		to[i] = drop[i] ? UINT32_MAX : (uint32_t)kept++;
	if (rec_map_init(&index, kept ? kept : 1) != 0)
		return REC_ENOMEM;
	for (size_t i = 0; i < c->count; i++) {
		const struct rec_item *it = &c->items[i];
		if (!drop[i] &&
		    rec_map_put(&index, rec_hash(REC_SPACE_ITEM,
						 c->names + it->name_off,
						 it->name_len), to[i]) != 0) {
			rec_map_destroy(&index);
			return REC_ENOMEM;
		}
	}
	/* nothing fails from here on: ids and items move down in order */
	size_t names = 0;
	c->max_count = 0;
	for (size_t i = 0; i < c->count; i++) {
		struct rec_item it = c->items[i];
		if (drop[i]) {
			c->kfeats_live -= it.feats_count;
			continue;
		}
		memmove(c->names + names, c->names + it.name_off,
			it.name_len);
		it.name_off = (uint32_t)names;
		names += it.name_len;
		c->items[to[i]] = it;
		if (it.count > c->max_count)
			c->max_count = it.count;
	}
	c->names_len = names;
	c->count = kept;
	c->last = 0;
	rec_map_destroy(&c->index);
	c->index = index;
	return 0;
}
