/*
 * check_train.c - unit tests for lib/train.c: reading events into a data
 * set, training passes, holdout and early stopping, exact repeatability.
 */
#include <math.h>

#include "internal.h"
#include "testutil.h"

#define NEED_ULI (REC_NEED_USER | REC_NEED_ITEM | REC_NEED_LABEL)

/* ---- synthetic data ---- */

enum { USERS = 20, ITEMS = 20 };

/*
 * Every user x item pair `copies` times.  Users and items fall in two
 * groups (by parity): a user likes the items of their own group.  No
 * user or item bias explains that, the user x item factors do.
 */
static char *learnable_file(const char *dir, const char *name, int copies)
{
	size_t cap = (size_t)copies * USERS * ITEMS * 32 + 1, len = 0;
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	for (int c = 0; c < copies; c++)
		for (int u = 0; u < USERS; u++)
			for (int i = 0; i < ITEMS; i++)
				len += (size_t)snprintf(text + len, cap - len,
							"u%d\ti%d\t%d\n", u, i,
							u % 2 == i % 2);
	char *path = tu_write(dir, name, text, len);
	free(text);
	return path;
}

/* n events with labels drawn at random: nothing to learn, easy to
 * overfit. */
static char *noise_file(const char *dir, const char *name, int n,
			uint64_t seed)
{
	size_t cap = (size_t)n * 32 + 1, len = 0;
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	struct rec_rng r;
	rec_rng_seed(&r, seed);
	for (int k = 0; k < n; k++) {
		int u = (int)rec_rng_below(&r, 40);
		int i = (int)rec_rng_below(&r, 40);
		int y = (int)rec_rng_below(&r, 2);
		len += (size_t)snprintf(text + len, cap - len,
					"n%d\tm%d\t%d\n", u, i, y);
	}
	char *path = tu_write(dir, name, text, len);
	free(text);
	return path;
}

static struct rec_params train_params(int passes, int shuffle,
				      double holdout)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.bits = 24;
	p.factors = 4;
	p.lr = 0.1;
	p.passes = passes;
	p.shuffle = shuffle;
	p.holdout = holdout;
	return p;
}

static rec_model *new_model(const struct rec_params *p)
{
	rec_model *m;
	struct rec_error err;
	int rc = rec_model_create(&m, p, &err);
	ck_assert_msg(rc == 0, "rec_model_create: %s", err.msg);
	return m;
}

static rec_reader *open_files(const char *const *files, int n)
{
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	rec_reader *r;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_open(&r, files, n, &opt, &err), 0);
	return r;
}

/* Read the files into a data set for m; asserts success. */
static rec_dataset *read_files(rec_model *m, const char *const *files, int n)
{
	rec_reader *r = open_files(files, n);
	rec_dataset *d = NULL;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_dataset_read(&d, m, r, NULL, NULL, &err);
	ck_assert_msg(rc == 0, "rec_dataset_read: %d %s", rc, err.msg);
	ck_assert_ptr_nonnull(d);
	rec_reader_free(r);
	return d;
}

static void train(rec_model *m, rec_dataset *d, rec_progress_fn fn,
		  void *arg)
{
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_train(m, d, fn, arg, &err);
	ck_assert_msg(rc == 0, "rec_train: %d %s", rc, err.msg);
}

/* Progress reports, kept. */
struct log {
	int n;
	struct rec_progress p[200];
};

static void keep(const struct rec_progress *p, void *arg)
{
	struct log *l = arg;
	ck_assert_int_lt(l->n, (int)TU_ARRAY_LEN(l->p));
	l->p[l->n++] = *p;
}

/* The margins of every user x item pair, unseen ones too, the same? */
static void assert_same_margins(const rec_model *a, const rec_model *b)
{
	for (int u = -1; u <= USERS; u++)
		for (int i = -1; i <= ITEMS; i++) {
			char user[16], item[16];
			snprintf(user, sizeof(user), "u%d", u);
			snprintf(item, sizeof(item), "i%d", i);
			double ma = rec_model_margin(a, user, strlen(user),
						     item, strlen(item));
			double mb = rec_model_margin(b, user, strlen(user),
						     item, strlen(item));
			TU_CHECK(memcmp(&ma, &mb, sizeof(ma)) == 0,
				 "margin of %s %s: %a and %a", user, item,
				 ma, mb);
		}
}

/* The learned parameters the same, bit for bit? */
static void assert_same_weights(const rec_model *a, const rec_model *b)
{
	ck_assert_uint_eq(a->features, b->features);
	ck_assert_uint_eq(a->stride, b->stride);
	ck_assert_mem_eq(a->feature_keys, b->feature_keys,
			 a->features * sizeof(uint64_t));
	ck_assert_mem_eq(a->bias, b->bias, sizeof(a->bias));
	ck_assert_mem_eq(a->rows, b->rows,
			 a->features * a->stride * sizeof(float));
}

/* ---- tests ---- */

START_TEST(test_loss_decreases)
{
	char *dir = tu_mkdir();
	char *path = learnable_file(dir, "e.tsv", 3);
	const char *files[1] = { path };
	struct rec_params p = train_params(15, 1, 0);
	rec_model *m = new_model(&p);
	rec_dataset *d = read_files(m, files, 1);
	ck_assert_uint_eq(rec_dataset_size(d), 3 * USERS * ITEMS);
	struct rec_model_info info;
	rec_model_info(m, &info);
	ck_assert_uint_eq(info.features, USERS + ITEMS);
	ck_assert_uint_eq(info.items, ITEMS);

	struct log log = { 0 };
	train(m, d, keep, &log);
	ck_assert_int_eq(log.n, 15);
	for (int k = 0; k < log.n; k++) {
		const struct rec_progress *q = &log.p[k];
		ck_assert_int_eq(q->pass, k + 1);
		ck_assert_uint_eq(q->events, 3 * USERS * ITEMS);
		ck_assert(q->holdout_loss < 0);	/* no holdout */
		ck_assert_int_eq(q->best, 1);
		ck_assert(q->train_loss > 0 && isfinite(q->train_loss));
		ck_assert(q->seconds >= 0);
		if (k > 0)
			ck_assert(q->seconds >= log.p[k - 1].seconds);
	}
	double first = log.p[0].train_loss, last = log.p[14].train_loss;
	/* the first pass starts at chance, log 2 */
	ck_assert_msg(first < M_LN2, "first loss %g", first);
	ck_assert_msg(last < 0.1 * first, "loss %g after %g", last, first);
	/* on data this easy the first passes each do better than the one
	 * before, and the later ones do not lose that */
	for (int k = 1; k < 5; k++)
		ck_assert_msg(log.p[k].train_loss < log.p[k - 1].train_loss,
			      "pass %d: loss %g after %g", k + 1,
			      log.p[k].train_loss, log.p[k - 1].train_loss);
	for (int k = 5; k < log.n; k++)
		ck_assert_msg(log.p[k].train_loss <= log.p[4].train_loss,
			      "pass %d: loss %g after %g at pass 5", k + 1,
			      log.p[k].train_loss, log.p[4].train_loss);

	/* the model ranks every user's liked items first */
	for (int u = 0; u < USERS; u++) {
		double min_liked = INFINITY, max_other = -INFINITY;
		for (int i = 0; i < ITEMS; i++) {
			char user[16], item[16];
			snprintf(user, sizeof(user), "u%d", u);
			snprintf(item, sizeof(item), "i%d", i);
			double s = rec_model_margin(m, user, strlen(user),
						    item, strlen(item));
			if (u % 2 == i % 2)
				min_liked = fmin(min_liked, s);
			else
				max_other = fmax(max_other, s);
		}
		ck_assert_msg(min_liked > max_other, "user %d: %g <= %g", u,
			      min_liked, max_other);
	}

	rec_model_info(m, &info);
	ck_assert_int_eq(info.passes_done, 15);
	ck_assert_uint_eq(info.events, 15 * 3 * USERS * ITEMS);
	ck_assert_uint_eq(info.updates, 1);
	ck_assert_double_eq(info.train_loss, last);
	ck_assert(info.holdout_loss < 0);
	rec_dataset_free(d);
	rec_model_free(m);
	free(path);
	free(dir);
}
END_TEST

/* Check a run's reports against the early-stopping rule; returns the
 * best pass. */
static int check_holdout_log(const struct log *log, int passes, int patience,
			     uint64_t size)
{
	ck_assert_int_ge(log->n, 1);
	double best = INFINITY;
	int best_pass = 0, stalled = 0;
	for (int k = 0; k < log->n; k++) {
		const struct rec_progress *q = &log->p[k];
		ck_assert_int_eq(q->pass, k + 1);
		ck_assert_uint_eq(q->events, log->p[0].events);
		ck_assert(q->events > 0 && q->events < size);
		ck_assert(q->holdout_loss >= 0 && isfinite(q->holdout_loss));
		ck_assert(q->train_loss >= 0 && isfinite(q->train_loss));
		ck_assert(q->seconds >= 0);
		int better = q->holdout_loss < best;
		ck_assert_msg(q->best == better, "pass %d: best %d, loss %g "
			      "(best so far %g)", q->pass, q->best,
			      q->holdout_loss, best);
		if (better) {
			best = q->holdout_loss;
			best_pass = q->pass;
			stalled = 0;
		} else {
			stalled++;
		}
		/* it stops exactly when patience runs out */
		if (k < log->n - 1)
			ck_assert_int_lt(stalled, patience);
	}
	ck_assert(stalled == patience || log->n == passes);
	return best_pass;
}

START_TEST(test_early_stopping)
{
	char *dir = tu_mkdir();
	char *path = noise_file(dir, "n.tsv", 3000, 77);
	const char *files[1] = { path };
	enum { PASSES = 60, PATIENCE = 2 };
	struct rec_params p = train_params(PASSES, 1, 0.25);
	p.factors = 8;
	p.lr = 0.5;
	p.patience = PATIENCE;
	rec_model *m = new_model(&p);
	rec_dataset *d = read_files(m, files, 1);
	ck_assert_uint_eq(rec_dataset_size(d), 3000);
	struct log log = { 0 };
	train(m, d, keep, &log);
	/* noise is overfitted quickly: the run must stop early */
	ck_assert_msg(log.n < PASSES, "ran all %d passes", log.n);
	int best_pass = check_holdout_log(&log, PASSES, PATIENCE, 3000);
	ck_assert_int_eq(best_pass, log.n - PATIENCE);
	/* about a quarter held out */
	double held = 3000.0 - (double)log.p[0].events;
	ck_assert_msg(held > 600 && held < 900, "%g held out", held);

	/* the model's counters describe the pass that was kept */
	struct rec_model_info info;
	rec_model_info(m, &info);
	ck_assert_int_eq(info.passes_done, best_pass);
	ck_assert_double_eq(info.holdout_loss,
			    log.p[best_pass - 1].holdout_loss);
	ck_assert_double_eq(info.train_loss, log.p[best_pass - 1].train_loss);
	ck_assert_uint_eq(info.events, (uint64_t)best_pass * log.p[0].events);
	ck_assert_uint_eq(info.updates, 1);

	/* the model is the one of the best pass: the same as a model
	 * trained for just that many passes */
	p.passes = best_pass;
	rec_model *b = new_model(&p);
	rec_dataset *db = read_files(b, files, 1);
	struct log blog = { 0 };
	train(b, db, keep, &blog);
	ck_assert_int_eq(blog.n, best_pass);
	for (int k = 0; k < best_pass; k++)
		ck_assert_double_eq(blog.p[k].holdout_loss,
				    log.p[k].holdout_loss);
	assert_same_weights(m, b);
	rec_dataset_free(db);
	rec_model_free(b);
	rec_dataset_free(d);
	rec_model_free(m);
	free(path);
	free(dir);
}
END_TEST

/* With patience to spare the run goes to the end, and still keeps the
 * best pass when the last one was worse. */
START_TEST(test_holdout_keeps_best)
{
	char *dir = tu_mkdir();
	char *path = noise_file(dir, "n.tsv", 2000, 78);
	const char *files[1] = { path };
	enum { PASSES = 12 };
	struct rec_params p = train_params(PASSES, 1, 0.3);
	p.factors = 8;
	p.lr = 0.5;
	p.patience = 1000;
	rec_model *m = new_model(&p);
	rec_dataset *d = read_files(m, files, 1);
	struct log log = { 0 };
	train(m, d, keep, &log);
	ck_assert_int_eq(log.n, PASSES);
	int best_pass = check_holdout_log(&log, PASSES, 1000, 2000);
	ck_assert_msg(best_pass < PASSES, "pass %d was best", best_pass);
	struct rec_model_info info;
	rec_model_info(m, &info);
	ck_assert_int_eq(info.passes_done, best_pass);
	ck_assert_double_eq(info.holdout_loss,
			    log.p[best_pass - 1].holdout_loss);
	ck_assert_double_eq(info.train_loss, log.p[best_pass - 1].train_loss);
	ck_assert_uint_eq(info.events, (uint64_t)best_pass * log.p[0].events);

	p.passes = best_pass;
	rec_model *b = new_model(&p);
	rec_dataset *db = read_files(b, files, 1);
	train(b, db, NULL, NULL);
	assert_same_weights(m, b);
	rec_dataset_free(db);
	rec_model_free(b);
	rec_dataset_free(d);
	rec_model_free(m);
	free(path);
	free(dir);
}
END_TEST

static int count_bad(const struct rec_error *e, void *arg)
{
	long *lines = arg;
	ck_assert_int_eq(e->code, REC_EBADROW);
	ck_assert_int_lt(lines[0], 15);
	lines[++lines[0]] = e->line;
	return 0;
}

static int stop_at_bad(const struct rec_error *e, void *arg)
{
	REC_UNUSED(arg);
	ck_assert_int_eq(e->code, REC_EBADROW);
	return REC_EDATA - 100;		/* any code: it comes back */
}

START_TEST(test_empty_input)
{
	char *dir = tu_mkdir();
	static const char *const texts[] = {
		"",
		"\n\n\n",
		"u\ti\tx\nu\ti\t7\n\ti\t1\n",	/* only bad rows */
	};
	for (size_t t = 0; t < TU_ARRAY_LEN(texts); t++) {
		char name[16];
		snprintf(name, sizeof(name), "e%zu.tsv", t);
		char *path = tu_write_str(dir, name, texts[t]);
		const char *files[1] = { path };
		struct rec_params p = train_params(1, 0, 0);
		rec_model *m = new_model(&p);
		rec_reader *r = open_files(files, 1);
		rec_dataset *d = (rec_dataset *)(void *)&p;
		struct rec_error err;
		memset(&err, 0, sizeof(err));
		long lines[16] = { 0 };
		ck_assert_int_eq(rec_dataset_read(&d, m, r, count_bad, lines,
						  &err), REC_EDATA);
		ck_assert_ptr_null(d);
		ck_assert_int_eq(err.code, REC_EDATA);
		ck_assert_str_eq(err.msg, "no usable events in the input");
		ck_assert_int_eq(lines[0], t == 2 ? 3 : 0);
		if (t == 2) {
			ck_assert_int_eq(lines[1], 1);
			ck_assert_int_eq(lines[2], 2);
			ck_assert_int_eq(lines[3], 3);
		}
		rec_reader_free(r);
		rec_model_free(m);
		free(path);
	}
	free(dir);
}
END_TEST

START_TEST(test_bad_rows)
{
	char *dir = tu_mkdir();
	char *path = tu_write_str(dir, "b.tsv", "u1\ti1\t1\nu2\ti2\tx\n"
				  "u3\ti3\t0\n\n\ti4\t1\nu5\ti5\t1\n");
	const char *files[1] = { path };
	struct rec_params p = train_params(1, 0, 0);
	rec_model *m = new_model(&p);
	rec_reader *r = open_files(files, 1);
	rec_dataset *d;
	struct rec_error err;
	long lines[16] = { 0 };
	ck_assert_int_eq(rec_dataset_read(&d, m, r, count_bad, lines, &err),
			 0);
	ck_assert_uint_eq(rec_dataset_size(d), 3);
	ck_assert_int_eq(lines[0], 2);
	ck_assert_int_eq(lines[1], 2);
	ck_assert_int_eq(lines[2], 5);
	struct rec_model_info info;
	rec_model_info(m, &info);
	ck_assert_uint_eq(info.items, 3);	/* i1, i3, i5 */
	ck_assert_uint_eq(info.features, 6);
	rec_dataset_free(d);
	rec_reader_free(r);

	/* without a callback bad rows are skipped */
	r = open_files(files, 1);
	ck_assert_int_eq(rec_dataset_read(&d, m, r, NULL, NULL, &err), 0);
	ck_assert_uint_eq(rec_dataset_size(d), 3);
	rec_dataset_free(d);
	rec_reader_free(r);

	/* a callback's non-zero return stops reading with that code */
	r = open_files(files, 1);
	d = (rec_dataset *)(void *)&p;
	ck_assert_int_eq(rec_dataset_read(&d, m, r, stop_at_bad, NULL, &err),
			 REC_EDATA - 100);
	ck_assert_ptr_null(d);
	rec_reader_free(r);

	/* a fatal reader error comes back as it is */
	char *missing = tu_path(dir, "missing.tsv");
	const char *mfiles[1] = { missing };
	r = open_files(mfiles, 1);
	ck_assert_int_eq(rec_dataset_read(&d, m, r, NULL, NULL, &err),
			 REC_EIO);
	ck_assert_ptr_null(d);
	ck_assert_str_eq(err.file, missing);
	rec_reader_free(r);
	rec_dataset_free(NULL);
	rec_model_free(m);
	free(missing);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_holdout_split)
{
	char *dir = tu_mkdir();
	char *path = noise_file(dir, "n.tsv", 4000, 5);
	const char *files[1] = { path };
	static const double fractions[] = { 0, 0.1, 0.5, 0.9 };
	for (size_t f = 0; f < TU_ARRAY_LEN(fractions); f++) {
		struct rec_params p = train_params(1, 0, fractions[f]);
		rec_model *m = new_model(&p);
		rec_dataset *d = read_files(m, files, 1);
		ck_assert_uint_eq(rec_dataset_size(d), 4000);
		struct log log = { 0 };
		train(m, d, keep, &log);
		ck_assert_int_eq(log.n, 1);
		double held = 4000.0 - (double)log.p[0].events;
		/* binomial: standard deviation at most sqrt(4000/4) ~ 32 */
		ck_assert_msg(fabs(held - 4000 * fractions[f]) < 160,
			      "holdout %g: %g held out", fractions[f], held);
		if (fractions[f] == 0)
			ck_assert(log.p[0].holdout_loss < 0);
		else
			ck_assert(log.p[0].holdout_loss >= 0);
		rec_dataset_free(d);
		rec_model_free(m);
	}
	free(path);
	free(dir);
}
END_TEST

/*
 * One pass in input order is pure arithmetic on the events: the events of
 * E twice, whether learned as a training run and an update or as one run
 * over [E, E], give the same weights bit for bit.
 */
START_TEST(test_exact_repeat)
{
	char *dir = tu_mkdir();
	char *path = learnable_file(dir, "e.tsv", 1);
	const char *once[1] = { path };
	const char *twice[2] = { path, path };
	struct rec_params p = train_params(1, 0, 0);

	/* a: train on E, then update on E */
	rec_model *a = new_model(&p);
	rec_dataset *d = read_files(a, once, 1);
	train(a, d, NULL, NULL);
	rec_dataset_free(d);
	d = read_files(a, once, 1);
	train(a, d, NULL, NULL);
	rec_dataset_free(d);

	/* b: one pass over [E, E] */
	rec_model *b = new_model(&p);
	d = read_files(b, twice, 2);
	ck_assert_uint_eq(rec_dataset_size(d), 2 * USERS * ITEMS);
	train(b, d, NULL, NULL);
	rec_dataset_free(d);

	assert_same_weights(a, b);
	assert_same_margins(a, b);
	/* the catalogue counts every event */
	ck_assert_uint_eq(a->catalogue.count, ITEMS);
	ck_assert_uint_eq(b->catalogue.count, ITEMS);
	for (size_t i = 0; i < ITEMS; i++) {
		ck_assert_uint_eq(a->catalogue.items[i].count, 2 * USERS);
		ck_assert_uint_eq(b->catalogue.items[i].count, 2 * USERS);
	}
	struct rec_model_info ia, ib;
	rec_model_info(a, &ia);
	rec_model_info(b, &ib);
	ck_assert_uint_eq(ia.events, 2 * USERS * ITEMS);
	ck_assert_uint_eq(ib.events, 2 * USERS * ITEMS);
	ck_assert_uint_eq(ia.updates, 2);
	ck_assert_uint_eq(ib.updates, 1);
	rec_model_free(a);
	rec_model_free(b);
	free(path);
	free(dir);
}
END_TEST

/*
 * Encode a and b and compare the images byte for byte.  With all_counters
 * they must differ in nothing but the clock.  Without, the counters that
 * rec_model_info shows must be equal, and the rest of the counters chunk
 * (the clock, and figures only one way of training keeps) is made equal
 * before the comparison.
 */
static void assert_same_image(rec_model *a, rec_model *b, int all_counters)
{
	if (all_counters) {
		b->counters.created = a->counters.created;
	} else {
		struct rec_model_info ia, ib;
		rec_model_info(a, &ia);
		rec_model_info(b, &ib);
		ck_assert_uint_eq(ia.events, ib.events);
		ck_assert_uint_eq(ia.updates, ib.updates);
		ck_assert_int_eq(ia.passes_done, ib.passes_done);
		ck_assert(memcmp(&ia.train_loss, &ib.train_loss, 8) == 0);
		ck_assert(memcmp(&ia.holdout_loss, &ib.holdout_loss, 8) == 0);
		b->counters = a->counters;
	}
	void *img[2] = { NULL, NULL };
	size_t len[2];
	rec_model *m[2] = { a, b };
	for (int attempt = 0; attempt < 3; attempt++) {
		struct rec_error err;
		for (int k = 0; k < 2; k++) {
			free(img[k]);
			ck_assert_int_eq(rec_model_encode(m[k], 0, &img[k],
							  &len[k], &err), 0);
		}
		if (a->counters.saved == b->counters.saved)
			break;	/* else the second changed: again */
	}
	ck_assert_int_eq(a->counters.saved, b->counters.saved);
	ck_assert_uint_eq(len[0], len[1]);
	ck_assert_mem_eq(img[0], img[1], len[0]);
	free(img[0]);
	free(img[1]);
}

/* Two runs with the same seed, shuffling and a holdout, give the same
 * model file. */
START_TEST(test_same_seed_same_file)
{
	char *dir = tu_mkdir();
	char *path = learnable_file(dir, "e.tsv", 2);
	const char *files[1] = { path };
	struct rec_params p = train_params(4, 1, 0.2);
	p.seed = 424242;
	rec_model *m[2];
	for (int k = 0; k < 2; k++) {
		m[k] = new_model(&p);
		rec_dataset *d = read_files(m[k], files, 1);
		train(m[k], d, NULL, NULL);
		rec_dataset_free(d);
	}
	/* the clock is the only difference allowed */
	assert_same_image(m[0], m[1], 1);
	assert_same_margins(m[0], m[1]);

	/* another seed gives another model */
	p.seed = 424243;
	rec_model *o = new_model(&p);
	rec_dataset *d = read_files(o, files, 1);
	train(o, d, NULL, NULL);
	rec_dataset_free(d);
	ck_assert(memcmp(o->rows, m[0]->rows,
			 o->features * o->stride * sizeof(float)) != 0);
	rec_model_free(o);
	for (int k = 0; k < 2; k++)
		rec_model_free(m[k]);
	free(path);
	free(dir);
}
END_TEST

static void stream(rec_model *m, const char *const *files, int n,
		   struct log *log)
{
	rec_reader *r = open_files(files, n);
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_train_stream(m, r, NULL, NULL, log ? keep : NULL, log,
				  &err);
	ck_assert_msg(rc == 0, "rec_train_stream: %d %s", rc, err.msg);
	rec_reader_free(r);
}

/*
 * rec-train --passes 1 --no-shuffle --holdout 0 learns while it reads:
 * the model file must be the one the data set path gives, byte for byte
 * (the counters aside, see assert_same_image), after one run and after an
 * update over the same events.
 */
START_TEST(test_stream_exact)
{
	char *dir = tu_mkdir();
	char *path = learnable_file(dir, "e.tsv", 2);
	/* bad rows are skipped alike */
	char *bad = tu_write_str(dir, "bad.tsv", "u1\ti1\tx\nu2\t\t1\n"
				 "u3\ti9\t1\n");
	const char *files[2] = { path, bad };
	struct rec_params p = train_params(1, 0, 0);
	p.seed = 5;

	rec_model *s = new_model(&p), *d = new_model(&p);
	struct log log = { 0 };
	stream(s, files, 2, &log);
	ck_assert_int_eq(log.n, 1);
	ck_assert_int_eq(log.p[0].pass, 1);
	ck_assert_uint_eq(log.p[0].events, 2 * USERS * ITEMS + 1);
	ck_assert(log.p[0].holdout_loss < 0);
	ck_assert_int_eq(log.p[0].best, 1);
	ck_assert(log.p[0].train_loss > 0 && log.p[0].train_loss < M_LN2);

	rec_dataset *ds = read_files(d, files, 2);
	struct log dlog = { 0 };
	train(d, ds, keep, &dlog);
	rec_dataset_free(ds);
	ck_assert_int_eq(dlog.n, 1);
	ck_assert_double_eq(log.p[0].train_loss, dlog.p[0].train_loss);
	ck_assert_uint_eq(log.p[0].events, dlog.p[0].events);
	assert_same_weights(s, d);
	assert_same_image(s, d, 0);

	/* the same events again, as an update */
	stream(s, files, 2, NULL);
	ds = read_files(d, files, 2);
	train(d, ds, NULL, NULL);
	rec_dataset_free(ds);
	assert_same_weights(s, d);
	assert_same_margins(s, d);
	assert_same_image(s, d, 0);
	struct rec_model_info info;
	rec_model_info(s, &info);
	ck_assert_uint_eq(info.updates, 2);
	ck_assert_uint_eq(info.events, 2 * (2 * USERS * ITEMS + 1));
	ck_assert_int_eq(info.passes_done, 1);

	/* and a second run from scratch gives the same file again */
	rec_model *s2 = new_model(&p);
	stream(s2, files, 2, NULL);
	stream(s2, files, 2, NULL);
	assert_same_image(s, s2, 1);
	rec_model_free(s2);
	rec_model_free(s);
	rec_model_free(d);
	free(bad);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_stream_errors)
{
	char *dir = tu_mkdir();
	char *empty = tu_write_str(dir, "empty.tsv", "\n\n");
	char *bad = tu_write_str(dir, "bad.tsv", "u\ti\tx\nu\ti\t1\n");
	char *missing = tu_path(dir, "missing.tsv");
	struct rec_params p = train_params(1, 0, 0);
	rec_model *m = new_model(&p);
	struct rec_error err;

	const char *f1[1] = { empty };
	rec_reader *r = open_files(f1, 1);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(rec_train_stream(m, r, NULL, NULL, NULL, NULL, &err),
			 REC_EDATA);
	ck_assert_str_eq(err.msg, "no usable events in the input");
	rec_reader_free(r);

	const char *f2[1] = { bad };
	r = open_files(f2, 1);
	long lines[16] = { 0 };
	ck_assert_int_eq(rec_train_stream(m, r, count_bad, lines, NULL, NULL,
					  &err), 0);
	ck_assert_int_eq(lines[0], 1);
	ck_assert_int_eq(lines[1], 1);
	rec_reader_free(r);
	r = open_files(f2, 1);
	ck_assert_int_eq(rec_train_stream(m, r, stop_at_bad, NULL, NULL, NULL,
					  &err), REC_EDATA - 100);
	rec_reader_free(r);

	const char *f3[1] = { missing };
	r = open_files(f3, 1);
	ck_assert_int_eq(rec_train_stream(m, r, NULL, NULL, NULL, NULL, &err),
			 REC_EIO);
	ck_assert_str_eq(err.file, missing);
	rec_reader_free(r);
	struct rec_model_info info;
	rec_model_info(m, &info);
	ck_assert_uint_eq(info.events, 1);	/* the one good row */
	ck_assert_uint_eq(info.updates, 1);
	rec_model_free(m);
	free(empty);
	free(bad);
	free(missing);
	free(dir);
}
END_TEST

/* Held-out events are scored as unseen data: ids met only there get no
 * feature rows and no catalogue entries. */
START_TEST(test_holdout_makes_no_features)
{
	char *dir = tu_mkdir();
	enum { N = 1000 };
	char *text = malloc(N * 32);
	ck_assert_ptr_nonnull(text);
	size_t len = 0;
	for (int k = 0; k < N; k++)	/* every id new */
		len += (size_t)snprintf(text + len, N * 32 - len,
					"user%d\titem%d\t%d\n", k, k, k % 2);
	char *path = tu_write(dir, "u.tsv", text, len);
	free(text);
	const char *files[1] = { path };
	struct rec_params p = train_params(1, 0, 0.5);
	rec_model *m = new_model(&p);
	rec_dataset *d = read_files(m, files, 1);
	ck_assert_uint_eq(rec_dataset_size(d), N);
	struct log log = { 0 };
	train(m, d, keep, &log);
	uint64_t trained = log.p[0].events;
	ck_assert(trained > N / 4 && trained < 3 * N / 4);
	struct rec_model_info info;
	rec_model_info(m, &info);
	ck_assert_uint_eq(info.features, 2 * trained);
	ck_assert_uint_eq(info.items, trained);
	/* the held-out loss is that of unseen pairs: the bias alone */
	double b = m->bias[0];
	double want = 0.5 * (rec_loss(REC_LOSS_LOGISTIC, b, 1) +
			     rec_loss(REC_LOSS_LOGISTIC, b, 0));
	/* labels alternate, held out at random: about half are 1 */
	ck_assert_double_eq_tol(log.p[0].holdout_loss, want, 0.05);
	rec_dataset_free(d);
	rec_model_free(m);
	free(path);
	free(dir);
}
END_TEST

/* A warm start's reset keeps every weight and factor, and gives each row
 * the optimiser's state of a new row: AdaGrad's sums, or FTRL's n = 0 with
 * z where its closed form gives the weight it had. */
START_TEST(test_reset_optimizer)
{
	char *dir = tu_mkdir();
	char *file = learnable_file(dir, "a.tsv", 2);
	const char *files[] = { file };
	for (int opt = 0; opt < 3; opt++) {
		struct rec_params p = train_params(2, 0, 0);
		p.optimizer = opt == 0 ? REC_OPT_ADAGRAD
			: opt == 1 ? REC_OPT_FTRL : REC_OPT_SGD;
		p.l1 = opt == 1 ? 0.01 : 0;
		rec_model *m = new_model(&p);
		rec_dataset *d = read_files(m, files, 1);
		train(m, d, NULL, NULL);
		rec_model *fresh = new_model(&p);
		rec_dataset *d2 = read_files(fresh, files, 1);
		rec_dataset_free(d2);	/* fresh: the same rows, untrained */
		const size_t k = (size_t)p.factors;
		float *before = malloc(m->features * m->stride * sizeof(float));
		ck_assert_ptr_nonnull(before);
		memcpy(before, m->rows, m->features * m->stride * sizeof(float));
		rec_model_reset_optimizer(m);
		ck_assert_uint_eq(m->features, fresh->features);
		for (size_t r = 0; r < m->features; r++) {
			const float *row = m->rows + r * m->stride;
			const float *old = before + r * m->stride;
			const float *new_row = fresh->rows + r * m->stride;
			/* weights and factors as they were */
			ck_assert_mem_eq(row, old, (1 + k) * sizeof(float));
			/* the factors' sums as a new row's */
			ck_assert_mem_eq(row + 2 + k, new_row + 2 + k,
					 k * sizeof(float));
			if (p.optimizer != REC_OPT_FTRL) {
				ck_assert_mem_eq(row + 1 + k, new_row + 1 + k,
						 sizeof(float));
				continue;
			}
			ck_assert_float_eq(row[1 + k], 0);
		}
		ck_assert_mem_eq(&m->bias[1], &fresh->bias[1], sizeof(float));
		/* FTRL: a step with a zero gradient leaves the weight */
		if (p.optimizer == REC_OPT_FTRL)
			for (size_t r = 0; r < m->features; r++) {
				float *row = m->rows + r * m->stride;
				float z = row[2 + 2 * k];
				float w = row[0];
				float x = fabsf(z) <= (float)p.l1 ? 0
					: -(z - copysignf((float)p.l1, z)) /
					  ((float)(p.ftrl_beta / p.ftrl_alpha) +
					   (float)p.l2);
				ck_assert_msg(fabsf(x - w) <= 1e-6f * fabsf(w) + 1e-30f,
					      "row %zu: weight %g, closed form %g",
					      r, w, x);
			}
		free(before);
		rec_dataset_free(d);
		rec_model_free(fresh);
		rec_model_free(m);
	}
	free(file);
	free(dir);
}
END_TEST

/* --l2-init: no pull is the plain step, bit for bit; a pull keeps the
 * rows nearer where they were, the nearer the stronger; rows made later
 * are not pulled. */
START_TEST(test_anchor)
{
	char *dir = tu_mkdir();
	char *a = learnable_file(dir, "a.tsv", 1);
	char *b = noise_file(dir, "b.tsv", 3000, 9);
	const char *fa[] = { a }, *fb[] = { b }, *fab[] = { a, b };
	double dist[3];
	const double pulls[3] = { 0, 1, 100 };
	rec_model *start = NULL;
	for (int t = 0; t < 3; t++) {
		struct rec_params p = train_params(3, 0, 0);
		rec_model *m = new_model(&p);
		rec_dataset *d = read_files(m, fa, 1);
		train(m, d, NULL, NULL);
		rec_dataset_free(d);
		if (!start) {
			start = new_model(&p);
			d = read_files(start, fa, 1);
			train(start, d, NULL, NULL);
			rec_dataset_free(d);
		}
		size_t anchored = m->features;
		ck_assert_int_eq(rec_model_anchor(m, pulls[t]), 0);
		ck_assert_uint_eq(m->anchor_rows, pulls[t] > 0 ? anchored : 0);
		d = read_files(m, fab, 2);	/* the noise's rows are new */
		train(m, d, NULL, NULL);
		rec_dataset_free(d);
		double sum = 0;
		for (size_t r = 0; r < anchored; r++)
			for (int j = 0; j <= p.factors; j++) {
				double x = m->rows[r * m->stride + (size_t)j] -
					   start->rows[r * start->stride +
						       (size_t)j];
				sum += x * x;
			}
		dist[t] = sum;
		if (t == 0) {
			/* no pull: training without the call, bit for bit */
			rec_model *plain = new_model(&p);
			d = read_files(plain, fa, 1);
			train(plain, d, NULL, NULL);
			rec_dataset_free(d);
			d = read_files(plain, fab, 2);
			train(plain, d, NULL, NULL);
			rec_dataset_free(d);
			assert_same_weights(plain, m);
			rec_model_free(plain);
		}
		rec_model_free(m);
	}
	ck_assert_msg(dist[0] > dist[1] && dist[1] > dist[2],
		      "distances %g %g %g", dist[0], dist[1], dist[2]);
	(void)fb;
	rec_model_free(start);
	free(a);
	free(b);
	free(dir);
}
END_TEST

static Suite *train_suite(void)
{
	Suite *s = suite_create("train");
	TCase *tc = tcase_create("train");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_loss_decreases);
	tcase_add_test(tc, test_early_stopping);
	tcase_add_test(tc, test_holdout_keeps_best);
	tcase_add_test(tc, test_empty_input);
	tcase_add_test(tc, test_bad_rows);
	tcase_add_test(tc, test_holdout_split);
	tcase_add_test(tc, test_exact_repeat);
	tcase_add_test(tc, test_same_seed_same_file);
	tcase_add_test(tc, test_stream_exact);
	tcase_add_test(tc, test_stream_errors);
	tcase_add_test(tc, test_holdout_makes_no_features);
	tcase_add_test(tc, test_reset_optimizer);
	tcase_add_test(tc, test_anchor);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(train_suite)
