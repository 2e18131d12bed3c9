/*
 * rec-train - a new model from an event stream.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

enum { OPT_THREADS = OPT_FIRST_FREE, OPT_INIT, OPT_RESET_OPTIMIZER,
       OPT_L2_INIT, OPT_SAVE_PRECISION };

static const struct cli_option options[] = {
	{ "output", 'o', "FILE", 'o',
	  "write the model to FILE, atomically (default stdout)" },
	{ "force", 'f', NULL, 'f',
	  "write a model to standard output even if a terminal" },
	{ "quiet", 'q', NULL, 'q', "no progress table" },
	{ "save-precision", 0, "BITS", OPT_SAVE_PRECISION, PRECISION_HELP },
	{ "threads", 0, "N", OPT_THREADS,
	  "threads: for fitting a --model ease model (1-256), or 2 to read "
	  "and learn a one-pass stream (-p 1 --holdout 0, ids alone) at "
	  "once (default 1); the model is the same for any N" },
	{ "init", 0, "MODEL", OPT_INIT,
	  "warm start: begin with MODEL's parameters, catalogue and "
	  "attribute tables (its shape options are its own) and train on "
	  "the events" },
	{ "reset-optimizer", 0, NULL, OPT_RESET_OPTIMIZER,
	  "with --init: restart the AdaGrad/FTRL sums, so steps are as "
	  "large as at the start; by default they are kept" },
	{ "l2-init", 0, "X", OPT_L2_INIT,
	  "with --init: pull each parameter MODEL has towards its value "
	  "there, an L2 penalty X/2 |w - w_MODEL|^2 (0-1000, default 0)" },
	{ NULL, 0, NULL, 0, NULL },
};

static void help(FILE *f)
{
	fputs("Usage: rec-train [OPTION]... [FILE]...\n"
	      "Train a recommendation model from events (user, item, label, "
	      "...).\n"
	      "With no FILE, or when FILE is -, read standard input; gzip is "
	      "read as is.\n\nOutput:\n", f);
	cli_help(f, options);
	fputs("\nModel and training (defaults for binary, and where they "
	      "differ, for the\nother tasks):\n", f);
	cli_help_params(f, REC_PARAM_TRAIN, 1);
	fputs("\nWith --init, the model's shape (task, loss, optimiser, bits, "
	      "factors, seed,\nfeatures, ...) is its own: given otherwise, it "
	      "is refused.  The run's settings\n(passes, shuffle, hold-out, "
	      "patience) are as given or by these defaults, and\nwhat "
	      "rec-update may change (--lr, --l2, --half-life, ...) may be "
	      "given too.\n", f);
	fputs("\n--model ease takes --task implicit, --l2 (its lambda, default "
	      "400), --max-items,\n--threads and the input options; the "
	      "factorization machine's settings and\n--weight do not apply "
	      "to it and are refused.\n", f);
	fputs("\nInput (default columns: user 1, item 2, label 3, no time, no "
	      "weight):\n", f);
	cli_help_input(f, INPUT_ALL);
	fputc('\n', f);
	cli_help_standard(f);
	fputs("\nExit status: 0 on success, 2 on any error.\n", f);
}

static void progress(const struct rec_progress *p, void *arg)
{
	(void)arg;
	if (p->pass == 1)
		fprintf(stderr, "%5s %12s %12s %12s %9s\n", "pass", "events",
			"train-loss", "holdout-loss", "seconds");
	char holdout[32] = "-";
	if (p->holdout_loss >= 0)
		snprintf(holdout, sizeof(holdout), "%.6f%s", p->holdout_loss,
			 p->best ? "" : " +");
	fprintf(stderr, "%5d %12llu %12.6f %12s %9.2f\n", p->pass,
		(unsigned long long)p->events, p->train_loss, holdout,
		p->seconds);
}

/* Everything rec-train was asked for: the model's parameters (with the
 * task's defaults under what was given) and the run's own settings. */
struct train_config {
	struct rec_params params;
	struct param_args pa;	/* the parameter options given */
	struct input_config in;
	const char *output;
	const char *init;	/* --init MODEL */
	double l2_init;
	int force, quiet, threads, reset_optimizer;
	int precision;		/* --save-precision, 0 when not given */
};

/* The columns a model reads its events from: all but the label for an
 * implicit task, whose every row is a positive. */
static void reader_needs(struct rec_reader_options *opt, enum rec_task task)
{
	opt->need = REC_NEED_USER | REC_NEED_ITEM | REC_NEED_LABEL;
	if (task == REC_TASK_IMPLICIT) {
		opt->columns.label = NULL;
		opt->need = REC_NEED_USER | REC_NEED_ITEM;
	}
}

static void parse_options(struct train_config *tc, int argc, char **argv)
{
	struct cli cli = { 0 };
	cli_add(&cli, options);
	cli_add_input(&cli, INPUT_ALL);
	/* what rec-update may change too: for a warm start */
	cli_add_params(&cli, REC_PARAM_TRAIN | REC_PARAM_UPDATE);
	struct param_args *pa = &tc->pa;
	pa->flags = REC_PARAM_TRAIN | REC_PARAM_UPDATE;
	struct input_config *in = &tc->in;
	input_config_init(in);
	in->implicit_ok = 1;
	int c;
	while ((c = cli_next(&cli, argc, argv)) != -1) {
		if (param_option(pa, c, optarg) || input_option(in, c, optarg))
			continue;
		switch (c) {
		case 'o': tc->output = optarg; break;
		case 'f': tc->force = 1; break;
		case 'q': tc->quiet = 1; break;
		case OPT_THREADS:
			tc->threads = (int)opt_long("--threads", optarg, 1, 256);
			break;
		case OPT_INIT: tc->init = optarg; break;
		case OPT_RESET_OPTIMIZER: tc->reset_optimizer = 1; break;
		case OPT_SAVE_PRECISION:
			tc->precision = opt_precision(optarg);
			break;
		case OPT_L2_INIT:
			tc->l2_init = opt_double("--l2-init", optarg, 0, 1000);
			break;
		default:
			standard_option(c, help);
		}
	}
	if (!tc->init && (tc->reset_optimizer || tc->l2_init > 0))
		usage_error("--%s needs --init MODEL: it acts on the model "
			    "training starts from", tc->reset_optimizer
			    ? "reset-optimizer" : "l2-init");
	if (tc->init)
		return;	/* the model sets the rest (warm_start) */
	const char *later = param_given_without(pa, REC_PARAM_TRAIN);
	if (later)
		usage_error("--%s applies to a model trained before: "
			    "rec-update, or rec-train --init MODEL", later);
	/* the task sets the defaults of the others */
	struct rec_params *p = &tc->params;
	rec_params_init(p, in->opt.task);
	param_apply(pa, p);
	if (p->model == REC_MODEL_EASE) {
		if (!param_given(pa, "l2"))
			p->l2 = REC_EASE_L2;
		if (in->tables[0] || in->tables[1])
			usage_error("--user-attributes and --item-attributes "
				    "do not apply to --model ease");
	} else {
		if (!param_given(pa, "shuffle"))
			p->shuffle = p->passes > 1;
	}
	if (p->task == REC_TASK_IMPLICIT) {
		/* every row is a positive: there is no label to read */
		if (in->columns_given & INPUT_BIT(OPT_LABEL))
			usage_error("--label does not apply to --task implicit "
				    "(every row is a positive; see --weight)");
		if (in->opt.has_positive)
			usage_error("--positive does not apply to --task implicit");
	}
	if (in->opt.soft_labels) {
		if (p->task != REC_TASK_BINARY)
			usage_error("--soft-labels needs --task binary");
		if (in->opt.has_positive)
			usage_error("--soft-labels and --positive exclude each "
				    "other: --positive turns a rating into 0/1, "
				    "--soft-labels takes the label as it is");
		if (p->loss != REC_LOSS_LOGISTIC)
			usage_error("--soft-labels needs the logistic loss");
	}
	reader_needs(&in->opt, p->task);
	p->input = in->opt;
	const char *why = rec_params_check(p);
	if (why)
		usage_error("%s", why);
}

/*
 * --init MODEL: the model to train on, as it was saved, with what may
 * change between runs as given (learning rate, L2, ...) and the run's own
 * settings (passes, hold-out, ...) as given or by rec-train's defaults,
 * not those of the run that made MODEL.  What fixes its shape stays.
 */
static rec_model *warm_start(struct train_config *tc,
			     struct rec_file_id *loaded)
{
	rec_model *m = load_model(tc->init, loaded);
	struct rec_params p = *rec_model_params(m);
	struct input_config *in = &tc->in;
	struct rec_model_info info;
	rec_model_info(m, &info);
	if (!info.optimiser_state && !tc->reset_optimizer)
		usage_error("--init %s: saved at precision %d, without the "
			    "optimiser state training on needs; add "
			    "--reset-optimizer to start one afresh", tc->init,
			    info.precision);
	if (p.model == REC_MODEL_EASE)
		usage_error("--init %s: an EASE model is refitted from its "
			    "histories, not trained further; give the events "
			    "to rec-update", tc->init);
	if (in->task_given && in->opt.task != p.task)
		usage_error("--task: %s is of another task, which fixes it",
			    tc->init);
	if (in->opt.soft_labels && !p.input.soft_labels)
		usage_error("--soft-labels: %s reads its labels as 0/1, which "
			    "is fixed when it is trained", tc->init);
	if (in->opt.has_positive &&
	    (!p.input.has_positive || in->opt.positive != p.input.positive))
		usage_error("--positive: %s fixes how labels are read (%s)",
			    tc->init, p.input.has_positive
			    ? "its own --positive" : "0/1 or -1/1");
	struct rec_params defaults;
	rec_params_init(&defaults, p.task);
	for (size_t i = 0; i < rec_param_count; i++)
		if (rec_param_table[i].flags & REC_PARAM_RUN)
			rec_param_copy(&p, &defaults, &rec_param_table[i]);
	param_apply(&tc->pa, &p);
	if (!param_given(&tc->pa, "shuffle"))
		p.shuffle = p.passes > 1;
	struct rec_error err = { 0 };
	if (rec_model_warm_start(m, &p, &err) != 0) {
		print_error(&err);
		usage_error("the model's shape comes from --init %s",
			    tc->init);
	}
	load_tables(m, in, 0);
	in->opt = model_input(m, in);
	reader_needs(&in->opt, p.task);
	if (tc->reset_optimizer)
		rec_model_reset_optimizer(m);
	if (rec_model_anchor(m, tc->l2_init) != 0)
		die("out of memory");
	tc->params = *rec_model_params(m);
	return m;
}

/* Whether two paths name one file (links followed). */
static int same_file(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	int same = ra && rb && strcmp(ra, rb) == 0;
	free(ra);
	free(rb);
	return same;
}

int main(int argc, char **argv)
{
	cli_init("rec-train");
	struct train_config tc = { 0 };
	parse_options(&tc, argc, argv);
	const char *output = tc.output;
	const int quiet = tc.quiet;
	struct input_config in = tc.in;
	char **files = argv + optind;
	int nfiles = argc - optind;
	if (output && strcmp(output, "-") == 0)
		output = NULL;
	if (output)
		check_output_not_input(output, files, nfiles);
	else if (isatty(STDOUT_FILENO) && !tc.force)
		die("refusing to write a binary model to a terminal (use -o FILE, or -f)");

	struct rec_error err = { 0 };
	rec_model *model;
	struct rec_file_id loaded = { 0 };
	if (tc.init) {
		model = warm_start(&tc, &loaded);
		in = tc.in;
	} else if (rec_model_create(&model, &tc.params, &err) != 0) {
		die_error(&err);
	}
	const struct rec_params p = tc.params;
	const int ease = p.model == REC_MODEL_EASE;
	/* a new model, a warm start's too, is saved at 32 unless asked */
	if (rec_model_set_precision(model, tc.precision ? tc.precision : 32,
				    &err) != 0)
		usage_error("--save-precision: %s", err.msg);
	struct rec_model_info before;	/* a warm start's model's counts */
	rec_model_info(model, &before);
	if (!ease && tc.threads > 1 &&
	    (p.passes != 1 || p.shuffle || p.holdout != 0 ||
	     tc.threads > rec_model_stream_threads(model)))
		usage_error("--threads %d: the factorization machine reads and "
			    "learns in 2 threads in one pass over a stream of "
			    "ids alone (-p 1 --holdout 0, binary or "
			    "regression, no side features); it learns on one "
			    "thread otherwise", tc.threads);
	rec_model_set_threads(model, tc.threads);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!tc.init) {
		load_tables(model, &in, 1);
		rec_model_reader_columns(model, &in.opt);
	}
	rec_reader *reader;
	if (rec_reader_open(&reader, (const char *const *)files, nfiles,
			    &in.opt, &err) != 0)
		die_error(&err);
	struct bad_rows bad; bad_rows_init(&bad, in.strict, reader);
	watch_progress(reader, quiet);
	rec_dataset *data = NULL;
	int rc;
	if (ease || (p.passes == 1 && !p.shuffle && p.holdout == 0)) {
		/* nothing to come back to: learn while reading (EASE reads
		 * the histories, then fits) */
		rc = rec_train_stream(model, reader, bad_row_report, &bad,
				      quiet || ease ? NULL : progress, NULL,
				      &err);
		if (rc)
			stop_reading(rc, &err);
		bad_rows_summary(&bad);
	} else {
		rc = rec_dataset_read(&data, model, reader, bad_row_report,
				      &bad, &err);
		if (rc)
			stop_reading(rc, &err);
		bad_rows_summary(&bad);
		if (rec_train(model, data, quiet ? NULL : progress, NULL,
			      &err) != 0)
			die_error(&err);
	}
	uint64_t events = rec_reader_rows(reader);
	rec_reader_free(reader);

	if (output) {
		/* programs replacing an existing model take turns on its lock
		 * (a new one has no update to wait for) */
		int lock = access(output, F_OK) == 0 ? lock_output(output) : -1;
		/* a warm start saved over its own model must not overwrite
		 * an update saved there meanwhile */
		rc = save_model(model, output,
				tc.init && same_file(output, tc.init)
				? &loaded : NULL, &err);
		if (lock >= 0)
			close(lock);
	} else {
		void *image;
		size_t len;
		rc = rec_model_encode(model, time(NULL), &image, &len, &err);
		if (!rc) {
			fwrite(image, 1, len, stdout);
			free(image);
			finish_stdout();
		}
	}
	if (rc)
		die_error(&err);
	if (!quiet && ease) {
		struct rec_model_info info;
		rec_model_info(model, &info);
		warnx_("%llu events, %llu users, %llu items; EASE over %llu "
		       "items (l2 %g) in %.2f s%s%s",
		       (unsigned long long)events,
		       (unsigned long long)info.ease_users,
		       (unsigned long long)info.items,
		       (unsigned long long)info.ease_items, info.ease_lambda,
		       seconds_since(&t0),
		       output ? ", model written to " : "",
		       output ? output : "");
	} else if (!quiet) {
		struct rec_model_info info;
		rec_model_info(model, &info);
		char held[64] = "";
		if (tc.init && info.passes_done == 0)
			warnx_("no pass did better on the hold-out than %s: "
			       "its parameters are kept as they were",
			       tc.init);
		uint64_t learned = info.events_learned -
				   before.events_learned;
		if (info.events_learned_known && learned > 0 &&
		    learned < events)
			snprintf(held, sizeof(held), " (%llu learned, %llu "
				 "held out)", (unsigned long long)learned,
				 (unsigned long long)(events - learned));
		warnx_("%llu events%s, %llu features, %llu items%s%s",
		       (unsigned long long)events, held,
		       (unsigned long long)info.features,
		       (unsigned long long)info.items,
		       output ? ", model written to " : "",
		       output ? output : "");
	}
	rec_dataset_free(data);
	rec_model_free(model);
	return EXIT_OK;
}
