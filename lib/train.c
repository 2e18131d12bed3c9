/*
 * train.c - events in compact binary form, and training passes over them.
 *
 * The text is parsed once: each event becomes its two feature rows, label
 * and weight (16 bytes), so every later pass is pure arithmetic.  The step
 * on one event is update.c's, which a single pass over a stream
 * (rec_train_stream) is altogether.
 */
#include <stdlib.h>
#include <time.h>

#include "internal.h"

struct event_list {
	struct rec_event *ev;
	size_t count, cap;
};

/*
 * Held-out events must be scored as rec-predict would score them: a user
 * or item met only in held-out events has no row.  So they keep their
 * feature keys while reading and find their rows once all is read.
 */
struct held_keys {
	uint64_t *keys;		/* user key, item key, per held-out event */
	size_t count, cap;
};

/* The same for a model with side features: per held-out event, three
 * entries (the counts of the two sides, the item id's hash, in .key), then
 * the two sides' keyed features. */
struct held_kfeats {
	struct rec_kfeat *k;
	size_t n, cap;
};

struct rec_dataset {
	struct event_list train, holdout;
	struct held_keys held;
	struct held_kfeats held_kfeats;
	struct rec_arena arena;	/* the events' feature lists */
	uint64_t ease_events;	/* EASE: events read into the histories */
};

static int push(struct event_list *l, const struct rec_event *e)
{
	if (l->count == l->cap) {
		size_t cap = rec_grow_cap(l->cap, l->count + 1, 4096);
		struct rec_event *ev = cap ? rec_big_realloc_array(l->ev, cap,
								   sizeof(*ev))
					   : NULL;
		if (!ev)
			return REC_ENOMEM;
		l->ev = ev;
		l->cap = cap;
	}
	l->ev[l->count++] = *e;
	return 0;
}

void rec_dataset_free(rec_dataset *d)
{
	if (!d)
		return;
	rec_big_free(d->train.ev);
	rec_big_free(d->holdout.ev);
	rec_big_free(d->held.keys);
	rec_big_free(d->held_kfeats.k);
	rec_arena_free(&d->arena);
	rec_free(d);
}

uint64_t rec_dataset_size(const rec_dataset *d)
{
	return d->train.count + d->holdout.count + d->ease_events;
}

static int hold_keys(const rec_model *m, struct held_keys *h,
		     const struct rec_row *row)
{
	if (h->count + 2 > h->cap) {
		size_t cap = rec_grow_cap(h->cap, h->count + 2, 8192);
		uint64_t *keys = cap ? rec_big_realloc_array(h->keys, cap,
							     sizeof(*keys))
				     : NULL;
		if (!keys)
			return REC_ENOMEM;
		h->keys = keys;
		h->cap = cap;
	}
	h->keys[h->count++] = rec_feature_key(m, REC_SPACE_USER, row->user,
					      row->user_len);
	h->keys[h->count++] = rec_feature_key(m, REC_SPACE_ITEM, row->item,
					      row->item_len);
	return 0;
}

static int hold_kfeats(const rec_model *m, struct held_kfeats *h,
		       const struct rec_row *row, struct rec_event *e,
		       struct rec_error *err)
{
	struct rec_kfeat k[2 * REC_MAX_SIDE];
	int n[3];
	int rc = rec_row_kfeats(m, row, k, n, err);
	if (rc)
		return rc;
	size_t need = h->n + 3 + (size_t)n[0] + (size_t)n[1];
	if (need > UINT32_MAX)
		return REC_ENOMEM;
	struct rec_kfeat *kf = rec_grow_big_array(h->k, &h->cap, need, 8192,
						  sizeof(*kf));
	if (!kf)
		return REC_ENOMEM;
	h->k = kf;
	e->feats = (uint32_t)h->n;
	struct rec_kfeat *to = h->k + h->n;
	to[0] = (struct rec_kfeat){ .key = (uint64_t)n[0] };
	to[1] = (struct rec_kfeat){ .key = (uint64_t)n[1] };
	to[2] = (struct rec_kfeat){
		.key = rec_hash(REC_SPACE_ITEM, row->item, row->item_len) };
	memcpy(to + 3, k, (size_t)n[0] * sizeof(*k));
	memcpy(to + 3 + n[0], k + REC_MAX_SIDE, (size_t)n[1] * sizeof(*k));
	h->n = need;
	return 0;
}

/* Held-out events with side features: their rows, once all is read. */
static int resolve_held(const rec_model *m, rec_dataset *d)
{
	for (size_t i = 0; i < d->holdout.count; i++) {
		struct rec_event *e = &d->holdout.ev[i];
		const struct rec_kfeat *k = d->held_kfeats.k + e->feats;
		int nq = (int)k[0].key, ni = (int)k[1].key;
		if (rec_arena_reserve(&d->arena, 2 + (size_t)nq + (size_t)ni))
			return REC_ENOMEM;
		struct rec_feat *f = d->arena.f + d->arena.n;
		int fu = rec_kfeats_find(m, k + 3, nq, f + 2);
		int fi = rec_kfeats_find(m, k + 3 + nq, ni, f + 2 + fu);
		f[0] = (struct rec_feat){ (uint32_t)fu, 0 };
		f[1] = (struct rec_feat){ (uint32_t)fi, 0 };
		e->item = rec_map_get(&m->catalogue.index, k[2].key);
		e->feats = (uint32_t)d->arena.n;
		d->arena.n += 2 + (size_t)fu + (size_t)fi;
	}
	return 0;
}

int rec_dataset_read(rec_dataset **out, rec_model *m, rec_reader *r,
		     rec_bad_row_fn bad_row, void *arg, struct rec_error *err)
{
	*out = NULL;
	if (rec_model_check_learnable(m, err) != 0)
		return REC_EINVAL;
	rec_dataset *d = rec_calloc(1, sizeof(*d));
	if (!d)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	if (m->ease) {
		/* the histories are EASE's data set; rec_train fits */
		uint64_t events;
		int rc = rec_ease_read(m, r, bad_row, arg, &events, err);
		if (rc) {
			rec_dataset_free(d);
			return rc;
		}
		d->ease_events = events;
		*out = d;
		return 0;
	}
	const double holdout = m->params.holdout;
	struct rec_row row;
	int rc;
	while ((rc = rec_reader_next_good(r, &row, bad_row, arg, err)) != 0) {
		if (rc < 0)
			goto fail;
		struct rec_event e = {
			.label = m->params.task == REC_TASK_IMPLICIT
					 ? 1 : (float)row.label,
			.weight = (float)row.weight,
			.item = UINT32_MAX,
		};
		int held = holdout > 0 && rec_rng_uniform(&m->rng) < holdout;
		if (held && m->schema.active)
			rc = hold_kfeats(m, &d->held_kfeats, &row, &e, err);
		else if (held)
			rc = hold_keys(m, &d->held, &row);
		else
			rc = rec_event_make(m, &row, &e, &d->arena, err);
		if (rc == REC_EDATA) {
			/* too many features: a bad row, not the end */
			if ((rc = rec_feature_bad_row(r, bad_row, arg, err)) != 0)
				goto fail;
			continue;
		}
		if (!rc)
			rc = push(held ? &d->holdout : &d->train, &e);
		if (rc) {
			rc = rc == REC_ENOMEM
				? rec_fail(err, rc, NULL, 0, "out of memory")
				: rc;
			goto fail;
		}
	}
	if (m->schema.active && resolve_held(m, d) != 0) {
		rc = rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < d->holdout.count && !m->schema.active; i++) {
		d->holdout.ev[i].user_row = rec_model_find(m, d->held.keys[2 * i]);
		d->holdout.ev[i].item_row =
			rec_model_find(m, d->held.keys[2 * i + 1]);
	}
	if (d->train.count == 0) {
		rc = rec_fail(err, REC_EDATA, NULL, 0,
			      "no usable events in the input");
		goto fail;
	}
	*out = d;
	return 0;
fail:
	rec_dataset_free(d);
	return rc;
}

static void shuffle(struct event_list *l, struct rec_rng *rng)
{
	for (size_t i = l->count; i > 1; i--) {
		size_t j = (size_t)rec_rng_below(rng, i);
		struct rec_event t = l->ev[i - 1];
		l->ev[i - 1] = l->ev[j];
		l->ev[j] = t;
	}
}

static double holdout_loss(const rec_model *m, const struct event_list *l,
			   const struct rec_arena *arena)
{
	/* implicit tasks: the same negatives at every pass */
	struct rec_rng rng;
	rec_rng_seed(&rng, m->params.seed ^ 0x686f6c646f7574ull);
	double sum = 0, wsum = 0;
	for (size_t i = 0; i < l->count; i++) {
		const struct rec_event *e = &l->ev[i];
		double loss;
		if (m->schema.active) {
			const struct rec_feat *f = arena->f + e->feats;
			int nu = (int)f[0].row, ni = (int)f[1].row;
			double pos, neg;
			loss = m->params.task == REC_TASK_IMPLICIT
				? rec_fm_implicit_loss(m, &rng, f + 2, nu,
						       f + 2 + nu, ni, e->item,
						       &pos, &neg)
				: rec_model_loss(m,
						 rec_fm_margin(m, f + 2, nu,
							       f + 2 + nu,
							       ni),
						 e->label);
		} else if (m->params.task == REC_TASK_IMPLICIT) {
			double pos, neg;
			loss = rec_model_implicit_loss(m, &rng, e->user_row,
						       e->item_row, &pos, &neg);
		} else {
			double s = rec_model_margin_rows(m, e->user_row,
							 e->item_row);
			loss = rec_model_loss(m, s, e->label);
		}
		sum += e->weight * loss;
		wsum += e->weight;
	}
	return wsum > 0 ? sum / wsum : 0;
}

/* The parameters as they were after the best pass, for early stopping. */
struct snapshot {
	float *rows;
	float bias[2];
	size_t floats;
};

static int snapshot_take(struct snapshot *s, const rec_model *m)
{
	size_t floats = m->features * m->stride;
	if (!s->rows) {
		s->rows = rec_malloc(floats * sizeof(float));
		if (!s->rows)
			return REC_ENOMEM;
	}
	memcpy(s->rows, m->rows, floats * sizeof(float));
	s->floats = floats;
	s->bias[0] = m->bias[0];
	s->bias[1] = m->bias[1];
	return 0;
}

static void snapshot_restore(const struct snapshot *s, rec_model *m)
{
	memcpy(m->rows, s->rows, s->floats * sizeof(float));
	m->bias[0] = s->bias[0];
	m->bias[1] = s->bias[1];
}

int rec_train(rec_model *m, rec_dataset *d, rec_progress_fn progress,
	      void *arg, struct rec_error *err)
{
	const struct rec_params *p = &m->params;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (rec_model_check_learnable(m, err) != 0)
		return REC_EINVAL;
	if (m->ease) {
		int rc = rec_ease_fit(m, err);
		if (rc)
			return rc;
		m->counters.events += d->ease_events;
		m->counters.learned += d->ease_events;
		m->counters.updates++;
		m->counters.passes_done = 1;
		m->counters.holdout_loss = -1;
		REC_UNUSED(progress);
		REC_UNUSED(arg);
		return 0;
	}
	struct snapshot best = { 0 };
	/* a model that learned before (a warm start) is the first to beat:
	 * passes that do worse on the hold-out than it are not kept */
	const int warm = m->counters.updates > 0 && d->holdout.count > 0;
	/* room for the snapshot before the first pass, so that running out
	 * of memory leaves the model untrained rather than half trained */
	if (d->holdout.count > 0 && (p->passes > 1 || warm) &&
	    !(best.rows = rec_malloc_array(m->features * m->stride,
					   sizeof(float))))
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	double best_loss = 0, best_train_loss = 0;
	if (warm) {
		best_loss = holdout_loss(m, &d->holdout, &d->arena);
		best_train_loss = m->counters.train_loss;
		snapshot_take(&best, m);	/* the room is there */
	}
	int stalled = 0;
	uint64_t events = 0;
	for (int pass = 1; pass <= p->passes; pass++) {
		if (p->shuffle)
			shuffle(&d->train, &m->rng);
		double loss = 0, wsum = 0;
		const struct rec_event *ev = d->train.ev;
		for (size_t i = 0; i < d->train.count; i++) {
			/* events are counted for their features once */
			double margin, neg;
			loss += rec_event_learn(m, &ev[i], &d->arena,
						pass == 1, 0, &margin, &neg);
			wsum += ev[i].weight;
		}
		events += d->train.count;
		if (pass == 1) {
			/* the first pass meets every event before learning
			 * it: its loss is a progressive validation */
			m->counters.prog_events += d->train.count;
			m->counters.prog_loss += loss;
			m->counters.prog_weight += wsum;
		}
		struct rec_progress pr = {
			.pass = pass,
			.events = d->train.count,
			.train_loss = wsum > 0 ? loss / wsum : 0,
			.holdout_loss = -1,
			.best = 1,
		};
		m->counters.train_loss = pr.train_loss;
		m->counters.passes_done = pass;
		int stop = 0;
		if (d->holdout.count > 0) {
			pr.holdout_loss = holdout_loss(m, &d->holdout,
						       &d->arena);
			if ((pass == 1 && !warm) ||
			    pr.holdout_loss < best_loss) {
				best_loss = pr.holdout_loss;
				best_train_loss = pr.train_loss;
				stalled = 0;
				if ((pass < p->passes || warm) &&
				    snapshot_take(&best, m) != 0) {
					rec_free(best.rows);
					return rec_fail(err, REC_ENOMEM, NULL,
							0, "out of memory");
				}
			} else {
				pr.best = 0;
				stop = ++stalled >= p->patience;
			}
		}
		pr.seconds = rec_seconds_since(&t0);
		if (progress)
			progress(&pr, arg);
		if (stop || (pass == p->passes && !pr.best)) {
			/* go back to the pass that did best on the holdout */
			snapshot_restore(&best, m);
			m->counters.passes_done = pass - stalled;
			m->counters.train_loss = best_train_loss;
			m->counters.holdout_loss = best_loss;
			events = d->train.count *
				 (uint64_t)m->counters.passes_done;
			break;
		}
		m->counters.holdout_loss = d->holdout.count ? pr.holdout_loss
			: -1;
	}
	rec_free(best.rows);
	m->counters.events += events;
	/* each training row once, however many passes; held-out rows are
	 * scored, never learned; none when a warm start's model did best */
	if (m->counters.passes_done > 0)
		m->counters.learned += d->train.count;
	m->counters.updates++;
	return 0;
}

int rec_train_stream(rec_model *m, rec_reader *r, rec_bad_row_fn bad_row,
		     void *bad_arg, rec_progress_fn progress, void *arg,
		     struct rec_error *err)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = rec_update_stream(m, r, bad_row, bad_arg, err);
	if (rc)
		return rc;
	m->counters.holdout_loss = -1;
	m->counters.passes_done = 1;
	struct rec_progress pr = {
		.pass = 1,
		.events = rec_reader_rows(r),
		.train_loss = m->counters.train_loss,
		.holdout_loss = -1,
		.best = 1,
		.seconds = rec_seconds_since(&t0),
	};
	if (progress)
		progress(&pr, arg);
	return 0;
}
