/*
 * rec-eval - metrics from scored, labelled rows.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "json.h"
#include "svg.h"

enum { OPT_JSON = OPT_FIRST_FREE, OPT_FAIL_UNDER, OPT_FAIL_OVER, OPT_TRUTH,
       OPT_GROUP, OPT_PROMETHEUS, OPT_PROMETHEUS_LABEL, OPT_PER_USER,
       OPT_ROC, OPT_PR, OPT_CALIBRATION, OPT_CALIBRATION_BINS, OPT_COMPARE,
       OPT_BOOTSTRAP, OPT_SEED, OPT_THREADS };

/* Curves are drawn from this many cells of the x axis: at most 2 points
 * a cell for ROC, 4 for precision-recall (see rec_metrics_curve). */
#define CURVE_CELLS 500
#define DEFAULT_BINS 10
#define DEFAULT_RESAMPLES 1000

static const struct cli_option ranking_options[] = {
	{ "truth", 0, "TRUTH", OPT_TRUTH,
	  "held-out user-item pairs (--user and --item columns of TRUTH); "
	  "the input is recommendations as rec-predict --top writes them: "
	  "user, item, ..., each user's rows best first" },
	{ "group", 0, "COL", OPT_GROUP,
	  "or: rank the scored, labelled rows of each value of COL by score "
	  "(e.g. one positive and 99 negatives per user); adds the mean "
	  "per-group AUC" },
	{ NULL, 'k', "K,...", 'k', "cut-offs (default 10; at most 16)" },
	{ "model", 'm', "MODEL", 'm',
	  "with --truth: coverage against MODEL's catalogue" },
	{ "per-user", 0, "FILE", OPT_PER_USER,
	  "also write each user's (or group's) values to FILE, a TSV table "
	  "with a header" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cli_option curve_options[] = {
	{ "roc", 0, "FILE", OPT_ROC,
	  "draw the ROC curve into FILE, an SVG picture" },
	{ "pr", 0, "FILE", OPT_PR,
	  "draw the precision-recall curve into FILE (SVG)" },
	{ "calibration", 0, "FILE", OPT_CALIBRATION,
	  "draw a reliability diagram into FILE (SVG): mean score against "
	  "share of positives in bins of equal width; scores must be in "
	  "[0, 1]" },
	{ "calibration-bins", 0, "N", OPT_CALIBRATION_BINS,
	  "bins of --calibration (default 10; at most 1000)" },
	{ "compare", 0, "OTHER", OPT_COMPARE,
	  "compare with OTHER, the same rows scored otherwise: each metric "
	  "for both, the difference and its paired bootstrap 95% interval" },
	{ "bootstrap", 0, "N", OPT_BOOTSTRAP,
	  "resamples of --compare (default 1000)" },
	{ "seed", 0, "S", OPT_SEED, "seed of --compare's resampling (default 1)" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cli_option options[] = {
	{ "json", 0, NULL, OPT_JSON, "print the metrics as one JSON object" },
	{ "prometheus", 0, "FILE", OPT_PROMETHEUS,
	  "also write the metrics to FILE in Prometheus' text format "
	  "(gauges recpipe_eval_NAME, k as a label), replaced atomically: "
	  "for the node exporter's textfile collector" },
	{ "prometheus-label", 0, "NAME=VALUE", OPT_PROMETHEUS_LABEL,
	  "a label on every metric of --prometheus, e.g. model=live.rec "
	  "(repeatable)" },
	{ "quiet", 'q', NULL, 'q',
	  "print no metrics: only the exit status tells (with --fail-under "
	  "or --fail-over, whether a check failed)" },
	{ "fail-under", 0, "M=V", OPT_FAIL_UNDER,
	  "exit 1 if metric M is below V (repeatable)" },
	{ "fail-over", 0, "M=V", OPT_FAIL_OVER,
	  "exit 1 if metric M is above V (repeatable)" },
	{ "threads", 0, "N", OPT_THREADS,
	  "pointwise: threads (default 1, at most 256): from 2, one reads "
	  "the rows while another counts them, the two classes are sorted "
	  "at once, and --compare resamples in N; the values are the same "
	  "for any N" },
	{ NULL, 0, NULL, 0, NULL },
};

/* The input options rec-eval reads with: labels and scores, and for
 * ranking the user and item columns.  --time is taken only to be refused
 * with a reason (see mode_options), so --help leaves it out. */
#define EVAL_INPUT (INPUT_ALL | INPUT_BIT(OPT_SCORE))
#define EVAL_HELP_INPUT (EVAL_INPUT & ~INPUT_BIT(OPT_TIME))

/* What is printed: the table, JSON, or nothing (-q). */
enum { OUT_TABLE = 0, OUT_JSON = 1, OUT_QUIET = 2 };

/* --prometheus: where, and the labels given. */
struct prometheus {
	const char *path;
	const char *labels[16];
	int nlabels;
};

/* ---- modes, and the options that apply to each ---- */

enum mode { POINT = 1, TRUTH = 2, GROUP = 4 };

/* What each mode reads, for the options that not every mode reads: one
 * given in a mode that does not read it is refused, not ignored.  The
 * format options (--csv, --tsv, --header, --strict) and the output
 * options apply to every mode. */
static const struct mode_option {
	int code;
	const char *name;
	unsigned modes;
} mode_options[] = {
	/* TRUTH's columns; --group names the group column itself */
	{ OPT_USER, "--user", TRUTH },
	{ OPT_ITEM, "--item", TRUTH },
	/* scored, labelled rows; --truth reads ids only */
	{ OPT_LABEL, "--label", POINT | GROUP },
	{ OPT_SCORE, "--score", POINT | GROUP },
	{ OPT_TASK, "--task", POINT | GROUP },
	{ OPT_POSITIVE, "--positive", POINT | GROUP },
	{ OPT_SOFT_LABELS, "--soft-labels", POINT },
	/* rankings are not weighted */
	{ OPT_WEIGHT, "--weight", POINT },
	/* no metric depends on time */
	{ OPT_TIME, "--time", 0 },
	{ 'k', "-k", TRUTH | GROUP },
	{ 'm', "-m", TRUTH },
	{ OPT_PER_USER, "--per-user", TRUTH | GROUP },
	/* curves of scored, labelled rows taken one by one */
	{ OPT_ROC, "--roc", POINT },
	{ OPT_PR, "--pr", POINT },
	{ OPT_CALIBRATION, "--calibration", POINT },
	{ OPT_CALIBRATION_BINS, "--calibration-bins", POINT },
	/* rankings are counted user by user as they are read */
	{ OPT_THREADS, "--threads", POINT },
};
#define NMODE_OPTIONS (sizeof(mode_options) / sizeof(mode_options[0]))

static const char *mode_name(unsigned mode)
{
	return mode == POINT ? "pointwise metrics"
	       : mode == TRUTH ? "--truth" : "--group";
}

/* Mark option c as given, if it is one of mode_options. */
static void note_option(unsigned *given, int c)
{
	for (size_t i = 0; i < NMODE_OPTIONS; i++)
		if (mode_options[i].code == c)
			*given |= 1u << i;
}

/* Exit 2 if an option given does not apply to mode. */
static void check_mode_options(unsigned given, unsigned mode)
{
	for (size_t i = 0; i < NMODE_OPTIONS; i++) {
		const struct mode_option *o = &mode_options[i];
		if (!(given & (1u << i)) || (o->modes & mode))
			continue;
		if (!o->modes)
			usage_error("%s does not apply: no metric of rec-eval "
				    "reads it", o->name);
		char modes[64] = "";
		for (unsigned m = POINT; m <= GROUP; m <<= 1)
			if (o->modes & m)
				snprintf(modes + strlen(modes),
					 sizeof(modes) - strlen(modes), "%s%s",
					 *modes ? " or " : "", mode_name(m));
		usage_error("%s does not apply to %s: it goes with %s",
			    o->name, mode_name(mode), modes);
	}
}

static void help_metrics(FILE *f, int ranking);

static void help(FILE *f)
{
	fputs("Usage: rec-eval [OPTION]... [FILE]...\n"
	      "       rec-eval --truth TRUTH [-k K,...] [-m MODEL] [OPTION]... "
	      "[FILE]...\n"
	      "       rec-eval --group COL [-k K,...] [OPTION]... [FILE]...\n"
	      "Measure scored rows: AUC (exact, ties count half), logloss, "
	      "RMSE, MAE and\ncalibration.  With no FILE, or when FILE is -, "
	      "read standard input.\n\n"
	      "Ranking metrics (precision, recall, NDCG, MAP, hit rate at each "
	      "K, MRR):\n", f);
	cli_help(f, ranking_options);
	fputs("\nCurves (pointwise, --task binary) and comparison (every "
	      "mode):\n", f);
	cli_help(f, curve_options);
	fputs("\nInput (--task binary needs labels 0/1 or -1/1, regression "
	      "compares raw\nlabels):\n", f);
	cli_help_input(f, EVAL_HELP_INPUT);
	fputc('\n', f);
	cli_help(f, options);
	fputc('\n', f);
	cli_help_standard(f);
	help_metrics(f, 0);
	cli_help_text(f, "All are weighted.  logloss is given when every score "
		      "is in [0, 1]; scores are clamped to [1e-15, 1 - 1e-15] "
		      "for it.  With --positive, rmse and mae compare scores "
		      "with the 0/1 labels.  With --soft-labels, logloss "
		      "(cross-entropy), rmse, mae and mean_label take each "
		      "label as it is, while auc, positives and --roc and "
		      "--pr count a label >= --positive (default 0.5) as "
		      "positive.");
	help_metrics(f, 1);
	cli_help_text(f, "Ranking checks name a metric at a cut-off: "
		      "--fail-under ndcg@10=0.2; the others take no cut-off.");
	fputs("\n"
	      "Exit status: 0 on success, 1 when a --fail-under or --fail-over "
	      "check\nfails, 2 on any error.\n", f);
}

/* ---- the metrics: one table drives the report, --json and the checks ---- */

/* Everything a run measured, so that the table can say where each value
 * lies. */
struct results {
	enum rec_task task;
	struct rec_metric_values point;
	struct rec_rank_values rank;
	double coverage;
	int has_coverage;
	int of_catalogue;	/* coverage is of the model's catalogue (-m) */
};

enum kind {
	POINTWISE,		/* from scored, labelled rows */
	AT_K,			/* ranking, one value per cut-off */
	RANKED,			/* ranking, one value */
};

enum format {
	REAL,		/* a double: 6 decimals in the report */
	WHOLE,		/* a uint64_t shown as a double: no decimals */
	COUNT,		/* a uint64_t, exact in the report and JSON */
};

/* What a value needs, beyond the task, to be there at all. */
enum need { ALWAYS, HAS_AUC, HAS_LOGLOSS, HAS_WEIGHT, HAS_GROUP_AUC,
	    HAS_COVERAGE };

/* What the report says after a ranking value. */
enum note { NO_NOTE, NOTE_GROUPS, NOTE_BASE };

#define ALL_TASKS (~0u)
/* positives, AUC and logloss mean nothing against raw regression labels */
#define CLASS_TASKS (~(1u << REC_TASK_REGRESSION))

struct metric {
	const char *name;
	enum kind kind;
	enum format format;
	int better;		/* +1 higher is better, -1 lower, 0 neither:
				 * for readers; a check names its direction */
	unsigned tasks;		/* bit per enum rec_task it applies to */
	enum need need;
	size_t at;		/* offset in struct results, of an array
				 * for AT_K */
	enum note note;
	const char *definition;	/* ranking output says what each means */
};

#define POINT(f) offsetof(struct results, point.f)
#define RANK(f) offsetof(struct results, rank.f)

/* The report lists them in this order, except that a ranking report puts
 * its counts first (see section()). */
static const struct metric metrics[] = {
	{ "rows", POINTWISE, WHOLE, 0, ALL_TASKS, ALWAYS, POINT(rows),
	  NO_NOTE, NULL },
	{ "weight", POINTWISE, REAL, 0, ALL_TASKS, ALWAYS, POINT(weight),
	  NO_NOTE, NULL },
	{ "positives", POINTWISE, REAL, 0, CLASS_TASKS, ALWAYS,
	  POINT(positives), NO_NOTE, NULL },
	{ "auc", POINTWISE, REAL, 1, CLASS_TASKS, HAS_AUC, POINT(auc),
	  NO_NOTE, NULL },
	{ "logloss", POINTWISE, REAL, -1, CLASS_TASKS, HAS_LOGLOSS,
	  POINT(logloss), NO_NOTE, NULL },
	{ "rmse", POINTWISE, REAL, -1, ALL_TASKS, HAS_WEIGHT, POINT(rmse),
	  NO_NOTE, NULL },
	{ "mae", POINTWISE, REAL, -1, ALL_TASKS, HAS_WEIGHT, POINT(mae),
	  NO_NOTE, NULL },
	{ "mean_score", POINTWISE, REAL, 0, ALL_TASKS, HAS_WEIGHT,
	  POINT(mean_score), NO_NOTE, NULL },
	{ "mean_label", POINTWISE, REAL, 0, ALL_TASKS, HAS_WEIGHT,
	  POINT(mean_label), NO_NOTE, NULL },

	{ "precision", AT_K, REAL, 1, ALL_TASKS, ALWAYS, RANK(precision),
	  NO_NOTE, "precision@k: hits in the first k / k, also when fewer "
		   "than k are listed" },
	{ "recall", AT_K, REAL, 1, ALL_TASKS, ALWAYS, RANK(recall), NO_NOTE,
	  "recall@k: hits in the first k / all the user's relevant items" },
	{ "ndcg", AT_K, REAL, 1, ALL_TASKS, ALWAYS, RANK(ndcg), NO_NOTE,
	  "ndcg@k: sum of 1/log2(rank+1) over hits, over the same for "
	  "min(relevant, k) hits at the top" },
	{ "map", AT_K, REAL, 1, ALL_TASKS, ALWAYS, RANK(map), NO_NOTE,
	  "map@k: sum of precision@rank over hits in the first k, / "
	  "min(relevant, k)" },
	{ "hit_rate", AT_K, REAL, 1, ALL_TASKS, ALWAYS, RANK(hit), NO_NOTE,
	  "hit_rate@k: share of users with a hit in the first k" },
	{ "mrr", RANKED, REAL, 1, ALL_TASKS, ALWAYS, RANK(mrr), NO_NOTE,
	  "mrr: 1/rank of the first hit in the whole list, 0 without one" },
	{ "users", RANKED, COUNT, 0, ALL_TASKS, ALWAYS, RANK(users), NO_NOTE,
	  "users: users with a relevant item; one with no list counts 0 "
	  "everywhere" },
	{ "auc", RANKED, REAL, 1, ALL_TASKS, HAS_GROUP_AUC, RANK(auc),
	  NOTE_GROUPS, "auc (--group): per group, relevant rows above "
	  "irrelevant ones by score, ties half; mean over groups with both" },
	{ "coverage", RANKED, REAL, 1, ALL_TASKS, HAS_COVERAGE,
	  offsetof(struct results, coverage), NOTE_BASE,
	  "coverage (--truth): distinct items in the evaluated users' first "
	  "max(k), over the catalogue (-m) or the items met" },
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

static int is_ranking(const struct metric *m)
{
	return m->kind != POINTWISE;
}

/* The names of the pointwise or the ranking metrics, for --help. */
static void help_metrics(FILE *f, int ranking)
{
	char text[512];
	size_t at = (size_t)snprintf(text, sizeof(text), "%s",
				     ranking ? "Ranking metrics:" : "Metrics:");
	const char *sep = "";
	for (size_t i = 0; i < NMETRICS && at < sizeof(text); i++)
		if (is_ranking(&metrics[i]) == ranking) {
			at += (size_t)snprintf(text + at, sizeof(text) - at,
					       "%s %s%s", sep, metrics[i].name,
					       metrics[i].kind == AT_K ? "@k"
								       : "");
			sep = ",";
		}
	if (at + 1 < sizeof(text))
		strcpy(text + at, ".");
	fputc('\n', f);
	cli_help_text(f, text);
}

/* Where a metric goes in a report: pointwise ones in table order; in a
 * ranking report first how many were evaluated, then the cut-offs, then
 * the single values. */
static int section(const struct metric *m)
{
	if (m->kind == AT_K)
		return 1;
	return m->kind == RANKED && m->format != COUNT ? 2 : 0;
}

static int has_value(const struct results *r, const struct metric *m)
{
	if (!(m->tasks & (1u << r->task)))
		return 0;
	switch (m->need) {
	case ALWAYS: return 1;
	case HAS_AUC: return r->point.has_auc;
	case HAS_LOGLOSS: return r->point.has_logloss;
	case HAS_WEIGHT: return r->point.weight > 0;
	case HAS_GROUP_AUC: return r->rank.auc_users > 0;
	case HAS_COVERAGE: return r->has_coverage;
	}
	return 0;
}

static uint64_t count_of(const struct results *r, const struct metric *m)
{
	uint64_t n;
	memcpy(&n, (const char *)r + m->at, sizeof(n));
	return n;
}

/* The value of metric m (at cut-off number j for AT_K), as a double. */
static double value_of(const struct results *r, const struct metric *m,
		       int j)
{
	if (m->format != REAL)
		return (double)count_of(r, m);
	double x;
	memcpy(&x, (const char *)r + m->at + (size_t)j * sizeof(x),
	       sizeof(x));
	return x;
}

/* The value a check names: 0 when the run does not give it. */
static int check_value(const struct results *r, const struct metric *m,
		       int k, double *x)
{
	if (!has_value(r, m))
		return 0;
	if (m->kind != AT_K) {
		*x = value_of(r, m, 0);
		return 1;
	}
	for (int j = 0; j < r->rank.nk; j++)
		if (r->rank.ks[j] == k) {
			*x = value_of(r, m, j);
			return 1;
		}
	return 0;
}

/* One line of the report for a metric without cut-off. */
static void print_single(const struct results *r, const struct metric *m)
{
	if (m->format == COUNT) {
		printf("%-12s %llu\n", m->name,
		       (unsigned long long)count_of(r, m));
		return;
	}
	double x = value_of(r, m, 0);
	if (m->format == WHOLE)
		printf("%-12s %.0f", m->name, x);
	else
		printf("%-12s %.6f", m->name, x);
	if (m->note == NOTE_GROUPS)
		printf("  (mean over %llu groups)",
		       (unsigned long long)r->rank.auc_users);
	else if (m->note == NOTE_BASE)
		printf("  (%s)", r->of_catalogue
			? "of the model's catalogue"
			: "of the items in truth and lists");
	putchar('\n');
}

/* The ranking metrics at cut-offs, one row each, a column per cut-off. */
static void print_at_k(const struct results *r)
{
	printf("%-12s", "");
	for (int j = 0; j < r->rank.nk; j++) {
		char h[16];
		snprintf(h, sizeof(h), "@%d", r->rank.ks[j]);
		printf(" %9s", h);
	}
	putchar('\n');
	for (const struct metric *m = metrics; m < metrics + NMETRICS; m++) {
		if (m->kind != AT_K)
			continue;
		printf("%-12s", m->name);
		for (int j = 0; j < r->rank.nk; j++)
			printf(" %9.6f", value_of(r, m, j));
		putchar('\n');
	}
}

struct comparison;
static void print_comparison(const struct comparison *c);
static void json_comparison(struct json *j, const struct comparison *c);

static void print_report(const struct results *r, int ranking,
			 const struct comparison *cmp)
{
	for (int s = 0; s < 3; s++) {
		if (s == 1 && ranking)
			print_at_k(r);
		for (const struct metric *m = metrics; m < metrics + NMETRICS;
		     m++)
			if (is_ranking(m) == ranking && m->kind != AT_K &&
			    section(m) == s && has_value(r, m))
				print_single(r, m);
	}
	for (const struct metric *m = metrics; m < metrics + NMETRICS; m++)
		if (ranking && m->definition)
			printf("# %s\n", m->definition);
	if (cmp)
		print_comparison(cmp);
}

static void json_metric(struct json *j, const struct results *r,
			const struct metric *m)
{
	if (m->kind == AT_K) {
		for (int i = 0; i < r->rank.nk; i++) {
			char key[48];
			snprintf(key, sizeof(key), "%s@%d", m->name,
				 r->rank.ks[i]);
			json_double(j, key, value_of(r, m, i));
		}
	} else if (m->format == COUNT) {
		json_uint(j, m->name, count_of(r, m));
	} else {
		json_double(j, m->name, value_of(r, m, 0));
	}
}

static void print_json(const struct results *r, int ranking,
		       const struct comparison *cmp)
{
	struct json j = JSON_INIT;
	json_object_begin(&j, NULL);
	for (int s = 0; s < 3; s++)
		for (const struct metric *m = metrics; m < metrics + NMETRICS;
		     m++)
			if (is_ranking(m) == ranking && section(m) == s &&
			    has_value(r, m))
				json_metric(&j, r, m);
	if (ranking) {
		json_array_begin(&j, "definitions");
		for (const struct metric *m = metrics; m < metrics + NMETRICS;
		     m++)
			if (m->definition)
				json_string(&j, NULL, m->definition);
		json_array_end(&j);
	}
	if (cmp)
		json_comparison(&j, cmp);
	json_object_end(&j);
}

/* ---- checks: --fail-under and --fail-over ---- */

struct check {
	const struct metric *metric;
	int k;			/* the cut-off of an AT_K metric */
	double bound;
	int over;		/* fail when above, not below */
};

static const struct metric *find_metric(const char *name, size_t len,
					int ranking)
{
	for (const struct metric *m = metrics; m < metrics + NMETRICS; m++)
		if (is_ranking(m) == ranking && strlen(m->name) == len &&
		    strncmp(m->name, name, len) == 0)
			return m;
	return NULL;
}

/* METRIC=VALUE, or for ranking METRIC[@K]=VALUE. */
static struct check parse_check(const char *opt, const char *arg, int over,
				int ranking)
{
	const char *eq = strchr(arg, '=');
	const char *at = ranking && eq ? memchr(arg, '@', (size_t)(eq - arg))
				       : NULL;
	size_t len = at ? (size_t)(at - arg) : eq ? (size_t)(eq - arg) : 0;
	/* ranking names are short: a long one is a malformed check */
	if (!eq || (ranking && (len == 0 || len >= 16)))
		usage_error("%s: '%s' is not %s=VALUE", opt, arg,
			    ranking ? "METRIC[@K]" : "METRIC");
	struct check ck = { find_metric(arg, len, ranking), 0, 0, over };
	if (!ck.metric)
		usage_error("%s: unknown %smetric '%.*s'", opt,
			    ranking ? "ranking " : "", (int)len, arg);
	const char *name = ck.metric->name;
	if (ck.metric->kind == AT_K && !at)
		usage_error("%s: %s needs a cut-off (@K)", opt, name);
	if (ck.metric->kind == RANKED && at)
		usage_error("%s: %s takes no cut-off (@K)", opt, name);
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

/* EXIT_CHECK if any check fails; exit 2 if one names a missing value. */
static int run_checks(const struct results *r, const struct check *checks,
		      int n)
{
	int status = EXIT_OK;
	for (const struct check *ck = checks; ck < checks + n; ck++) {
		const char *name = ck->metric->name;
		double x;
		if (!check_value(r, ck->metric, ck->k, &x)) {
			if (ck->k)
				die("metric '%s@%d' is not computed (see -k)",
				    name, ck->k);
			die("metric '%s' is not available for this data", name);
		}
		if (ck->over ? x > ck->bound : x < ck->bound) {
			const char *dir = ck->over ? "above" : "below";
			if (ck->k)
				warnx_("%s@%d %.6f is %s %g", name, ck->k, x,
				       dir, ck->bound);
			else
				warnx_("%s %.6f is %s %g", name, x, dir,
				       ck->bound);
			status = EXIT_CHECK;
		}
	}
	return status;
}

/* ---- --compare: two scorers of the same rows ---- */

struct compare_config {
	const char *other;	/* NULL: no comparison */
	int resamples;
	uint64_t seed;
};

/* One metric compared. */
struct compared {
	const char *name;
	int k;			/* cut-off, 0 for none */
	struct rec_diff d;
};

struct comparison {
	const char *other;
	const char *over;	/* what was resampled: rows, users, groups */
	int resamples;
	uint64_t seed;
	struct compared m[5 * REC_MAX_KS + 2 + REC_DIFF_METRICS];
	int n;
};

static const char *compared_name(const struct compared *c, char *buf,
				 size_t size)
{
	if (!c->k)
		return c->name;
	snprintf(buf, size, "%s@%d", c->name, c->k);
	return buf;
}

/* Whether the interval leaves 0 out: the difference is then called
 * significant at the 5% level. */
static int excludes_zero(const struct rec_diff *d)
{
	return d->resamples > 0 && (d->low > 0 || d->high < 0);
}

static void print_comparison(const struct comparison *c)
{
	printf("compare      %s\n", c->other);
	printf("# paired bootstrap over %s: %d resamples, seed %llu; diff is "
	       "this - other, ci95 the 2.5%% and 97.5%% percentiles of the "
	       "resampled diffs\n", c->over, c->resamples,
	       (unsigned long long)c->seed);
	printf("%-12s %10s %10s %10s %10s %10s\n", "", "this", "other", "diff",
	       "ci95_low", "ci95_high");
	for (const struct compared *m = c->m; m < c->m + c->n; m++) {
		char name[48];
		printf("%-12s %10.6f %10.6f %10.6f", compared_name(m, name,
		       sizeof(name)), m->d.a, m->d.b, m->d.diff);
		if (m->d.resamples > 0)
			printf(" %10.6f %10.6f  %s\n", m->d.low, m->d.high,
			       excludes_zero(&m->d) ? "excludes 0"
						    : "includes 0");
		else
			printf(" %10s %10s  (no resample has it)\n", "-", "-");
	}
}

static void json_comparison(struct json *j, const struct comparison *c)
{
	json_object_begin(j, "compare");
	json_string(j, "other", c->other);
	json_string(j, "over", c->over);
	json_uint(j, "resamples", (uint64_t)c->resamples);
	json_uint(j, "seed", c->seed);
	json_object_begin(j, "metrics");
	for (const struct compared *m = c->m; m < c->m + c->n; m++) {
		char name[48];
		json_object_begin(j, compared_name(m, name, sizeof(name)));
		json_double(j, "this", m->d.a);
		json_double(j, "other", m->d.b);
		json_double(j, "diff", m->d.diff);
		if (m->d.resamples > 0) {
			json_double(j, "ci95_low", m->d.low);
			json_double(j, "ci95_high", m->d.high);
		} else {
			json_null(j, "ci95_low");
			json_null(j, "ci95_high");
		}
		json_uint(j, "resamples_defined", (uint64_t)m->d.resamples);
		json_bool(j, "excludes_zero", excludes_zero(&m->d));
		json_object_end(j);
	}
	json_object_end(j);
	json_object_end(j);
}

/* "(stdin)" for standard input, else the name: for messages. */
static const char *input_name(char **files, int nfiles)
{
	return nfiles == 0 || strcmp(files[0], "-") == 0 ? "(stdin)"
							 : files[0];
}

/* OTHER is read beside the input, or twice: a file, never stdin, and
 * never the same path as an input. */
static void check_other(const char *other, char **files, int nfiles)
{
	if (strcmp(other, "-") == 0)
		usage_error("--compare: OTHER must be a file, not standard "
			    "input");
	for (int i = 0; i < nfiles; i++)
		if (strcmp(files[i], other) == 0)
			usage_error("--compare: '%s' is the input itself",
				    other);
}

/* The next good row of OTHER, paired with the input's row just read
 * (from reader in): it must be there, at the same line when there is one
 * input, with the same label and weight (and user, when compared). */
static void read_pair(rec_reader *in, const struct rec_row *row,
		      rec_reader *other, struct rec_row *orow,
		      struct bad_rows *obad, int single, int users)
{
	struct rec_error err = { 0 };
	int got = rec_reader_next_good(other, orow, bad_row_report, obad,
				       &err);
	if (got < 0)
		stop_reading(got, &err);
	const char *name = rec_reader_name(in), *oname = rec_reader_name(other);
	long line = rec_reader_line(in), oline = rec_reader_line(other);
	if (got == 0)
		die("--compare: %s:%ld has a row and %s has no more: the files "
		    "must hold the same rows", name, line, oname);
	if (single && line != oline)
		die("--compare: %s:%ld pairs with %s:%ld: the files must hold "
		    "the same rows, line by line (was a bad row skipped?)",
		    name, line, oname, oline);
	if (orow->label != row->label)
		die("--compare: %s:%ld: label %g, but %s:%ld has %g", oname,
		    oline, orow->label, name, line, row->label);
	if (orow->weight != row->weight)
		die("--compare: %s:%ld: weight %g, but %s:%ld has %g", oname,
		    oline, orow->weight, name, line, row->weight);
	if (users && (orow->user_len != row->user_len ||
		      memcmp(orow->user, row->user, row->user_len) != 0))
		die("--compare: %s:%ld: user '%.*s', but %s:%ld has '%.*s'",
		    oname, oline, (int)orow->user_len, orow->user, name, line,
		    (int)row->user_len, row->user);
}

/* After the input's last row: OTHER must have none left. */
static void read_pair_end(rec_reader *in, rec_reader *other,
			  struct bad_rows *obad)
{
	struct rec_error err = { 0 };
	struct rec_row orow;
	int got = rec_reader_next_good(other, &orow, bad_row_report, obad,
				       &err);
	if (got < 0)
		stop_reading(got, &err);
	if (got)
		die("--compare: %s:%ld: a row past the last of %s (%llu "
		    "rows): the files must hold the same rows",
		    rec_reader_name(other), rec_reader_line(other),
		    rec_reader_name(in), (unsigned long long)rec_reader_rows(in));
}

/* --group --compare: the rows of the input and of OTHER, group and label,
 * checked pair by pair before either is ranked. */
static void check_group_pairs(const struct rec_reader_options *go,
			      char **files, int nfiles, const char *other)
{
	for (int i = 0; i < nfiles; i++)
		if (strcmp(files[i], "-") == 0)
			nfiles = 0;
	if (nfiles == 0)
		usage_error("--compare with --group reads the input twice: "
			    "give it as FILE, not standard input");
	struct rec_error err = { 0 };
	rec_reader *in, *o;
	if (rec_reader_open(&in, (const char *const *)files, nfiles, go,
			    &err) != 0 ||
	    rec_reader_open(&o, &other, 1, go, &err) != 0)
		die_error(&err);
	struct bad_rows bad, obad;
	bad_rows_init(&bad, 1, in);
	bad_rows_init(&obad, 1, o);
	struct rec_row row, orow;
	int got;
	while ((got = rec_reader_next_good(in, &row, bad_row_report, &bad,
					   &err)) != 0) {
		if (got < 0)
			stop_reading(got, &err);
		read_pair(in, &row, o, &orow, &obad, nfiles == 1, 1);
	}
	read_pair_end(in, o, &obad);
	rec_reader_free(in);
	rec_reader_free(o);
}

/* The pointwise metrics compared, from the rows of both. */
static void compare_rows(rec_paired *p, enum rec_task task,
			 const struct compare_config *cc,
			 struct comparison *c)
{
	static const char *const names[REC_DIFF_METRICS] = {
		[REC_DIFF_AUC] = "auc", [REC_DIFF_LOGLOSS] = "logloss",
		[REC_DIFF_RMSE] = "rmse", [REC_DIFF_MAE] = "mae" };
	struct rec_diff d[REC_DIFF_METRICS];
	struct rec_error err = { 0 };
	if (rec_paired_bootstrap(p, cc->resamples, cc->seed, d, &err) != 0)
		die_error(&err);
	*c = (struct comparison){ .other = cc->other, .over = "rows",
				  .resamples = cc->resamples,
				  .seed = cc->seed };
	for (int k = 0; k < REC_DIFF_METRICS; k++) {
		int classes = k == REC_DIFF_AUC || k == REC_DIFF_LOGLOSS;
		if (d[k].has && !(classes && task == REC_TASK_REGRESSION))
			c->m[c->n++] = (struct compared){ names[k], 0, d[k] };
	}
}

/* Each user's (or group's) ranking values, in the order they come, with
 * --per-user's writer called on as well. */
struct user_values {
	rec_idset *ids;
	double *v;		/* stride values a user */
	size_t n, cap;
	int nk, stride;
	int ks[REC_MAX_KS];
	rec_user_fn next;	/* or NULL */
	void *next_arg;
};

/* A user's values: the five AT_K metrics at each cut-off, then the
 * reciprocal rank, the AUC and whether there is one. */
static void collect_user(const char *id, size_t len,
			 const struct rec_user_values *v, void *arg)
{
	struct user_values *u = arg;
	if (u->next)
		u->next(id, len, v, u->next_arg);
	if (rec_idset_add(u->ids, id, len, NULL) < 0)
		die("out of memory");
	if (u->n == u->cap) {
		size_t cap = u->cap ? 2 * u->cap : 1024;
		double *p = realloc(u->v, cap * (size_t)u->stride * sizeof(*p));
		if (!p)
			die("out of memory");
		u->v = p;
		u->cap = cap;
	}
	double *x = u->v + u->n++ * (size_t)u->stride;
	const double *cols[5] = { v->precision, v->recall, v->ndcg, v->map,
				  v->hit };
	for (int m = 0; m < 5; m++)
		for (int j = 0; j < u->nk; j++)
			*x++ = cols[m][j];
	*x++ = v->rr;
	*x++ = v->has_auc ? v->auc : 0;
	*x = v->has_auc;
}

static void user_values_init(struct user_values *u, const int *ks, int nk)
{
	memset(u, 0, sizeof(*u));
	u->nk = nk;
	memcpy(u->ks, ks, (size_t)nk * sizeof(*ks));
	u->stride = 5 * nk + 3;
	if (rec_idset_create(&u->ids) != 0)
		die("out of memory");
}

static void user_values_free(struct user_values *u)
{
	rec_idset_free(u->ids);
	free(u->v);
}

/* The ranking metrics compared user by user (group by group). */
static void compare_users(const struct user_values *a,
			  const struct user_values *b, const char *input,
			  int group, const struct compare_config *cc,
			  struct comparison *c)
{
	const char *who = group ? "group" : "user";
	if (a->n != b->n)
		die("--compare: %s has %zu %ss to evaluate, %s %zu", cc->other,
		    b->n, who, input, a->n);
	for (size_t i = 0; i < a->n; i++) {
		size_t la, lb;
		const char *ia = rec_idset_id(a->ids, i, &la);
		const char *ib = rec_idset_id(b->ids, i, &lb);
		if (la != lb || memcmp(ia, ib, la) != 0)
			die("--compare: the %s evaluated %zu-th in %s is "
			    "'%.*s', in %s '%.*s'", who, i + 1, cc->other,
			    (int)lb, ib, input, (int)la, ia);
	}
	*c = (struct comparison){ .other = cc->other,
				  .over = group ? "groups" : "users",
				  .resamples = cc->resamples,
				  .seed = cc->seed };
	double *x = malloc((a->n ? a->n : 1) * 2 * sizeof(*x));
	if (!x)
		die("out of memory");
	static const char *const names[] = { "precision", "recall", "ndcg",
					      "map", "hit_rate", "mrr", "auc" };
	for (int col = 0; col < a->stride - 1; col++) {
		/* the AUC only of groups that have one (the same in both:
		 * the labels are) */
		size_t n = 0;
		for (size_t i = 0; i < a->n; i++) {
			const double *va = a->v + i * (size_t)a->stride;
			const double *vb = b->v + i * (size_t)b->stride;
			if (col == a->stride - 2 && !va[a->stride - 1])
				continue;
			x[n] = va[col];
			x[a->n + n++] = vb[col];
		}
		if (n == 0)
			continue;
		int m = col < 5 * a->nk ? col / a->nk : 5 + (col - 5 * a->nk);
		struct compared *cm = &c->m[c->n++];
		cm->name = names[m];
		cm->k = col < 5 * a->nk ? a->ks[col % a->nk] : 0;
		if (rec_bootstrap_means(x, x + a->n, n, cc->resamples,
					cc->seed, &cm->d) != 0)
			die("out of memory");
	}
	free(x);
}

/* ---- curves: --roc, --pr, --calibration ---- */

struct curve_config {
	const char *roc, *pr, *calibration;
	int bins;
};

/* The curves computed, drawn once the report is out. */
struct curves {
	struct rec_curve roc, pr;
	struct rec_calibration_bin bins[REC_MAX_BINS];
	double positive_rate;
	char caption[512];
};

/* Page and plot area of the pictures, in pixels. */
#define PAGE_W 520
#define PAGE_H 540
#define CAL_PAGE_H 650

static struct svg_frame unit_frame(void)
{
	return (struct svg_frame){ 90, 50, 400, 400, 0, 1, 0, 1 };
}

static const struct rec_point diagonal[2] = { { 0, 0 }, { 1, 1 } };

static void draw_roc(const char *path, const struct curves *cv)
{
	struct text_output out;
	char title[128];
	snprintf(title, sizeof(title), "ROC curve, AUC %.6f", cv->roc.area);
	text_output_open(&out, path);
	struct svg_frame fr = unit_frame();
	svg_begin(out.f, PAGE_W, PAGE_H, title, cv->caption);
	svg_axes(out.f, &fr, 0.2, 0.2, 1, 1, "false positive rate",
		 "true positive rate");
	svg_line(out.f, &fr, diagonal, 2, "#999999", 1);
	svg_line(out.f, &fr, cv->roc.points, cv->roc.n, "#1f5fbf", 0);
	svg_end(out.f);
	text_output_commit(&out, 0);
}

static void draw_pr(const char *path, const struct curves *cv)
{
	struct text_output out;
	char title[128], base[96];
	snprintf(title, sizeof(title), "Precision-recall curve, average "
		 "precision %.6f", cv->pr.area);
	text_output_open(&out, path);
	struct svg_frame fr = unit_frame();
	svg_begin(out.f, PAGE_W, PAGE_H, title, cv->caption);
	svg_axes(out.f, &fr, 0.2, 0.2, 1, 1, "recall", "precision");
	struct rec_point chance[2] = { { 0, cv->positive_rate },
				       { 1, cv->positive_rate } };
	svg_line(out.f, &fr, chance, 2, "#999999", 1);
	snprintf(base, sizeof(base), "share of positives %.4f",
		 cv->positive_rate);
	svg_text(out.f, fr.left + fr.width - 6,
		 fr.top + fr.height * (1 - cv->positive_rate) - 6, "end", 10,
		 base);
	svg_line(out.f, &fr, cv->pr.points, cv->pr.n, "#1f5fbf", 0);
	svg_end(out.f);
	text_output_commit(&out, 0);
}

static void draw_calibration(const char *path, const struct curves *cv,
			     int nbins)
{
	struct text_output out;
	char title[128], tip[256];
	snprintf(title, sizeof(title), "Reliability diagram, %d bins of equal "
		 "width", nbins);
	text_output_open(&out, path);
	struct svg_frame fr = unit_frame();
	svg_begin(out.f, PAGE_W, CAL_PAGE_H, title, cv->caption);
	svg_axes(out.f, &fr, 0.2, 0.2, 1, 1, NULL, "share of positives");
	svg_line(out.f, &fr, diagonal, 2, "#999999", 1);
	struct rec_point pts[REC_MAX_BINS];
	size_t n = 0;
	uint64_t most = 1;
	for (int i = 0; i < nbins; i++) {
		if (cv->bins[i].rows > most)
			most = cv->bins[i].rows;
		if (cv->bins[i].weight > 0)
			pts[n++] = (struct rec_point){ cv->bins[i].mean_score,
						       cv->bins[i].positive_rate };
	}
	svg_line(out.f, &fr, pts, n, "#1f5fbf", 0);
	for (int i = 0; i < nbins; i++) {
		const struct rec_calibration_bin *b = &cv->bins[i];
		if (!(b->weight > 0))
			continue;
		snprintf(tip, sizeof(tip), "scores [%g, %g%s: %llu rows, mean "
			 "score %.4f, share of positives %.4f", b->lo, b->hi,
			 i == nbins - 1 ? "]" : ")",
			 (unsigned long long)b->rows, b->mean_score,
			 b->positive_rate);
		svg_dot(out.f, &fr, (struct rec_point){ b->mean_score,
							b->positive_rate },
			"#1f5fbf", tip);
	}
	/* the rows of each bin, as bars under the diagram */
	struct svg_frame hist = { 90, 490, 400, 90, 0, 1, 0, (double)most };
	svg_axes(out.f, &hist, 0.2, (double)most, 1, 0,
		 "score (mean of the bin above, range of the bin below)",
		 "rows");
	for (int i = 0; i < nbins; i++) {
		const struct rec_calibration_bin *b = &cv->bins[i];
		snprintf(tip, sizeof(tip), "scores [%g, %g%s: %llu rows", b->lo,
			 b->hi, i == nbins - 1 ? "]" : ")",
			 (unsigned long long)b->rows);
		if (b->rows)
			svg_bar(out.f, &hist, b->lo, b->hi, (double)b->rows,
				"#9fb8df", tip);
		if (nbins <= 20) {
			char count[32];
			snprintf(count, sizeof(count), "%llu",
				 (unsigned long long)b->rows);
			svg_text(out.f, hist.left + (b->lo + b->hi) / 2 *
				 hist.width, hist.top - 3, "middle", 9, count);
		}
	}
	svg_end(out.f);
	text_output_commit(&out, 0);
}

/* The curves asked for, computed (exit 2 if they cannot be). */
static void compute_curves(rec_metrics *mt, const struct curve_config *cc,
			   const struct rec_metric_values *v, char **files,
			   int nfiles, struct curves *cv)
{
	struct rec_error err = { 0 };
	snprintf(cv->caption, sizeof(cv->caption), "scores: %s%s (%llu rows, "
		 "%g positive)", input_name(files, nfiles),
		 nfiles > 1 ? " and more" : "", (unsigned long long)v->rows,
		 v->positives);
	cv->positive_rate = v->positives / v->weight;
	if (cc->roc &&
	    rec_metrics_curve(mt, REC_CURVE_ROC, CURVE_CELLS, &cv->roc, &err))
		die("--roc: %s", err.msg);
	if (cc->pr &&
	    rec_metrics_curve(mt, REC_CURVE_PR, CURVE_CELLS, &cv->pr, &err))
		die("--pr: %s", err.msg);
	if (cc->calibration &&
	    rec_metrics_calibration(mt, cc->bins, cv->bins, &err) != 0)
		die("--calibration: %s%s", err.msg, err.code == REC_EDATA &&
		    !v->has_logloss ? " (margins? rec-predict writes "
		    "probabilities unless --raw)" : "");
}

static void draw_curves(const struct curve_config *cc, struct curves *cv)
{
	if (cc->roc)
		draw_roc(cc->roc, cv);
	if (cc->pr)
		draw_pr(cc->pr, cv);
	if (cc->calibration)
		draw_calibration(cc->calibration, cv, cc->bins);
	rec_curve_free(&cv->roc);
	rec_curve_free(&cv->pr);
}

/* ---- ranking mode ---- */

struct ranking_config {
	const char *truth, *group, *model, *per_user;
	int ks[REC_MAX_KS], nk;
};

/* The catalogue size of a model, for coverage; 0 without -m. */
static size_t catalogue_size(const char *path)
{
	struct rec_error err = { 0 };
	rec_model *m;
	if (!path)
		return 0;
	if (rec_model_load(&m, path, &err) != 0)
		die_error(&err);
	size_t n = rec_model_items(m);
	rec_model_free(m);
	return n;
}

/* Whether a line is a row of rec-predict --top: a score and a rank from
 * 1 in its third and fourth tab-separated fields. */
static int is_top_row(const char *line, size_t len)
{
	const char *f[4];
	size_t flen[4];
	const char *p = line, *end = line + len;
	for (int i = 0; i < 4; i++) {
		if (p > end)
			return 0;
		const char *tab = memchr(p, '\t', (size_t)(end - p));
		f[i] = p;
		flen[i] = (size_t)((tab ? tab : end) - p);
		p = (tab ? tab : end) + 1;
	}
	double score;
	long rank;
	return rec_parse_double(f[2], flen[2], &score) == 0 &&
	       rec_parse_long(f[3], flen[3], 1, 1000000, &rank) == 0;
}

/* --truth: the recommendations in files against the truth pairs. */
static int rank_truth(rec_ranking *r, const struct ranking_config *rc,
		      const struct input_config *in, char **files, int nfiles,
		      struct bad_rows *bad, struct results *res,
		      struct rec_error *err)
{
	size_t catalogue = catalogue_size(rc->model);
	struct rec_reader_options to = in->opt;
	to.columns.label = NULL;
	to.columns.score = NULL;
	to.need = REC_NEED_USER | REC_NEED_ITEM;
	rec_reader *truth, *recs;
	if (rec_reader_open(&truth, &rc->truth, 1, &to, err) != 0)
		die_error(err);
	/* recommendations as rec-predict --top writes them, with a header
	 * line only when --header says so: TRUTH's column names do not name
	 * these columns */
	struct rec_reader_options ro = to;
	ro.columns = (struct rec_columns){ .user = "1", .item = "2" };
	ro.header = in->opt.header;
	ro.csv = 0;
	if (rec_reader_open(&recs, (const char *const *)files, nfiles, &ro,
			    err) != 0)
		die_error(err);
	bad_rows_watch(bad, truth);
	bad_rows_watch(bad, recs);
	int rcode = rec_ranking_truth(r, truth, recs, bad_row_report, bad,
				      catalogue, &res->coverage, err);
	size_t len;
	const char *header = rec_reader_header(recs, &len);
	if (!rcode && header && is_top_row(header, len))
		die("%s: --header, but its first line is a recommendation "
		    "(user, item, score, rank), not a header; for a header "
		    "in the truth alone, name its columns: --user NAME "
		    "--item NAME",
		    nfiles && strcmp(files[nfiles - 1], "-") != 0
			    ? files[nfiles - 1] : "(stdin)");
	res->has_coverage = 1;
	res->of_catalogue = rc->model != NULL;
	bad_rows_unwatch(bad, truth);
	bad_rows_unwatch(bad, recs);
	rec_reader_free(truth);
	rec_reader_free(recs);
	return rcode;
}

/* --group: the scored, labelled rows of each group ranked by score. */
static int rank_groups(rec_ranking *r, const struct ranking_config *rc,
		       const struct input_config *in, char **files, int nfiles,
		       struct bad_rows *bad, struct rec_error *err)
{
	struct rec_reader_options go = in->opt;
	go.columns.user = rc->group;
	go.columns.item = NULL;
	go.need = REC_NEED_USER | REC_NEED_LABEL | REC_NEED_SCORE;
	rec_reader *rows;
	if (rec_reader_open(&rows, (const char *const *)files, nfiles, &go,
			    err) != 0)
		die_error(err);
	bad_rows_watch(bad, rows);
	int rcode = rec_ranking_groups(r, rows, bad_row_report, bad, err);
	bad_rows_unwatch(bad, rows);
	rec_reader_free(rows);
	return rcode;
}

/* A label value in Prometheus' text format: \\, \" and \n escaped. */
static void prom_value(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' || s[i] == '"')
			fputc('\\', f);
		if (s[i] == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(s[i], f);
	}
}

/* One sample: the name, the labels given, k for a cut-off, the value. */
static void prom_sample(FILE *f, const struct prometheus *p,
			const char *name, int k, double v)
{
	fprintf(f, "recpipe_eval_%s", name);
	int n = 0;
	for (int i = 0; i < p->nlabels; i++) {
		const char *eq = strchr(p->labels[i], '=');
		fprintf(f, "%s%.*s=\"", n++ ? "," : "{",
			(int)(eq - p->labels[i]), p->labels[i]);
		prom_value(f, eq + 1, strlen(eq + 1));
		fputc('"', f);
	}
	if (k > 0)
		fprintf(f, "%sk=\"%d\"", n++ ? "," : "{", k);
	fprintf(f, "%s %.17g\n", n ? "}" : "", v);
}

/*
 * The metrics as Prometheus gauges, written to a temporary file beside
 * the target and renamed over it: the textfile collector never reads a
 * half-written file.
 */
static void write_prometheus(const struct prometheus *p,
			     const struct results *r, int ranking)
{
	struct text_output out;
	text_output_open(&out, p->path);
	FILE *f = out.f;
	for (const struct metric *m = metrics; m < metrics + NMETRICS; m++) {
		if (is_ranking(m) != ranking || !has_value(r, m))
			continue;
		fprintf(f, "# HELP recpipe_eval_%s %s\n", m->name,
			m->definition ? m->definition : m->name);
		fprintf(f, "# TYPE recpipe_eval_%s gauge\n", m->name);
		if (m->kind == AT_K)
			for (int i = 0; i < r->rank.nk; i++)
				prom_sample(f, p, m->name, r->rank.ks[i],
					    value_of(r, m, i));
		else
			prom_sample(f, p, m->name, 0, m->format == COUNT
				    ? (double)count_of(r, m) : value_of(r, m, 0));
	}
	/* readable by the exporter, whatever the umask made of it */
	text_output_commit(&out, 0644);
}

/* --per-user: a TSV table, a row per user, written beside its place and
 * renamed into it at the end. */
struct per_user {
	struct text_output out;
	FILE *f;
	int group;	/* --group: each row also has the group's AUC */
};

static void per_user_open(struct per_user *pu, const char *path,
			  const int *ks, int nk, int group)
{
	pu->group = group;
	text_output_open(&pu->out, path);
	pu->f = pu->out.f;
	fputs(group ? "group\trelevant" : "user\trelevant", pu->f);
	static const char *const names[] = { "precision", "recall", "ndcg",
					      "map", "hit_rate" };
	for (size_t m = 0; m < 5; m++)
		for (int j = 0; j < nk; j++)
			fprintf(pu->f, "\t%s@%d", names[m], ks[j]);
	fputs(group ? "\trr\tauc\n" : "\trr\n", pu->f);
}

static void per_user_row(const char *id, size_t len,
			 const struct rec_user_values *v, void *arg)
{
	struct per_user *pu = arg;
	fprintf(pu->f, "%.*s\t%zu", (int)len, id, v->relevant);
	const double *cols[5] = { v->precision, v->recall, v->ndcg, v->map,
				  v->hit };
	char num[40];
	for (int m = 0; m < 5; m++)
		for (int j = 0; j < v->nk; j++) {
			rec_format_score(num, cols[m][j]);
			fprintf(pu->f, "\t%s", num);
		}
	rec_format_score(num, v->rr);
	fprintf(pu->f, "\t%s", num);
	if (pu->group) {
		if (v->has_auc)
			rec_format_score(num, v->auc);
		fprintf(pu->f, "\t%s", v->has_auc ? num : "-");
	}
	fputc('\n', pu->f);
}

static void per_user_close(struct per_user *pu)
{
	text_output_commit(&pu->out, 0);
}

/* The ranking of files (one pass of ranking_mode): its values into res,
 * each user's to fn (NULL: none). */
static void rank_files(const struct ranking_config *rc,
		       const struct input_config *in, char **files, int nfiles,
		       rec_user_fn fn, void *arg, struct results *res)
{
	struct rec_error err = { 0 };
	rec_ranking *r;
	if (rec_ranking_create(&r, rc->ks, rc->nk) != 0)
		die("out of memory");
	if (fn)
		rec_ranking_per_user(r, fn, arg);
	struct bad_rows bad; bad_rows_init(&bad, in->strict, NULL);
	int rcode = rc->truth
		? rank_truth(r, rc, in, files, nfiles, &bad, res, &err)
		: rank_groups(r, rc, in, files, nfiles, &bad, &err);
	if (rcode)
		stop_reading(rcode, &err);
	bad_rows_summary(&bad);
	rec_ranking_values(r, &res->rank);
	rec_ranking_free(r);
}

static int ranking_mode(const struct ranking_config *rc,
			const struct input_config *in, char **files, int nfiles,
			const struct check *checks, int nchecks, int output,
			const struct prometheus *prom,
			const struct compare_config *cc)
{
	struct per_user pu = { 0 };
	if (rc->per_user)
		per_user_open(&pu, rc->per_user, rc->ks, rc->nk,
			      rc->group != NULL);
	struct user_values uv[2];
	struct comparison cmp;
	if (cc->other && rc->group) {
		struct rec_reader_options go = in->opt;
		go.columns.user = rc->group;
		go.columns.item = NULL;
		go.need = REC_NEED_USER | REC_NEED_LABEL;
		check_group_pairs(&go, files, nfiles, cc->other);
	}
	if (cc->other) {
		user_values_init(&uv[0], rc->ks, rc->nk);
		uv[0].next = rc->per_user ? per_user_row : NULL;
		uv[0].next_arg = &pu;
	}
	struct results res = { .task = in->opt.task };
	if (cc->other)
		rank_files(rc, in, files, nfiles, collect_user, &uv[0], &res);
	else
		rank_files(rc, in, files, nfiles,
			   rc->per_user ? per_user_row : NULL, &pu, &res);
	if (rc->per_user)
		per_user_close(&pu);
	if (res.rank.users == 0)
		die("no user has a relevant item: nothing to evaluate");
	if (cc->other) {
		struct results ores = { .task = in->opt.task };
		char *ofiles[1] = { (char *)(uintptr_t)cc->other };
		user_values_init(&uv[1], rc->ks, rc->nk);
		rank_files(rc, in, ofiles, 1, collect_user, &uv[1], &ores);
		compare_users(&uv[0], &uv[1], input_name(files, nfiles),
			      rc->group != NULL, cc, &cmp);
		user_values_free(&uv[0]);
		user_values_free(&uv[1]);
	}
	if (output == OUT_JSON)
		print_json(&res, 1, cc->other ? &cmp : NULL);
	else if (output == OUT_TABLE)
		print_report(&res, 1, cc->other ? &cmp : NULL);
	finish_stdout();
	if (prom->path)
		write_prometheus(prom, &res, 1);
	return run_checks(&res, checks, nchecks);
}

/* ---- pointwise mode ---- */

static int pointwise_mode(struct input_config *in, char **files, int nfiles,
			  int threads, const struct check *checks,
			  int nchecks, int output,
			  const struct prometheus *prom,
			  const struct curve_config *cu,
			  const struct compare_config *cc)
{
	in->opt.columns.user = NULL;
	in->opt.columns.item = NULL;
	in->opt.need = REC_NEED_LABEL | REC_NEED_SCORE;
	/* soft labels are read as they are; --positive only sorts them
	 * into classes for AUC */
	const int soft = in->opt.soft_labels;
	const double threshold = in->opt.has_positive ? in->opt.positive : 0.5;
	if (soft)
		in->opt.has_positive = 0;

	struct rec_error err = { 0 };
	rec_reader *reader;
	if (rec_reader_open(&reader, (const char *const *)files, nfiles,
			    &in->opt, &err) != 0)
		die_error(&err);
	rec_metrics *mt;
	if (rec_metrics_create(&mt) != 0 ||
	    rec_metrics_set_threads(mt, threads > 1 ? 2 : 1) != 0)
		die("out of memory");
	struct bad_rows bad; bad_rows_init(&bad, in->strict, reader);
	watch_progress(reader, output == OUT_QUIET);
	/* --compare: OTHER read beside the input, row by row */
	rec_reader *other = NULL;
	rec_paired *paired = NULL;
	struct bad_rows obad;
	if (cc->other) {
		if (rec_reader_open(&other, &cc->other, 1, &in->opt, &err) != 0)
			die_error(&err);
		if (rec_paired_create(&paired) != 0 ||
		    rec_paired_set_threads(paired, threads) != 0)
			die("out of memory");
		bad_rows_init(&obad, in->strict, other);
	}
	struct rec_row row, orow;
	int got;
	while ((got = rec_reader_next_good(reader, &row, bad_row_report, &bad,
					   &err)) != 0) {
		if (got < 0)
			stop_reading(got, &err);
		if ((soft ? rec_metrics_add_soft(mt, row.label,
						 row.label >= threshold,
						 row.score, row.weight)
			  : rec_metrics_add(mt, row.label, row.score,
					    row.weight)) != 0)
			die("out of memory");
		if (!other)
			continue;
		read_pair(reader, &row, other, &orow, &obad, nfiles <= 1, 0);
		int rc = rec_paired_add(paired, row.label, row.score,
					orow.score, row.weight);
		if (rc == REC_EINVAL)
			die("--compare: more than %u rows", REC_PAIRED_MAX_ROWS);
		if (rc)
			die("out of memory");
	}
	if (other)
		read_pair_end(reader, other, &obad);
	bad_rows_summary(&bad);
	if (other)
		bad_rows_summary(&obad);
	struct results res = { .task = in->opt.task };
	struct rec_metric_values *v = &res.point;
	if (rec_metrics_compute(mt, v, &err) != 0)
		die_error(&err);
	if (in->opt.task == REC_TASK_BINARY && !v->has_auc)
		die("AUC needs rows of both classes with positive weight "
		    "(%llu rows, positive weight %g of %g)",
		    (unsigned long long)v->rows, v->positives, v->weight);
	static struct curves cv;
	compute_curves(mt, cu, v, files, nfiles, &cv);
	struct comparison cmp;
	if (paired)
		compare_rows(paired, in->opt.task, cc, &cmp);
	if (output == OUT_JSON)
		print_json(&res, 0, paired ? &cmp : NULL);
	else if (output == OUT_TABLE)
		print_report(&res, 0, paired ? &cmp : NULL);
	finish_stdout();
	if (prom->path)
		write_prometheus(prom, &res, 0);
	draw_curves(cu, &cv);
	int status = run_checks(&res, checks, nchecks);
	rec_metrics_free(mt);
	rec_paired_free(paired);
	rec_reader_free(other);
	rec_reader_free(reader);
	return status;
}

/* Exit 2 for curves and comparisons that cannot be made as asked. */
static void check_outputs(const struct curve_config *cu,
			  const struct compare_config *cc, int bootstrap_given,
			  enum rec_task task, int soft, char **files,
			  int nfiles)
{
	const char *curve = cu->roc ? "--roc" : cu->pr ? "--pr"
			    : cu->calibration ? "--calibration" : NULL;
	if (curve && task == REC_TASK_REGRESSION)
		usage_error("%s does not apply to --task regression: a curve "
			    "needs 0/1 labels (--task binary, or --positive)",
			    curve);
	if (soft && task != REC_TASK_BINARY)
		usage_error("--soft-labels needs --task binary");
	if (soft && cu->calibration)
		usage_error("--calibration does not take --soft-labels: its "
			    "bins count 0/1 labels");
	if (soft && cc->other)
		usage_error("--compare does not take --soft-labels: its "
			    "bootstrap compares 0/1 labels");
	const char *paths[3] = { cu->roc, cu->pr, cu->calibration };
	for (int i = 0; i < 3; i++) {
		if (!paths[i])
			continue;
		if (strcmp(paths[i], "-") == 0)
			usage_error("a curve goes to a file, not standard "
				    "output: '-'");
		for (int j = 0; j < nfiles; j++)
			if (strcmp(paths[i], files[j]) == 0)
				usage_error("'%s' is an input: a curve "
					    "would overwrite it", paths[i]);
		for (int j = 0; j < i; j++)
			if (paths[j] && strcmp(paths[i], paths[j]) == 0)
				usage_error("'%s' is named for two curves",
					    paths[i]);
		if (cc->other && strcmp(paths[i], cc->other) == 0)
			usage_error("'%s' is the --compare input: a curve "
				    "would overwrite it", paths[i]);
	}
	if (cu->bins && !cu->calibration)
		usage_error("--calibration-bins needs --calibration FILE");
	if (bootstrap_given && !cc->other)
		usage_error("--bootstrap and --seed need --compare OTHER");
	if (cc->other)
		check_other(cc->other, files, nfiles);
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
	struct ranking_config rc = { .ks = { 10 }, .nk = 1 };
	const char *check_args[64];
	int check_over[64];
	int nchecks = 0, output = OUT_TABLE, threads = 1, c;
	struct prometheus prom = { 0 };
	struct curve_config cu = { 0 };
	struct compare_config cc = { .resamples = DEFAULT_RESAMPLES,
				     .seed = 1 };
	int bootstrap_given = 0;
	unsigned given = 0;	/* bit per mode_options row */
	struct cli cli = { 0 };
	cli_add(&cli, ranking_options);
	cli_add(&cli, curve_options);
	cli_add(&cli, options);
	cli_add_input(&cli, EVAL_INPUT);
	while ((c = cli_next(&cli, argc, argv)) != -1) {
		note_option(&given, c);
		if (input_option(&in, c, optarg))
			continue;
		switch (c) {
		case OPT_JSON:
		case 'q':
			if (output != OUT_TABLE &&
			    output != (c == 'q' ? OUT_QUIET : OUT_JSON))
				usage_error("--json and -q: one output or none");
			output = c == 'q' ? OUT_QUIET : OUT_JSON;
			break;
		case OPT_FAIL_UNDER:
		case OPT_FAIL_OVER:
			/* parsed once the mode is known */
			if (nchecks == 64)
				usage_error("too many checks");
			check_args[nchecks] = optarg;
			check_over[nchecks++] = c == OPT_FAIL_OVER;
			break;
		case OPT_PROMETHEUS: prom.path = optarg; break;
		case OPT_PROMETHEUS_LABEL: {
			const char *eq = strchr(optarg, '=');
			size_t klen = eq ? (size_t)(eq - optarg) : 0;
			int good = klen > 0 && !(optarg[0] >= '0' &&
						 optarg[0] <= '9');
			for (size_t i = 0; i < klen && good; i++)
				good = optarg[i] == '_' ||
				       (optarg[i] >= 'a' && optarg[i] <= 'z') ||
				       (optarg[i] >= 'A' && optarg[i] <= 'Z') ||
				       (optarg[i] >= '0' && optarg[i] <= '9');
			if (!good || (klen == 1 && optarg[0] == 'k'))
				usage_error("--prometheus-label: '%s' is not "
					    "NAME=VALUE with a NAME of letters, "
					    "digits and _ (not k)", optarg);
			if (prom.nlabels == 16)
				usage_error("too many --prometheus-label");
			prom.labels[prom.nlabels++] = optarg;
			break;
		}
		case OPT_TRUTH: rc.truth = optarg; break;
		case OPT_GROUP:
			if (!*optarg)
				usage_error("--group: empty column name");
			rc.group = optarg;
			break;
		case 'k':
			rc.nk = parse_ks(optarg, rc.ks);
			break;
		case 'm': rc.model = optarg; break;
		case OPT_PER_USER: rc.per_user = optarg; break;
		case OPT_ROC: cu.roc = optarg; break;
		case OPT_PR: cu.pr = optarg; break;
		case OPT_CALIBRATION: cu.calibration = optarg; break;
		case OPT_CALIBRATION_BINS:
			cu.bins = (int)opt_long("--calibration-bins", optarg, 1,
						REC_MAX_BINS);
			break;
		case OPT_COMPARE: cc.other = optarg; break;
		case OPT_THREADS:
			threads = (int)opt_long("--threads", optarg, 1,
						REC_MAX_THREADS);
			break;
		case OPT_BOOTSTRAP:
			cc.resamples = (int)opt_long("--bootstrap", optarg, 1,
						     REC_MAX_RESAMPLES);
			bootstrap_given = 1;
			break;
		case OPT_SEED:
			cc.seed = (uint64_t)opt_long("--seed", optarg, 0,
						     2147483647);
			bootstrap_given = 1;
			break;
		default:
			standard_option(c, help);
		}
	}
	if (prom.nlabels && !prom.path)
		usage_error("--prometheus-label needs --prometheus FILE");
	if (rc.truth && rc.group)
		usage_error("--truth and --group are two different modes");
	check_mode_options(given, rc.truth ? TRUTH : rc.group ? GROUP : POINT);
	int ranking = rc.truth || rc.group;
	check_outputs(&cu, &cc, bootstrap_given, in.opt.task,
		      in.opt.soft_labels, argv + optind, argc - optind);
	if (!cu.bins)
		cu.bins = DEFAULT_BINS;
	for (int i = 0; i < nchecks; i++)
		checks[i] = parse_check(check_over[i] ? "--fail-over"
						      : "--fail-under",
					check_args[i], check_over[i], ranking);
	if (ranking)
		return ranking_mode(&rc, &in, argv + optind, argc - optind,
				    checks, nchecks, output, &prom, &cc);
	return pointwise_mode(&in, argv + optind, argc - optind, threads,
			      checks, nchecks, output, &prom, &cu, &cc);
}
