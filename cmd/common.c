/*
 * common.c - messages, option values and input options for the programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

const char *progname = "rec";

#define REPORTED_BAD_ROWS 5

void cli_init(const char *name)
{
	progname = name;
	/* a closed standard descriptor would be taken by the next file
	 * opened (a lock file, a model) and written to as stderr; it gets
	 * /dev/null read-only, so that writing output to it still fails */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", O_RDONLY) != fd)
			exit(EXIT_ERROR);
	/* past a file size limit, a write fails with EFBIG, which the save
	 * reports and cleans up after, instead of the signal killing us */
	signal(SIGXFSZ, SIG_IGN);
}

static void vmsg(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

static void vmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* When the last report was made, and when reading began. */
static struct timespec progress_start, progress_last;

static void progress_report(const rec_reader *r, void *arg)
{
	(void)arg;
	double since = seconds_since(&progress_last);
	if (since < 2)
		return;
	clock_gettime(CLOCK_MONOTONIC, &progress_last);
	double total = seconds_since(&progress_start);
	unsigned long long rows = rec_reader_rows(r);
	fprintf(stderr, "%s: %llu rows read, %.2fM rows/s\n", progname, rows,
		total > 0 ? (double)rows / total / 1e6 : 0);
}

void watch_progress(rec_reader *r, int quiet)
{
	if (quiet || !isatty(STDERR_FILENO))
		return;
	clock_gettime(CLOCK_MONOTONIC, &progress_start);
	progress_last = progress_start;
	rec_reader_on_progress(r, progress_report, NULL);
}

int utc_time(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	return gmtime_r(&tt, &tm) &&
	       strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) != 0;
}

double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(EXIT_ERROR);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(EXIT_ERROR);
}

void print_error(const struct rec_error *e)
{
	if (e->file[0] && e->line > 0)
		warnx_("%s:%ld: %s", e->file, e->line, e->msg);
	else if (e->file[0])
		warnx_("%s: %s", e->file, e->msg);
	else
		warnx_("%s", e->msg[0] ? e->msg : rec_strerror(e->code));
}

void die_error(const struct rec_error *e)
{
	print_error(e);
	exit(EXIT_ERROR);
}

long opt_long(const char *opt, const char *arg, long min, long max)
{
	long v;
	if (rec_parse_long(arg, strlen(arg), min, max, &v) != 0)
		usage_error("%s: '%s' is not an integer in [%ld, %ld]", opt,
			    arg, min, max);
	return v;
}

double opt_double(const char *opt, const char *arg, double min, double max)
{
	double v;
	if (rec_parse_double(arg, strlen(arg), &v) != 0 || v < min || v > max)
		usage_error("%s: '%s' is not a number in [%g, %g]", opt, arg,
			    min, max);
	return v;
}

int opt_precision(const char *arg)
{
	if (strcmp(arg, "32") != 0 && strcmp(arg, "16") != 0 &&
	    strcmp(arg, "8") != 0)
		usage_error("--save-precision: '%s' is not 32, 16 or 8", arg);
	return arg[0] == '3' ? 32 : arg[0] == '1' ? 16 : 8;
}

/* --max-bad-rows of this run, for every bad_rows_init */
static double max_bad_rows = BAD_ROWS_DEFAULT;

void input_config_init(struct input_config *c)
{
	memset(c, 0, sizeof(*c));
	rec_reader_options_init(&c->opt);
	c->max_bad = BAD_ROWS_DEFAULT;
}

/* A column option's value; refused when empty or when the option was
 * given before with another value (old is its value then). */
static const char *column_arg(const char *opt, const char *arg,
			      const char *old, int given)
{
	if (!*arg)
		usage_error("%s: empty column name", opt);
	if (given && strcmp(old, arg) != 0)
		usage_error("%s given twice with different values: '%s' and "
			    "'%s'", opt, old, arg);
	return arg;
}

/* A flag of a pair (--csv/--tsv, --header/--no-header): *slot is 0, or
 * the one given before (1 the first of the pair, -1 the second). */
static void pair_flag(int *slot, int value, const char *first,
		      const char *second)
{
	if (*slot && *slot != value)
		usage_error("--%s and --%s contradict each other", first,
			    second);
	*slot = value;
}

int input_option(struct input_config *c, int opt, const char *arg)
{
	struct rec_columns *col = &c->opt.columns;
	int repeat = opt >= OPT_USER && opt <= OPT_SCORE &&
		    (c->columns_given & (1 << (opt - OPT_USER)));
	switch (opt) {
	case OPT_USER:
		col->user = column_arg("--user", arg, col->user, repeat);
		break;
	case OPT_ITEM:
		col->item = column_arg("--item", arg, col->item, repeat);
		break;
	case OPT_LABEL:
		col->label = column_arg("--label", arg, col->label, repeat);
		break;
	case OPT_TIME:
		col->time = column_arg("--time", arg, col->time, repeat);
		break;
	case OPT_WEIGHT:
		col->weight = column_arg("--weight", arg, col->weight, repeat);
		break;
	case OPT_SCORE:
		col->score = column_arg("--score", arg, col->score, repeat);
		break;
	case OPT_CSV:
	case OPT_TSV:
		pair_flag(&c->format_given, opt == OPT_CSV ? 1 : -1, "csv",
			  "tsv");
		c->opt.csv = opt == OPT_CSV;
		break;
	case OPT_HEADER:
	case OPT_NO_HEADER:
		pair_flag(&c->header_given, opt == OPT_HEADER ? 1 : -1,
			  "header", "no-header");
		c->opt.header = opt == OPT_HEADER;
		c->opt.no_header = opt == OPT_NO_HEADER;
		break;
	case OPT_MAX_BAD_ROWS: {
		double v = opt_double("--max-bad-rows", arg, 0, 1);
		if (c->max_bad_given && v != c->max_bad)
			usage_error("--max-bad-rows given twice with different "
				    "values: '%g' and '%s'", c->max_bad, arg);
		c->max_bad = max_bad_rows = v;
		c->max_bad_given = 1;
		break;
	}
	case OPT_TASK: {
		/* the task's names are the parameter table's */
		struct rec_params given;
		rec_params_init(&given, REC_TASK_BINARY);
		const struct rec_param *d = rec_param_find("task", 4);
		if (rec_param_parse(&given, d, arg) != 0 ||
		    (given.task == REC_TASK_IMPLICIT && !c->implicit_ok))
			usage_error("--task: '%s' is not %s", arg,
				    c->implicit_ok ? "binary, regression or implicit"
						   : "binary or regression");
		if (c->task_given && given.task != c->opt.task)
			usage_error("--task given twice with different values: "
				    "'%s' and '%s'",
				    d->names[c->opt.task - (int)d->min], arg);
		c->opt.task = given.task;
		c->task_given = 1;
		break;
	}
	case OPT_POSITIVE: {
		double v = opt_double("--positive", arg, -1e300, 1e300);
		if (c->opt.has_positive && v != c->opt.positive)
			usage_error("--positive given twice with different "
				    "values: '%g' and '%s'", c->opt.positive,
				    arg);
		c->opt.positive = v;
		c->opt.has_positive = 1;
		break;
	}
	case OPT_SOFT_LABELS:
		c->opt.soft_labels = 1;
		break;
	case OPT_STRICT:
		c->strict = 1;
		break;
	case OPT_USER_ATTRIBUTES:
	case OPT_ITEM_ATTRIBUTES: {
		int side = opt == OPT_ITEM_ATTRIBUTES;
		const char *name = side ? "--item-attributes"
					: "--user-attributes";
		c->tables[side] = column_arg(name, arg, c->tables[side],
					     c->tables[side] != NULL);
		break;
	}
	default:
		return 0;
	}
	if (opt >= OPT_USER && opt <= OPT_SCORE)
		c->columns_given |= 1 << (opt - OPT_USER);
	return 1;
}

void bad_rows_init(struct bad_rows *b, int strict, const rec_reader *r)
{
	memset(b, 0, sizeof(*b));
	b->strict = strict;
	b->max = max_bad_rows;
	b->reader[0] = r;
}

void bad_rows_watch(struct bad_rows *b, const rec_reader *r)
{
	for (int i = 0; i < 2; i++)
		if (!b->reader[i]) {
			b->reader[i] = r;
			return;
		}
	die("internal error: too many readers watched");
}

void bad_rows_unwatch(struct bad_rows *b, const rec_reader *r)
{
	for (int i = 0; i < 2; i++)
		if (b->reader[i] == r && r) {
			b->good_done += rec_reader_rows(r);
			b->reader[i] = NULL;
		}
}

/* Rows read so far, good and bad. */
static unsigned long long rows_read(const struct bad_rows *b)
{
	unsigned long long n = b->count + b->good_done;
	for (int i = 0; i < 2; i++)
		if (b->reader[i])
			n += rec_reader_rows(b->reader[i]);
	return n;
}

/* Whether the bad rows are more than the limit allows of n rows. */
static int over_limit(const struct bad_rows *b, unsigned long long n)
{
	return b->count > 0 && (double)b->count > b->max * (double)n;
}

static void limit_message(const struct bad_rows *b, unsigned long long n)
{
	const struct rec_error *e = &b->first;
	char where[sizeof(e->file) + 32] = "";
	if (e->file[0] && e->line > 0)
		snprintf(where, sizeof(where), "%s:%ld: ", e->file, e->line);
	else if (e->file[0])
		snprintf(where, sizeof(where), "%s: ", e->file);
	warnx_("too many bad rows: %llu of %llu rows read (%.1f%%) are bad, "
	       "more than --max-bad-rows %g allows; the first: %s%s",
	       b->count, n, 100.0 * (double)b->count / (double)n, b->max,
	       where, e->msg);
}

int bad_row_report(const struct rec_error *e, void *arg)
{
	struct bad_rows *b = arg;
	if (b->count++ == 0 && e)
		b->first = *e;
	if (b->strict) {
		print_error(e);
		return REC_EBADROW;
	}
	if (b->count <= REPORTED_BAD_ROWS)
		print_error(e);
	unsigned long long n = rows_read(b);
	if (n >= BAD_ROWS_EARLY && over_limit(b, n)) {
		limit_message(b, n);
		return REC_EBADROW;	/* stop_reading exits quietly */
	}
	return 0;
}

struct rec_reader_options model_input(const rec_model *m,
				      const struct input_config *c)
{
	struct rec_reader_options opt = rec_model_params(m)->input;
	const char **cols[] = { &opt.columns.user, &opt.columns.item,
				&opt.columns.label, &opt.columns.time,
				&opt.columns.weight, &opt.columns.score };
	const char *given[] = { c->opt.columns.user, c->opt.columns.item,
				c->opt.columns.label, c->opt.columns.time,
				c->opt.columns.weight, c->opt.columns.score };
	for (int i = 0; i < 6; i++)
		if (c->columns_given & (1 << i))
			*cols[i] = given[i];
	if (c->opt.csv != -2)
		opt.csv = c->opt.csv;
	if (c->header_given)
		opt.header = c->header_given > 0;
	opt.no_header = c->header_given < 0;
	rec_model_reader_columns(m, &opt);
	return opt;
}

void load_tables(rec_model *m, const struct input_config *c, int trained)
{
	static const char *const option[2] = { "--user-attributes",
					       "--item-attributes" };
	struct rec_error err = { 0 };
	for (int side = 0; side < 2; side++) {
		if (!c->tables[side])
			continue;
		if (!trained && rec_model_table_size(m, side) == 0)
			die("%s %s: the model was trained without %s, which "
			    "shapes it; train a new model with it",
			    option[side], c->tables[side], option[side]);
		if (rec_model_load_table(m, side, c->tables[side], &err) != 0)
			die_error(&err);
	}
	if (rec_model_check_features(m, &err) != 0)
		die_error(&err);
}

void stop_reading(int rc, const struct rec_error *err)
{
	if (rc == REC_EBADROW)
		exit(EXIT_ERROR);	/* --strict or the limit: reported */
	die_error(err);
}

void bad_rows_summary(struct bad_rows *b)
{
	unsigned long long n = rows_read(b);
	if (over_limit(b, n)) {
		limit_message(b, n);
		exit(EXIT_ERROR);
	}
	if (b->count > 0)
		warnx_("skipped %llu bad row%s", b->count,
		       b->count == 1 ? "" : "s");
}

void standard_option(int c, void (*help)(FILE *f))
{
	if (c == 'h') {
		help(stdout);
		finish_stdout();
		exit(EXIT_OK);
	}
	if (c == 'V')
		print_version();
	/* getopt has said what was wrong */
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(EXIT_ERROR);
}

int save_model(rec_model *m, const char *path,
	       const struct rec_file_id *expected, struct rec_error *err)
{
	/* a signal during the save must not leave a stray temporary file */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	int rc = rec_model_save_checked(m, path, expected, err);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void print_version(void)
{
	printf("%s (recpipe) %s\n", progname, REC_VERSION);
	finish_stdout();
	exit(EXIT_OK);
}

/* stdout failed with err: a closed pipe (| head) ends the program quietly,
 * as by the signal, even if SIGPIPE was ignored by whoever started us. */
static _Noreturn void stdout_failed(int err)
{
	if (err == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	die("error writing standard output: %s",
	    err ? strerror(err) : "unknown error");
}

void finish_stdout(void)
{
	int err = errno;	/* of the write that failed, if one did */
	if (ferror(stdout))
		stdout_failed(err);
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		stdout_failed(errno);
}

void check_output_not_input(const char *out, char *const *files, int nfiles)
{
	struct stat so;
	if (stat(out, &so) != 0)
		return;
	for (int i = 0; i <= nfiles; i++) {
		/* no file means stdin, which may be the output redirected */
		if (i == nfiles && nfiles > 0)
			break;
		const char *in = i < nfiles ? files[i] : "-";
		struct stat si;
		int rc = strcmp(in, "-") == 0 ? fstat(STDIN_FILENO, &si)
					      : stat(in, &si);
		if (rc == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
			die("'%s' is both an input and the output", out);
	}
}

void out_flush(struct out_buffer *o)
{
	errno = 0;
	if (o->len && fwrite(o->data, 1, o->len, stdout) != o->len)
		stdout_failed(errno);
	o->len = 0;
}
