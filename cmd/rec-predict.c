/*
 * rec-predict - score events with a model: each input line is copied with
 * the model's score appended.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

enum { OPT_RAW = OPT_FIRST_FREE, OPT_TOP, OPT_EXCLUDE, OPT_CANDIDATES,
       OPT_THREADS, OPT_NO_COLD_ITEMS, OPT_INCLUDE_SEEN, OPT_EXPLAIN,
       OPT_RELOAD };

static const struct cli_option options[] = {
	{ "model", 'm', "MODEL", 'm', "the model file (required)" },
	{ "raw", 0, NULL, OPT_RAW,
	  "the raw margin instead of the prediction" },
	{ "top", 0, "K", OPT_TOP, "top-k mode: K items per user (1-100000)" },
	{ "exclude", 0, "FILE", OPT_EXCLUDE,
	  "events (in the model's column layout) whose user-item pairs are "
	  "never recommended, e.g. the training file" },
	{ "candidates", 0, "FILE", OPT_CANDIDATES,
	  "only these items may be recommended: the first column of each "
	  "line" },
	{ "threads", 0, "N", OPT_THREADS,
	  "threads: top-k 1-256; score mode 2, one reading rows and finding "
	  "their ids, one scoring and writing (default 1); the output is the "
	  "same for any N" },
	{ "no-cold-items", 0, NULL, OPT_NO_COLD_ITEMS,
	  "top-k: items known only from the item attribute table (nobody "
	  "has touched them) do not compete; by default they do, scored "
	  "from their attributes" },
	{ "explain", 0, NULL, OPT_EXPLAIN,
	  "score mode: one more field, the margin split into its terms: "
	  "bias=, a term per namespace (user=, item=, each feature "
	  "column), interactions= (they add up to the margin)" },
	{ "reload", 0, NULL, OPT_RELOAD,
	  "score mode: when another model is saved or promoted at MODEL, "
	  "score the rows after it with that one (looked at whenever the "
	  "input waits, and every few MB of it); one of another kind is "
	  "reported and not used" },
	{ "include-seen", 0, NULL, OPT_INCLUDE_SEEN,
	  "top-k, --model ease: a user's own items (its history in the "
	  "model) may be recommended; by default they are left out" },
	{ NULL, 0, NULL, 0, NULL },
};

/* Scoring reads the user and item columns, and the model's features. */
#define PREDICT_INPUT (INPUT_BIT(OPT_USER) | INPUT_BIT(OPT_ITEM) | \
		       INPUT_FORMAT | INPUT_TABLES)

static void help(FILE *f)
{
	fputs("Usage: rec-predict -m MODEL [OPTION]... [FILE]...\n"
	      "       rec-predict -m MODEL --top K [--exclude FILE] "
	      "[--candidates FILE]\n"
	      "                   [--threads N] [OPTION]... [FILE]...\n"
	      "Score mode: copy each input line and append the model's score "
	      "after a tab\n(a comma for CSV): a probability for a logistic "
	      "model, a value for a\nsquared one, a ranking score for BPR.\n"
	      "Top-k mode: for each user of the input (the user column of each "
	      "row, so\none id per line works; each user once, in input order) "
	      "write the K best\nitems of the model's catalogue as 'user TAB "
	      "item TAB score TAB rank'.\n"
	      "With no FILE, or when FILE is -, read standard input.\n\n", f);
	cli_help(f, options);
	fputs("\nInput (the model's own column settings are the defaults; "
	      "with --header the\nfirst file's header is copied with 'score' "
	      "appended):\n", f);
	cli_help_input(f, PREDICT_INPUT);
	fputs("\nFeatures (the model's; given, they must be the same):\n", f);
	cli_help_params(f, REC_PARAM_SCHEMA, 0);
	fputc('\n', f);
	cli_help_standard(f);
	fputs("\nUsers and items the model never saw contribute nothing of "
	      "their own: an\nunseen user gets the item's weight, an unseen "
	      "item the user's; so in top-k\nmode an unseen user gets the "
	      "items ranked by their weights, a popularity\nranking.  Ties go "
	      "to the item met first in training.\n"
	      "A model with side features reads its feature columns in "
	      "score mode and\njoins its attribute tables (or newer ones "
	      "given) on the ids; in top-k mode\na user is its id and "
	      "attributes, an item its id, latest item features\nand "
	      "attributes, and items only in the item table compete (see"
	      "\n--no-cold-items) after the catalogue's, ties going to the "
	      "catalogue.\n"
	      "A --model ease model scores an item by the sum of its weights "
	      "from the\nuser's items; an unseen user, and items outside its "
	      "item-item part, get\nthe share of users who met the item; in "
	      "top-k mode the user's own items\nare left out (see "
	      "--include-seen).\n\n"
	      "Exit status: 0 on success, 2 on any error.\n", f);
}

/* The output is one table: the first file's header, if any, heads it. */
static int print_header(const rec_reader *reader, char sep, int explain)
{
	size_t len;
	const char *header = rec_reader_header(reader, &len);
	if (!header)
		return 0;
	fwrite(header, 1, len, stdout);
	printf("%cscore", sep);
	if (explain)
		printf("%cexplain", sep);
	putchar('\n');
	return 1;
}

struct top_config {
	rec_model *model;
	struct rec_reader_options opt;	/* the model's layout */
	int k, threads, raw, strict, no_cold, include_seen;
	const char *exclude, *candidates;
};

/* Call fn on each good row of files read with opt; bad rows reported.
 * Returns the number of good rows. */
static size_t each_row(const char *const *files, int nfiles,
		     const struct rec_reader_options *opt, int strict,
		     void (*fn)(const struct rec_row *row, void *arg), void *arg)
{
	struct rec_error err = { 0 };
	rec_reader *r;
	if (rec_reader_open(&r, files, nfiles, opt, &err) != 0)
		die_error(&err);
	struct bad_rows bad; bad_rows_init(&bad, strict, r);
	struct rec_row row;
	int rc;
	while ((rc = rec_reader_next_good(r, &row, bad_row_report, &bad,
					  &err)) != 0) {
		if (rc < 0)
			stop_reading(rc, &err);
		fn(&row, arg);
	}
	bad_rows_summary(&bad);
	size_t rows = (size_t)rec_reader_rows(r);
	rec_reader_free(r);
	return rows;
}

static void exclude_row(const struct rec_row *row, void *arg)
{
	if (rec_topk_exclude(arg, row->user, row->user_len, row->item,
			     row->item_len) != 0)
		die("out of memory");
}

static void allow_row(const struct rec_row *row, void *arg)
{
	if (rec_topk_allow(arg, row->user, row->user_len) != 0)
		die("out of memory");
}

/* The users of the input, each once, in order of first appearance. */
static void add_user(const struct rec_row *row, void *arg)
{
	if (rec_idset_add(arg, row->user, row->user_len, NULL) < 0)
		die("out of memory");
}

static void top_mode(const struct top_config *tc, const char *const *files,
		     int nfiles)
{
	struct rec_error err = { 0 };
	rec_topk *t;
	/* no list is longer than the catalogue: K past it changes nothing
	 * but the size of the results */
	struct rec_model_info info;
	rec_model_info(tc->model, &info);
	size_t items = rec_model_items(tc->model) +
		       (tc->no_cold ? 0 : info.cold_items);
	const int k = items && (size_t)tc->k > items ? (int)items : tc->k;
	if (rec_topk_create(&t, tc->model, k, tc->threads, &err) != 0 ||
	    rec_topk_cold_items(t, !tc->no_cold) != 0)
		die_error(&err);
	if (tc->include_seen && rec_topk_include_seen(t, 1) != 0)
		die("--include-seen applies to --model ease models; a "
		    "factorization machine leaves out what --exclude names");
	if (tc->candidates) {
		/* item ids in the first column */
		struct rec_reader_options o = tc->opt;
		o.columns = (struct rec_columns){ .user = "1" };
		o.header = 0;
		o.nextra = 0;
		o.need = REC_NEED_USER;
		size_t n = each_row(&tc->candidates, 1, &o, tc->strict,
				    allow_row, t);
		if (n == 0)
			die("%s: no candidate items", tc->candidates);
	}
	if (tc->exclude) {
		struct rec_reader_options o = tc->opt;
		o.nextra = 0;	/* pairs only */
		each_row(&tc->exclude, 1, &o, tc->strict, exclude_row, t);
	}
	rec_idset *seen;
	if (rec_idset_create(&seen) != 0)
		die("out of memory");
	struct rec_reader_options o = tc->opt;
	o.columns.item = NULL;
	o.need = REC_NEED_USER;
	o.nextra = 0;	/* a user is its id and its attributes */
	each_row(files, nfiles, &o, tc->strict, add_user, seen);
	const size_t nusers = rec_idset_size(seen);

	/* in batches, so output starts early and memory stays bounded:
	 * 4096 users, or fewer so that the results take at most 16 MiB */
	const size_t most = ((size_t)1 << 20) / (size_t)k;
	const size_t batch = most < 64 ? 64 : most > 4096 ? 4096 : most;
	struct rec_topk_user *users = malloc(batch * sizeof(*users));
	struct rec_topk_result *res = malloc(batch * (size_t)k * sizeof(*res));
	if (!users || !res)
		die("out of memory");
	for (size_t b = 0; b < nusers; b += batch) {
		size_t n = nusers - b < batch ? nusers - b : batch;
		for (size_t i = 0; i < n; i++)
			users[i].id = rec_idset_id(seen, b + i, &users[i].len);
		if (rec_topk_run(t, users, n, res, &err) != 0)
			die_error(&err);
		for (size_t i = 0; i < n; i++) {
			for (int r = 0; r < k; r++) {
				const struct rec_topk_result *x =
					&res[i * (size_t)k + (size_t)r];
				if (x->item == UINT32_MAX)
					break;
				size_t ilen;
				const char *item = rec_topk_item(t, x->item,
								 &ilen);
				double score = tc->raw ? x->score
					: rec_model_predict(tc->model,
							    x->score);
				char num[40];
				rec_format_score(num, score);
				fwrite(users[i].id, 1, users[i].len, stdout);
				putchar('\t');
				fwrite(item, 1, ilen, stdout);
				printf("\t%s\t%d\n", num, r + 1);
			}
		}
		check_stdout();
	}
	finish_stdout();
	free(users);
	free(res);
	rec_idset_free(seen);
	rec_topk_free(t);
}

/*
 * A live input (one request a line from a pipe): whatever is scored goes
 * out before the reader waits for more, so that each request is answered
 * at once, and with --reload the model file is looked at again before
 * the rows that come after the wait.
 */
struct live {
	struct out_buffer *out;
	int look;		/* the input waited since the model was checked */
};

static int before_wait(int fd, void *arg)
{
	(void)fd;
	struct live *l = arg;
	out_flush(l->out);
	finish_stdout();
	l->look = 1;
	return REC_WAIT_READ;
}

/* What a model reloaded is given, as the first one was. */
struct reload {
	const char *path;
	struct rec_file_id used;	/* the file of the model in use */
	struct rec_file_id refused;	/* a file reported as unusable */
	const struct param_args *pa;
	const struct input_config *in;
};

/* The model at rl->path if it is no longer the one in use (a newer one
 * was saved or promoted there), else m.  Saves and promotions rename a
 * whole file into place, so the file read is always whole.  A file that
 * does not load, or holds a model of another kind, is reported once and
 * m kept. */
static rec_model *reload(rec_model *m, struct reload *rl)
{
	struct rec_error err = { 0 };
	struct rec_file_id now;
	if (rec_file_id_of_path(rl->path, &now, &err) != 0 ||
	    rec_file_id_same(&now, &rl->used) ||
	    rec_file_id_same(&now, &rl->refused))
		return m;
	int fd = open(rl->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return m;	/* replaced between: seen at the next look */
	rec_model *fresh = NULL;
	char why[160];
	const char *difference = NULL;
	int rc = rec_file_id_of_fd(fd, &now, &err);
	if (!rc)
		rc = rec_model_load_fd(&fresh, fd, rl->path, &err);
	close(fd);
	if (!rc)
		difference = model_kind_difference(fresh, m, why,
						   sizeof(why));
	if (rc || difference) {
		if (rc)
			print_error(&err);
		else
			warnx_("%s: the new model is of another kind (%s)",
			       rl->path, difference);
		warnx_("%s: still scoring with the model loaded before",
		       rl->path);
		rl->refused = now;
		rec_model_free(fresh);
		return m;
	}
	struct rec_params p = *rec_model_params(fresh);
	param_apply(rl->pa, &p);
	if (rec_model_retune(fresh, &p, &err) != 0)
		die_error(&err);
	load_tables(fresh, rl->in, 0);
	rec_model_free(m);
	rl->used = now;
	return fresh;
}

/*
 * Score mode in two threads (--threads 2): the main thread reads the rows
 * and finds their ids' rows in the model, a second one reads the rows'
 * parameters into the margins, turns the scores into text and writes
 * them, each row with its line, in input order: the output is the same
 * bytes as one thread's.  Batches of lines and located rows pass between
 * them through a ring.
 */
#define SCORE_BATCH 4096
#define SCORE_SLOTS 4

struct score_batch {
	char *text;		/* the lines, one after another */
	size_t len, cap;
	struct scored_line {
		size_t end;	/* of the line in text */
		struct rec_located loc;
		char sep;	/* before the score: tab or comma */
		char verbatim;	/* a header line: written as it is */
	} line[SCORE_BATCH];
	size_t n;
	int last;
};

struct score_pipe {
	const rec_model *model;
	int raw;
	struct score_batch *slot;
	size_t filled, taken;
	pthread_mutex_t lock;
	pthread_cond_t changed;
};

static void batch_add(struct score_batch *b, const char *text, size_t len,
		      const struct rec_located *loc, char sep, char verbatim)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 20;
		while (cap < b->len + len)
			cap *= 2;
		char *t = realloc(b->text, cap);
		if (!t)
			die("out of memory");
		b->text = t;
		b->cap = cap;
	}
	memcpy(b->text + b->len, text, len);
	b->len += len;
	b->line[b->n++] = (struct scored_line){ b->len, *loc, sep,
						verbatim };
}

static void *score_writer(void *arg)
{
	struct score_pipe *p = arg;
	static struct out_buffer out;
	for (int last = 0; !last;) {
		pthread_mutex_lock(&p->lock);
		while (p->filled == p->taken)
			pthread_cond_wait(&p->changed, &p->lock);
		pthread_mutex_unlock(&p->lock);
		struct score_batch *b = &p->slot[p->taken % SCORE_SLOTS];
		size_t start = 0;
		for (size_t i = 0; i < b->n; i++) {
			const struct scored_line *l = &b->line[i];
			out_put(&out, b->text + start, l->end - start);
			start = l->end;
			if (l->verbatim)
				continue;
			double margin = rec_model_margin_located(p->model,
								 &l->loc);
			double score = p->raw ? margin
				: rec_model_predict(p->model, margin);
			char num[40];
			num[0] = l->sep;
			int len = 1 + rec_format_score(num + 1, score);
			num[len++] = '\n';
			out_put(&out, num, (size_t)len);
		}
		last = b->last;
		pthread_mutex_lock(&p->lock);
		p->taken++;
		pthread_cond_broadcast(&p->changed);
		pthread_mutex_unlock(&p->lock);
	}
	out_flush(&out);
	return NULL;
}

/* Hand the batch being filled to the writer, and the next one back. */
static struct score_batch *score_hand_over(struct score_pipe *p, int last)
{
	pthread_mutex_lock(&p->lock);
	p->slot[p->filled % SCORE_SLOTS].last = last;
	p->filled++;
	pthread_cond_broadcast(&p->changed);
	while (!last && p->filled - p->taken == SCORE_SLOTS)
		pthread_cond_wait(&p->changed, &p->lock);
	pthread_mutex_unlock(&p->lock);
	if (last)
		return NULL;	/* the writer may still be at any slot */
	struct score_batch *b = &p->slot[p->filled % SCORE_SLOTS];
	b->n = b->len = 0;
	return b;
}

static void score_piped(const rec_model *model, rec_reader *reader,
			struct bad_rows *bad, int raw)
{
	struct score_pipe p = { .model = model, .raw = raw };
	p.slot = calloc(SCORE_SLOTS, sizeof(*p.slot));
	if (!p.slot)
		die("out of memory");
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.changed, NULL);
	pthread_t writer;
	if (pthread_create(&writer, NULL, score_writer, &p) != 0)
		die("cannot start a thread");
	struct score_batch *b = &p.slot[0];
	struct rec_error err = { 0 };
	struct rec_row row;
	int header_done = 0, unscored = 0, rc;
	while ((rc = rec_reader_next_good(reader, &row, bad_row_report, bad,
					  &err)) > 0) {
		char sep = rec_reader_is_csv(reader) ? ',' : '\t';
		size_t hlen;
		const char *header = header_done ? NULL
			: rec_reader_header(reader, &hlen);
		if (header) {
			char tail[8] = { sep, 's', 'c', 'o', 'r', 'e', '\n' };
			const struct rec_located none = { .done = 1 };
			batch_add(b, header, hlen, &none, sep, 1);
			batch_add(b, tail, 7, &none, sep, 1);
			header_done = 1;
		}
		struct rec_located loc;
		if (rec_model_locate_row(model, &row, &loc, &err) != 0) {
			unscored = 1;
			break;
		}
		batch_add(b, row.raw, row.raw_len, &loc, sep, 0);
		if (b->n >= SCORE_BATCH - 2)
			b = score_hand_over(&p, 0);
	}
	/* what is scored so far is written, then any error reported */
	score_hand_over(&p, 1);
	pthread_join(writer, NULL);
	for (int i = 0; i < SCORE_SLOTS; i++)
		free(p.slot[i].text);
	free(p.slot);
	pthread_cond_destroy(&p.changed);
	pthread_mutex_destroy(&p.lock);
	if (unscored)
		die_error(&err);
	if (rc < 0)
		stop_reading(rc, &err);
	if (!header_done)
		print_header(reader, rec_reader_is_csv(reader) ? ',' : '\t',
			     0);
	finish_stdout();
}

int main(int argc, char **argv)
{
	cli_init("rec-predict");
	struct input_config in;
	input_config_init(&in);
	in.opt.csv = -2;	/* not given */
	const char *model_path = NULL, *exclude = NULL, *candidates = NULL;
	int raw = 0, top = 0, threads = 1, no_cold = 0, include_seen = 0;
	int explain = 0, reload_given = 0, c;
	struct cli cli = { 0 };
	cli_add(&cli, options);
	cli_add_input(&cli, PREDICT_INPUT);
	cli_add_params(&cli, REC_PARAM_SCHEMA);
	struct param_args pa = { .flags = REC_PARAM_SCHEMA };
	while ((c = cli_next(&cli, argc, argv)) != -1) {
		if (param_option(&pa, c, optarg) || input_option(&in, c, optarg))
			continue;
		switch (c) {
		case 'm': model_path = optarg; break;
		case OPT_RAW: raw = 1; break;
		case OPT_TOP:
			top = (int)opt_long("--top", optarg, 1, 100000);
			break;
		case OPT_EXCLUDE: exclude = optarg; break;
		case OPT_CANDIDATES: candidates = optarg; break;
		case OPT_NO_COLD_ITEMS: no_cold = 1; break;
		case OPT_INCLUDE_SEEN: include_seen = 1; break;
		case OPT_EXPLAIN: explain = 1; break;
		case OPT_RELOAD: reload_given = 1; break;
		case OPT_THREADS:
			threads = (int)opt_long("--threads", optarg, 1, 256);
			break;
		default:
			standard_option(c, help);
		}
	}
	if (!model_path)
		usage_error("no model given (-m MODEL)");
	if (top && (explain || reload_given))
		usage_error("--%s is for score mode, not --top",
			    explain ? "explain" : "reload");
	if (reload_given && strcmp(model_path, "-") == 0)
		usage_error("--reload needs a model file, not standard input");
	if (!top && (exclude || candidates || no_cold || include_seen))
		usage_error("--exclude, --candidates, --no-cold-items and "
			    "--include-seen need --top K");
	if (!top && threads > 2)
		usage_error("--threads %d: score mode runs in at most 2 threads "
			    "(one reads and scores, one writes)", threads);
	if (!top && threads == 2 && (explain || reload_given))
		usage_error("--threads 2 and --%s: score mode in two threads "
			    "writes batches, not line by line",
			    explain ? "explain" : "reload");

	struct rec_error err = { 0 };
	check_model_not_stdin_input(model_path, argv + optind, argc - optind);
	struct reload rl = { .path = model_path, .pa = &pa, .in = &in };
	rec_model *model = load_model(model_path, &rl.used);
	/* feature options given must be the model's */
	struct rec_params p = *rec_model_params(model);
	param_apply(&pa, &p);
	if (rec_model_retune(model, &p, &err) != 0)
		die_error(&err);
	load_tables(model, &in, 0);

	/* scoring reads only the user and item columns */
	struct rec_reader_options opt = model_input(model, &in);
	opt.columns.time = NULL;
	opt.columns.weight = NULL;
	opt.columns.score = NULL;
	opt.need = REC_NEED_USER | REC_NEED_ITEM;
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (top) {
		struct top_config tc = { model, opt, top, threads, raw,
					 in.strict, no_cold, include_seen,
					 exclude, candidates };
		top_mode(&tc, (const char *const *)argv + optind,
			 argc - optind);
		rec_model_free(model);
		return EXIT_OK;
	}

	rec_reader *reader;
	if (rec_reader_open(&reader, (const char *const *)argv + optind,
			    argc - optind, &opt, &err) != 0)
		die_error(&err);
	struct bad_rows bad; bad_rows_init(&bad, in.strict, reader);
	watch_progress(reader, 0);
	if (threads == 2) {
		score_piped(model, reader, &bad, raw);
		bad_rows_summary(&bad);
		rec_reader_free(reader);
		rec_model_free(model);
		return EXIT_OK;
	}
	struct rec_row row;
	int header_done = 0;
	static struct out_buffer out;
	struct live live = { &out, 0 };
	rec_reader_on_wait(reader, before_wait, &live);
	int rc;
	while ((rc = rec_reader_next_good(reader, &row, bad_row_report, &bad,
					  &err)) != 0) {
		if (rc < 0) {
			out_flush(&out);	/* what is scored so far is kept */
			stop_reading(rc, &err);
		}
		if (live.look && reload_given)
			model = reload(model, &rl);
		live.look = 0;
		char sep = rec_reader_is_csv(reader) ? ',' : '\t';
		if (!header_done) {
			out_flush(&out);
			header_done = print_header(reader, sep, explain);
		}
		double margin;
		static struct rec_term terms[REC_EXPLAIN_TERMS];
		int nterms = 0;
		if ((explain ? (nterms = rec_model_explain_row(
					model, &row, terms, REC_EXPLAIN_TERMS,
					&margin, &err)) < 0
			     : rec_model_margin_row(model, &row, &margin,
						    &err) != 0)) {
			out_flush(&out);
			die_error(&err);
		}
		double score = raw ? margin : rec_model_predict(model, margin);
		char num[40];
		num[0] = sep;
		int len = 1 + rec_format_score(num + 1, score);
		out_put(&out, row.raw, row.raw_len);
		out_put(&out, num, (size_t)len);
		for (int t = 0; t < nterms; t++) {
			char term[320];
			int n = snprintf(term, sizeof(term), "%c%.256s=",
					 t == 0 ? sep : ' ', terms[t].name);
			n += rec_format_score(term + n, terms[t].value);
			out_put(&out, term, (size_t)n);
		}
		out_put(&out, "\n", 1);
	}
	out_flush(&out);
	if (!header_done)
		print_header(reader, rec_reader_is_csv(reader) ? ',' : '\t',
			     explain);
	finish_stdout();
	bad_rows_summary(&bad);
	rec_reader_free(reader);
	rec_model_free(model);
	return EXIT_OK;
}
