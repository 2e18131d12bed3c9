/*
 * rec-eval - metrics from scored, labelled rows.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char usage[] =
"Usage: rec-eval [OPTION]... [FILE]...\n"
"Measure scored rows: AUC (exact, ties count half), logloss, RMSE, MAE and\n"
"calibration.  With no FILE, or when FILE is -, read standard input.\n"
"\n"
"      --label COL      label column, number or header name (default 3)\n"
"      --score COL      score column (default: the last column)\n"
"      --weight COL     row weight column (default none: weight 1)\n"
"      --task TASK      binary (default: labels 0/1 or -1/1, AUC needed)\n"
"                       or regression (RMSE and MAE against raw labels)\n"
"      --positive X     a label >= X is positive (1), others 0\n"
"      --csv, --tsv     comma- or tab-separated (default: CSV for *.csv)\n"
"      --header         the first line of each file names the columns\n"
"      --strict         stop at the first bad row (default: skip it)\n"
"      --json           print the metrics as one JSON object\n"
"      --fail-under M=V exit 1 if metric M is below V (repeatable)\n"
"      --fail-over M=V  exit 1 if metric M is above V (repeatable)\n"
"\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Metrics: rows, weight, positives, auc, logloss, rmse, mae, mean_score,\n"
"mean_label.  All are weighted.  logloss is given when every score is in\n"
"[0, 1]; scores are clamped to [1e-15, 1 - 1e-15] for it.  With --positive,\n"
"rmse and mae compare scores with the 0/1 labels.\n"
"\n"
"Exit status: 0 on success, 1 when a --fail-under or --fail-over check\n"
"fails, 2 on any error.\n";

enum { OPT_JSON = OPT_FIRST_FREE, OPT_FAIL_UNDER, OPT_FAIL_OVER };

static const struct option long_options[] = {
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "fail-under", required_argument, NULL, OPT_FAIL_UNDER },
	{ "fail-over", required_argument, NULL, OPT_FAIL_OVER },
	INPUT_LONG_OPTIONS,
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct metric {
	const char *name;
	int integer;		/* printed without decimals */
};
static const struct metric metrics[] = {
	{ "rows", 1 }, { "weight", 0 }, { "positives", 0 }, { "auc", 0 },
	{ "logloss", 0 }, { "rmse", 0 }, { "mae", 0 }, { "mean_score", 0 },
	{ "mean_label", 0 },
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

/* Value of metric i, or 0 when the data or the task does not give it. */
static int metric_value(const struct rec_metric_values *v, enum rec_task task,
			size_t i, double *out)
{
	if (task == REC_TASK_REGRESSION && (i == 2 || i == 3 || i == 4))
		return 0;	/* positives, auc, logloss */
	double vals[NMETRICS] = { (double)v->rows, v->weight, v->positives,
		v->auc, v->logloss, v->rmse, v->mae, v->mean_score,
		v->mean_label };
	if ((i == 3 && !v->has_auc) || (i == 4 && !v->has_logloss))
		return 0;
	if (i >= 5 && v->weight <= 0)
		return 0;
	*out = vals[i];
	return 1;
}

struct check {
	size_t metric;
	double bound;
	int over;		/* fail when above, not below */
};

static struct check parse_check(const char *opt, const char *arg, int over)
{
	const char *eq = strchr(arg, '=');
	if (!eq)
		usage_error("%s: '%s' is not METRIC=VALUE", opt, arg);
	struct check ck = { NMETRICS, 0, over };
	for (size_t i = 0; i < NMETRICS; i++)
		if (strlen(metrics[i].name) == (size_t)(eq - arg) &&
		    strncmp(metrics[i].name, arg, (size_t)(eq - arg)) == 0)
			ck.metric = i;
	if (ck.metric == NMETRICS)
		usage_error("%s: unknown metric '%.*s'", opt, (int)(eq - arg),
			    arg);
	ck.bound = opt_double(opt, eq + 1, -1e300, 1e300);
	return ck;
}

int main(int argc, char **argv)
{
	cli_init("rec-eval");
	struct input_config in;
	input_config_init(&in);
	struct check checks[64];
	int nchecks = 0, json = 0, c;
	while ((c = getopt_long(argc, argv, "hV", long_options, NULL)) != -1) {
		if (input_option(&in, c, optarg))
			continue;
		switch (c) {
		case OPT_JSON: json = 1; break;
		case OPT_FAIL_UNDER:
		case OPT_FAIL_OVER:
			if (nchecks == 64)
				usage_error("too many checks");
			checks[nchecks++] = parse_check(
				c == OPT_FAIL_OVER ? "--fail-over"
						   : "--fail-under",
				optarg, c == OPT_FAIL_OVER);
			break;
		case 'h':
			fputs(usage, stdout);
			finish_stdout();
			return EXIT_OK;
		case 'V':
			print_version();
			break;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n",
				progname);
			return EXIT_ERROR;
		}
	}
	if (in.columns_given & ((1 << (OPT_USER - OPT_USER)) |
				(1 << (OPT_ITEM - OPT_USER)) |
				(1 << (OPT_TIME - OPT_USER))))
		usage_error("--user, --item and --time do not apply to pointwise metrics");
	in.opt.columns.user = NULL;
	in.opt.columns.item = NULL;
	in.opt.need = REC_NEED_LABEL | REC_NEED_SCORE;

	struct rec_error err = { 0 };
	rec_reader *reader;
	if (rec_reader_open(&reader, (const char *const *)argv + optind,
			    argc - optind, &in.opt, &err) != 0)
		die_error(&err);
	rec_metrics *mt;
	if (rec_metrics_create(&mt) != 0)
		die("out of memory");
	struct bad_rows bad = { .strict = in.strict };
	struct rec_row row;
	int rc;
	while ((rc = rec_reader_next(reader, &row, &err)) != 0) {
		if (rc == REC_EBADROW) {
			if (bad_row_report(&err, &bad))
				exit(EXIT_ERROR);
			continue;
		}
		if (rc < 0)
			die_error(&err);
		if (rec_metrics_add(mt, row.label, row.score, row.weight) != 0)
			die("out of memory");
	}
	bad_rows_summary(&bad);
	struct rec_metric_values v;
	if (rec_metrics_compute(mt, &v, &err) != 0)
		die_error(&err);
	if (in.opt.task == REC_TASK_BINARY && !v.has_auc)
		die("AUC needs rows of both classes with positive weight "
		    "(%llu rows, positive weight %g of %g)",
		    (unsigned long long)v.rows, v.positives, v.weight);

	if (json)
		fputc('{', stdout);
	int first = 1;
	for (size_t i = 0; i < NMETRICS; i++) {
		double x;
		if (!metric_value(&v, in.opt.task, i, &x))
			continue;
		if (json) {
			printf("%s\"%s\": %.17g", first ? "" : ", ",
			       metrics[i].name, x);
		} else if (metrics[i].integer) {
			printf("%-12s %.0f\n", metrics[i].name, x);
		} else {
			printf("%-12s %.6f\n", metrics[i].name, x);
		}
		first = 0;
	}
	if (json)
		fputs("}\n", stdout);
	finish_stdout();

	int status = EXIT_OK;
	for (int i = 0; i < nchecks; i++) {
		double x;
		const char *name = metrics[checks[i].metric].name;
		if (!metric_value(&v, in.opt.task, checks[i].metric, &x))
			die("metric '%s' is not available for this data", name);
		if (checks[i].over ? x > checks[i].bound : x < checks[i].bound) {
			warnx_("%s %.6f is %s %g", name, x,
			       checks[i].over ? "above" : "below",
			       checks[i].bound);
			status = EXIT_CHECK;
		}
	}
	rec_metrics_free(mt);
	rec_reader_free(reader);
	return status;
}
