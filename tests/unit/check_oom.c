/*
 * check_oom.c - allocation failures.  Each operation of the library is run
 * with its 1st, 2nd, ... allocation failing (only that one, and that one
 * and every later one) until it succeeds.  Every run must end in success
 * or REC_ENOMEM (with an "out of memory" message where the operation fills
 * a struct rec_error), free all it made (the sanitizer build's leak checker
 * sees to that), and leave any object it worked on usable: a retry gives
 * what a run without failures gives, and a model still saves, loads and
 * scores as before.
 */
#include <math.h>

#include "internal.h"
#include "testutil.h"

#define NEED_ULI (REC_NEED_USER | REC_NEED_ITEM | REC_NEED_LABEL)

enum {
	USERS = 30, ITEMS = 20, EVENTS = 200,
	NEW_EVENTS = 60,	/* the update file: some new users and items */
	MAX_STEPS = 100000,	/* more allocations than any case makes */
};

/* The scratch directory of the running test. */
static char *dir;

/* ---- data ---- */

/* n events, each "user item label" (TSV or CSV, with a header or not);
 * from offset on, users and items run past the trained ones. */
static char *events_text(int n, int offset, int csv, int header)
{
	size_t cap = (size_t)n * 48 + 64, len = 0;
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	char sep = csv ? ',' : '\t';
	if (header)
		len += (size_t)snprintf(text, cap, "user%citem%clabel\n", sep,
					sep);
	for (int j = 0; j < n; j++) {
		int u = (j * 7 + offset) % (USERS + 2 * (offset > 0));
		int i = (j * 13 + offset) % (ITEMS + 2 * (offset > 0));
		const char *q = csv && j % 5 == 0 ? "\"" : "";
		len += (size_t)snprintf(text + len, cap - len,
					"%su%d%s%ci%d%c%d\n", q, u, q, sep, i,
					sep, u % 2 == i % 2);
	}
	return text;
}

static char *events_file(const char *name, int n, int offset, int csv,
			 int header)
{
	char *text = events_text(n, offset, csv, header);
	char *path = tu_write_str(dir, name, text);
	free(text);
	return path;
}

static rec_reader *open_reader(const char *path, int csv, int header)
{
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	opt.csv = csv;
	opt.header = header;
	rec_reader *r;
	struct rec_error err;
	int rc = rec_reader_open(&r, &path, 1, &opt, &err);
	ck_assert_msg(rc == 0, "rec_reader_open %s: %s", path, err.msg);
	return r;
}

/* ---- models ---- */

enum variant { PLAIN, HOLDOUT, IMPLICIT_FORGET, NVARIANTS };
static const char *const variant_name[] = { "plain", "holdout",
					    "implicit+forgetting" };

static struct rec_params params(enum variant v)
{
	struct rec_params p;
	rec_params_init(&p, v == IMPLICIT_FORGET ? REC_TASK_IMPLICIT
						 : REC_TASK_BINARY);
	p.bits = 16;
	p.factors = 4;
	p.lr = 0.1;
	p.passes = v == HOLDOUT ? 4 : 2;
	p.shuffle = v == HOLDOUT;
	p.holdout = v == HOLDOUT ? 0.2 : 0;
	p.negatives = 2;
	if (v == IMPLICIT_FORGET)
		p.half_life = 50;
	return p;
}

static rec_model *new_model(enum variant v)
{
	struct rec_params p = params(v);
	rec_model *m;
	struct rec_error err;
	int rc = rec_model_create(&m, &p, &err);
	ck_assert_msg(rc == 0, "rec_model_create: %s", err.msg);
	return m;
}

static rec_model *trained_model(enum variant v, const char *events)
{
	rec_model *m = new_model(v);
	rec_reader *r = open_reader(events, 0, 0);
	rec_dataset *d;
	struct rec_error err;
	int rc = rec_dataset_read(&d, m, r, NULL, NULL, &err);
	ck_assert_msg(rc == 0, "rec_dataset_read: %s", err.msg);
	rc = rec_train(m, d, NULL, NULL, &err);
	ck_assert_msg(rc == 0, "rec_train: %s", err.msg);
	rec_dataset_free(d);
	rec_reader_free(r);
	return m;
}

/* What a model says: every pair of the trained users and items and of a
 * few ids it may not know, and its counts. */
#define PAIRS ((USERS + 3) * (ITEMS + 3))
struct fingerprint {
	double margin[PAIRS];
	struct rec_model_info info;
};

static void fingerprint(const rec_model *m, struct fingerprint *f)
{
	size_t n = 0;
	for (int u = 0; u < USERS + 3; u++)
		for (int i = 0; i < ITEMS + 3; i++) {
			char us[16], is[16];
			int ul = snprintf(us, sizeof(us), "u%d", u);
			int il = snprintf(is, sizeof(is), "i%d", i);
			f->margin[n++] = rec_model_margin(m, us, (size_t)ul,
							  is, (size_t)il);
		}
	rec_model_info(m, &f->info);
	f->info.saved = 0;	/* stamped by saving */
}

static void same_fingerprint(const struct fingerprint *a,
			     const struct fingerprint *b, const char *what,
			     long n)
{
	for (size_t j = 0; j < PAIRS; j++)
		TU_CHECK(a->margin[j] == b->margin[j] ||
			 (isnan(a->margin[j]) && isnan(b->margin[j])),
			 "%s, allocation %ld: pair %zu scores %.17g, not %.17g",
			 what, n, j, a->margin[j], b->margin[j]);
	TU_CHECK(a->info.features == b->info.features &&
		 a->info.items == b->info.items &&
		 a->info.events == b->info.events &&
		 a->info.updates == b->info.updates &&
		 a->info.passes_done == b->info.passes_done,
		 "%s, allocation %ld: counts differ", what, n);
}

/* The model saves and loads back scoring as it does. */
static void check_roundtrip(rec_model *m, const char *what, long n)
{
	char *path = tu_path(dir, "roundtrip.rec");
	struct rec_error err;
	int rc = rec_model_save(m, path, &err);
	TU_CHECK(rc == 0, "%s, allocation %ld: save after: %s", what, n,
		 err.msg);
	rec_model *back;
	rc = rec_model_load(&back, path, &err);
	TU_CHECK(rc == 0, "%s, allocation %ld: load after: %s", what, n,
		 err.msg);
	struct fingerprint *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	ck_assert(a && b);
	fingerprint(m, a);
	fingerprint(back, b);
	same_fingerprint(b, a, what, n);
	free(a);
	free(b);
	rec_model_free(back);
	unlink(path);
	free(path);
}

/* ---- the loop ---- */

/*
 * One case: set up (failures off), run the operation (failures on), check
 * (failures off) with its result, tear down.  ctx is the case's own.
 */
struct oom_case {
	const char *name;
	void (*setup)(void *ctx);
	int (*run)(void *ctx, struct rec_error *err);
	void (*check)(void *ctx, int rc, long n);
	void (*teardown)(void *ctx);
	int has_err;		/* run reports through err */
};

/*
 * Fail allocation n = 1, 2, ... (only it, or it and all after it) until a
 * run succeeds without reaching allocation n; returns the allocations the
 * operation made then.
 */
static long oom_loop(const struct oom_case *c, void *ctx, int persist)
{
	char what[128];
	snprintf(what, sizeof(what), "%s (%s)", c->name,
		 persist ? "failing from n on" : "failing n only");
	for (long n = 1; n < MAX_STEPS; n++) {
		c->setup(ctx);
		struct rec_error err;
		memset(&err, 0, sizeof(err));
		rec_alloc_fail_at(n, persist);
		int rc = c->run(ctx, &err);
		long made = rec_alloc_count();
		rec_alloc_fail_at(0, 0);
		TU_CHECK(rc == 0 || rc == REC_ENOMEM,
			 "%s, allocation %ld: returned %d (%s)", what, n, rc,
			 err.msg);
		TU_CHECK(rc == 0 || made >= n,
			 "%s, allocation %ld: out of memory without a failed "
			 "allocation", what, n);
		TU_CHECK(rc == 0 || !c->has_err ||
				 strstr(err.msg, "out of memory") != NULL,
			 "%s, allocation %ld: message '%s'", what, n, err.msg);
		c->check(ctx, rc, n);
		c->teardown(ctx);
		if (rc == 0 && made < n)
			return made;
	}
	ck_abort_msg("%s: never succeeded", what);
	return 0;
}

/* Both ways of failing; the allocations made. */
static long oom_both(const struct oom_case *c, void *ctx)
{
	long made = oom_loop(c, ctx, 1);
	long again = oom_loop(c, ctx, 0);
	ck_assert_msg(made == again, "%s: %ld allocations, then %ld",
		      c->name, made, again);
	fprintf(stderr, "check_oom: %s: %ld allocations\n", c->name, made);
	return made;
}

/* ---- reader: open and read every row ---- */

struct reader_ctx {
	const char *path;
	int csv, header;
	uint64_t rows;
};

static void reader_setup(void *p)
{
	((struct reader_ctx *)p)->rows = 0;
}

static int reader_run(void *p, struct rec_error *err)
{
	struct reader_ctx *x = p;
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	opt.csv = x->csv;
	opt.header = x->header;
	if (x->header) {
		opt.columns.user = "user";	/* by name */
		opt.columns.label = "label";
	}
	rec_reader *r;
	int rc = rec_reader_open(&r, &x->path, 1, &opt, err);
	if (rc)
		return rc;
	struct rec_row row;
	while ((rc = rec_reader_next(r, &row, err)) == 1)
		x->rows++;
	rec_reader_free(r);
	return rc;
}

static void reader_check(void *p, int rc, long n)
{
	struct reader_ctx *x = p;
	TU_CHECK(rc != 0 || x->rows == EVENTS, "reader, allocation %ld: %llu "
		 "rows", n, (unsigned long long)x->rows);
}

static void nothing(void *p)
{
	REC_UNUSED(p);
}

START_TEST(test_reader)
{
	dir = tu_mkdir();
	char *text = events_text(EVENTS, 0, 0, 0);
	char *csv_text = events_text(EVENTS, 0, 1, 1);
	char *tsv = tu_write_str(dir, "e.tsv", text);
	char *csv = tu_write_str(dir, "e.csv", csv_text);
	char *gz = tu_write_gz(dir, "e.tsv.gz", text, strlen(text));
	char *csvgz = tu_write_gz(dir, "e.csv.gz", csv_text, strlen(csv_text));
	struct {
		const char *name, *path;
		int csv, header;
	} files[] = {
		{ "reader tsv", tsv, 0, 0 },
		{ "reader csv with header", csv, 1, 1 },
		{ "reader tsv.gz", gz, 0, 0 },
		{ "reader csv.gz with header", csvgz, 1, 1 },
	};
	for (size_t i = 0; i < TU_ARRAY_LEN(files); i++) {
		struct reader_ctx x = { files[i].path, files[i].csv,
					files[i].header, 0 };
		struct oom_case c = { files[i].name, reader_setup, reader_run,
				      reader_check, nothing, 1 };
		ck_assert_int_gt(oom_both(&c, &x), 0);
	}
	free(text);
	free(csv_text);
	free(tsv);
	free(csv);
	free(gz);
	free(csvgz);
	free(dir);
}
END_TEST

/* ---- train: create, read a data set, train; or train from a stream ---- */

struct train_ctx {
	enum variant v;
	int stream;
	const char *events;
	const char *tables[2];	/* user and item attribute tables, or NULL */
	rec_reader *r;
	rec_model *m;
	int training;		/* the data set is read: rec_train runs */
	struct fingerprint want, got, read;
};

static void train_setup(void *p)
{
	struct train_ctx *x = p;
	x->r = open_reader(x->events, 0, 0);
	x->m = NULL;
	x->training = 0;
}

static int train_run(void *p, struct rec_error *err)
{
	struct train_ctx *x = p;
	struct rec_params pr = params(x->v);
	if (x->tables[0]) {
		pr.numeric = "age";
		pr.list_sep = "|";
	}
	int rc = rec_model_create(&x->m, &pr, err);
	for (int side = 0; side < 2 && !rc; side++)
		if (x->tables[side])
			rc = rec_model_load_table(x->m, side, x->tables[side],
						  err);
	if (rc)
		return rc;
	if (x->stream)
		return rec_train_stream(x->m, x->r, NULL, NULL, NULL, NULL,
					err);
	rec_dataset *d;
	rc = rec_dataset_read(&d, x->m, x->r, NULL, NULL, err);
	if (rc)
		return rc;
	fingerprint(x->m, &x->read);	/* allocates nothing */
	x->training = 1;
	rc = rec_train(x->m, d, NULL, NULL, err);
	rec_dataset_free(d);
	return rc;
}

static void train_check(void *p, int rc, long n)
{
	struct train_ctx *x = p;
	if (!x->m)
		return;
	fingerprint(x->m, &x->got);
	if (rc == 0)
		same_fingerprint(&x->got, &x->want, "train", n);
	else if (x->training)	/* a failed rec_train changes nothing */
		same_fingerprint(&x->got, &x->read, "rec_train", n);
	check_roundtrip(x->m, "train", n);
}

static void train_teardown(void *p)
{
	struct train_ctx *x = p;
	rec_model_free(x->m);
	rec_reader_free(x->r);
}

/* Attribute tables for the users and items of events_text, a list column
 * and a numeric one among them, so that training takes the path of side
 * features. */
static char *users_table, *items_table;

static void make_tables(void)
{
	char text[8192];
	size_t len = (size_t)snprintf(text, sizeof(text), "id\tage\ttags\n");
	for (int u = 0; u < USERS; u++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"u%d\t%d\tt%d|t%d\n", u, 18 + u,
					u % 3, u % 5);
	users_table = tu_write_str(dir, "users.tsv", text);
	len = (size_t)snprintf(text, sizeof(text), "id\tgenre\n");
	for (int i = 0; i < ITEMS + 2; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"i%d\tg%d\n", i, i % 4);
	items_table = tu_write_str(dir, "items.tsv", text);
}

START_TEST(test_train)
{
	dir = tu_mkdir();
	make_tables();
	char *events = events_file("e.tsv", EVENTS, 0, 0, 0);
	for (int v = 0; v < NVARIANTS; v++)
		for (int stream = 0; stream < 2; stream++)
		for (int tables = 0; tables < 2; tables++) {
			if (stream && v == HOLDOUT)
				continue;	/* one pass, no holdout */
			struct train_ctx *x = calloc(1, sizeof(*x));
			ck_assert_ptr_nonnull(x);
			x->v = (enum variant)v;
			x->stream = stream;
			x->events = events;
			if (tables) {
				x->tables[0] = users_table;
				x->tables[1] = items_table;
			}
			train_setup(x);
			struct rec_error err;
			ck_assert_int_eq(train_run(x, &err), 0);
			fingerprint(x->m, &x->want);
			train_teardown(x);
			char name[64];
			snprintf(name, sizeof(name), "%s %s%s",
				 stream ? "rec_train_stream" : "rec_train",
				 variant_name[v],
				 tables ? " with attribute tables" : "");
			struct oom_case c = { name, train_setup, train_run,
					      train_check, train_teardown, 1 };
			ck_assert_int_gt(oom_both(&c, x), 0);
			free(x);
		}
	free(events);
	free(users_table);
	free(items_table);
	free(dir);
}
END_TEST

/* ---- update: new events into a trained model ---- */

struct update_ctx {
	enum variant v;
	const char *model, *events;
	int test_only;
	int one;		/* the file of one new pair */
	rec_reader *r;
	rec_model *m;
	struct fingerprint before, want, got;
	int reports;
};

static void update_progress(const struct rec_update_progress *pr, void *arg)
{
	REC_UNUSED(pr);
	((struct update_ctx *)arg)->reports++;
}

static void update_setup(void *p)
{
	struct update_ctx *x = p;
	struct rec_error err;
	int rc = rec_model_load(&x->m, x->model, &err);
	ck_assert_msg(rc == 0, "load %s: %s", x->model, err.msg);
	x->r = open_reader(x->events, 0, 0);
}

static int update_run(void *p, struct rec_error *err)
{
	struct update_ctx *x = p;
	struct rec_update_options o = { .test_only = x->test_only,
					.window = 50 };
	return rec_update(x->m, x->r, &o, NULL, NULL, update_progress, x, err);
}

/* A failed update over one event (a new user and a new item) leaves the
 * model scoring as before; a retry then gives what one run gives. */
static void update_check(void *p, int rc, long n)
{
	struct update_ctx *x = p;
	if (rc != 0 && (x->test_only || x->one)) {
		fingerprint(x->m, &x->got);
		for (size_t j = 0; j < PAIRS; j++) {
			int known = (int)(j / (ITEMS + 3)) < USERS &&
				    (int)(j % (ITEMS + 3)) < ITEMS;
			TU_CHECK(!known || x->got.margin[j] ==
						   x->before.margin[j],
				 "update, allocation %ld: pair %zu changed", n,
				 j);
		}
		TU_CHECK(x->got.info.items == x->before.info.items &&
			 x->got.info.events == x->before.info.events &&
			 x->got.info.updates == x->before.info.updates,
			 "update, allocation %ld: counts changed: items %llu "
			 "events %llu updates %llu, not %llu %llu %llu", n,
			 (unsigned long long)x->got.info.items,
			 (unsigned long long)x->got.info.events,
			 (unsigned long long)x->got.info.updates,
			 (unsigned long long)x->before.info.items,
			 (unsigned long long)x->before.info.events,
			 (unsigned long long)x->before.info.updates);
		if (x->test_only)
			same_fingerprint(&x->got, &x->before, "update", n);
		rec_reader_free(x->r);
		x->r = open_reader(x->events, 0, 0);
		struct rec_error err;
		rc = update_run(x, &err);
		TU_CHECK(rc == 0, "update, allocation %ld: retry: %s", n,
			 err.msg);
	}
	if (rc == 0) {
		fingerprint(x->m, &x->got);
		same_fingerprint(&x->got, &x->want, "update", n);
	}
	check_roundtrip(x->m, "update", n);
}

static void update_teardown(void *p)
{
	struct update_ctx *x = p;
	rec_model_free(x->m);
	rec_reader_free(x->r);
}

START_TEST(test_update)
{
	dir = tu_mkdir();
	char *events = events_file("e.tsv", EVENTS, 0, 0, 0);
	char *many = events_file("new-n.tsv", NEW_EVENTS, 3, 0, 0);
	/* u31 and i21 are in no other file */
	char *one = tu_write_str(dir, "new-1.tsv", "u31\ti21\t1\n");
	for (int v = 0; v < NVARIANTS; v++) {
		if (v == HOLDOUT)
			continue;
		rec_model *m = trained_model((enum variant)v, events);
		char *model = tu_path(dir, "m.rec");
		struct rec_error err;
		ck_assert_int_eq(rec_model_save(m, model, &err), 0);
		rec_model_free(m);
		const char *files[] = { one, many };
		for (int f = 0; f < 2; f++)
			for (int test_only = 0; test_only < 2; test_only++) {
				struct update_ctx *x = calloc(1, sizeof(*x));
				ck_assert_ptr_nonnull(x);
				x->v = (enum variant)v;
				x->model = model;
				x->events = files[f];
				x->test_only = test_only;
				x->one = f == 0;
				update_setup(x);
				fingerprint(x->m, &x->before);
				ck_assert_int_eq(update_run(x, &err), 0);
				fingerprint(x->m, &x->want);
				update_teardown(x);
				char name[96];
				snprintf(name, sizeof(name),
					 "rec_update %s, %s%s",
					 variant_name[v],
					 f ? "many events" : "one new pair",
					 test_only ? ", test only" : "");
				struct oom_case c = { name, update_setup,
						      update_run, update_check,
						      update_teardown, 1 };
				ck_assert_int_gt(oom_both(&c, x), 0);
				free(x);
			}
		free(model);
	}
	free(events);
	free(many);
	free(one);
	free(dir);
}
END_TEST

/* ---- save and load ---- */

struct file_ctx {
	rec_model *m;
	char *path;		/* holds an older model */
	unsigned char *old;
	size_t old_len;
	void *image;
	size_t image_len;
	int decode;
	rec_model *loaded;
	struct fingerprint want, got;
};

static void save_setup(void *p)
{
	struct file_ctx *x = p;
	FILE *f = fopen(x->path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(x->old, 1, x->old_len, f), x->old_len);
	ck_assert_int_eq(fclose(f), 0);
}

static int save_run(void *p, struct rec_error *err)
{
	struct file_ctx *x = p;
	return rec_model_save(x->m, x->path, err);
}

/* A failed save leaves the old file and no temporary one; the model
 * scores as before, and a retry saves it. */
static void save_check(void *p, int rc, long n)
{
	struct file_ctx *x = p;
	TU_CHECK(tu_count_entries(dir) == 1, "save, allocation %ld: files "
		 "left behind", n);
	if (rc != 0) {
		size_t len;
		unsigned char *now = tu_read(x->path, &len);
		TU_CHECK(len == x->old_len && memcmp(now, x->old, len) == 0,
			 "save, allocation %ld: the old file changed", n);
		free(now);
	}
	fingerprint(x->m, &x->got);
	same_fingerprint(&x->got, &x->want, "save", n);
	if (rc != 0)
		return;
	struct rec_error err;
	rc = rec_model_load(&x->loaded, x->path, &err);
	TU_CHECK(rc == 0, "save, allocation %ld: load: %s", n, err.msg);
	fingerprint(x->loaded, &x->got);
	same_fingerprint(&x->got, &x->want, "save", n);
	rec_model_free(x->loaded);
	x->loaded = NULL;
}

static void load_setup(void *p)
{
	((struct file_ctx *)p)->loaded = NULL;
}

static int load_run(void *p, struct rec_error *err)
{
	struct file_ctx *x = p;
	if (x->decode)
		return rec_model_decode(&x->loaded, x->image, x->image_len,
					"image", err);
	return rec_model_load(&x->loaded, x->path, err);
}

static void load_check(void *p, int rc, long n)
{
	struct file_ctx *x = p;
	TU_CHECK(rc == 0 || x->loaded == NULL, "load, allocation %ld: a model "
		 "despite the failure", n);
	if (rc != 0)
		return;
	fingerprint(x->loaded, &x->got);
	same_fingerprint(&x->got, &x->want, "load", n);
}

static void load_teardown(void *p)
{
	struct file_ctx *x = p;
	rec_model_free(x->loaded);
	x->loaded = NULL;
}

START_TEST(test_save_load)
{
	char *data = tu_mkdir();
	dir = tu_mkdir();
	char *text = events_text(EVENTS, 0, 0, 0);
	char *events = tu_write_str(data, "e.tsv", text);
	free(text);
	text = events_text(EVENTS / 2, 5, 0, 0);
	char *older_events = tu_write_str(data, "o.tsv", text);
	free(text);
	for (int v = 0; v < NVARIANTS; v++) {
		struct file_ctx *x = calloc(1, sizeof(*x));
		ck_assert_ptr_nonnull(x);
		/* an older model where the new one goes */
		rec_model *older = trained_model((enum variant)v, older_events);
		x->path = tu_path(dir, "m.rec");
		struct rec_error err;
		ck_assert_int_eq(rec_model_save(older, x->path, &err), 0);
		rec_model_free(older);
		x->old = tu_read(x->path, &x->old_len);

		x->m = trained_model((enum variant)v, events);
		fingerprint(x->m, &x->want);
		char name[64];
		snprintf(name, sizeof(name), "rec_model_save %s",
			 variant_name[v]);
		struct oom_case save = { name, save_setup, save_run,
					 save_check, nothing, 1 };
		ck_assert_int_gt(oom_both(&save, x), 0);

		size_t len;
		x->image = tu_read(x->path, &len);
		x->image_len = len;
		snprintf(name, sizeof(name), "rec_model_load %s",
			 variant_name[v]);
		struct oom_case load = { name, load_setup, load_run,
					 load_check, load_teardown, 1 };
		ck_assert_int_gt(oom_both(&load, x), 0);
		x->decode = 1;
		snprintf(name, sizeof(name), "rec_model_decode %s",
			 variant_name[v]);
		load.name = name;
		ck_assert_int_gt(oom_both(&load, x), 0);

		rec_model_free(x->m);
		free(x->image);
		free(x->old);
		unlink(x->path);
		free(x->path);
		free(x);
	}
	free(events);
	free(older_events);
	free(dir);
	free(data);
}
END_TEST

/* ---- predict: a margin for each row of a reader ---- */

struct predict_ctx {
	const rec_model *m;
	const char *events;
	double sum, want;
	int csv;
};

static void predict_setup(void *p)
{
	((struct predict_ctx *)p)->sum = 0;
}

static int predict_run(void *p, struct rec_error *err)
{
	struct predict_ctx *x = p;
	struct rec_reader_options opt = rec_model_params(x->m)->input;
	opt.need = REC_NEED_USER | REC_NEED_ITEM;
	opt.csv = x->csv;
	rec_reader *r;
	int rc = rec_reader_open(&r, &x->events, 1, &opt, err);
	if (rc)
		return rc;
	struct rec_row row;
	while ((rc = rec_reader_next_good(r, &row, NULL, NULL, err)) == 1)
		x->sum += rec_model_predict(x->m, rec_model_margin(x->m,
					row.user, row.user_len, row.item,
					row.item_len));
	rec_reader_free(r);
	return rc;
}

static void predict_check(void *p, int rc, long n)
{
	struct predict_ctx *x = p;
	TU_CHECK(rc != 0 || x->sum == x->want, "predict, allocation %ld: "
		 "%.17g, not %.17g", n, x->sum, x->want);
}

START_TEST(test_predict)
{
	dir = tu_mkdir();
	char *events = events_file("e.tsv", EVENTS, 0, 0, 0);
	char *fresh = events_file("new.csv", NEW_EVENTS, 3, 1, 0);
	rec_model *m = trained_model(PLAIN, events);
	const char *files[] = { events, fresh };
	for (int f = 0; f < 2; f++) {
		struct predict_ctx x = { m, files[f], 0, 0, f };
		struct rec_error err;
		ck_assert_int_eq(predict_run(&x, &err), 0);
		x.want = x.sum;
		struct oom_case c = { f ? "predict csv" : "predict tsv",
				      predict_setup, predict_run,
				      predict_check, nothing, 1 };
		ck_assert_int_gt(oom_both(&c, &x), 0);
	}
	rec_model_free(m);
	free(events);
	free(fresh);
	free(dir);
}
END_TEST

/* ---- top-k ---- */

enum { TOPK = 4, TOPK_USERS = USERS + 2 };

struct topk_ctx {
	const rec_model *m;
	int threads;
	int stage;		/* 0: everything; 1: exclude; 2: run only */
	rec_topk *t;
	struct rec_topk_user users[TOPK_USERS];
	char names[TOPK_USERS][16];
	struct rec_topk_result want[TOPK_USERS * TOPK];
	struct rec_topk_result got[TOPK_USERS * TOPK];
	int allowed, excluded;	/* calls done */
};

static int topk_allow_all(struct topk_ctx *x)
{
	for (; x->allowed < ITEMS + 1; x->allowed++) {
		if (x->allowed % 3 == 1)
			continue;
		char id[16];
		int len = snprintf(id, sizeof(id), "i%d", x->allowed);
		int rc = rec_topk_allow(x->t, id, (size_t)len);
		if (rc)
			return rc;
	}
	return 0;
}

static int topk_exclude_all(struct topk_ctx *x)
{
	for (; x->excluded < 3 * USERS; x->excluded++) {
		int u = x->excluded / 3, i = (u + x->excluded) % ITEMS;
		char us[16], is[16];
		int ul = snprintf(us, sizeof(us), "u%d", u);
		int il = snprintf(is, sizeof(is), "i%d", i);
		int rc = rec_topk_exclude(x->t, us, (size_t)ul, is,
					  (size_t)il);
		if (rc)
			return rc;
	}
	return 0;
}

static void topk_setup(void *p)
{
	struct topk_ctx *x = p;
	for (int u = 0; u < TOPK_USERS; u++) {
		int len = snprintf(x->names[u], sizeof(x->names[u]), "u%d", u);
		x->users[u] = (struct rec_topk_user){ x->names[u],
						      (size_t)len };
	}
	x->t = NULL;
	x->allowed = x->excluded = 0;
	memset(x->got, 0, sizeof(x->got));
	if (x->stage == 0)
		return;
	struct rec_error err;
	ck_assert_int_eq(rec_topk_create(&x->t, x->m, TOPK, x->threads, &err),
			 0);
	ck_assert_int_eq(topk_allow_all(x), 0);
	if (x->stage == 2)
		ck_assert_int_eq(topk_exclude_all(x), 0);
}

static int topk_run(void *p, struct rec_error *err)
{
	struct topk_ctx *x = p;
	int rc;
	if (x->stage == 0) {
		rc = rec_topk_create(&x->t, x->m, TOPK, x->threads, err);
		if (!rc)
			rc = topk_allow_all(x);
		if (rc)
			return rec_fail(err, rc, NULL, 0, "out of memory");
	}
	if (x->stage < 2) {
		rc = topk_exclude_all(x);
		if (rc)
			return rec_fail(err, rc, NULL, 0, "out of memory");
	}
	return rec_topk_run(x->t, x->users, TOPK_USERS, x->got, err);
}

/* A failure on an existing top-k leaves it usable: the calls that failed
 * and the ones after, made again, give the lists of a run without
 * failures. */
static void topk_check(void *p, int rc, long n)
{
	struct topk_ctx *x = p;
	if (rc != 0 && x->t) {
		struct rec_error err;
		TU_CHECK(topk_allow_all(x) == 0 && topk_exclude_all(x) == 0,
			 "top-k, allocation %ld: retry failed", n);
		rc = rec_topk_run(x->t, x->users, TOPK_USERS, x->got, &err);
		TU_CHECK(rc == 0, "top-k, allocation %ld: retry: %s", n,
			 err.msg);
	}
	if (rc != 0)
		return;
	for (size_t j = 0; j < TU_ARRAY_LEN(x->want); j++)
		TU_CHECK(x->got[j].item == x->want[j].item &&
			 x->got[j].score == x->want[j].score,
			 "top-k, allocation %ld: result %zu differs", n, j);
}

static void topk_teardown(void *p)
{
	struct topk_ctx *x = p;
	rec_topk_free(x->t);
	x->t = NULL;
}

START_TEST(test_topk)
{
	dir = tu_mkdir();
	char *events = events_file("e.tsv", EVENTS, 0, 0, 0);
	rec_model *m = trained_model(PLAIN, events);
	static const char *const stage_name[] = { "create, allow, exclude, run",
						  "exclude, run", "run" };
	for (int threads = 1; threads <= 2; threads++)
		for (int stage = 0; stage < 3; stage++) {
			struct topk_ctx *x = calloc(1, sizeof(*x));
			ck_assert_ptr_nonnull(x);
			x->m = m;
			x->threads = threads;
			x->stage = stage;
			topk_setup(x);
			struct rec_error err;
			ck_assert_int_eq(topk_run(x, &err), 0);
			memcpy(x->want, x->got, sizeof(x->want));
			topk_teardown(x);
			char name[96];
			snprintf(name, sizeof(name), "top-k %s, %d thread%s",
				 stage_name[stage], threads,
				 threads > 1 ? "s" : "");
			struct oom_case c = { name, topk_setup, topk_run,
					      topk_check, topk_teardown, 1 };
			ck_assert_int_gt(oom_both(&c, x), 0);
			free(x);
		}
	rec_model_free(m);
	free(events);
	free(dir);
}
END_TEST

/* ---- pointwise metrics ---- */

struct metrics_ctx {
	size_t rows;		/* rows to add */
	size_t weighted_at;	/* the row with weight 2 (none if >= rows) */
	rec_metrics *mt;
	size_t added;
	int computing;		/* the failure came in compute */
	struct rec_metric_values want, got;
};

static void metrics_row(size_t j, double *label, double *score)
{
	*label = (double)(j % 3 == 0);
	*score = (double)((j * 7919) % 1000) / 1000;
}

static void metrics_setup(void *p)
{
	struct metrics_ctx *x = p;
	x->mt = NULL;
	x->added = 0;
	x->computing = 0;
}

static int metrics_add_rest(struct metrics_ctx *x)
{
	for (; x->added < x->rows; x->added++) {
		double label, score;
		metrics_row(x->added, &label, &score);
		int rc = rec_metrics_add(x->mt, label, score,
					 x->added == x->weighted_at ? 2 : 1);
		if (rc)
			return rc;
	}
	return 0;
}

static int metrics_run(void *p, struct rec_error *err)
{
	struct metrics_ctx *x = p;
	int rc = rec_metrics_create(&x->mt);
	if (!rc)
		rc = metrics_add_rest(x);
	if (rc)
		return rec_fail(err, rc, NULL, 0, "out of memory");
	x->computing = 1;
	return rec_metrics_compute(x->mt, &x->got, err);
}

/* After a failed add, adding the same row again and the rest gives the
 * values of a run without failures; after a failed compute, computing
 * again does. */
static void metrics_check(void *p, int rc, long n)
{
	struct metrics_ctx *x = p;
	if (rc != 0 && x->mt) {
		struct rec_error err;
		TU_CHECK(metrics_add_rest(x) == 0, "metrics, allocation %ld: "
			 "retry failed", n);
		rc = rec_metrics_compute(x->mt, &x->got, &err);
		TU_CHECK(rc == 0, "metrics, allocation %ld: %s", n, err.msg);
	}
	if (rc != 0)
		return;
	TU_CHECK(x->got.rows == x->want.rows &&
		 x->got.weight == x->want.weight &&
		 x->got.has_auc == x->want.has_auc &&
		 x->got.auc == x->want.auc &&
		 x->got.logloss == x->want.logloss &&
		 x->got.rmse == x->want.rmse,
		 "metrics, allocation %ld (%s): rows %llu, AUC %.17g, not "
		 "%llu, %.17g", n, x->computing ? "compute" : "add",
		 (unsigned long long)x->got.rows, x->got.auc,
		 (unsigned long long)x->want.rows, x->want.auc);
}

static void metrics_teardown(void *p)
{
	struct metrics_ctx *x = p;
	rec_metrics_free(x->mt);
}

START_TEST(test_metrics)
{
	/* unweighted rows; a weight after a few; a weight after more rows
	 * than the first block of keys holds */
	static const size_t cases[][2] = {
		{ EVENTS, EVENTS },
		{ EVENTS, 17 },
		{ 70000, 69000 },
	};
	for (size_t i = 0; i < TU_ARRAY_LEN(cases); i++) {
		struct metrics_ctx x = { cases[i][0], cases[i][1], NULL, 0, 0,
					 { 0 }, { 0 } };
		metrics_setup(&x);
		struct rec_error err;
		ck_assert_int_eq(metrics_run(&x, &err), 0);
		x.want = x.got;
		metrics_teardown(&x);
		char name[96];
		if (cases[i][1] < cases[i][0])
			snprintf(name, sizeof(name), "rec_metrics %zu rows, "
				 "a weight at row %zu", cases[i][0],
				 cases[i][1]);
		else
			snprintf(name, sizeof(name), "rec_metrics %zu rows, "
				 "unweighted", cases[i][0]);
		struct oom_case c = { name, metrics_setup, metrics_run,
				      metrics_check, metrics_teardown, 1 };
		ck_assert_int_gt(oom_both(&c, &x), 0);
	}
}
END_TEST

/* ---- ranking metrics ---- */

struct ranking_ctx {
	int which;		/* 0: groups one by one; 1: truth; 2: groups */
	const char *truth, *recs, *rows;
	rec_ranking *r;
	int added;
	struct rec_rank_values want, got;
	double coverage, want_coverage;
};

enum { GROUPS = 12, GROUP_ROWS = 9 };
static const int ranking_ks[] = { 1, 4, 10 };

static void ranking_setup(void *p)
{
	struct ranking_ctx *x = p;
	ck_assert_int_eq(rec_ranking_create(&x->r, ranking_ks,
					    (int)TU_ARRAY_LEN(ranking_ks)), 0);
	/* something in it already */
	unsigned char rel[] = { 0, 1, 0, 1 };
	ck_assert_int_eq(rec_ranking_add_list(x->r, rel, 4, 3), 0);
	x->added = 0;
	x->coverage = -1;
}

static int ranking_add_rest(struct ranking_ctx *x)
{
	for (; x->added < GROUPS; x->added++) {
		double score[GROUP_ROWS];
		unsigned char label[GROUP_ROWS];
		for (int j = 0; j < GROUP_ROWS; j++) {
			score[j] = (double)((x->added * 31 + j * 17) % 10);
			label[j] = (x->added + j) % 3 == 0;
		}
		int rc = rec_ranking_add_group(x->r, score, label, GROUP_ROWS);
		if (rc)
			return rc;
	}
	return 0;
}

static int ranking_reader(rec_reader **r, const char *path, int score,
			  struct rec_error *err)
{
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = REC_NEED_USER | REC_NEED_ITEM;
	opt.columns.label = NULL;
	if (score) {
		opt.need |= REC_NEED_LABEL | REC_NEED_SCORE;
		opt.columns.label = "3";
		opt.columns.score = "4";
	}
	return rec_reader_open(r, &path, 1, &opt, err);
}

static int ranking_readers(struct ranking_ctx *x, struct rec_error *err)
{
	rec_reader *a = NULL, *b = NULL;
	int rc;
	if (x->which == 1) {
		rc = ranking_reader(&a, x->truth, 0, err);
		if (!rc)
			rc = ranking_reader(&b, x->recs, 0, err);
		if (!rc)
			rc = rec_ranking_truth(x->r, a, b, NULL, NULL, 0,
					       &x->coverage, err);
	} else {
		rc = ranking_reader(&a, x->rows, 1, err);
		if (!rc)
			rc = rec_ranking_groups(x->r, a, NULL, NULL, err);
	}
	rec_reader_free(a);
	rec_reader_free(b);
	return rc;
}

static int ranking_run(void *p, struct rec_error *err)
{
	struct ranking_ctx *x = p;
	if (x->which == 0) {
		int rc = ranking_add_rest(x);
		return rc ? rec_fail(err, rc, NULL, 0, "out of memory") : 0;
	}
	return ranking_readers(x, err);
}

/* A failure leaves the figures as they were: the same call again gives
 * the values of a run without failures. */
static void ranking_check(void *p, int rc, long n)
{
	struct ranking_ctx *x = p;
	if (rc != 0) {
		struct rec_error err;
		rc = x->which == 0 ? ranking_add_rest(x)
				   : ranking_readers(x, &err);
		TU_CHECK(rc == 0, "ranking, allocation %ld: retry failed", n);
	}
	rec_ranking_values(x->r, &x->got);
	TU_CHECK(memcmp(&x->got, &x->want, sizeof(x->got)) == 0,
		 "ranking, allocation %ld: users %llu, auc %.17g, not %llu, "
		 "%.17g", n, (unsigned long long)x->got.users, x->got.auc,
		 (unsigned long long)x->want.users, x->want.auc);
	TU_CHECK(x->coverage == x->want_coverage, "ranking, allocation %ld: "
		 "coverage %g, not %g", n, x->coverage, x->want_coverage);
}

static void ranking_teardown(void *p)
{
	rec_ranking_free(((struct ranking_ctx *)p)->r);
}

START_TEST(test_ranking)
{
	dir = tu_mkdir();
	/* truth: a few items per user; recommendations: 6 per user, some
	 * of them right; scored rows: user item label score */
	size_t cap = 65536, tl = 0, kl = 0, gl = 0;
	char *truth = malloc(cap), *recs = malloc(cap), *rows = malloc(cap);
	ck_assert(truth && recs && rows);
	for (int u = 0; u < USERS; u++) {
		for (int i = 0; i < 1 + u % 3; i++)
			tl += (size_t)snprintf(truth + tl, cap - tl,
					       "u%d\ti%d\n", u, (u + i * 5) %
					       ITEMS);
		for (int i = 0; i < 6; i++)
			kl += (size_t)snprintf(recs + kl, cap - kl,
					       "u%d\ti%d\n", u, (u + i * 3) %
					       ITEMS);
		for (int i = 0; i < 5; i++)
			gl += (size_t)snprintf(rows + gl, cap - gl,
					       "u%d\ti%d\t%d\t%d\n", u, i,
					       (u + i) % 3 == 0, (u * i) % 7);
	}
	char *tp = tu_write(dir, "truth.tsv", truth, tl);
	char *kp = tu_write(dir, "recs.tsv", recs, kl);
	char *gp = tu_write(dir, "rows.tsv", rows, gl);
	static const char *const names[] = { "rec_ranking_add_group",
					     "rec_ranking_truth",
					     "rec_ranking_groups" };
	for (int which = 0; which < 3; which++) {
		struct ranking_ctx *x = calloc(1, sizeof(*x));
		ck_assert_ptr_nonnull(x);
		x->which = which;
		x->truth = tp;
		x->recs = kp;
		x->rows = gp;
		ranking_setup(x);
		struct rec_error err;
		ck_assert_int_eq(ranking_run(x, &err), 0);
		rec_ranking_values(x->r, &x->want);
		x->want_coverage = x->coverage;
		ranking_teardown(x);
		struct oom_case c = { names[which], ranking_setup, ranking_run,
				      ranking_check, ranking_teardown, 1 };
		ck_assert_int_gt(oom_both(&c, x), 0);
		free(x);
	}
	free(truth);
	free(recs);
	free(rows);
	free(tp);
	free(kp);
	free(gp);
	free(dir);
}
END_TEST

static Suite *oom_suite(void)
{
	Suite *s = suite_create("oom");
	TCase *tc = tcase_create("allocation failures");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_reader);
	tcase_add_test(tc, test_train);
	tcase_add_test(tc, test_update);
	tcase_add_test(tc, test_save_load);
	tcase_add_test(tc, test_predict);
	tcase_add_test(tc, test_topk);
	tcase_add_test(tc, test_metrics);
	tcase_add_test(tc, test_ranking);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(oom_suite)
