/*
 * rec-eval - metrics from scored, labelled rows.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char usage[] =
"Usage: rec-eval [OPTION]... [FILE]...\n"
"       rec-eval --truth TRUTH [-k K,...] [-m MODEL] [OPTION]... [FILE]...\n"
"       rec-eval --group COL [-k K,...] [OPTION]... [FILE]...\n"
"Measure scored rows: AUC (exact, ties count half), logloss, RMSE, MAE and\n"
"calibration.  With no FILE, or when FILE is -, read standard input.\n"
"\n"
"Ranking metrics (precision, recall, NDCG, MAP, hit rate at each K, MRR):\n"
"      --truth TRUTH    held-out user-item pairs (--user and --item columns\n"
"                       of TRUTH); the input is recommendations as\n"
"                       rec-predict --top writes them: user, item, ...,\n"
"                       each user's rows best first\n"
"      --group COL      or: rank the scored, labelled rows of each value of\n"
"                       COL by score (e.g. one positive and 99 negatives\n"
"                       per user); adds the mean per-group AUC\n"
"  -k K,...             cut-offs (default 10; at most 16)\n"
"  -m, --model MODEL    with --truth: coverage against MODEL's catalogue\n"
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
"Ranking checks name a metric at a cut-off: --fail-under ndcg@10=0.2;\n"
"mrr, auc, coverage and users take no cut-off.\n"
"\n"
"Exit status: 0 on success, 1 when a --fail-under or --fail-over check\n"
"fails, 2 on any error.\n";

enum { OPT_JSON = OPT_FIRST_FREE, OPT_FAIL_UNDER, OPT_FAIL_OVER, OPT_TRUTH,
       OPT_GROUP };

static const struct option long_options[] = {
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "fail-under", required_argument, NULL, OPT_FAIL_UNDER },
	{ "fail-over", required_argument, NULL, OPT_FAIL_OVER },
	{ "truth", required_argument, NULL, OPT_TRUTH },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "model", required_argument, NULL, 'm' },
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

/* ---- ranking mode ---- */

static const char *const definitions[] = {
	"precision@k: hits in the first k / k, also when fewer than k are listed",
	"recall@k: hits in the first k / all the user's relevant items",
	"ndcg@k: sum of 1/log2(rank+1) over hits, over the same for min(relevant, k) hits at the top",
	"map@k: sum of precision@rank over hits in the first k, / min(relevant, k)",
	"hit_rate@k: share of users with a hit in the first k",
	"mrr: 1/rank of the first hit in the whole list, 0 without one",
	"users: users with a relevant item; one with no list counts 0 everywhere",
	"auc (--group): per group, relevant rows above irrelevant ones by score, ties half; mean over groups with both",
	"coverage (--truth): distinct items in the evaluated users' first max(k), over the catalogue (-m) or the items met",
};

struct rank_check {
	char name[16];
	int k;			/* 0: a metric without cut-off */
	double bound;
	int over;
};

static struct rank_check parse_rank_check(const char *opt, const char *arg,
					  int over)
{
	struct rank_check ck = { "", 0, 0, over };
	const char *eq = strchr(arg, '=');
	const char *at = memchr(arg, '@', eq ? (size_t)(eq - arg) : 0);
	size_t name_len = at ? (size_t)(at - arg) : eq ? (size_t)(eq - arg) : 0;
	if (!eq || name_len == 0 || name_len >= sizeof(ck.name))
		usage_error("%s: '%s' is not METRIC[@K]=VALUE", opt, arg);
	memcpy(ck.name, arg, name_len);
	static const char *const with_k[] = { "precision", "recall", "ndcg",
					      "map", "hit_rate" };
	static const char *const without_k[] = { "mrr", "auc", "coverage",
						 "users" };
	int needs_k = -1;
	for (size_t i = 0; i < 5; i++)
		if (strcmp(ck.name, with_k[i]) == 0)
			needs_k = 1;
	for (size_t i = 0; i < 4; i++)
		if (strcmp(ck.name, without_k[i]) == 0)
			needs_k = 0;
	if (needs_k < 0)
		usage_error("%s: unknown ranking metric '%s'", opt, ck.name);
	if (needs_k && !at)
		usage_error("%s: %s needs a cut-off (@K)", opt, ck.name);
	if (!needs_k && at)
		usage_error("%s: %s takes no cut-off (@K)", opt, ck.name);
	if (at) {
		char kbuf[16];
		size_t n = (size_t)(eq - at - 1);
		if (n == 0 || n >= sizeof(kbuf))
			usage_error("%s: bad cut-off in '%s'", opt, arg);
		memcpy(kbuf, at + 1, n);
		kbuf[n] = '\0';
		ck.k = (int)opt_long(opt, kbuf, 1, 1000000);
	}
	ck.bound = opt_double(opt, eq + 1, -1e300, 1e300);
	return ck;
}

struct ranking_config {
	const char *truth, *group, *model;
	int ks[REC_MAX_KS], nk;
	int json;
	struct rank_check *checks;
	int nchecks;
};

/* The value a check names, or 0 when the run does not give it. */
static int rank_value(const struct rec_rank_values *v, double coverage,
		      int has_coverage, const struct rank_check *ck, double *x)
{
	if (ck->k == 0) {
		if (strcmp(ck->name, "mrr") == 0)
			*x = v->mrr;
		else if (strcmp(ck->name, "users") == 0)
			*x = (double)v->users;
		else if (strcmp(ck->name, "auc") == 0 && v->auc_users)
			*x = v->auc;
		else if (strcmp(ck->name, "coverage") == 0 && has_coverage)
			*x = coverage;
		else
			return 0;
		return 1;
	}
	for (int j = 0; j < v->nk; j++) {
		if (v->ks[j] != ck->k)
			continue;
		const double *m = strcmp(ck->name, "precision") == 0 ? v->precision
			: strcmp(ck->name, "recall") == 0 ? v->recall
			: strcmp(ck->name, "ndcg") == 0 ? v->ndcg
			: strcmp(ck->name, "map") == 0 ? v->map : v->hit;
		*x = m[j];
		return 1;
	}
	return 0;
}

static int ranking_mode(const struct ranking_config *rc,
			struct input_config *in, char **files, int nfiles)
{
	struct rec_error err = { 0 };
	rec_ranking *r;
	if (rec_ranking_create(&r, rc->ks, rc->nk) != 0)
		die("out of memory");
	struct bad_rows bad = { .strict = in->strict };
	double coverage = 0;
	int has_coverage = rc->truth != NULL;
	int rcode;
	if (rc->truth) {
		size_t catalogue = 0;
		if (rc->model) {
			rec_model *m;
			if (rec_model_load(&m, rc->model, &err) != 0)
				die_error(&err);
			catalogue = rec_model_items(m);
			rec_model_free(m);
		}
		struct rec_reader_options to = in->opt;
		to.columns.label = NULL;
		to.columns.score = NULL;
		to.need = REC_NEED_USER | REC_NEED_ITEM;
		rec_reader *truth, *recs;
		if (rec_reader_open(&truth, &rc->truth, 1, &to, &err) != 0)
			die_error(&err);
		/* recommendations as rec-predict --top writes them */
		struct rec_reader_options ro = to;
		ro.columns = (struct rec_columns){ .user = "1", .item = "2" };
		ro.header = 0;
		ro.csv = 0;
		if (rec_reader_open(&recs, (const char *const *)files, nfiles,
				    &ro, &err) != 0)
			die_error(&err);
		rcode = rec_ranking_truth(r, truth, recs, bad_row_report, &bad,
					  catalogue, &coverage, &err);
		rec_reader_free(truth);
		rec_reader_free(recs);
	} else {
		struct rec_reader_options go = in->opt;
		go.columns.user = rc->group;
		go.columns.item = NULL;
		go.need = REC_NEED_USER | REC_NEED_LABEL | REC_NEED_SCORE;
		rec_reader *rows;
		if (rec_reader_open(&rows, (const char *const *)files, nfiles,
				    &go, &err) != 0)
			die_error(&err);
		rcode = rec_ranking_groups(r, rows, bad_row_report, &bad, &err);
		rec_reader_free(rows);
	}
	if (rcode)
		stop_reading(rcode, &err);
	bad_rows_summary(&bad);
	struct rec_rank_values v;
	rec_ranking_values(r, &v);
	rec_ranking_free(r);
	if (v.users == 0)
		die("no user has a relevant item: nothing to evaluate");

	static const char *const names[] = { "precision", "recall", "ndcg",
					     "map", "hit_rate" };
	const double *vals[] = { v.precision, v.recall, v.ndcg, v.map, v.hit };
	if (rc->json) {
		printf("{\"users\": %llu", (unsigned long long)v.users);
		for (int i = 0; i < 5; i++)
			for (int j = 0; j < v.nk; j++)
				printf(", \"%s@%d\": %.17g", names[i], v.ks[j],
				       vals[i][j]);
		printf(", \"mrr\": %.17g", v.mrr);
		if (v.auc_users)
			printf(", \"auc\": %.17g", v.auc);
		if (has_coverage)
			printf(", \"coverage\": %.17g", coverage);
		printf(", \"definitions\": [");
		for (size_t i = 0; i < sizeof(definitions) / sizeof(*definitions); i++)
			printf("%s\"%s\"", i ? ", " : "", definitions[i]);
		printf("]}\n");
	} else {
		printf("%-12s %llu\n", "users", (unsigned long long)v.users);
		printf("%-12s", "");
		for (int j = 0; j < v.nk; j++) {
			char h[16];
			snprintf(h, sizeof(h), "@%d", v.ks[j]);
			printf(" %9s", h);
		}
		putchar('\n');
		for (int i = 0; i < 5; i++) {
			printf("%-12s", names[i]);
			for (int j = 0; j < v.nk; j++)
				printf(" %9.6f", vals[i][j]);
			putchar('\n');
		}
		printf("%-12s %.6f\n", "mrr", v.mrr);
		if (v.auc_users)
			printf("%-12s %.6f  (mean over %llu groups)\n", "auc",
			       v.auc, (unsigned long long)v.auc_users);
		if (has_coverage)
			printf("%-12s %.6f  (%s)\n", "coverage", coverage,
			       rc->model ? "of the model's catalogue"
					 : "of the items in truth and lists");
		for (size_t i = 0; i < sizeof(definitions) / sizeof(*definitions); i++)
			printf("# %s\n", definitions[i]);
	}
	finish_stdout();
	int status = EXIT_OK;
	for (int i = 0; i < rc->nchecks; i++) {
		const struct rank_check *ck = &rc->checks[i];
		double x;
		if (!rank_value(&v, coverage, has_coverage, ck, &x)) {
			if (ck->k)
				die("metric '%s@%d' is not computed (see -k)",
				    ck->name, ck->k);
			die("metric '%s' is not available for this data",
			    ck->name);
		}
		if (ck->over ? x > ck->bound : x < ck->bound) {
			if (ck->k)
				warnx_("%s@%d %.6f is %s %g", ck->name, ck->k, x,
				       ck->over ? "above" : "below", ck->bound);
			else
				warnx_("%s %.6f is %s %g", ck->name, x,
				       ck->over ? "above" : "below", ck->bound);
			status = EXIT_CHECK;
		}
	}
	return status;
}

static int parse_ks(const char *arg, int *ks)
{
	int n = 0;
	const char *p = arg;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		long k;
		if (n == REC_MAX_KS ||
		    rec_parse_long(p, len, 1, 1000000, &k) != 0)
			usage_error("-k: '%s' is not a list of up to %d cut-offs "
				    "in [1, 1000000]", arg, REC_MAX_KS);
		for (int i = 0; i < n; i++)
			if (ks[i] == k)
				usage_error("-k: cut-off %ld given twice", k);
		ks[n++] = (int)k;
		if (!comma)
			return n;
		p = comma + 1;
	}
}

int main(int argc, char **argv)
{
	cli_init("rec-eval");
	struct input_config in;
	input_config_init(&in);
	struct check checks[64];
	struct rank_check rchecks[64];
	struct ranking_config rc = { .ks = { 10 }, .nk = 1,
				     .checks = rchecks };
	const char *check_args[64];
	int check_over[64];
	int nchecks = 0, json = 0, k_given = 0, c;
	while ((c = getopt_long(argc, argv, "k:m:hV", long_options, NULL)) != -1) {
		if (input_option(&in, c, optarg))
			continue;
		switch (c) {
		case OPT_JSON: json = 1; break;
		case OPT_FAIL_UNDER:
		case OPT_FAIL_OVER:
			/* parsed once the mode is known */
			if (nchecks == 64)
				usage_error("too many checks");
			check_args[nchecks] = optarg;
			check_over[nchecks++] = c == OPT_FAIL_OVER;
			break;
		case OPT_TRUTH: rc.truth = optarg; break;
		case OPT_GROUP:
			if (!*optarg)
				usage_error("--group: empty column name");
			rc.group = optarg;
			break;
		case 'k':
			rc.nk = parse_ks(optarg, rc.ks);
			k_given = 1;
			break;
		case 'm': rc.model = optarg; break;
		default:
			standard_option(c, usage);
		}
	}
	if (rc.truth && rc.group)
		usage_error("--truth and --group are two different modes");
	if (rc.model && !rc.truth)
		usage_error("-m MODEL goes with --truth");
	if (k_given && !rc.truth && !rc.group)
		usage_error("-k goes with --truth or --group");
	for (int i = 0; i < nchecks; i++) {
		const char *opt = check_over[i] ? "--fail-over" : "--fail-under";
		if (rc.truth || rc.group)
			rchecks[i] = parse_rank_check(opt, check_args[i],
						      check_over[i]);
		else
			checks[i] = parse_check(opt, check_args[i],
						check_over[i]);
	}
	if (rc.truth || rc.group) {
		rc.json = json;
		rc.nchecks = nchecks;
		return ranking_mode(&rc, &in, argv + optind, argc - optind);
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
	int got;
	while ((got = rec_reader_next_good(reader, &row, bad_row_report, &bad,
					   &err)) != 0) {
		if (got < 0)
			stop_reading(got, &err);
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
