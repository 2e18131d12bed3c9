/*
 * common.h - what every rec-* program shares: messages, checked option
 * values, the input options and the end-of-run checks.
 */
#ifndef REC_CMD_COMMON_H
#define REC_CMD_COMMON_H

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rec.h"

/* Exit status, as grep and diff. */
enum { EXIT_OK = 0, EXIT_CHECK = 1, EXIT_ERROR = 2 };

extern const char *progname;

void cli_init(const char *name);
/* "prog: message" on stderr. */
/* A unix time as ISO 8601 in UTC ("2026-11-30T18:34:03Z") into buf:
 * 1, or 0 when the time cannot be shown so. */
int utc_time(int64_t t, char buf[32]);
/* Seconds on the monotonic clock since t0. */
double seconds_since(const struct timespec *t0);
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, then exit 2. */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: file:line: message" from a library error, then exit 2. */
_Noreturn void die_error(const struct rec_error *e);
void print_error(const struct rec_error *e);
/* "prog: message\nTry 'prog --help'." then exit 2. */
_Noreturn void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

long opt_long(const char *opt, const char *arg, long min, long max);
/* A time span with its unit ("90s", "2h", "7d", "1.5w": s, m, h, d, w):
 * 1 and the seconds, 0 when arg has no unit, -1 when it has one but no
 * positive number before it. */
int time_span(const char *arg, double *seconds);
double opt_double(const char *opt, const char *arg, double min, double max);
/* --save-precision: 32, 16 or 8. */
int opt_precision(const char *arg);
#define PRECISION_HELP \
	"bits of each weight and factor in the saved model: 32 (default; " \
	"with the optimiser state, so it can be updated), 16 (halves) or 8 " \
	"(8-bit, a scale per row); 16 and 8 are smaller, for serving, and " \
	"cannot be updated"

/* Options every program that reads events takes; codes from 256 up. */
enum {
	OPT_USER = 256, OPT_ITEM, OPT_LABEL, OPT_TIME, OPT_WEIGHT, OPT_SCORE,
	OPT_CSV, OPT_TSV, OPT_HEADER, OPT_TASK, OPT_POSITIVE, OPT_STRICT,
	OPT_NO_HEADER, OPT_MAX_BAD_ROWS, OPT_USER_ATTRIBUTES,
	OPT_ITEM_ATTRIBUTES, OPT_SOFT_LABELS, OPT_FIRST_FREE
};
/* ---- options from tables (options.c) ---- */

/* One option of a program: its long and short name (either may be
 * missing; a list ends with a row that has neither), its argument (NULL
 * for none), the code getopt_long returns for it, and its --help text. */
struct cli_option {
	const char *name;
	int short_name;
	const char *arg;
	int id;
	const char *help;
};
/* The input options a program takes, by their codes. */
#define INPUT_BIT(code) (1u << ((code) - OPT_USER))
#define INPUT_COLUMNS (INPUT_BIT(OPT_USER) | INPUT_BIT(OPT_ITEM) | \
		       INPUT_BIT(OPT_LABEL) | INPUT_BIT(OPT_TIME) | \
		       INPUT_BIT(OPT_WEIGHT))
#define INPUT_FORMAT (INPUT_BIT(OPT_CSV) | INPUT_BIT(OPT_TSV) | \
		      INPUT_BIT(OPT_HEADER) | INPUT_BIT(OPT_NO_HEADER) | \
		      INPUT_BIT(OPT_STRICT) | INPUT_BIT(OPT_MAX_BAD_ROWS))
#define INPUT_TABLES (INPUT_BIT(OPT_USER_ATTRIBUTES) | \
		      INPUT_BIT(OPT_ITEM_ATTRIBUTES))
#define INPUT_ALL (INPUT_COLUMNS | INPUT_FORMAT | INPUT_BIT(OPT_TASK) | \
		   INPUT_BIT(OPT_POSITIVE) | INPUT_BIT(OPT_SOFT_LABELS) | \
		   INPUT_TABLES)
/* Parameter options have codes from OPT_PARAM up, two per table row. */
#define OPT_PARAM 1000

/* A program's options for getopt_long, assembled from lists; -h and -V
 * are added by the first cli_next. */
struct cli {
	struct option longopts[96];
	size_t n;
	char shortopts[48];
	int short_id[128];	/* the code of each short option */
	int standard_added;
};
void cli_add(struct cli *c, const struct cli_option *list);
void cli_add_input(struct cli *c, unsigned which);
/* The parameter table's options for rows with any of these flags. */
void cli_add_params(struct cli *c, int flags);
int cli_next(struct cli *c, int argc, char **argv);
/* --help lines: a list, the input options, -h and -V, and the parameter
 * options (with each default when defaults is set). */
void cli_help(FILE *f, const struct cli_option *list);
void cli_help_input(FILE *f, unsigned which);
void cli_help_standard(FILE *f);
/* Prose, wrapped at word boundaries to fit a terminal. */
void cli_help_text(FILE *f, const char *text);
void cli_help_params(FILE *f, int flags, int defaults);

/* Parameter options given, in command-line order: each value is checked
 * when it is given and applied once the task (and so every default) is
 * known. */
struct param_args {
	int flags;	/* rows this program sets: REC_PARAM_TRAIN or _UPDATE;
			 * the options of other rows are refused as fixed */
	int n;
	struct {
		int code;
		const char *arg;
	} given[64];
};
/* 1 if c was a parameter option (exits 2 on a bad value, or on a value
 * that differs from one given before for the same parameter), else 0. */
int param_option(struct param_args *pa, int c, const char *arg);
void param_apply(const struct param_args *pa, struct rec_params *p);
/* Whether an option for the parameter with this key was given. */
int param_given(const struct param_args *pa, const char *key);
/* The option of a parameter given whose row has none of flags, or NULL. */
const char *param_given_without(const struct param_args *pa, int flags);

struct input_config {
	struct rec_reader_options opt;
	int strict;
	int task_given;
	int columns_given;	/* bit per column option given */
	int implicit_ok;	/* --task implicit is accepted */
	int header_given;	/* 1 --header, -1 --no-header, 0 neither */
	int format_given;	/* 1 --csv, -1 --tsv, 0 neither */
	double max_bad;		/* --max-bad-rows */
	int max_bad_given;
	const char *tables[2];	/* --user-attributes, --item-attributes */
};
void input_config_init(struct input_config *c);
/* Handle one of the input options; 0 when opt is not one of them.  An
 * option given again with another value (--csv then --tsv, --header then
 * --no-header) is refused, exit 2. */
int input_option(struct input_config *c, int opt, const char *arg);

/* Load the attribute tables given into m, then check its features; exit
 * 2 on any error.  A model not trained here (trained 0) must have had a
 * table of the same side already. */
void load_tables(rec_model *m, const struct input_config *c, int trained);

/* A model's column settings, with the input options given overriding
 * them (c->opt.csv is -2 when neither --csv nor --tsv was given). */
struct rec_reader_options model_input(const rec_model *m,
				      const struct input_config *c);

/*
 * Bad-row policy: report the first few, count all, stop if strict, and
 * stop when more than --max-bad-rows of the rows read are bad: early, once
 * BAD_ROWS_EARLY rows have been read, and at the end (bad_rows_summary).
 * The rows read are the bad ones and the good ones of the readers watched.
 */
#define BAD_ROWS_EARLY 1000
#define BAD_ROWS_DEFAULT 0.1
struct bad_rows {
	int strict;
	double max;		/* the fraction of rows that may be bad */
	unsigned long long count;
	unsigned long long good_done;	/* good rows of readers let go */
	const rec_reader *reader[2];	/* watched: their good rows count */
	struct rec_error first;	/* the first bad row */
};
/* A policy with --strict and --max-bad-rows of this run (the last
 * input_option calls set them), watching r (NULL: none yet). */
void bad_rows_init(struct bad_rows *b, int strict, const rec_reader *r);
void bad_rows_watch(struct bad_rows *b, const rec_reader *r);
/* Before r is freed: keep its count of good rows. */
void bad_rows_unwatch(struct bad_rows *b, const rec_reader *r);
int bad_row_report(const struct rec_error *e, void *arg);
/* Reading stopped with rc: at a --strict bad row or past the limit
 * (already reported) exit 2 quietly, otherwise exit 2 with err's message. */
_Noreturn void stop_reading(int rc, const struct rec_error *err);
/* At the end of reading: exit 2 if more than the limit of the rows read
 * were bad, with the counts and the first bad row; else a summary line
 * for skipped rows, if any. */
void bad_rows_summary(struct bad_rows *b);

/* Rows read and rows a second on stderr every few seconds while r reads,
 * when stderr is a terminal and the run is not quiet. */
void watch_progress(rec_reader *r, int quiet);

/* ---- the files a program replaces (files.c) ---- */

/* A text file written beside its place and renamed into it when whole:
 * a reader never sees half of it, and a run that fails leaves none (the
 * temporary file is removed at exit unless committed).  The struct must
 * live until it is committed or the program exits. */
struct text_output {
	const char *path;
	char *tmp;		/* NULL once committed */
	FILE *f;
};
/* Open; exits 2 if the temporary file cannot be made. */
void text_output_open(struct text_output *o, const char *path);
/* Flush, sync and rename into place with the given mode (0: as made);
 * exits 2 on failure, the temporary file removed. */
void text_output_commit(struct text_output *o, int mode);

/* The file path names now (links followed); exits 2 if it cannot tell. */
struct rec_file_id file_id_of(const char *path);
/* Wait for, then hold, the lock that programs replacing the file at path
 * take turns on (PATH.lock beside the file a link names); exits 2 if it
 * cannot.  Closing the descriptor releases it.  -1 (no lock) when path
 * names something other than a regular file. */
int lock_output(const char *path);
/* Exit 2 when the model ("-") and the events would both be stdin. */
void check_model_not_stdin_input(const char *model, char *const *files,
				  int nfiles);
/* A model and the file it was read from ("-": standard input, no file);
 * exits 2 with a message if it cannot be read or is no model. */
rec_model *load_model(const char *path, struct rec_file_id *id);
/* Why models a and b are not of the same kind (task, model family,
 * columns, feature columns), in why; NULL when they are. */
const char *model_kind_difference(const rec_model *a, const rec_model *b,
				  char *why, size_t len);

/* Exit 2 if out is one of the input files (or stdin when there are none):
 * the run would read a half-replaced file and the data would be gone. */
void check_output_not_input(const char *out, char *const *files, int nfiles);

/* Flush stdout and exit 2 with a message if anything failed to write;
 * a closed pipe ends the program quietly by SIGPIPE. */
void finish_stdout(void);
/* Cheap check while writing: stop at once if stdout has failed. */
static inline void check_stdout(void)
{
	if (ferror(stdout))
		finish_stdout();
}

/* Output assembled in a large buffer and handed to stdout in big pieces:
 * two stdio calls per row cost more than scoring it. */
struct out_buffer {
	size_t len;
	char data[1 << 16];
};
void out_flush(struct out_buffer *o);
static inline void out_put(struct out_buffer *o, const char *s, size_t n)
{
	if (o->len + n > sizeof(o->data)) {
		out_flush(o);
		if (n > sizeof(o->data)) {
			fwrite(s, 1, n, stdout);
			check_stdout();
			return;
		}
	}
	memcpy(o->data + o->len, s, n);
	o->len += n;
}

void print_version(void);
/* -h (usage to stdout), -V, and getopt's errors: the same in every
 * program; never returns. */
_Noreturn void standard_option(int c, void (*help)(FILE *f));
/* rec_model_save_checked (expected NULL: no check) with SIGINT, SIGTERM
 * and SIGHUP held off, so that no stray temporary file is left by an
 * interrupted save. */
int save_model(rec_model *m, const char *path,
	       const struct rec_file_id *expected, struct rec_error *err);

#endif
