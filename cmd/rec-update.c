/*
 * rec-update - bring a model up to date with new events, in place and
 * atomically, scoring each event before it is learned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common.h"

static const char usage[] =
"Usage: rec-update -m MODEL [-o OUT] [OPTION]... [FILE]...\n"
"Continue training MODEL on new events, one pass in input order, and save\n"
"it atomically (in place unless -o is given).  Each event is scored before\n"
"it is learned; the running figures go to stderr and into the model.\n"
"With no FILE, or when FILE is -, read standard input.\n"
"\n"
"  -m, --model MODEL    the model to update (required)\n"
"  -o, --output OUT     write the updated model to OUT instead\n"
"  -q, --quiet          no progress table or summary\n"
"      --test-only      score the events without learning; write nothing\n"
"      --window N       events in the recent AUC (default 10000)\n"
"\n"
"May change on update (kept in the model from then on):\n"
"      --lr X           learning rate\n"
"      --l2 X           L2 penalty per weight\n"
"      --l2-factors X   L2 penalty per factor\n"
"      --half-life N    forget: the optimiser's memory of a feature halves\n"
"                       every N events (0 turns forgetting off)\n"
"      --half-life-time T  the same in units of the time column (--time)\n"
"\n"
"For this run only:\n"
"      --freeze WHAT    users or items: those rows keep their values (e.g.\n"
"                       fold new users into a fixed item model)\n"
"\n"
"Input (the model's own column settings are the defaults):\n"
"      --user COL, --item COL, --label COL, --time COL, --weight COL\n"
"      --csv, --tsv, --header, --strict  as in rec-train\n"
"\n"
"The model's task, loss, optimiser, bits, factors and seed are fixed when it\n"
"is trained; options that would change them are refused.\n"
"\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Exit status: 0 on success, 2 on any error (the model is then unchanged).\n";

enum {
	OPT_TEST_ONLY = OPT_FIRST_FREE, OPT_WINDOW, OPT_LR, OPT_L2,
	OPT_L2_FACTORS, OPT_HALF_LIFE, OPT_HALF_LIFE_TIME, OPT_FREEZE,
	OPT_FIXED	/* + index in fixed_options */
};

/* Training-time choices, recognised only to be refused clearly. */
static const char *const fixed_options[] = {
	"bits", "factors", "loss", "optimizer", "seed", "init-std", "passes",
	"holdout", "patience", "shuffle", "task", "positive", "no-shuffle",
	"negatives", "sample-alpha", "hard-negatives",
};
#define NFIXED (int)(sizeof(fixed_options) / sizeof(fixed_options[0]))

static const struct option long_options[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "test-only", no_argument, NULL, OPT_TEST_ONLY },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "lr", required_argument, NULL, OPT_LR },
	{ "l2", required_argument, NULL, OPT_L2 },
	{ "l2-factors", required_argument, NULL, OPT_L2_FACTORS },
	{ "half-life", required_argument, NULL, OPT_HALF_LIFE },
	{ "half-life-time", required_argument, NULL, OPT_HALF_LIFE_TIME },
	{ "freeze", required_argument, NULL, OPT_FREEZE },
	{ "bits", required_argument, NULL, OPT_FIXED + 0 },
	{ "factors", required_argument, NULL, OPT_FIXED + 1 },
	{ "loss", required_argument, NULL, OPT_FIXED + 2 },
	{ "optimizer", required_argument, NULL, OPT_FIXED + 3 },
	{ "seed", required_argument, NULL, OPT_FIXED + 4 },
	{ "init-std", required_argument, NULL, OPT_FIXED + 5 },
	{ "passes", required_argument, NULL, OPT_FIXED + 6 },
	{ "holdout", required_argument, NULL, OPT_FIXED + 7 },
	{ "patience", required_argument, NULL, OPT_FIXED + 8 },
	{ "shuffle", no_argument, NULL, OPT_FIXED + 9 },
	{ "task", required_argument, NULL, OPT_FIXED + 10 },
	{ "positive", required_argument, NULL, OPT_FIXED + 11 },
	{ "no-shuffle", no_argument, NULL, OPT_FIXED + 12 },
	{ "negatives", required_argument, NULL, OPT_FIXED + 13 },
	{ "sample-alpha", required_argument, NULL, OPT_FIXED + 14 },
	{ "hard-negatives", no_argument, NULL, OPT_FIXED + 15 },
	{ "user", required_argument, NULL, OPT_USER },
	{ "item", required_argument, NULL, OPT_ITEM },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "time", required_argument, NULL, OPT_TIME },
	{ "weight", required_argument, NULL, OPT_WEIGHT },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "tsv", no_argument, NULL, OPT_TSV },
	{ "header", no_argument, NULL, OPT_HEADER },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

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

/*
 * Concurrent updates of one model take turns on MODEL.lock, which is never
 * removed: each loads the model only once it holds the lock, so every run
 * builds on the one before it and no update is lost.  The lock is on a file
 * of its own because the model itself is replaced by rename.
 */
static int lock_model(const char *model)
{
	size_t n = strlen(model) + 6;
	char *path = malloc(n);
	if (!path)
		die("out of memory");
	snprintf(path, n, "%s.lock", model);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		die("%s: cannot open lock file: %s", path, strerror(errno));
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR)
			die("%s: cannot lock: %s", path, strerror(errno));
	free(path);
	return fd;
}

int main(int argc, char **argv)
{
	cli_init("rec-update");
	struct input_config in;
	input_config_init(&in);
	in.opt.csv = -2;	/* not given */
	const char *model_path = NULL, *output = NULL;
	int quiet = 0, c;
	struct rec_update_options uo = { .window = 10000 };
	double lr = -1, l2 = -1, l2f = -1, half_life = -1;
	int half_life_time = -1;
	while ((c = getopt_long(argc, argv, "m:o:qb:k:p:hV", long_options,
				NULL)) != -1) {
		/* the short forms of rec-train's fixed options */
		if (c == 'b' || c == 'k' || c == 'p')
			c = OPT_FIXED + (c == 'b' ? 0 : c == 'k' ? 1 : 6);
		if (c >= OPT_FIXED && c < OPT_FIXED + NFIXED)
			usage_error("--%s is fixed when a model is trained; "
				    "train a new model with rec-train",
				    fixed_options[c - OPT_FIXED]);
		if (input_option(&in, c, optarg))
			continue;
		switch (c) {
		case 'm': model_path = optarg; break;
		case 'o': output = optarg; break;
		case 'q': quiet = 1; break;
		case OPT_TEST_ONLY: uo.test_only = 1; break;
		case OPT_WINDOW:
			uo.window = (size_t)opt_long("--window", optarg, 0,
						     100000000);
			break;
		case OPT_LR: lr = opt_double("--lr", optarg, 1e-12, 1e3); break;
		case OPT_L2: l2 = opt_double("--l2", optarg, 0, 1e3); break;
		case OPT_L2_FACTORS:
			l2f = opt_double("--l2-factors", optarg, 0, 1e3);
			break;
		case OPT_HALF_LIFE:
			half_life = opt_double("--half-life", optarg, 0, 1e18);
			half_life_time = 0;
			break;
		case OPT_HALF_LIFE_TIME:
			half_life = opt_double("--half-life-time", optarg, 0,
					       1e18);
			half_life_time = 1;
			break;
		case OPT_FREEZE:
			if (strcmp(optarg, "users") == 0)
				uo.freeze_users = 1;
			else if (strcmp(optarg, "items") == 0)
				uo.freeze_items = 1;
			else
				usage_error("--freeze: '%s' is not users or items",
					    optarg);
			break;
		default:
			standard_option(c, usage);
		}
	}
	if (!model_path)
		usage_error("no model given (-m MODEL)");
	if (uo.freeze_users && uo.freeze_items)
		usage_error("--freeze users and --freeze items leave nothing to learn");
	if (!output)
		output = model_path;
	if (strcmp(output, "-") == 0)
		usage_error("-o -: a model is written to a file, atomically");
	check_output_not_input(output, argv + optind, argc - optind);
	if (access(model_path, F_OK) != 0)
		die("%s: cannot open: %s", model_path, strerror(errno));

	int lock = uo.test_only ? -1 : lock_model(model_path);
	struct rec_error err = { 0 };
	rec_model *model;
	if (rec_model_load(&model, model_path, &err) != 0)
		die_error(&err);

	struct rec_params p = *rec_model_params(model);
	if (lr >= 0)
		p.lr = lr;
	if (l2 >= 0)
		p.l2 = l2;
	if (l2f >= 0)
		p.l2_factors = l2f;
	if (half_life >= 0) {
		p.half_life = half_life;
		p.half_life_time = half_life_time;
	}
	if (rec_model_retune(model, &p, &err) != 0)
		die_error(&err);

	struct rec_reader_options opt = model_input(model, &in);
	opt.need = REC_NEED_USER | REC_NEED_ITEM | REC_NEED_LABEL;
	if (p.task == REC_TASK_IMPLICIT) {
		opt.columns.label = NULL;	/* every row is a positive */
		opt.need = REC_NEED_USER | REC_NEED_ITEM;
	}
	if (p.half_life > 0 && p.half_life_time && !opt.columns.time)
		usage_error("--half-life-time needs a time column (--time COL)");

	rec_reader *reader;
	if (rec_reader_open(&reader, (const char *const *)argv + optind,
			    argc - optind, &opt, &err) != 0)
		die_error(&err);
	struct bad_rows bad = { .strict = in.strict };
	int header_done = 0;
	int rc = rec_update(model, reader, &uo, bad_row_report, &bad,
			    quiet ? NULL : progress, &header_done, &err);
	if (rc)
		stop_reading(rc, &err);
	bad_rows_summary(&bad);
	uint64_t events = rec_reader_rows(reader);
	rec_reader_free(reader);

	if (!uo.test_only && save_model(model, output, &err) != 0)
		die_error(&err);
	if (lock >= 0)
		close(lock);	/* releases the lock */
	if (!quiet) {
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
