/*
 * rec-train - a new model from an event stream.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static const char usage[] =
"Usage: rec-train [OPTION]... [FILE]...\n"
"Train a recommendation model from events (user, item, label, ...).\n"
"With no FILE, or when FILE is -, read standard input; gzip is read as is.\n"
"\n"
"Output:\n"
"  -o, --output FILE    write the model to FILE, atomically (default stdout)\n"
"  -f, --force          write a model to standard output even if a terminal\n"
"  -q, --quiet          no progress table\n"
"\n"
"Model:\n"
"  -b, --bits N         hash features into 2^N rows (1-32, default 24)\n"
"  -k, --factors K      factor length; 0 is logistic/linear regression\n"
"                       (0-256, default 8; implicit 64)\n"
"      --loss L         logistic (binary default), squared (regression) or\n"
"                       bpr (pairwise; implicit default; logistic also\n"
"                       works for implicit: negatives get label 0)\n"
"      --negatives N    implicit: negatives sampled per positive (1-1000,\n"
"                       default 4)\n"
"      --hard-negatives  implicit, BPR: learn against the best-scored of the\n"
"                       --negatives drawn (dynamic negative sampling)\n"
"      --sample-alpha A implicit: draw negatives with probability in\n"
"                       proportion to item count^A (0-10, default 0.3;\n"
"                       0 is uniform over the catalogue)\n"
"      --optimizer O    adagrad (default) or sgd\n"
"      --lr X           learning rate (default 0.05)\n"
"      --l2 X           L2 penalty per weight, l2/2 w^2, spread over the\n"
"                       feature's events (default 1; implicit 3)\n"
"      --l2-factors X   the same for factors (default 1; implicit 3)\n"
"      --init-std X     scale of the initial factors (default 0.01)\n"
"      --seed N         random seed (default 1)\n"
"\n"
"Training:\n"
"  -p, --passes N       passes over the events (default 10)\n"
"      --shuffle        shuffle the events before each pass (the default\n"
"                       when there is more than one pass)\n"
"      --no-shuffle     learn in input order (the default for one pass)\n"
"      --holdout F      fraction held out to measure each pass and stop\n"
"                       early (0-0.99, default 0.1, implicit 0; 0 turns\n"
"                       it off)\n"
"      --patience N     stop after N passes without improvement (default 1)\n"
"\n"
INPUT_HELP
"\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Exit status: 0 on success, 2 on any error.\n";

enum {
	OPT_LOSS = OPT_FIRST_FREE, OPT_OPTIMIZER, OPT_LR, OPT_L2,
	OPT_L2_FACTORS, OPT_INIT_STD, OPT_SEED, OPT_SHUFFLE, OPT_NO_SHUFFLE,
	OPT_HOLDOUT, OPT_PATIENCE, OPT_NEGATIVES, OPT_SAMPLE_ALPHA,
	OPT_HARD_NEGATIVES
};

static const struct option long_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "force", no_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "bits", required_argument, NULL, 'b' },
	{ "factors", required_argument, NULL, 'k' },
	{ "loss", required_argument, NULL, OPT_LOSS },
	{ "optimizer", required_argument, NULL, OPT_OPTIMIZER },
	{ "lr", required_argument, NULL, OPT_LR },
	{ "l2", required_argument, NULL, OPT_L2 },
	{ "l2-factors", required_argument, NULL, OPT_L2_FACTORS },
	{ "init-std", required_argument, NULL, OPT_INIT_STD },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "passes", required_argument, NULL, 'p' },
	{ "shuffle", no_argument, NULL, OPT_SHUFFLE },
	{ "no-shuffle", no_argument, NULL, OPT_NO_SHUFFLE },
	{ "holdout", required_argument, NULL, OPT_HOLDOUT },
	{ "patience", required_argument, NULL, OPT_PATIENCE },
	{ "negatives", required_argument, NULL, OPT_NEGATIVES },
	{ "sample-alpha", required_argument, NULL, OPT_SAMPLE_ALPHA },
	{ "hard-negatives", no_argument, NULL, OPT_HARD_NEGATIVES },
	INPUT_LONG_OPTIONS,
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

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

int main(int argc, char **argv)
{
	cli_init("rec-train");
	int c;
	struct input_config in;
	input_config_init(&in);
	in.implicit_ok = 1;
	/* the task sets the defaults of the other options: find it first */
	enum rec_task task = REC_TASK_BINARY;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:fqb:k:p:hV", long_options,
				NULL)) != -1)
		if (c == OPT_TASK && strcmp(optarg, "implicit") == 0)
			task = REC_TASK_IMPLICIT;
		else if (c == OPT_TASK && strcmp(optarg, "regression") == 0)
			task = REC_TASK_REGRESSION;
	opterr = 1;
	optind = 0;	/* parse again, for real */
	struct rec_params p;
	rec_params_init(&p, task);
	const char *output = NULL;
	int force = 0, quiet = 0, loss_given = 0, shuffle = -1;
	enum rec_loss loss = REC_LOSS_LOGISTIC;

	while ((c = getopt_long(argc, argv, "o:fqb:k:p:hV", long_options,
				NULL)) != -1) {
		if (input_option(&in, c, optarg))
			continue;
		switch (c) {
		case 'o': output = optarg; break;
		case 'f': force = 1; break;
		case 'q': quiet = 1; break;
		case 'b': p.bits = (int)opt_long("--bits", optarg, 1, 32); break;
		case 'k':
			p.factors = (int)opt_long("--factors", optarg, 0, 256);
			break;
		case OPT_LOSS:
			if (strcmp(optarg, "logistic") == 0)
				loss = REC_LOSS_LOGISTIC;
			else if (strcmp(optarg, "squared") == 0)
				loss = REC_LOSS_SQUARED;
			else if (strcmp(optarg, "bpr") == 0)
				loss = REC_LOSS_BPR;
			else
				usage_error("--loss: '%s' is not logistic, squared or bpr",
					    optarg);
			loss_given = 1;
			break;
		case OPT_OPTIMIZER:
			if (strcmp(optarg, "adagrad") == 0)
				p.optimizer = REC_OPT_ADAGRAD;
			else if (strcmp(optarg, "sgd") == 0)
				p.optimizer = REC_OPT_SGD;
			else
				usage_error("--optimizer: '%s' is not adagrad or sgd",
					    optarg);
			break;
		case OPT_LR: p.lr = opt_double("--lr", optarg, 1e-12, 1e3); break;
		case OPT_L2: p.l2 = opt_double("--l2", optarg, 0, 1e3); break;
		case OPT_L2_FACTORS:
			p.l2_factors = opt_double("--l2-factors", optarg, 0, 1e3);
			break;
		case OPT_INIT_STD:
			p.init_std = opt_double("--init-std", optarg, 0, 10);
			break;
		case OPT_SEED:
			p.seed = (uint64_t)opt_long("--seed", optarg, 0,
						    LONG_MAX);
			break;
		case 'p':
			p.passes = (int)opt_long("--passes", optarg, 1, 100000);
			break;
		case OPT_SHUFFLE: shuffle = 1; break;
		case OPT_NO_SHUFFLE: shuffle = 0; break;
		case OPT_HOLDOUT:
			p.holdout = opt_double("--holdout", optarg, 0, 0.99);
			break;
		case OPT_NEGATIVES:
			p.negatives = (int)opt_long("--negatives", optarg, 1,
						    1000);
			break;
		case OPT_SAMPLE_ALPHA:
			p.sample_alpha = opt_double("--sample-alpha", optarg,
						    0, 10);
			break;
		case OPT_HARD_NEGATIVES: p.hard_negatives = 1; break;
		case OPT_PATIENCE:
			p.patience = (int)opt_long("--patience", optarg, 1,
						   100000);
			break;
		default:
			standard_option(c, usage);
		}
	}
	p.shuffle = shuffle >= 0 ? shuffle : p.passes > 1;
	p.task = in.opt.task;
	p.loss = loss_given ? loss
		: p.task == REC_TASK_REGRESSION ? REC_LOSS_SQUARED
		: p.task == REC_TASK_IMPLICIT ? REC_LOSS_BPR
		: REC_LOSS_LOGISTIC;
	in.opt.need = REC_NEED_USER | REC_NEED_ITEM | REC_NEED_LABEL;
	if (p.task == REC_TASK_IMPLICIT) {
		/* every row is a positive: there is no label to read */
		if (in.columns_given & (1 << (OPT_LABEL - OPT_USER)))
			usage_error("--label does not apply to --task implicit "
				    "(every row is a positive; see --weight)");
		if (in.opt.has_positive)
			usage_error("--positive does not apply to --task implicit");
		in.opt.columns.label = NULL;
		in.opt.need = REC_NEED_USER | REC_NEED_ITEM;
	}
	p.input = in.opt;
	const char *why = rec_params_check(&p);
	if (why)
		usage_error("%s", why);
	char **files = argv + optind;
	int nfiles = argc - optind;
	if (output && strcmp(output, "-") == 0)
		output = NULL;
	if (output)
		check_output_not_input(output, files, nfiles);
	else if (isatty(STDOUT_FILENO) && !force)
		die("refusing to write a binary model to a terminal (use -o FILE, or -f)");

	struct rec_error err = { 0 };
	rec_model *model;
	if (rec_model_create(&model, &p, &err) != 0)
		die_error(&err);
	rec_reader *reader;
	if (rec_reader_open(&reader, (const char *const *)files, nfiles,
			    &in.opt, &err) != 0)
		die_error(&err);
	struct bad_rows bad = { .strict = in.strict };
	rec_dataset *data = NULL;
	int rc;
	if (p.passes == 1 && !p.shuffle && p.holdout == 0) {
		/* nothing to come back to: learn while reading */
		rc = rec_train_stream(model, reader, bad_row_report, &bad,
				      quiet ? NULL : progress, NULL, &err);
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
		rc = save_model(model, output, &err);
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
	if (!quiet) {
		struct rec_model_info info;
		rec_model_info(model, &info);
		warnx_("%llu events, %llu features, %llu items%s%s",
		       (unsigned long long)events,
		       (unsigned long long)info.features,
		       (unsigned long long)info.items,
		       output ? ", model written to " : "",
		       output ? output : "");
	}
	rec_dataset_free(data);
	rec_model_free(model);
	return EXIT_OK;
}
