/*
 * train.c - events in compact binary form, and training passes over them.
 *
 * The text is parsed once: each event becomes its two feature rows, label
 * and weight (16 bytes), so every later pass is pure arithmetic.
 */
#include <stdlib.h>
#include <time.h>

#include "internal.h"

struct event {
	uint32_t user_row, item_row;
	float label, weight;
};

struct event_list {
	struct event *ev;
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

struct rec_dataset {
	struct event_list train, holdout;
	struct held_keys held;
};

static int push(struct event_list *l, const struct event *e)
{
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		struct event *ev = rec_big_realloc(l->ev, cap * sizeof(*ev));
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
	rec_free(d);
}

uint64_t rec_dataset_size(const rec_dataset *d)
{
	return d->train.count + d->holdout.count;
}

/* An event's feature rows (made if new), noting its item in the catalogue. */
static int make_event(rec_model *m, const struct rec_row *row,
		      struct event *e, struct rec_error *err)
{
	uint64_t item_hash = rec_hash(REC_SPACE_ITEM, row->item, row->item_len);
	if (rec_model_intern(m, rec_feature_key(m, REC_SPACE_USER, row->user,
						row->user_len),
			     &e->user_row) != 0 ||
	    rec_model_intern(m, item_hash & m->key_mask, &e->item_row) != 0 ||
	    rec_catalogue_note(m, item_hash, row->item, row->item_len,
			       e->item_row, row->time) != 0)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	e->label = m->params.task == REC_TASK_IMPLICIT ? 1 : (float)row->label;
	e->weight = (float)row->weight;
	return 0;
}

/* One learning step on an event, whatever the task; count: the event is
 * new.  Gives the margins for a recent AUC: the event's, and for implicit
 * tasks a sampled negative's (label 0). */
static double learn_event(rec_model *m, const struct event *e, int count,
			  double *margin, double *neg_margin)
{
	if (m->params.task == REC_TASK_IMPLICIT)
		return rec_model_learn_implicit(m, e->user_row, e->item_row,
						e->weight, count, margin,
						neg_margin);
	*neg_margin = 0;
	if (count)
		return rec_model_learn_scored(m, e->user_row, e->item_row,
					      e->label, e->weight, margin);
	*margin = 0;
	return rec_model_learn_again(m, e->user_row, e->item_row, e->label,
				     e->weight);
}

static int hold_keys(const rec_model *m, struct held_keys *h,
		     const struct rec_row *row)
{
	if (h->count + 2 > h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 8192;
		uint64_t *keys = rec_big_realloc(h->keys, cap * sizeof(*keys));
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

int rec_dataset_read(rec_dataset **out, rec_model *m, rec_reader *r,
		     rec_bad_row_fn bad_row, void *arg, struct rec_error *err)
{
	*out = NULL;
	rec_dataset *d = rec_calloc(1, sizeof(*d));
	if (!d)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	const double holdout = m->params.holdout;
	struct rec_row row;
	int rc;
	while ((rc = rec_reader_next_good(r, &row, bad_row, arg, err)) != 0) {
		if (rc < 0)
			goto fail;
		struct event e = {
			0, 0,
			m->params.task == REC_TASK_IMPLICIT ? 1
							    : (float)row.label,
			(float)row.weight
		};
		int held = holdout > 0 && rec_rng_uniform(&m->rng) < holdout;
		if (held)
			rc = hold_keys(m, &d->held, &row);
		else
			rc = make_event(m, &row, &e, err);
		if (!rc)
			rc = push(held ? &d->holdout : &d->train, &e);
		if (rc) {
			rc = rc == REC_ENOMEM
				? rec_fail(err, rc, NULL, 0, "out of memory")
				: rc;
			goto fail;
		}
	}
	for (size_t i = 0; i < d->holdout.count; i++) {
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

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

static void shuffle(struct event_list *l, struct rec_rng *rng)
{
	for (size_t i = l->count; i > 1; i--) {
		size_t j = (size_t)rec_rng_below(rng, i);
		struct event t = l->ev[i - 1];
		l->ev[i - 1] = l->ev[j];
		l->ev[j] = t;
	}
}

static double holdout_loss(const rec_model *m, const struct event_list *l)
{
	/* implicit tasks: the same negatives at every pass */
	struct rec_rng rng;
	rec_rng_seed(&rng, m->params.seed ^ 0x686f6c646f7574ull);
	double sum = 0, wsum = 0;
	for (size_t i = 0; i < l->count; i++) {
		const struct event *e = &l->ev[i];
		double loss;
		if (m->params.task == REC_TASK_IMPLICIT) {
			double pos, neg;
			loss = rec_model_implicit_loss(m, &rng, e->user_row,
						       e->item_row, &pos, &neg);
		} else {
			double s = rec_model_margin_rows(m, e->user_row,
							 e->item_row);
			loss = rec_loss(m->params.loss, s, e->label);
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
	struct snapshot best = { 0 };
	/* room for the snapshot before the first pass, so that running out
	 * of memory leaves the model untrained rather than half trained */
	if (d->holdout.count > 0 && p->passes > 1 &&
	    !(best.rows = rec_malloc_array(m->features * m->stride,
					   sizeof(float))))
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	double best_loss = 0, best_train_loss = 0;
	int stalled = 0;
	uint64_t events = 0;
	for (int pass = 1; pass <= p->passes; pass++) {
		if (p->shuffle)
			shuffle(&d->train, &m->rng);
		double loss = 0, wsum = 0;
		const struct event *ev = d->train.ev;
		for (size_t i = 0; i < d->train.count; i++) {
			/* events are counted for their features once */
			double margin, neg;
			loss += learn_event(m, &ev[i], pass == 1, &margin,
					    &neg);
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
			pr.holdout_loss = holdout_loss(m, &d->holdout);
			if (pass == 1 || pr.holdout_loss < best_loss) {
				best_loss = pr.holdout_loss;
				best_train_loss = pr.train_loss;
				stalled = 0;
				if (pass < p->passes &&
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
		pr.seconds = seconds_since(&t0);
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
	m->counters.updates++;
	return 0;
}

/* The last events' scores and labels, for a recent AUC. */
struct window {
	float *score;
	unsigned char *label;
	size_t size, count, next;
};

static void window_push(struct window *w, double score, int label)
{
	w->score[w->next] = (float)score;
	w->label[w->next] = (unsigned char)label;
	w->next = (w->next + 1) % w->size;
	if (w->count < w->size)
		w->count++;
}

static double window_auc(const struct window *w, int *ok)
{
	rec_metrics *mt;
	struct rec_metric_values v;
	*ok = 0;
	if (rec_metrics_create(&mt) != 0)
		return 0;
	for (size_t i = 0; i < w->count; i++)
		if (rec_metrics_add(mt, w->label[i], w->score[i], 1) != 0)
			goto out;
	if (rec_metrics_compute(mt, &v, NULL) == 0 && v.has_auc) {
		*ok = 1;
		rec_metrics_free(mt);
		return v.auc;
	}
out:
	rec_metrics_free(mt);
	return 0;
}

/* Running sums of a run, and where the last report left them. */
struct progress_sums {
	uint64_t events;
	double loss, wsum, last_loss, last_wsum;
};

static void report(rec_update_fn progress, void *arg, struct progress_sums *p,
		   const struct window *w, const struct timespec *t0,
		   int final)
{
	struct rec_update_progress pr = {
		.events = p->events,
		.avg_loss = p->wsum > 0 ? p->loss / p->wsum : 0,
		.recent_loss = p->wsum > p->last_wsum
			? (p->loss - p->last_loss) / (p->wsum - p->last_wsum)
			: 0,
		.final = final,
	};
	pr.window_auc = window_auc(w, &pr.has_auc);
	pr.seconds = seconds_since(t0);
	progress(&pr, arg);
	p->last_loss = p->loss;
	p->last_wsum = p->wsum;
}

int rec_update(rec_model *m, rec_reader *r, const struct rec_update_options *o,
	       rec_bad_row_fn bad_row, void *bad_arg, rec_update_fn progress,
	       void *arg, struct rec_error *err)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const int implicit = m->params.task == REC_TASK_IMPLICIT;
	const int binary = m->params.loss == REC_LOSS_LOGISTIC || implicit;
	struct window w = { 0 };
	w.size = o->window;
	if (progress && binary && w.size > 0) {
		w.score = rec_malloc(w.size * sizeof(*w.score));
		w.label = rec_malloc(w.size);
		if (!w.score || !w.label) {
			rec_free(w.score);
			rec_free(w.label);
			return rec_fail(err, REC_ENOMEM, NULL, 0,
					"out of memory");
		}
	}
	m->freeze_users = o->freeze_users;
	m->freeze_items = o->freeze_items;
	const int forgetting = m->params.half_life > 0 && !o->test_only;
	const int by_time = m->params.half_life_time;
	struct progress_sums sum = { 0 };
	uint64_t next_report = 1000;
	struct rec_row row;
	int rc;
	/* an event must not change the model and then fail for want of the
	 * stamps, or a retry would count it twice */
	if (forgetting && rec_model_forget_init(m) != 0) {
		rc = rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	while ((rc = rec_reader_next_good(r, &row, bad_row, bad_arg,
					  err)) != 0) {
		if (rc < 0)
			goto out;
		double margin, neg_margin = 0, l;
		if (implicit)
			row.label = 1;
		if (o->test_only) {
			uint32_t u = rec_model_find(m, rec_feature_key(m,
				REC_SPACE_USER, row.user, row.user_len));
			uint32_t i = rec_model_find(m, rec_feature_key(m,
				REC_SPACE_ITEM, row.item, row.item_len));
			if (implicit) {
				l = row.weight * rec_model_implicit_loss(m,
					&m->rng, u, i, &margin, &neg_margin);
			} else {
				margin = rec_model_margin_rows(m, u, i);
				l = row.weight * rec_loss(m->params.loss, margin,
							  row.label);
			}
		} else {
			struct event e;
			rc = make_event(m, &row, &e, err);
			if (!rc && forgetting)
				rc = rec_model_forget(m, e.user_row, e.item_row,
					by_time ? row.time
						: (double)(m->counters.events +
							   sum.events + 1));
			if (rc) {
				rc = rec_fail(err, REC_ENOMEM, NULL, 0,
					      "out of memory");
				goto out;
			}
			l = learn_event(m, &e, 1, &margin, &neg_margin);
		}
		sum.loss += l;
		sum.wsum += row.weight;
		sum.events++;
		if (w.score) {
			window_push(&w, margin, row.label == 1);
			if (implicit)	/* the positive against a negative */
				window_push(&w, neg_margin, 0);
		}
		if (progress && sum.events == next_report) {
			report(progress, arg, &sum, &w, &t0, 0);
			next_report *= 2;
		}
	}
	if (sum.events == 0) {
		rc = rec_fail(err, REC_EDATA, NULL, 0,
			      "no usable events in the input");
		goto out;
	}
	if (progress)
		report(progress, arg, &sum, &w, &t0, 1);
	if (!o->test_only) {
		struct rec_counters *c = &m->counters;
		c->events += sum.events;
		c->updates++;
		c->train_loss = sum.wsum > 0 ? sum.loss / sum.wsum : 0;
		c->prog_events += sum.events;
		c->prog_loss += sum.loss;
		c->prog_weight += sum.wsum;
	}
	rc = 0;
out:
	m->freeze_users = m->freeze_items = 0;
	rec_free(w.score);
	rec_free(w.label);
	return rc;
}

int rec_train_stream(rec_model *m, rec_reader *r, rec_bad_row_fn bad_row,
		     void *bad_arg, rec_progress_fn progress, void *arg,
		     struct rec_error *err)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct rec_update_options o = { 0 };
	int rc = rec_update(m, r, &o, bad_row, bad_arg, NULL, NULL, err);
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
		.seconds = seconds_since(&t0),
	};
	if (progress)
		progress(&pr, arg);
	return 0;
}
