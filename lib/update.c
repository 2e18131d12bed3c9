/*
 * update.c - one pass over a stream of events, each learned as it comes
 * (rec_update), and the single learning step on an event that multi-pass
 * training (train.c) takes too.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "internal.h"

int rec_arena_reserve(struct rec_arena *a, size_t more)
{
	if (a->n + more <= a->cap)
		return 0;
	if (a->n + more > UINT32_MAX)
		return REC_ENOMEM;
	struct rec_feat *f = rec_grow_big_array(a->f, &a->cap, a->n + more,
						4096, sizeof(*f));
	if (!f)
		return REC_ENOMEM;
	a->f = f;
	return 0;
}

void rec_arena_free(struct rec_arena *a)
{
	rec_big_free(a->f);
	memset(a, 0, sizeof(*a));
}

/* The side features of a row, made into rows, at the arena's end. */
static int event_feats(struct rec_model *m, const struct rec_row *row,
		       struct rec_event *e, struct rec_arena *arena,
		       struct rec_error *err)
{
	struct rec_kfeat k[2 * REC_MAX_SIDE];
	int n[3];
	int rc = rec_row_kfeats(m, row, k, n, err);
	if (rc)
		return rc;
	if (rec_arena_reserve(arena, 2 + (size_t)n[0] + (size_t)n[1]) != 0)
		return REC_ENOMEM;
	struct rec_feat *f = arena->f + arena->n;
	int nu = rec_kfeats_intern(m, k, n[0], f + 2);
	int ni = nu < 0 ? -1 : rec_kfeats_intern(m, k + REC_MAX_SIDE, n[1],
						 f + 2 + nu);
	/* a pair of an implicit task has a negative's side too */
	if (ni < 0 ||
	    rec_model_grads_reserve(m, (size_t)(nu + ni) +
					       (m->params.task ==
							REC_TASK_IMPLICIT
						? REC_MAX_SIDE : 0)) != 0)
		return REC_ENOMEM;
	uint64_t item_hash = rec_hash(REC_SPACE_ITEM, row->item, row->item_len);
	if (rec_catalogue_note(m, item_hash, row->item, row->item_len,
			       f[2 + nu].row, row->time) != 0)
		return REC_ENOMEM;
	e->item = m->catalogue.last;
	/* the item's event features: its side less the id and attributes */
	if (rec_catalogue_set_kfeats(m, e->item, k + REC_MAX_SIDE + 1,
				     n[2]) != 0)
		return REC_ENOMEM;
	f[0] = (struct rec_feat){ (uint32_t)nu, 0 };
	f[1] = (struct rec_feat){ (uint32_t)ni, 0 };
	e->feats = (uint32_t)arena->n;
	e->user_row = f[2].row;
	e->item_row = f[2 + nu].row;
	arena->n += 2 + (size_t)nu + (size_t)ni;
	return 0;
}

int rec_event_make(rec_model *m, const struct rec_row *row,
		   struct rec_event *e, struct rec_arena *arena,
		   struct rec_error *err)
{
	e->label = m->params.task == REC_TASK_IMPLICIT ? 1 : (float)row->label;
	e->weight = (float)row->weight;
	e->feats = 0;
	e->item = UINT32_MAX;
	if (m->schema.active) {
		int rc = event_feats(m, row, e, arena, err);
		return rc == REC_ENOMEM
			? rec_fail(err, rc, NULL, 0, "out of memory") : rc;
	}
	/* the item's hash serves both its feature key and the catalogue; the
	 * two map slots are fetched at once, so that their misses overlap
	 * (the catalogue finds the item from its row, see catalogue_at) */
	uint64_t item_hash = rec_hash(REC_SPACE_ITEM, row->item, row->item_len);
	uint64_t user_key = rec_feature_key(m, REC_SPACE_USER, row->user,
					    row->user_len);
	rec_map_prefetch(&m->feature_index, user_key);
	rec_map_prefetch(&m->feature_index, item_hash & m->key_mask);
	if (rec_model_intern(m, user_key, 0, &e->user_row) != 0 ||
	    rec_model_intern(m, item_hash & m->key_mask, 1, &e->item_row) != 0 ||
	    rec_catalogue_note(m, item_hash, row->item, row->item_len,
			       e->item_row, row->time) != 0)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	return 0;
}

int rec_feature_bad_row(const rec_reader *r, rec_bad_row_fn bad_row,
			void *arg, struct rec_error *err)
{
	char msg[sizeof(err->msg)];
	snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
	rec_fail(err, REC_EBADROW, rec_reader_name(r), rec_reader_line(r),
		 "%s", msg);
	return bad_row ? bad_row(err, arg) : 0;
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

/* The AUC of the window; *ok is 0 when there is none: one class only, a
 * score that is not a number, or no memory to sort. */
static double window_auc(const struct window *w, int *ok)
{
	*ok = 0;
	size_t npos = 0;
	for (size_t i = 0; i < w->count; i++) {
		if (!isfinite(w->score[i]))
			return 0;
		npos += w->label[i] != 0;
	}
	size_t nneg = w->count - npos;
	if (npos == 0 || nneg == 0)
		return 0;
	/* the keys, positives first, then room for the sort */
	uint64_t *keys = rec_malloc_array(w->count, 2 * sizeof(*keys));
	if (!keys)
		return 0;
	size_t p = 0, n = npos;
	for (size_t i = 0; i < w->count; i++)
		keys[w->label[i] ? p++ : n++] = rec_score_key(w->score[i]);
	rec_radix_sort(keys, npos, sizeof(*keys), keys + w->count);
	rec_radix_sort(keys + npos, nneg, sizeof(*keys), keys + w->count);
	struct rec_auc_class pos = { .keys = keys, .n = npos };
	struct rec_auc_class neg = { .keys = keys + npos, .n = nneg };
	double pairs = rec_auc_pairs(&pos, &neg);
	rec_free(keys);
	*ok = 1;
	return pairs / ((double)nneg * (double)npos);
}

/* Running sums of a run, and where the last report left them. */
struct progress_sums {
	uint64_t events;
	double loss, wsum, last_loss, last_wsum;
};

/* A run's events and losses into the model's counters. */
static void count_run(rec_model *m, const struct progress_sums *sum)
{
	struct rec_counters *c = &m->counters;
	c->events += sum->events;
	c->learned += sum->events;
	c->updates++;
	c->train_loss = sum->wsum > 0 ? sum->loss / sum->wsum : 0;
	c->prog_events += sum->events;
	c->prog_loss += sum->loss;
	c->prog_weight += sum->wsum;
}

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
	pr.seconds = rec_seconds_since(t0);
	progress(&pr, arg);
	p->last_loss = p->loss;
	p->last_wsum = p->wsum;
}

/* The loss of a row scored by the model as it is (--test-only). */
static double test_ids(const rec_model *m, struct rec_rng *rng,
		       const struct rec_row *row, double *margin,
		       double *neg_margin);

/* The loss of a row scored by the model as it is (--test-only), into
 * *loss: 0, or REC_EDATA when the row has too many features. */
static int test_row(const rec_model *m, struct rec_rng *rng,
		    const struct rec_row *row, double *loss, double *margin,
		    double *neg_margin, struct rec_error *err)
{
	*neg_margin = 0;
	if (!m->schema.active) {
		*loss = test_ids(m, rng, row, margin, neg_margin);
		return 0;
	}
	struct rec_feat f[2 * REC_MAX_SIDE];
	int nu, ni;
	int rc = rec_model_row_feats(m, row, f, &nu, &ni, err);
	if (rc)
		return rc;
	if (m->params.task == REC_TASK_IMPLICIT) {
		uint32_t item = rec_catalogue_find(m, row->item, row->item_len);
		*loss = row->weight *
			rec_fm_implicit_loss(m, rng, f, nu, f + nu, ni, item,
					     margin, neg_margin);
		return 0;
	}
	*margin = rec_fm_margin(m, f, nu, f + nu, ni);
	*loss = row->weight * rec_model_loss(m, *margin, row->label);
	return 0;
}

/* test_row for a model of ids alone. */
static double test_ids(const rec_model *m, struct rec_rng *rng,
		       const struct rec_row *row, double *margin,
		       double *neg_margin)
{
	uint32_t rows[2];
	rec_model_find_pair(m, row->user, row->user_len, row->item,
			    row->item_len, rows);
	if (m->params.task == REC_TASK_IMPLICIT)
		return row->weight * rec_model_implicit_loss(m, rng, rows[0],
							     rows[1], margin,
							     neg_margin);
	*margin = rec_model_margin_rows(m, rows[0], rows[1]);
	return row->weight * rec_model_loss(m, *margin, row->label);
}

/* Learn a row, letting old evidence fade first when the model forgets;
 * done: events of this run before it. */
static int learn_row(rec_model *m, const struct rec_row *row, int forgetting,
		     int freeze, uint64_t done, struct rec_arena *arena,
		     double *loss, double *margin, double *neg_margin,
		     struct rec_error *err)
{
	struct rec_event e;
	arena->n = 0;
	int rc = rec_event_make(m, row, &e, arena, err);
	if (rc)
		return rc;
	const double now = m->params.half_life_time
		? row->time : (double)(m->counters.events + done + 1);
	/* with side features every row of the event fades, the ids first
	 * as without them */
	if (forgetting &&
	    (rec_model_forget(m, e.user_row, e.item_row, now) != 0 ||
	     (m->schema.active &&
	      rec_model_forget_rows(m, arena->f + e.feats + 2,
				    (int)(arena->f[e.feats].row +
					  arena->f[e.feats + 1].row),
				    now) != 0)))
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	*loss = rec_event_learn(m, &e, arena, 1, freeze, margin, neg_margin);
	return 0;
}

static int window_init(struct window *w, size_t size)
{
	w->size = size;
	w->score = rec_malloc_array(size, sizeof(*w->score));
	w->label = rec_malloc(size);
	if (w->score && w->label)
		return 0;
	rec_free(w->score);
	rec_free(w->label);
	return REC_ENOMEM;
}

/* EASE learns the events as a whole: into the histories, then P anew. */
static int ease_update(rec_model *m, rec_reader *r,
		       const struct rec_update_options *o,
		       rec_bad_row_fn bad_row, void *bad_arg,
		       struct rec_error *err)
{
	if (o->test_only || o->freeze_users || o->freeze_items)
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"an EASE model does not learn event by event: "
				"test-only and freeze do not apply (score "
				"events with rec-predict)");
	uint64_t events;
	int rc = rec_ease_read(m, r, bad_row, bad_arg, &events, err);
	if (!rc)
		rc = rec_ease_fit(m, err);
	if (rc)
		return rc;
	m->counters.events += events;
	m->counters.learned += events;
	m->counters.updates++;
	m->counters.train_loss = 0;
	return 0;
}

int rec_update(rec_model *m, rec_reader *r, const struct rec_update_options *o,
	       rec_bad_row_fn bad_row, void *bad_arg, rec_update_fn progress,
	       void *arg, struct rec_error *err)
{
	if (m->ease)
		return ease_update(m, r, o, bad_row, bad_arg, err);
	if (!o->test_only && rec_model_check_learnable(m, err) != 0)
		return REC_EINVAL;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const int implicit = m->params.task == REC_TASK_IMPLICIT;
	const int binary = rec_model_scores_classes(m);
	if (o->window > REC_MAX_WINDOW)
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"window must be in [0, %d]", REC_MAX_WINDOW);
	if (m->params.half_life > 0 && m->params.half_life_time &&
	    !o->test_only && !rec_reader_has_time(r))
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"a half-life in time units needs a time "
				"column");
	struct window w = { 0 };
	w.size = o->window;
	if (progress && binary && w.size > 0 && window_init(&w, w.size) != 0)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	const int freeze = (o->freeze_users ? REC_FREEZE_USERS : 0) |
			   (o->freeze_items ? REC_FREEZE_ITEMS : 0);
	/* scoring alone draws its negatives from a copy of the generator,
	 * so that it leaves the model as it was */
	struct rec_rng test_rng = m->rng;
	const int forgetting = m->params.half_life > 0 && !o->test_only;
	struct progress_sums sum = { 0 };
	struct rec_arena arena = { 0 };
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
		if (rc == REC_PAUSED)
			break;
		double margin, neg_margin = 0, l = 0;
		if (implicit)
			row.label = 1;
		rc = o->test_only
			? test_row(m, &test_rng, &row, &l, &margin, &neg_margin,
				   err)
			: learn_row(m, &row, forgetting, freeze, sum.events,
				    &arena, &l, &margin, &neg_margin, err);
		if (rc == REC_EDATA) {
			/* too many features: a bad row, not the end */
			if ((rc = rec_feature_bad_row(r, bad_row, bad_arg,
						      err)) != 0)
				goto out;
			continue;
		}
		if (rc)
			goto out;
		sum.loss += l;
		sum.wsum += row.weight;
		sum.events++;
		if (w.score) {
			/* AUC needs classes: a soft label counts as a
			 * positive from 0.5 up */
			window_push(&w, margin, row.label >= 0.5);
			if (implicit)	/* the positive against a negative */
				window_push(&w, neg_margin, 0);
		}
		if (progress && sum.events == next_report) {
			report(progress, arg, &sum, &w, &t0, 0);
			next_report *= 2;
		}
		if (sum.events == o->max_events) {
			rc = REC_PAUSED;
			break;
		}
	}
	const int paused = rc == REC_PAUSED;
	if (sum.events == 0 && !paused) {
		rc = rec_fail(err, REC_EDATA, NULL, 0,
			      "no usable events in the input");
		goto out;
	}
	if (progress)
		report(progress, arg, &sum, &w, &t0, 1);
	if (!o->test_only && sum.events > 0)
		count_run(m, &sum);
	rc = paused ? REC_PAUSED : 0;
out:
	rec_arena_free(&arena);
	rec_free(w.score);
	rec_free(w.label);
	return rc;
}

/*
 * A stream read and learned by two threads.  Reading (parsing, hashing,
 * finding each id's row in the map, noting the item in the catalogue) is
 * about half the work of a pass, learning the other half, so the reader
 * runs ahead in a thread of its own and hands the learner batches of
 * events by row number.  The reader alone keeps the maps and the
 * catalogue, the learner alone the rows: a new id's row number is given
 * by the reader in the order of the stream, and the row itself is made by
 * the learner before the batch that first uses it.  The events are
 * learned in the order of the stream, so the model is the one a single
 * thread makes, bit for bit, whatever the timing.
 *
 * The learner has the larger half, and the logistic loss's log, needed
 * only for the reported loss, is an eighth of its time.  So for every
 * other event it leaves the loss to the reader: the margin and the
 * exponential go back in the batch, and the reader, before it fills the
 * slot again, computes the losses the learner left and adds up the
 * batch's losses, batch after batch: the same sum, in the same order.
 */
#define PIPE_BATCH 4096
#define PIPE_SLOTS 4

struct pipe_batch {
	struct piped {
		uint32_t user_row, item_row;
		float label, weight;
		double time;
		/* from the learner: the loss, or for a loss left to the
		 * reader the margin, with the exponential in exp */
		double value;
		float exp;
	} ev[PIPE_BATCH];
	uint64_t new_keys[2 * PIPE_BATCH];	/* of rows made by the batch */
	uint32_t new_spaces[2 * PIPE_BATCH];
	size_t n, n_new;
	int last;		/* the reader's end: rc holds its result */
	int rc;
	struct rec_error err;
};

struct pipe {
	rec_model *m;
	rec_reader *r;
	rec_bad_row_fn bad_row;
	void *bad_arg;
	struct pipe_batch *slot;	/* PIPE_SLOTS, a ring */
	size_t filled, taken;	/* batches handed over and taken */
	int stop;		/* the learner gave up: the reader ends */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	int defer;		/* the learner leaves every other loss */
	/* the reader's own, written as it goes: a cache line apart from
	 * what the learner reads, so that its writes do not take that
	 * line from the learner's core again and again */
	_Alignas(64) uint64_t rows;	/* rows counted, made or not */
	double loss;		/* the losses of the batches added up */
	size_t summed;		/* batches added up */
	char reader_end[64];
};

/* Whether the learner leaves event i's loss to the reader. */
static inline int loss_left(int defer, size_t i)
{
	return defer && (i & 1);
}

/* Add up the losses of the batch in b, done by the learner: the reader
 * before it fills the slot again, the learner at the end. */
static void pipe_sum(struct pipe *p, const struct pipe_batch *b)
{
	double loss = p->loss;
	for (size_t i = 0; i < b->n; i++) {
		const struct piped *e = &b->ev[i];
		loss += loss_left(p->defer, i)
			? rec_logistic_loss(e->value, e->exp, e->label,
					    e->weight)
			: e->value;
	}
	p->loss = loss;
	p->summed++;
}

/* Find or assign the row of key: a new key's row number is the next one,
 * made by the learner; noted in b. */
static int pipe_row(struct pipe *p, struct pipe_batch *b, uint64_t key,
		    uint32_t space, uint32_t *row)
{
	uint32_t r = rec_map_get(&p->m->feature_index, key);
	if (r == UINT32_MAX) {
		if (p->rows >= UINT32_MAX - 1)
			return REC_ENOMEM;
		r = (uint32_t)p->rows;
		if (rec_map_put(&p->m->feature_index, key, r) != 0)
			return REC_ENOMEM;
		p->rows++;
		b->new_keys[b->n_new] = key;
		b->new_spaces[b->n_new++] = space;
	}
	*row = r;
	return 0;
}

/* The reader's side: fill a batch; 1 when the stream ended in it. */
static int pipe_fill(struct pipe *p, struct pipe_batch *b)
{
	rec_model *m = p->m;
	b->n = b->n_new = 0;
	b->last = 0;
	b->rc = 0;
	struct rec_row row;
	while (b->n < PIPE_BATCH) {
		int rc = rec_reader_next_good(p->r, &row, p->bad_row,
					      p->bad_arg, &b->err);
		if (rc == REC_PAUSED)
			continue;	/* no wait callback here pauses */
		if (rc <= 0) {
			b->rc = rc;
			b->last = 1;
			return 1;
		}
		struct piped *e = &b->ev[b->n];
		uint64_t item_hash = rec_hash(REC_SPACE_ITEM, row.item,
					      row.item_len);
		rc = pipe_row(p, b, rec_feature_key(m, REC_SPACE_USER,
						    row.user, row.user_len),
			      0, &e->user_row);
		if (!rc)
			rc = pipe_row(p, b, item_hash & m->key_mask, 1,
				      &e->item_row);
		if (!rc)
			rc = rec_catalogue_note(m, item_hash, row.item,
						row.item_len, e->item_row,
						row.time);
		if (rc) {
			b->rc = rec_fail(&b->err, REC_ENOMEM, NULL, 0,
					 "out of memory");
			b->last = 1;
			return 1;
		}
		e->label = (float)row.label;
		e->weight = (float)row.weight;
		e->time = row.time;
		b->n++;
	}
	return 0;
}

static void *pipe_reader(void *arg)
{
	struct pipe *p = arg;
	for (int last = 0; !last;) {
		pthread_mutex_lock(&p->lock);
		while (p->filled - p->taken == PIPE_SLOTS && !p->stop)
			pthread_cond_wait(&p->changed, &p->lock);
		int stop = p->stop;
		pthread_mutex_unlock(&p->lock);
		if (stop)
			break;
		struct pipe_batch *b = &p->slot[p->filled % PIPE_SLOTS];
		if (p->filled >= PIPE_SLOTS)	/* b was learned: its losses */
			pipe_sum(p, b);
		last = pipe_fill(p, b);
		pthread_mutex_lock(&p->lock);
		p->filled++;
		pthread_cond_broadcast(&p->changed);
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

/* Whether the model's events can be read by a thread of their own: ids
 * alone (side features make their rows while learning), and a task that
 * does not draw negatives from the catalogue the reader keeps. */
int rec_model_stream_threads(const rec_model *m)
{
	return !m->ease && !m->schema.active &&
	       m->params.task != REC_TASK_IMPLICIT ? 2 : 1;
}

static int pipe_applies(const rec_model *m)
{
	return m->threads > 1 && rec_model_stream_threads(m) > 1;
}

static int update_piped(rec_model *m, rec_reader *r, rec_bad_row_fn bad_row,
			void *bad_arg, struct rec_error *err)
{
	struct pipe p = { .m = m, .r = r, .bad_row = bad_row,
			  .bad_arg = bad_arg, .rows = m->features,
			  .defer = m->params.loss == REC_LOSS_LOGISTIC };
	const int forgetting = m->params.half_life > 0;
	if (forgetting && rec_model_forget_init(m) != 0)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	p.slot = rec_malloc_array(PIPE_SLOTS, sizeof(*p.slot));
	if (!p.slot)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.changed, NULL);
	pthread_t reader;
	int rc = 0;
	if (pthread_create(&reader, NULL, pipe_reader, &p) != 0) {
		rc = rec_fail(err, REC_ENOMEM, NULL, 0,
			      "cannot start a thread");
		goto done;
	}
	struct progress_sums sum = { 0 };
	const struct rec_arena arena = { 0 };
	const int defer = p.defer;
	for (int last = 0; !last && !rc;) {
		pthread_mutex_lock(&p.lock);
		while (p.filled == p.taken)
			pthread_cond_wait(&p.changed, &p.lock);
		pthread_mutex_unlock(&p.lock);
		struct pipe_batch *b = &p.slot[p.taken % PIPE_SLOTS];
		if (rec_model_reserve_rows(m, b->n_new) != 0)
			rc = rec_fail(err, REC_ENOMEM, NULL, 0,
				      "out of memory");
		for (size_t i = 0; i < b->n_new && !rc; i++)
			rec_model_append_row(m, b->new_keys[i],
					     b->new_spaces[i]);
		for (size_t i = 0; i < b->n && !rc; i++) {
			struct piped *pe = &b->ev[i];
			const struct rec_event e = {
				.user_row = pe->user_row,
				.item_row = pe->item_row,
				.label = pe->label, .weight = pe->weight,
				.item = UINT32_MAX,
			};
			/* as learn_row: old evidence fades first */
			const double now = m->params.half_life_time
				? pe->time
				: (double)(m->counters.events + sum.events + 1);
			if (forgetting &&
			    rec_model_forget(m, e.user_row, e.item_row,
					     now) != 0) {
				rc = rec_fail(err, REC_ENOMEM, NULL, 0,
					      "out of memory");
				break;
			}
			double margin, neg;
			if (loss_left(defer, i))
				rec_model_learn_deferred(m, e.user_row,
							 e.item_row, e.label,
							 e.weight, &pe->value,
							 &pe->exp);
			else
				pe->value = rec_event_learn(m, &e, &arena, 1,
							    0, &margin, &neg);
			sum.wsum += pe->weight;
			sum.events++;
		}
		last = b->last;
		if (last && !rc && b->rc < 0) {
			rc = b->rc;
			if (err)
				*err = b->err;
		}
		pthread_mutex_lock(&p.lock);
		p.taken++;
		if (rc)
			p.stop = 1;
		pthread_cond_broadcast(&p.changed);
		pthread_mutex_unlock(&p.lock);
	}
	pthread_join(reader, NULL);
	/* the batches the reader did not add up, in their order */
	for (; !rc && p.summed < p.taken; )
		pipe_sum(&p, &p.slot[p.summed % PIPE_SLOTS]);
	sum.loss = p.loss;
	if (!rc && sum.events == 0)
		rc = rec_fail(err, REC_EDATA, NULL, 0,
			      "no usable events in the input");
	if (!rc)
		count_run(m, &sum);
done:
	pthread_cond_destroy(&p.changed);
	pthread_mutex_destroy(&p.lock);
	rec_free(p.slot);
	return rc;
}

int rec_update_stream(rec_model *m, rec_reader *r, rec_bad_row_fn bad_row,
		      void *bad_arg, struct rec_error *err)
{
	if (pipe_applies(m))
		return update_piped(m, r, bad_row, bad_arg, err);
	struct rec_update_options o = { 0 };
	return rec_update(m, r, &o, bad_row, bad_arg, NULL, NULL, err);
}
