/*
 * rec-update - bring a model up to date with new events, in place and
 * atomically, scoring each event before it is learned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

enum { OPT_TEST_ONLY = OPT_FIRST_FREE, OPT_WINDOW, OPT_FREEZE, OPT_THREADS,
       OPT_RELEARN };
enum { OPT_FORGET_USERS = OPT_RELEARN + 64 };

static const struct cli_option options[] = {
	{ "model", 'm', "MODEL", 'm', "the model to update (required)" },
	{ "output", 'o', "OUT", 'o',
	  "write the updated model to OUT instead" },
	{ "quiet", 'q', NULL, 'q', "no progress table or summary" },
	{ "test-only", 0, NULL, OPT_TEST_ONLY,
	  "score the events without learning; write nothing" },
	{ "window", 0, "N", OPT_WINDOW,
	  "events in the recent AUC (default 10000)" },
	{ "freeze", 0, "WHAT", OPT_FREEZE,
	  "for this run only: users or items: those rows keep their values "
	  "(e.g. fold new users into a fixed item model)" },
	{ "threads", 0, "N", OPT_THREADS,
	  "threads for refitting a --model ease model (1-256, default 1); "
	  "the model is the same for any N" },
	{ "relearn", 0, NULL, OPT_RELEARN,
	  "learn inputs the model has learned before (the same bytes, "
	  "kept in its journal); by default a retried input is reported "
	  "and skipped" },
	{ "forget-users", 0, "FILE", OPT_FORGET_USERS,
	  "take the users FILE lists (one id a line) out of the model "
	  "instead of learning events; see rec-update(1) for what this "
	  "undoes and what it cannot" },
	{ NULL, 0, NULL, 0, NULL },
};

/* The input options rec-update reads with; the task and the positive
 * threshold are the model's, so their options are refused. */
#define UPDATE_INPUT (INPUT_COLUMNS | INPUT_FORMAT | INPUT_TABLES)
#define FIXED_INPUT (INPUT_BIT(OPT_TASK) | INPUT_BIT(OPT_POSITIVE))

static void help(FILE *f)
{
	fputs("Usage: rec-update -m MODEL [-o OUT] [OPTION]... [FILE]...\n"
	      "       rec-update -m MODEL [-o OUT] [-q] [--relearn] "
	      "[--threads N]\n"
	      "                  --forget-users FILE\n"
	      "Continue training MODEL on new events, one pass in input order, "
	      "and save\nit atomically (in place unless -o is given).  Each "
	      "event is scored before\nit is learned; the running figures go "
	      "to stderr and into the model.\nA --model ease model takes the "
	      "events into its histories and is refitted:\nthe same model as "
	      "one trained on all its events.\n"
	      "With no FILE, or when FILE is -, read standard input.\n\n", f);
	cli_help(f, options);
	fputs("\nMay change on update (kept in the model from then on):\n", f);
	cli_help_params(f, REC_PARAM_UPDATE, 0);
	fputs("\nInput (the model's own column settings are the defaults):\n",
	      f);
	cli_help_input(f, UPDATE_INPUT);
	fputs("\nThe model's other parameters (task, loss, optimiser, bits, "
	      "factors, seed,\nfeature columns, ...) are fixed when it is "
	      "trained; options that would\nchange them are refused.  "
	      "--features, --item-features, --numeric,\n--list-sep and "
	      "--interactions may be given, with the model's values.\n\n",
	      f);
	cli_help_standard(f);
	fputs("\nExit status: 0 on success, 2 on any error (the model is then "
	      "unchanged).\n", f);
}

static void progress(const struct rec_update_progress *p, void *arg)
{
	int *header_done = arg;
	if (!*header_done) {
		fprintf(stderr, "%12s %12s %12s %12s %9s\n", "events",
			"avg-loss", "since-last", "recent-auc", "seconds");
		*header_done = 1;
	}
	char auc[32] = "-";
	if (p->has_auc)
		snprintf(auc, sizeof(auc), "%.6f", p->window_auc);
	fprintf(stderr, "%12llu %12.6f %12.6f %12s %9.2f%s\n",
		(unsigned long long)p->events, p->avg_loss, p->recent_loss,
		auc, p->seconds, p->final ? "  (all)" : "");
}

struct update_config {
	struct input_config in;
	struct param_args params;	/* applied to the model's */
	struct rec_update_options run;
	const char *model_path, *output;
	int quiet, threads, window_given, relearn;
	const char *forget_users;	/* --forget-users FILE */
};

/* When an input was learned, as the journal's messages say it: its time,
 * or that it came earlier in this run (when 0). */
static void learned_when(int64_t when, char buf[32])
{
	if (!when)
		snprintf(buf, 32, "earlier in this run");
	else if (!utc_time(when, buf))
		snprintf(buf, 32, "%lld", (long long)when);
}

/*
 * The journal of learned inputs: inputs whose bytes the model learned
 * before (a cron job run again) are not learned twice.  Returns 1 when
 * every input was learned before: the run's learning is then discarded
 * and the model left as it was.  Some inputs new and some not: exit 2,
 * since the new ones cannot be kept without the old.  Otherwise each
 * input goes into the journal and 0 is returned.
 */
static int journal(rec_model *m, const rec_reader *r, int relearn,
		   int quiet, const char *model_name)
{
	int n = rec_reader_inputs(r), seen = 0, first = -1;
	unsigned char (*sha)[32] = calloc((size_t)n ? (size_t)n : 1, 32);
	uint64_t *bytes = calloc((size_t)n ? (size_t)n : 1, sizeof(*bytes));
	int64_t *when = calloc((size_t)n ? (size_t)n : 1, sizeof(*when));
	if (!sha || !bytes || !when)
		die("out of memory");
	for (int i = 0; i < n; i++) {
		if (!rec_reader_digest(r, i, sha[i], &bytes[i]))
			die("%s: not read to its end", rec_reader_input_name(r, i));
		int before = rec_model_learned(m, sha[i], bytes[i], &when[i]);
		for (int j = 0; j < i && !before; j++)
			before = bytes[j] == bytes[i] &&
				 memcmp(sha[j], sha[i], 32) == 0;
		if (before && !seen++)
			first = i;
	}
	int all = !relearn && seen == n;
	char text[32];
	if (!relearn && seen > 0 && seen < n) {
		learned_when(when[first], text);
		die("%s: learned before (%s: the same bytes) while other inputs "
		    "are new; give the new inputs alone, or --relearn",
		    rec_reader_input_name(r, first), text);
	}
	for (int i = 0; i < n && all && !quiet; i++) {
		learned_when(when[i], text);
		warnx_("%s: learned before (%s: the same bytes); %s was not "
		       "changed (--relearn learns it again)",
		       rec_reader_input_name(r, i), text, model_name);
	}
	int64_t now = (int64_t)time(NULL);
	for (int i = 0; i < n && !all; i++)
		if (rec_model_note_learned(m, sha[i], bytes[i], now) != 0)
			die("out of memory");
	free(sha);
	free(bytes);
	free(when);
	return all;
}

static void parse_options(struct update_config *uc, int argc, char **argv)
{
	struct cli cli = { 0 };
	cli_add(&cli, options);
	cli_add_input(&cli, UPDATE_INPUT | FIXED_INPUT);
	cli_add_params(&cli, REC_PARAM_TRAIN | REC_PARAM_UPDATE);
	uc->params.flags = REC_PARAM_UPDATE | REC_PARAM_SCHEMA;
	uc->run.window = 10000;
	input_config_init(&uc->in);
	uc->in.opt.csv = -2;	/* not given */
	int c;
	while ((c = cli_next(&cli, argc, argv)) != -1) {
		if (c >= OPT_USER && c < OPT_FIRST_FREE &&
		    (INPUT_BIT(c) & FIXED_INPUT))
			usage_error("--%s is fixed when a model is trained; "
				    "train a new model with rec-train",
				    c == OPT_TASK ? "task" : "positive");
		if (param_option(&uc->params, c, optarg) ||
		    input_option(&uc->in, c, optarg))
			continue;
		switch (c) {
		case 'm': uc->model_path = optarg; break;
		case 'o': uc->output = optarg; break;
		case 'q': uc->quiet = 1; break;
		case OPT_TEST_ONLY: uc->run.test_only = 1; break;
		case OPT_RELEARN: uc->relearn = 1; break;
		case OPT_FORGET_USERS: uc->forget_users = optarg; break;
		case OPT_THREADS:
			uc->threads = (int)opt_long("--threads", optarg, 1, 256);
			break;
		case OPT_WINDOW:
			uc->window_given = 1;
			uc->run.window = (size_t)opt_long("--window", optarg, 0,
							  REC_MAX_WINDOW);
			break;
		case OPT_FREEZE:
			if (strcmp(optarg, "users") == 0)
				uc->run.freeze_users = 1;
			else if (strcmp(optarg, "items") == 0)
				uc->run.freeze_items = 1;
			else
				usage_error("--freeze: '%s' is not users or items",
					    optarg);
			break;
		default:
			standard_option(c, help);
		}
	}
}

/* The ids a --forget-users file lists, one a line as the user column of
 * the events holds them (TSV, or CSV by the name: the first field);
 * blank lines and lines that begin with '#' are skipped.  A bad line
 * (a NUL byte, one too long) is an error: exit 2.  The file's SHA-256
 * and size into sha and bytes, for the journal. */
static rec_idset *read_forget_list(const char *path, unsigned char sha[32],
				   uint64_t *bytes)
{
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.columns = (struct rec_columns){ .user = "1" };
	opt.need = REC_NEED_USER;
	opt.csv = -1;
	opt.no_header = 1;
	struct rec_error err = { 0 };
	rec_reader *r;
	rec_idset *ids;
	if (rec_reader_open(&r, &path, 1, &opt, &err) != 0)
		die_error(&err);
	if (rec_idset_create(&ids) != 0)
		die("out of memory");
	rec_reader_keep_digests(r);
	struct rec_row row;
	int rc;
	while ((rc = rec_reader_next(r, &row, &err)) != 0) {
		if (rc < 0)
			die_error(&err);
		if (row.user[0] == '#')
			continue;
		if (rec_idset_add(ids, row.user, row.user_len, NULL) < 0)
			die("out of memory");
	}
	if (!rec_reader_digest(r, 0, sha, bytes))
		die("%s: not read to its end", path);
	rec_reader_free(r);
	return ids;
}

/*
 * rec-update --forget-users FILE: the users FILE lists go from the model,
 * which is saved as an update saves it (under the lock, atomically).  No
 * events are read.  FILE's bytes go into the journal: a retried run finds
 * them there and changes nothing.  Users the model does not know are
 * reported; when it knows none of them the model is left as it was and
 * the exit status is 1 (a file of the wrong ids forgets nothing).
 */
static int forget_users(const struct update_config *uc, int nfiles)
{
	const char *path = uc->forget_users;
	const char *output = uc->output ? uc->output : uc->model_path;
	if (nfiles > 0)
		usage_error("--forget-users reads no events: forget and learn "
			    "in separate runs");
	if (uc->run.test_only || uc->run.freeze_users ||
	    uc->run.freeze_items || uc->window_given || uc->params.n > 0 ||
	    uc->in.tables[0] || uc->in.tables[1] || uc->in.columns_given ||
	    uc->in.format_given || uc->in.header_given)
		usage_error("--forget-users takes none of --test-only, "
			    "--freeze, --window, attribute tables, input "
			    "columns or parameters: it learns nothing");
	if (strcmp(output, "-") == 0)
		usage_error("-o -: a model is written to a file, atomically");
	char *const list[1] = { (char *)(uintptr_t)path };
	check_output_not_input(output, list, 1);
	check_model_not_stdin_input(uc->model_path, list, 1);
	unsigned char sha[32];
	uint64_t bytes;
	rec_idset *ids = read_forget_list(path, sha, &bytes);

	struct rec_file_id loaded, replaced;
	rec_model *model = load_model(uc->model_path, &loaded);
	int lock = lock_output(output);
	struct rec_file_id now = file_id_of(uc->model_path);
	if (!rec_file_id_same(&now, &loaded)) {
		rec_model_free(model);
		model = load_model(uc->model_path, &loaded);
	}
	replaced = strcmp(output, uc->model_path) == 0 ? loaded
						       : file_id_of(output);
	if (uc->threads && rec_model_params(model)->model != REC_MODEL_EASE)
		usage_error("--threads applies to --model ease models; the "
			    "factorization machine is not refitted");
	rec_model_set_threads(model, uc->threads);
	int64_t when;
	char text[32];
	size_t n = rec_idset_size(ids), unknown = 0;
	int rc = EXIT_OK;
	if (!uc->relearn && rec_model_learned(model, sha, bytes, &when)) {
		learned_when(when, text);
		if (!uc->quiet)
			warnx_("%s: forgotten before (%s: the same bytes); %s "
			       "was not changed (--relearn forgets again)",
			       path, text, output);
		goto out;
	}
	if (n == 0) {
		if (!uc->quiet)
			warnx_("%s lists no users; %s was not changed", path,
			       output);
		goto out;
	}
	char some[200] = "";
	for (size_t i = 0; i < n; i++) {
		size_t len, at = strlen(some);
		const char *id = rec_idset_id(ids, i, &len);
		if (rec_model_knows_user(model, id, len))
			continue;
		if (++unknown <= 3 && at < sizeof(some))
			snprintf(some + at, sizeof(some) - at, "%s'%.*s'",
				 unknown > 1 ? ", " : "",
				 len > 40 ? 40 : (int)len, id);
	}
	if (unknown)
		warnx_("%s: %zu of %zu users are not in %s (%s%s)", path,
		       unknown, n, uc->model_path, some,
		       unknown > 3 ? ", ..." : "");
	if (unknown == n) {
		warnx_("%s: none of its users is in %s; %s was not changed",
		       path, uc->model_path, output);
		rc = EXIT_CHECK;
		goto out;
	}
	struct rec_error err = { 0 };
	struct rec_forget_stats st;
	if (rec_model_forget_users(model, ids, &st, &err) != 0)
		die_error(&err);
	if (rec_model_note_learned(model, sha, bytes,
				   (int64_t)time(NULL)) != 0)
		die("out of memory");
	if (save_model(model, output, &replaced, &err) != 0)
		die_error(&err);
	if (!uc->quiet && rec_model_params(model)->model == REC_MODEL_EASE)
		warnx_("%llu users forgotten, %llu items only they had met; "
		       "EASE refitted; model written to %s",
		       (unsigned long long)st.users,
		       (unsigned long long)st.items, output);
	else if (!uc->quiet)
		warnx_("%llu users forgotten (%llu feature rows removed, %llu "
		       "reset, %llu attribute table rows removed); model "
		       "written to %s", (unsigned long long)st.users,
		       (unsigned long long)st.rows,
		       (unsigned long long)st.rows_reset,
		       (unsigned long long)st.table_rows, output);
out:
	if (lock >= 0)
		close(lock);
	rec_model_free(model);
	rec_idset_free(ids);
	return rc;
}

int main(int argc, char **argv)
{
	cli_init("rec-update");
	struct update_config uc = { 0 };
	parse_options(&uc, argc, argv);
	if (uc.forget_users && uc.model_path)
		return forget_users(&uc, argc - optind);
	struct input_config in = uc.in;
	struct rec_update_options uo = uc.run;
	const char *model_path = uc.model_path, *output = uc.output;
	const int quiet = uc.quiet;
	if (!model_path)
		usage_error("no model given (-m MODEL)");
	if (uo.test_only && uc.relearn)
		usage_error("--relearn and --test-only: a test learns nothing");
	if (uo.freeze_users && uo.freeze_items)
		usage_error("--freeze users and --freeze items leave nothing to learn");
	if (!output)
		output = model_path;
	if (strcmp(output, "-") == 0)
		usage_error("-o -: a model is written to a file, atomically");
	check_output_not_input(output, argv + optind, argc - optind);
	check_model_not_stdin_input(model_path, argv + optind, argc - optind);

	/* read once before locking, so that a file that is no model is
	 * refused without a lock file made for it */
	struct rec_file_id loaded, replaced;
	rec_model *model = load_model(model_path, &loaded);
	int lock = -1;
	if (!uo.test_only) {
		/* concurrent updates take turns on the output's lock; each
		 * builds on the model as the one before it saved it */
		lock = lock_output(output);
		struct rec_file_id now = file_id_of(model_path);
		if (!rec_file_id_same(&now, &loaded)) {
			rec_model_free(model);
			model = load_model(model_path, &loaded);
		}
	}
	/* what a save may replace: the model read, or what -o names now */
	replaced = strcmp(output, model_path) == 0 ? loaded
						  : file_id_of(output);
	struct rec_error err = { 0 };
	struct rec_params p = *rec_model_params(model);
	const int ease = p.model == REC_MODEL_EASE;
	if (!ease && uc.threads)
		usage_error("--threads applies to --model ease models; the "
			    "factorization machine learns on one thread");
	if (ease && (in.columns_given & INPUT_BIT(OPT_WEIGHT)))
		usage_error("--weight does not apply to --model ease models "
			    "(they count who met what, once each)");
	if (ease && uc.window_given)
		usage_error("--window does not apply to --model ease models "
			    "(they are refitted, not scored event by event)");
	rec_model_set_threads(model, uc.threads);
	param_apply(&uc.params, &p);
	if (rec_model_retune(model, &p, &err) != 0)
		die_error(&err);
	load_tables(model, &in, 0);

	struct rec_reader_options opt = model_input(model, &in);
	opt.need = REC_NEED_USER | REC_NEED_ITEM | REC_NEED_LABEL;
	if (p.task == REC_TASK_IMPLICIT) {
		opt.columns.label = NULL;	/* every row is a positive */
		opt.need = REC_NEED_USER | REC_NEED_ITEM;
	}

	rec_reader *reader;
	if (rec_reader_open(&reader, (const char *const *)argv + optind,
			    argc - optind, &opt, &err) != 0)
		die_error(&err);
	struct bad_rows bad; bad_rows_init(&bad, in.strict, reader);
	watch_progress(reader, quiet);
	if (!uo.test_only)
		rec_reader_keep_digests(reader);	/* for the journal */
	int header_done = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = rec_update(model, reader, &uo, bad_row_report, &bad,
			    quiet || ease ? NULL : progress, &header_done,
			    &err);
	if (rc == REC_EDATA && rec_reader_rows(reader) == 0 &&
	    rec_reader_bad_rows(reader) == 0) {
		/* a quiet hour: no row at all is nothing to learn, not an
		 * error, and nothing is written (rows that are all bad stay
		 * an error) */
		rec_reader_free(reader);
		if (lock >= 0)
			close(lock);
		if (!quiet)
			warnx_("no events in the input; %s was not changed",
			       uo.test_only ? model_path : output);
		rec_model_free(model);
		return EXIT_OK;
	}
	if (rc)
		stop_reading(rc, &err);
	bad_rows_summary(&bad);
	if (!uo.test_only && journal(model, reader, uc.relearn, quiet, output)) {
		rec_reader_free(reader);
		if (lock >= 0)
			close(lock);
		rec_model_free(model);
		return EXIT_OK;
	}
	uint64_t events = rec_reader_rows(reader);
	rec_reader_free(reader);

	if (!uo.test_only && save_model(model, output, &replaced, &err) != 0)
		die_error(&err);
	if (lock >= 0)
		close(lock);	/* releases the lock */
	if (!quiet && ease) {
		struct rec_model_info info;
		rec_model_info(model, &info);
		warnx_("%llu events learned; EASE refitted over %llu items, "
		       "%llu users in %.2f s; model written to %s",
		       (unsigned long long)events,
		       (unsigned long long)info.ease_items,
		       (unsigned long long)info.ease_users,
		       seconds_since(&t0),
		       output);
	} else if (!quiet) {
		struct rec_progressive pv;
		rec_model_progressive(model, &pv);
		if (uo.test_only)
			warnx_("%llu events scored; the model was not changed",
			       (unsigned long long)events);
		else
			warnx_("%llu events learned; model written to %s "
			       "(progressive loss over %llu events: %.6f)",
			       (unsigned long long)events, output,
			       (unsigned long long)pv.events, pv.loss);
	}
	rec_model_free(model);
	return EXIT_OK;
}
