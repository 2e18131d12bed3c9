/*
 * rec-update - bring a model up to date with new events, in place and
 * atomically, scoring each event before it is learned.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

enum { OPT_TEST_ONLY = OPT_FIRST_FREE, OPT_WINDOW, OPT_FREEZE, OPT_THREADS,
       OPT_RELEARN, OPT_CHECKPOINT, OPT_FORGET_USERS, OPT_SAVE_PRECISION };

static const struct cli_option options[] = {
	{ "model", 'm', "MODEL", 'm', "the model to update (required)" },
	{ "output", 'o', "OUT", 'o',
	  "write the updated model to OUT instead" },
	{ "quiet", 'q', NULL, 'q', "no progress table or summary" },
	{ "save-precision", 0, "BITS", OPT_SAVE_PRECISION,
	  "bits of each weight and factor in the saved model: 32, 16 or 8 "
	  "(default: the model's own); 16 and 8 drop the optimiser state, "
	  "so they need -o OUT for a 32-bit MODEL: a copy to serve" },
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
	{ "checkpoint", 0, "WHEN", OPT_CHECKPOINT,
	  "learn an endless stream (tail -F log | rec-update ...): save the "
	  "model every WHEN events, or every WHEN seconds with a unit (60s, "
	  "5m, 1h), and at the end of the input; SIGTERM or SIGINT saves "
	  "and stops, SIGHUP saves at once" },
	{ "forget-users", 0, "FILE", OPT_FORGET_USERS,
	  "take the users FILE lists (one id a line) out of the model "
	  "instead of learning events; see rec-update(1) for what this "
	  "undoes and what it cannot" },
	{ NULL, 0, NULL, 0, NULL },
};

/* The input options rec-update reads with; the task, the positive
 * threshold and soft labels are the model's, so their options are
 * refused. */
#define UPDATE_INPUT (INPUT_COLUMNS | INPUT_FORMAT | INPUT_TABLES)
#define FIXED_INPUT (INPUT_BIT(OPT_TASK) | INPUT_BIT(OPT_POSITIVE) | \
		     INPUT_BIT(OPT_SOFT_LABELS))

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

/* --checkpoint: when the model is saved while a stream is learned. */
struct checkpoints {
	double seconds;		/* a save this long after the last, or 0 */
	uint64_t events;	/* a save after this many events, or 0 */
	struct timespec last;	/* the last save, or the start */
	uint64_t rows_saved;	/* the reader's good rows then */
	const rec_reader *reader;
	int stopping;		/* a stop signal came at stop_seen */
	struct timespec stop_seen;
};

struct update_config {
	struct input_config in;
	struct param_args params;	/* applied to the model's */
	struct rec_update_options run;
	struct checkpoints every;
	const char *model_path, *output;
	int quiet, threads, window_given, relearn, checkpoint;
	int precision;		/* --save-precision, 0 when not given */
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

/* --checkpoint WHEN: events, or seconds with a unit. */
static void checkpoint_option(struct checkpoints *cp, const char *arg)
{
	double seconds;
	int rc = time_span(arg, &seconds);
	if (rc < 0 || (rc > 0 && seconds > 1e7))
		usage_error("--checkpoint: '%s' is not a time span (a number "
			    "with s, m, h, d or w, at most 10^7 s)", arg);
	if (rc > 0)
		cp->seconds = seconds;
	else
		cp->events = (uint64_t)opt_long("--checkpoint", arg, 1,
						LONG_MAX);
}

/*
 * The signals of a --checkpoint run.  Each handler also writes a byte
 * into a pipe that the wait for input polls, so that a signal wakes the
 * wait at once instead of at the stream's next line.
 */
static volatile sig_atomic_t stop_signal, hangup;
static int wake[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGHUP)
		hangup = 1;
	else
		stop_signal = sig;
	ssize_t w = write(wake[1], "", 1);	/* full: a wake-up is due anyway */
	(void)w;
	errno = saved;
}

static void catch_signals(void)
{
	if (pipe(wake) != 0)
		die("cannot make a pipe: %s", strerror(errno));
	for (int i = 0; i < 2; i++)
		if (fcntl(wake[i], F_SETFL, O_NONBLOCK) != 0 ||
		    fcntl(wake[i], F_SETFD, FD_CLOEXEC) != 0)
			die("cannot set up a pipe: %s", strerror(errno));
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_flags = SA_RESETHAND;	/* a second one stops at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/*
 * Whether a run told to stop may stop now: when the pipe it reads holds
 * nothing more, so that the events a writer has already written are
 * learned, not lost with the pipe.  A writer that keeps writing is cut
 * off after a second; a file is not read on, as it can be read again.
 */
static int drained(int fd, struct checkpoints *cp)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || S_ISREG(st.st_mode))
		return 1;
	if (!cp->stopping) {
		cp->stopping = 1;
		clock_gettime(CLOCK_MONOTONIC, &cp->stop_seen);
	}
	struct pollfd pf = { fd, POLLIN, 0 };
	return seconds_since(&cp->stop_seen) > 1 || poll(&pf, 1, 0) <= 0;
}

/*
 * The reader's wait for more input (rec_reader_on_wait): the input ends
 * on SIGTERM or SIGINT, a checkpoint is taken on SIGHUP or when one is due
 * with events learned since the last, and otherwise the wait is for the
 * next bytes, a signal, or the time of the next checkpoint.
 */
static int wait_for_input(int fd, void *arg)
{
	struct checkpoints *cp = arg;
	for (;;) {
		if (stop_signal)
			return drained(fd, cp) ? REC_WAIT_STOP : REC_WAIT_READ;
		if (hangup)
			return REC_WAIT_PAUSE;
		int timeout = -1;
		if (cp->seconds > 0) {
			double left = cp->seconds - seconds_since(&cp->last);
			if (left <= 0 &&
			    rec_reader_rows(cp->reader) > cp->rows_saved)
				return REC_WAIT_PAUSE;
			if (left <= 0) {	/* nothing new to save */
				clock_gettime(CLOCK_MONOTONIC, &cp->last);
				left = cp->seconds;
			}
			timeout = (int)ceil(left * 1000);
		}
		if (fd < 0)
			return REC_WAIT_READ;
		struct pollfd pf[2] = { { fd, POLLIN, 0 },
					{ wake[0], POLLIN, 0 } };
		int n = poll(pf, 2, timeout);
		if (n < 0 && errno != EINTR)
			return REC_WAIT_READ;	/* the read tells what is wrong */
		if (n > 0 && pf[0].revents)
			return REC_WAIT_READ;
		char drain[64];
		while (n > 0 && read(wake[0], drain, sizeof(drain)) > 0)
			continue;
	}
}

/* The summary of each part of a stream's run. */
static void note_part(const struct rec_update_progress *p, void *arg)
{
	if (p->final)
		*(struct rec_update_progress *)arg = *p;
}

/* Save a checkpoint under the output's lock, and only over the file this
 * run loaded or saved last: a model promoted or updated meanwhile is not
 * overwritten (the run stops instead). */
static void save_checkpoint(rec_model *m, const char *output,
			    struct rec_file_id *replaced, uint64_t learned,
			    uint64_t unsaved)
{
	struct rec_error err = { 0 };
	int lock = lock_output(output);
	if (save_model(m, output, replaced, &err) != 0) {
		print_error(&err);
		die("stopped: the %llu events learned since the last "
		    "checkpoint are not saved (%llu were before them)",
		    (unsigned long long)unsaved,
		    (unsigned long long)(learned - unsaved));
	}
	*replaced = file_id_of(output);
	if (lock >= 0)
		close(lock);
}

struct stream_run {
	rec_model *model;
	rec_reader *reader;
	struct rec_update_options run;
	struct checkpoints *every;
	struct bad_rows *bad;
	const char *output;
	struct rec_file_id replaced;
	int quiet;
};

/*
 * --checkpoint: learn the input in parts, saving the model after each, so
 * that an endless stream is learned without a run that never ends.  Each
 * save holds whole events only: a part ends between two events.  Returns
 * the events learned (0: the input held none, and nothing was written).
 */
static uint64_t learn_stream(struct stream_run *s)
{
	struct checkpoints *cp = s->every;
	cp->reader = s->reader;
	clock_gettime(CLOCK_MONOTONIC, &cp->last);
	s->run.max_events = cp->events;
	catch_signals();
	rec_reader_on_wait(s->reader, wait_for_input, cp);
	uint64_t learned = 0;
	for (int saves = 0;;) {
		struct rec_update_progress part = { 0 };
		struct rec_error err = { 0 };
		int rc = rec_update(s->model, s->reader, &s->run,
				    bad_row_report, s->bad, note_part, &part,
				    &err);
		if (rc == REC_EDATA && learned > 0)
			rc = 0;		/* the last part held no event */
		if (rc == REC_EDATA && rec_reader_rows(s->reader) == 0 &&
		    rec_reader_bad_rows(s->reader) == 0)
			return 0;	/* no row at all */
		if (rc != 0 && rc != REC_PAUSED) {
			if (learned == 0)
				stop_reading(rc, &err);
			if (rc != REC_EBADROW)
				print_error(&err);
			die("stopped: %s keeps its last checkpoint (%llu "
			    "events of this run)", s->output,
			    (unsigned long long)learned);
		}
		learned += part.events;
		if (part.events > 0 || hangup) {
			save_checkpoint(s->model, s->output, &s->replaced,
					learned, part.events);
			saves++;
			if (!s->quiet) {
				char auc[32] = "-";
				if (part.has_auc)
					snprintf(auc, sizeof(auc), "%.6f",
						 part.window_auc);
				warnx_("checkpoint %d: %llu events (%llu in "
				       "all), progressive loss %.6f, recent "
				       "AUC %s; saved to %s", saves,
				       (unsigned long long)part.events,
				       (unsigned long long)learned,
				       part.avg_loss, auc, s->output);
			}
		}
		hangup = 0;
		clock_gettime(CLOCK_MONOTONIC, &cp->last);
		cp->rows_saved = rec_reader_rows(s->reader);
		if (rc == 0)
			break;
	}
	if (!s->quiet && stop_signal)
		warnx_("stopped by %s after %llu events (the input's first "
		       "%llu good rows); %s holds them all",
		       stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
		       (unsigned long long)learned,
		       (unsigned long long)rec_reader_rows(s->reader),
		       s->output);
	if (!s->quiet && rec_reader_dropped(s->reader) > 0)
		warnx_("the last %llu bytes of %s, a line not finished, were "
		       "not learned",
		       (unsigned long long)rec_reader_dropped(s->reader),
		       rec_reader_name(s->reader));
	return learned;
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
				    c == OPT_TASK ? "task"
				    : c == OPT_SOFT_LABELS ? "soft-labels"
				    : "positive");
		if (param_option(&uc->params, c, optarg) ||
		    input_option(&uc->in, c, optarg))
			continue;
		switch (c) {
		case 'm': uc->model_path = optarg; break;
		case 'o': uc->output = optarg; break;
		case 'q': uc->quiet = 1; break;
		case OPT_TEST_ONLY: uc->run.test_only = 1; break;
		case OPT_RELEARN: uc->relearn = 1; break;
		case OPT_CHECKPOINT:
			uc->checkpoint = 1;
			checkpoint_option(&uc->every, optarg);
			break;
		case OPT_FORGET_USERS: uc->forget_users = optarg; break;
		case OPT_SAVE_PRECISION:
			uc->precision = opt_precision(optarg);
			break;
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
 * The precision the model is saved at: --save-precision, or the model's
 * own.  A model saved at 16 or 8 has no optimiser state: it is not
 * updated (learn: it is about to), and a 32-bit model is not quantised
 * in place, which would leave nothing to update from.
 */
static void save_precision(rec_model *m, const struct update_config *uc,
			   const char *output, int learn)
{
	struct rec_model_info info;
	rec_model_info(m, &info);
	if (learn && !info.optimiser_state)
		die("%s: saved at precision %d, without the optimiser state "
		    "an update needs; update the 32-bit model it was saved "
		    "from (--test-only scores it)", uc->model_path,
		    info.precision);
	if (!uc->precision)
		return;
	if (uc->precision != 32 && info.optimiser_state &&
	    strcmp(output, uc->model_path) == 0)
		usage_error("--save-precision %d in place would drop the "
			    "optimiser state of %s, and no update could "
			    "follow; give -o OUT for a copy to serve",
			    uc->precision, uc->model_path);
	struct rec_error err = { 0 };
	if (rec_model_set_precision(m, uc->precision, &err) != 0)
		usage_error("--save-precision: %s", err.msg);
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
	if (uc->checkpoint)
		usage_error("--forget-users and --checkpoint: forgetting "
			    "reads no stream");
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
	save_precision(model, uc, output, 0);
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
	if (uc.checkpoint && (uo.test_only || uc.relearn))
		usage_error("--checkpoint and --%s: a checkpoint saves what "
			    "is learned, and a stream is not kept in the "
			    "journal", uo.test_only ? "test-only" : "relearn");
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
	if (!uo.test_only && !uc.checkpoint) {
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
	save_precision(model, &uc, output, !uo.test_only);
	struct rec_error err = { 0 };
	struct rec_params p = *rec_model_params(model);
	const int ease = p.model == REC_MODEL_EASE;
	if (!ease && uc.threads)
		usage_error("--threads applies to --model ease models; the "
			    "factorization machine learns on one thread");
	if (ease && (in.columns_given & INPUT_BIT(OPT_WEIGHT)))
		usage_error("--weight does not apply to --model ease models "
			    "(they count who met what, once each)");
	if (ease && uc.checkpoint)
		usage_error("--checkpoint does not apply to --model ease "
			    "models: each update refits the whole model; "
			    "update them in batches (see rec-hourly)");
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
	if (uc.checkpoint) {
		struct stream_run run = { model, reader, uo, &uc.every, &bad,
					  output, replaced, quiet };
		uint64_t learned = learn_stream(&run);
		if (!quiet && learned == 0)
			warnx_("no events in the input; %s was not changed",
			       output);
		bad_rows_summary(&bad);
		rec_reader_free(reader);
		rec_model_free(model);
		return EXIT_OK;
	}
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
