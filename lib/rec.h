/*
 * rec.h - the public interface of librec, the core of recpipe.
 *
 * The library reads event streams, learns a factorization machine restricted
 * to user x item interactions, saves and loads versioned model files and
 * computes evaluation metrics.
 *
 * What holds for every function unless its own comment says otherwise:
 *
 * Errors.  Success is 0 (or a count where stated), failure a negative
 * REC_E* code.  A function that takes a struct rec_error fills it when it
 * fails, and otherwise only to describe a bad row it hands to a bad_row
 * callback; the struct is the caller's, may be NULL (then only the code is
 * returned) and is not kept after the call.  An out parameter that would
 * receive a new object is set to NULL on failure.
 *
 * Ownership.  What rec_X_create, _open, _load, _decode or _read makes is the
 * caller's, to free with rec_X_free; every free function accepts NULL.
 * Arguments are borrowed for the call: options, paths, ids and parameters
 * are copied where they are needed later.  The exceptions say so: a rec_topk
 * keeps its model, rec_reader_open_mem the caller's bytes.  A pointer returned into an object
 * stays valid as its function says, never past the object's free.  Strings
 * that come with a length (ids, rows) are not NUL-terminated.
 *
 * Threads.  No set-up, no global state a caller sees: the only process-wide
 * state is internal (an allocation-failure switch for the tests and a
 * counter that names temporary files, both atomic; rec_params_check's
 * per-thread message).  A function that takes an object through a const
 * pointer only reads it, with no hidden cache or generator: such calls may
 * run at once on one object from any number of threads, as long as no call
 * that takes it non-const runs at the same time.  A non-const call needs the
 * object to itself.  Different objects are independent, except that using a
 * rec_topk reads its model.  Each thread needs its own struct rec_error.
 * Threads are started only where a caller asks for them: rec_topk_run,
 * a model set to stream in two (rec_model_set_threads), EASE's fit and
 * rec_paired_bootstrap (rec_paired_set_threads) end theirs before the
 * call returns; a rec_metrics set to two threads keeps its one until
 * rec_metrics_free.
 *
 * After a failure the object is as it was before the call, except where
 * stated (reading rows, rec_dataset_read, rec_update, rec_train_stream).
 *
 * The library never exits, prints, calls setlocale, changes the umask or
 * signal handlers, or reads stdin unless asked to; progress and bad rows go
 * to callbacks, called in the caller's thread, which may read but must not
 * change the objects of the call that invoked them.
 */
#ifndef REC_H
#define REC_H

#include <stddef.h>
#include <stdint.h>

#define REC_VERSION "0.1.0"

/* Return codes: 0 on success, one of these otherwise. */
enum {
	REC_OK = 0,
	REC_EIO = -1,		/* read, write, open, rename, fsync failed */
	REC_ENOMEM = -2,	/* out of memory */
	REC_EBADROW = -3,	/* one input row is bad; reading may go on */
	REC_EFORMAT = -4,	/* not a model file, or a damaged one */
	REC_EVERSION = -5,	/* model file needs a newer reader */
	REC_EINVAL = -6,	/* invalid argument or parameter */
	REC_EDATA = -7,		/* the data as a whole cannot be used */
	REC_ECHANGED = -8,	/* a checked save found another file there */
};

/* Details of a failure, written only when a call fails.  file is the input
 * or model file concerned ("" if none), line a 1-based input line (0 if
 * none); file and msg are NUL-terminated, cut to fit.  code is the code the
 * call returned, except when a bad_row callback chose another (see
 * rec_reader_next_good). */
struct rec_error {
	int code;
	long line;		/* 1-based input line, 0 if none */
	char file[256];
	char msg[512];
};

/* A short description of a REC_E* code: a static string. */
const char *rec_strerror(int code);

/* ---------------------------------------------------------------------
 * Bounded number parsing.  s is len bytes, not NUL-terminated.  The whole
 * string must be used; leading and trailing blanks, "inf", "nan" and hex are
 * refused.  Return 0 or REC_EINVAL; *out is written only on success.
 * Plain decimals are parsed by hand; exponents and long mantissas go to
 * strtod, which follows LC_NUMERIC: right only while it is "C" (as it is
 * unless the program calls setlocale).
 */
int rec_parse_double(const char *s, size_t len, double *out);
int rec_parse_long(const char *s, size_t len, long min, long max, long *out);
/* A time: a number (as rec_parse_double), or a date and time of ISO 8601,
 * YYYY-MM-DD, with THH:MM[:SS[.fraction]] or a blank and the same, and a
 * zone Z, +HH, +HH:MM or +HHMM (none: UTC), as unix seconds.  0 or
 * REC_EINVAL. */
int rec_parse_time(const char *s, size_t len, double *out);
/* x with 9 significant digits as "%.9g" would print it, without exponent
 * in [1e-4, 1e9); buf needs 32 bytes.  Returns the length.  Outside that
 * range it is snprintf's "%.9g", whose decimal point follows LC_NUMERIC. */
int rec_format_score(char *buf, double x);

/* A set of ids (exact byte strings, copied in).  Failures (REC_ENOMEM)
 * leave the set as it was. */
typedef struct rec_idset rec_idset;
int rec_idset_create(rec_idset **out);
/* 1 if id was added, 0 if it was there already, REC_ENOMEM; *index (if
 * not NULL) is its place: ids are numbered 0, 1, ... as they are added. */
int rec_idset_add(rec_idset *s, const char *id, size_t len, size_t *index);
/* 1 and its place if id is in the set, else 0. */
int rec_idset_find(const rec_idset *s, const char *id, size_t len,
		   size_t *index);
size_t rec_idset_size(const rec_idset *s);
/* The id at place index (NULL and 0 past the end); it stays valid until
 * the next rec_idset_add or rec_idset_free. */
const char *rec_idset_id(const rec_idset *s, size_t index, size_t *len);
void rec_idset_free(rec_idset *s);

/* ---------------------------------------------------------------------
 * Event reader: TSV (fast path), CSV with RFC 4180 quoting (libcsv),
 * gzip read transparently, optional header naming the columns.
 */
/* binary: labels 0/1; regression: raw labels; implicit: every row is a
 * positive interaction, negatives are sampled from the item catalogue. */
enum rec_task { REC_TASK_BINARY = 0, REC_TASK_REGRESSION = 1,
		REC_TASK_IMPLICIT = 2 };

/* Which columns hold what.  A column is given by 1-based number ("3") or,
 * when the input has a header line, by name ("rating"); NULL means absent.
 * Empty strings are not allowed.  A reader copies the strings when it is
 * opened. */
struct rec_columns {
	const char *user;
	const char *item;
	const char *label;
	const char *time;
	const char *weight;
	const char *score;	/* rec-eval only; "0" or NULL = last column */
};

/* What a reader is asked to deliver. */
enum {
	REC_NEED_USER = 1 << 0,
	REC_NEED_ITEM = 1 << 1,
	REC_NEED_LABEL = 1 << 2,
	REC_NEED_SCORE = 1 << 3,
};

#define REC_MAX_LINE (1 << 20)	/* longest accepted line, bytes */
#define REC_MAX_VALUE 1e9	/* largest label magnitude accepted */
#define REC_MAX_WEIGHT 1e6	/* largest event weight accepted */
#define REC_MAX_FIELDS 1024	/* most columns in one row */
#define REC_MAX_EXTRA 32	/* most feature columns of an event */

struct rec_reader_options {
	struct rec_columns columns;
	int need;		/* REC_NEED_* bits: missing columns are errors */
	int csv;		/* 1 CSV, 0 TSV, -1 by file name (".csv[.gz]") */
	int header;		/* 1 the first line of each file is a header */
	int no_header;		/* 1 no line is a header: a column that must be
				 * read and is given by name is refused (not
				 * kept in a model) */
	enum rec_task task;
	int has_positive;	/* label >= positive becomes 1, else 0 */
	double positive;
	/* binary task: labels are probabilities in [0, 1] (soft labels,
	 * a teacher's scores), delivered as they are; not with
	 * has_positive (REC_EINVAL when the reader is opened) */
	int soft_labels;
	/* more columns to deliver as they are (features): numbers or names,
	 * never the user or the item column */
	const char *extra[REC_MAX_EXTRA];
	int nextra;
	/* an extra column whose cells must be finite numbers (empty: none) */
	unsigned char extra_numeric[REC_MAX_EXTRA];
	/* when not 0, the other extra columns' cells are lists parted by
	 * it, and a list with an empty value is a bad row */
	char list_sep;
	/* what messages call the user column's ids (NULL: "user") */
	const char *user_role;
};

void rec_reader_options_init(struct rec_reader_options *opt);

/* One parsed row.  Strings point into the reader's buffer, are not
 * NUL-terminated and stay valid until the next rec_reader_next or
 * rec_reader_next_good on that reader, or its free.  Only a return of 1
 * fills the row. */
struct rec_row {
	const char *user;
	size_t user_len;
	const char *item;
	size_t item_len;
	double label;		/* binary tasks: 0 or 1, or in [0, 1] with
				 * soft_labels */
	double time;		/* 0 when there is no time column */
	double weight;		/* 1 when there is no weight column */
	double score;
	const char *raw;	/* the row as it appeared, without newline */
	size_t raw_len;
	/* the extra columns, in the order of the options' extra[] */
	const char *extra[REC_MAX_EXTRA];
	size_t extra_len[REC_MAX_EXTRA];
	double extra_num[REC_MAX_EXTRA];	/* numeric columns' values */
	int nextra;
	/* every field of the row, split */
	const char *const *fields;
	const size_t *field_lens;
	int nfields;
};

/* A reader is used by one thread at a time; separate readers are
 * independent (two over stdin share its data, of course). */
typedef struct rec_reader rec_reader;

/* Open a reader over files in order; "-" is stdin.  nfiles == 0 means stdin.
 * The names and opt are copied.  Files are opened one at a time as reading
 * reaches them: a missing file is an REC_EIO from rec_reader_next, after
 * the rows of the files before it, not a failure here. */
int rec_reader_open(rec_reader **out, const char *const *files, int nfiles,
		    const struct rec_reader_options *opt, struct rec_error *err);
/* Open a reader over a file descriptor, from its current offset (which
 * reading moves).  The reader reads through a duplicate of fd, made here
 * (a bad fd is REC_EIO), and never closes fd itself, which stays the
 * caller's and may be closed at once.  name (NULL: "(input)") is used in messages
 * and, with opt->csv == -1, to tell CSV from TSV.  Plain or gzip, as a
 * file. */
int rec_reader_open_fd(rec_reader **out, int fd, const char *name,
		       const struct rec_reader_options *opt,
		       struct rec_error *err);
/* Input held in memory, plain or gzip (gzip members are inflated as
 * rec_reader_open would read them from a file). */
struct rec_mem_input {
	const void *data;	/* len bytes; not copied */
	size_t len;
	const char *name;	/* as for rec_reader_open_fd; NULL: "(memory)" */
};
/* Open a reader over n inputs in memory, read in order as files are.  The
 * bytes are not copied: they must stay unchanged until rec_reader_free.
 * The array and the names may go once this returns.  n == 0 is an empty
 * input, not stdin. */
int rec_reader_open_mem(rec_reader **out, const struct rec_mem_input *in,
			int n, const struct rec_reader_options *opt,
			struct rec_error *err);
/* 1 and a row, 0 at the end, REC_EBADROW for a bad row (err says which;
 * the next call goes on with the following row), REC_PAUSED when a wait
 * callback asked for it (rec_reader_on_wait), other codes are fatal:
 * REC_EIO, REC_ENOMEM, or REC_EINVAL for a header that lacks a named
 * column.  After a fatal code only the counters and rec_reader_free may
 * be used. */
int rec_reader_next(rec_reader *r, struct rec_row *row, struct rec_error *err);
/* What to do with a bad row: 0 to go on, or a code to stop reading with. */
typedef int (*rec_bad_row_fn)(const struct rec_error *e, void *arg);
/* rec_reader_next that hands bad rows to bad_row (NULL: skip them): 1 and
 * a good row, 0 at the end, bad_row's non-zero code, or a fatal code.
 * bad_row gets err as passed here, so NULL when err is NULL; when it stops
 * reading, err still describes the bad row (code REC_EBADROW). */
int rec_reader_next_good(rec_reader *r, struct rec_row *row,
			 rec_bad_row_fn bad_row, void *arg,
			 struct rec_error *err);
/* The header line of the current file, or NULL; and its length (len must
 * not be NULL).  NULL until rec_reader_next has read a header.  The line is
 * NUL-terminated and the reader's: valid until the next read (a new file's
 * header replaces it) or rec_reader_free. */
const char *rec_reader_header(const rec_reader *r, size_t *len);
/* Whether the file being read is CSV (so output can match it). */
int rec_reader_is_csv(const rec_reader *r);
/* The line number of the row last returned, and the name of its input. */
long rec_reader_line(const rec_reader *r);
const char *rec_reader_name(const rec_reader *r);
/* Whether the reader was given a time column. */
int rec_reader_has_time(const rec_reader *r);
/* Counters: rows read (good), rows skipped as bad, since the reader was
 * opened. */
uint64_t rec_reader_rows(const rec_reader *r);
uint64_t rec_reader_bad_rows(const rec_reader *r);
/* Call fn(r, arg) every 65536 good rows, in the reading thread (NULL:
 * stop): for a progress report. */
void rec_reader_on_progress(rec_reader *r,
			    void (*fn)(const rec_reader *r, void *arg),
			    void *arg);
/*
 * Reading a live stream (a pipe that an endless writer feeds): fn(fd, arg)
 * is called each time the reader is about to read more of its input, that
 * is when no whole line is left in its buffer, so that the read may wait
 * for the writer.  fd is the input's descriptor (-1 for memory), for fn to
 * poll.  fn returns REC_WAIT_READ to read on, REC_WAIT_PAUSE to make
 * rec_reader_next return REC_PAUSED (no row; the next call goes on, and
 * asks fn again), or REC_WAIT_STOP to end the input there: the files after
 * it are not read, and the bytes of a line not yet finished are dropped
 * (rec_reader_dropped counts them).  While fn is set, each read(2) is
 * handed on at once instead of filling the buffer, so a line is delivered
 * as soon as it comes.  A pause is not taken in the middle of a CSV row
 * that spans lines; fn is asked again at the next read.
 */
enum { REC_WAIT_READ = 0, REC_WAIT_PAUSE = 1, REC_WAIT_STOP = 2 };
#define REC_PAUSED 2	/* rec_reader_next, rec_update: paused, not ended */
void rec_reader_on_wait(rec_reader *r, int (*fn)(int fd, void *arg),
			void *arg);
uint64_t rec_reader_dropped(const rec_reader *r);
/* Keep the SHA-256 of each input's bytes (about 1 ns a byte with the x86
 * SHA extensions, 4 ns without),
 * for rec_reader_digest; before the first row is read. */
void rec_reader_keep_digests(rec_reader *r);
/* The reader's inputs: how many, the name of input i ("(stdin)" for
 * "-"), and the SHA-256 of its bytes as they were read (a gzip file's
 * compressed bytes) with their count: 1 once input i has been read to its
 * end without a read error (and rec_reader_keep_digests was called), else
 * 0. */
int rec_reader_inputs(const rec_reader *r);
const char *rec_reader_input_name(const rec_reader *r, int i);
int rec_reader_digest(const rec_reader *r, int i, unsigned char sha[32],
		      uint64_t *bytes);
void rec_reader_free(rec_reader *r);

/* ---------------------------------------------------------------------
 * Model: s(x) = w0 + sum_f w_f + < sum_{f in U} v_f , sum_{g in I} v_g >
 */
/* BPR: pairwise, a positive item against a sampled one (implicit only). */
enum rec_loss { REC_LOSS_LOGISTIC = 0, REC_LOSS_SQUARED = 1,
		REC_LOSS_BPR = 2 };
/* FTRL: FTRL-Proximal (McMahan et al. 2013) on the weights, with L1;
 * AdaGrad on the factors. */
enum rec_optimizer { REC_OPT_ADAGRAD = 0, REC_OPT_SGD = 1, REC_OPT_FTRL = 2 };
/* Which pairs of features interact: query side x item side only, or every
 * pair (a full factorization machine). */
enum rec_interactions { REC_CROSS = 0, REC_ALL = 1 };
/* The model family: the factorization machine, or EASE, a closed-form
 * item-item model for the implicit task (Steck 2019). */
enum rec_model_family { REC_MODEL_FM = 0, REC_MODEL_EASE = 1 };
/* EASE's lambda when --l2 is not given, chosen on a validation slice */
#define REC_EASE_L2 400
/* l2 of a factorization machine, at most (EASE's reaches 1e6) */
#define REC_FM_L2_MAX 1000

struct rec_params {
	enum rec_task task;
	enum rec_loss loss;
	enum rec_optimizer optimizer;
	int bits;		/* features hash into 2^bits rows */
	int factors;		/* k; 0 gives linear/logistic regression */
	double lr;		/* learning rate */
	double l2;		/* L2 on weights */
	double l2_factors;	/* L2 on factors */
	double init_std;	/* scale of the initial factors */
	uint64_t seed;
	/* training schedule (rec-train) */
	int passes;
	int shuffle;		/* shuffle events before each pass */
	double holdout;		/* fraction held out for early stopping */
	int patience;		/* passes without improvement before stopping */
	/* forgetting: the optimiser's memory of a feature halves every
	 * half_life events (or time-column units with half_life_time) */
	double half_life;	/* 0: no forgetting */
	int half_life_time;
	/* implicit task: negatives sampled per positive, from the catalogue
	 * with probability proportional to count^sample_alpha (0: uniform) */
	int negatives;
	double sample_alpha;
	int hard_negatives;	/* BPR: learn against the best-scored of the
				 * negatives drawn, not each of them */
	/* FTRL-Proximal: L1 on the weights, and the per-coordinate step
	 * alpha / (beta + sqrt(sum of squared gradients)) */
	double l1, ftrl_alpha, ftrl_beta;
	/* side features (not the ids): the least share of the L2 each of
	 * their events carries */
	double l2_shared;
	/* side features (features.c): comma lists of event columns, by
	 * number or header name, NULL for none */
	const char *features;		/* query side: user, context */
	const char *item_features;	/* item side, kept in the catalogue */
	const char *numeric;		/* real-valued, of the above or of the
					 * attribute tables' columns */
	const char *list_sep;		/* one byte parting a cell's values */
	enum rec_interactions interactions;
	enum rec_model_family model;
	/* EASE: items in the item-item part, the most met ones; the others
	 * are scored by popularity.  0: every item */
	int max_items;
	/* column schema, kept in the model so rec-predict reads alike */
	struct rec_reader_options input;
};

#define REC_MAX_FACTORS 256

/* Defaults for a task: every field is set.  The strings of params->input
 * point to literals. */
void rec_params_init(struct rec_params *p, enum rec_task task);
/* NULL when the parameters are usable, else what is wrong, naming the
 * parameter (a string valid until the next call in the same thread: each
 * thread has its own).  The column strings are not checked. */
const char *rec_params_check(const struct rec_params *p);

/*
 * The parameter table: one row per field of struct rec_params that a model
 * keeps.  It drives defaults, checks, the model file, rec-info and the
 * programs' options; the rows are in the order of the model file.  The
 * table is constant: any thread may read it at any time.
 */
enum rec_param_type {
	REC_PARAM_INT,		/* int */
	REC_PARAM_U64,		/* uint64_t */
	REC_PARAM_DOUBLE,	/* double */
	REC_PARAM_FLAG,		/* int, 0 or 1 */
	REC_PARAM_ENUM,		/* int: min + the index of a name in names */
	REC_PARAM_STRING,	/* const char *, NULL for none */
};
enum {
	REC_PARAM_TRAIN = 1 << 0,	/* set when a model is trained */
	REC_PARAM_UPDATE = 1 << 1,	/* may also change on update */
	REC_PARAM_INPUT = 1 << 2,	/* the column schema: set through the
					 * reader's options */
	REC_PARAM_MIN_OPEN = 1 << 3,	/* min itself is out of range */
	REC_PARAM_MAX_OPEN = 1 << 4,	/* max itself is out of range */
	REC_PARAM_SPAN = 1 << 7,	/* the option's value is a time span:
					 * time-column units, or a number with
					 * s, m, h, d or w (seconds) */
	REC_PARAM_SCHEMA = 1 << 6,	/* the features an event has: fixed
					 * when trained, but rec-update and
					 * rec-predict take it (the same) */
	REC_PARAM_V2 = 1 << 5,		/* new in format 2: written only when
					 * not its default, so a model that
					 * does not use it is written as
					 * format 1 wrote it */
	REC_PARAM_RUN = 1 << 9,		/* how a training run goes (passes,
					 * hold-out): a warm start sets it
					 * anew */
	REC_PARAM_V4 = 1 << 8,		/* new in format 4: the same, and a
					 * file that holds it is format 4, so
					 * that older readers refuse it rather
					 * than skip the key */
};
struct rec_param {
	const char *key;	/* in the model file and rec-info's JSON */
	const char *what;	/* in messages, when not the key */
	const char *info;	/* rec-info's name, when not the key */
	enum rec_param_type type;
	size_t offset;		/* of the field in struct rec_params */
	int flags;		/* REC_PARAM_* */
	double min, max;	/* range of a number or an enum's values */
	double def[3];		/* default for each enum rec_task */
	const char *const *names;	/* an enum's values, NULL-terminated */
	/* shown by rec-info only when this says so (NULL: always) */
	int (*shown)(const struct rec_params *p);
	/* the value rec-info shows, when not the field's own (NULL) */
	double (*shown_value)(const struct rec_params *p);
	/* the command-line option: NULL when the programs set it otherwise */
	const char *option;
	int short_option;	/* or 0 */
	const char *negative_option;	/* a flag's "off" option, or NULL */
	const char *arg;	/* the option's argument, NULL for a flag */
	/* the option gives this parameter's value, and sets the row's own
	 * field to its last value (a unit chosen by the option's name) */
	const char *sets;
	const char *help;	/* one sentence for --help, without defaults */
};
extern const struct rec_param rec_param_table[];
/* Whether a parameter has a meaning for p's model family. */
int rec_param_applies(const struct rec_params *p, const struct rec_param *d);
/* Whether p holds d's default for p's task. */
int rec_param_is_default(const struct rec_params *p, const struct rec_param *d);
/* The model file format p needs: 4 when a REC_PARAM_V4 row is not at its
 * default, else 2 when a REC_PARAM_V2 row is not (or the optimizer is
 * FTRL), else 1. */
int rec_params_version(const struct rec_params *p);
extern const size_t rec_param_count;
/* The row of a key, or NULL. */
const struct rec_param *rec_param_find(const char *key, size_t len);
/* The name messages use for a parameter. */
const char *rec_param_what(const struct rec_param *d);

/* A parameter's value: num for numbers, flags and enums (u64 too, exact
 * for U64), str for strings and the name of an enum's value.  str points
 * into p (a string parameter) or into the table (an enum's name). */
struct rec_param_value {
	double num;
	uint64_t u64;
	const char *str;
};
void rec_param_get(const struct rec_params *p, const struct rec_param *d,
		   struct rec_param_value *v);
/* Set a parameter from text (a number in range, or an enum's name; a
 * NUL-terminated string): 0, or REC_EINVAL with p unchanged.  String
 * parameters (the columns) are not set this way: always REC_EINVAL. */
int rec_param_parse(struct rec_params *p, const struct rec_param *d,
		    const char *text);
/* Whether a number is in a parameter's range, and the range as text:
 * "[1, 32]", "(0, 1000]" or "binary, regression or implicit", cut to fit
 * the len bytes of buf (len > 0). */
int rec_param_in_range(const struct rec_param *d, double x);
void rec_param_range(const struct rec_param *d, char *buf, size_t len);
/* Copy one parameter's field from one set to another. */
void rec_param_copy(struct rec_params *to, const struct rec_params *from,
		    const struct rec_param *d);

/* Functions that score or describe a model take it const and only read it
 * (see the rules at the top): many threads may score one model at once
 * while nothing learns, retunes or saves it. */
typedef struct rec_model rec_model;

/* A new, untrained model; p and its column strings are copied.  REC_EINVAL,
 * with rec_params_check's message in err, for unusable parameters. */
int rec_model_create(rec_model **out, const struct rec_params *p,
		     struct rec_error *err);
/*
 * Side features.  rec_model_create makes a namespace of each feature
 * column params names (features, item_features); an attribute table adds
 * one per column.  A model with any of them scores and learns lists of
 * features on each side (see rec-model(5)).
 */
enum { REC_USERS = 0, REC_ITEMS = 1 };
/* Read an attribute table (header line, first column the id, TSV or CSV
 * by file name, gzip allowed) for users or items; its rows replace those
 * of the same ids in the table the model has, and the others stay.  0, or
 * REC_EIO, REC_EINVAL, REC_EDATA (a bad line: its file and line in err;
 * duplicate ids, a numeric cell that is not a finite number, an empty list
 * value, a header line that is data) or REC_ENOMEM; then the model's table
 * is as it was. */
int rec_model_load_table(rec_model *m, int side, const char *path,
			 struct rec_error *err);
/* Ids in the model's table of a side. */
size_t rec_model_table_size(const rec_model *m, int side);
/* After the tables are loaded: every --numeric column names a feature or
 * attribute column.  0 or REC_EINVAL. */
int rec_model_check_features(const rec_model *m, struct rec_error *err);
/* Whether the model has features beyond the two ids. */
int rec_model_has_features(const rec_model *m);
/* The extra columns a reader must deliver for m (o's extra, nextra,
 * extra_numeric and list_sep); their strings are m's. */
void rec_model_reader_columns(const rec_model *m, struct rec_reader_options *o);
/* The margin of a row read with those columns, its attributes joined:
 * 0, or REC_EDATA (too many features on one side). */
int rec_model_margin_row(const rec_model *m, const struct rec_row *row,
			 double *margin, struct rec_error *err);
/* The same margin in two halves, for a caller that shares scoring between
 * threads: rec_model_locate_row finds what the margin needs (for a model
 * of ids alone, the rows of the two ids, whose parameters are read only
 * by the second half; for any other model, the margin itself), and
 * rec_model_margin_located computes it from that: the margin
 * rec_model_margin_row gives, to the bit.  Both only read m. */
struct rec_located {
	uint32_t rows[2];	/* the user's and the item's, or UINT32_MAX */
	int done;		/* margin is the margin already */
	double margin;
};
int rec_model_locate_row(const rec_model *m, const struct rec_row *row,
			 struct rec_located *loc, struct rec_error *err);
double rec_model_margin_located(const rec_model *m,
				const struct rec_located *loc);
/* The margin of a row split into its terms, as rec_model_margin_row
 * computes it: "bias", then the weights of each namespace's features
 * ("user", "item", or a feature column's name), then "interactions", the
 * factors' part: the margin less the others, so that the terms add up to
 * it.  Namespaces without a feature in the row are left out.  names point
 * into the model.  The count of terms (at most max), or REC_EINVAL for an
 * EASE model (its score is no sum of weights), or rec_model_margin_row's
 * error. */
struct rec_term {
	const char *name;
	double value;
};
/* Room for every term a row can have: 1024 features a side, each in a
 * namespace of its own, the bias and the interactions. */
#define REC_EXPLAIN_TERMS (2 * 1024 + 2)
int rec_model_explain_row(const rec_model *m, const struct rec_row *row,
			  struct rec_term *terms, int max, double *margin,
			  struct rec_error *err);
/* A namespace and the rows it has (nonzero: rows whose weight is not 0). */
struct rec_space_info {
	const char *name;
	const char *side;	/* "query" or "item" */
	const char *origin;	/* "id", "event" or "attribute" */
	int numeric;
	uint64_t features, nonzero;
};
size_t rec_model_spaces(const rec_model *m);
/* 1 and *info for i < rec_model_spaces(m), else 0. */
int rec_model_space(const rec_model *m, size_t i, struct rec_space_info *info);

/* No rec_topk over m may be used afterwards. */
void rec_model_free(rec_model *m);
/* m's own parameters, column strings included: valid while m lives;
 * rec_model_retune changes what they say. */
const struct rec_params *rec_model_params(const rec_model *m);

/* The model's score for a user and item id: the margin, and the prediction
 * (a probability for logistic loss, the margin itself for squared loss).
 * An id the model never saw contributes nothing.  With side features the
 * user is its id and attributes, the item its id, latest item features
 * and attributes, as top-k scores them (rec_model_margin_row scores an
 * event's own feature columns). */
double rec_model_margin(const rec_model *m, const char *user, size_t user_len,
			const char *item, size_t item_len);
double rec_model_predict(const rec_model *m, double margin);

/* The journal of learned inputs, by their bytes (rec_reader_digest), so
 * that a retried input is not learned twice: whether it holds an input
 * (1, and when it was learned, or 0), and a new entry (the newest; an
 * entry already there moves to the newest, the oldest beyond
 * REC_JOURNAL_MAX go).  0 or REC_ENOMEM. */
#define REC_JOURNAL_MAX 1024
int rec_model_learned(const rec_model *m, const unsigned char sha[32],
		      uint64_t bytes, int64_t *when);
int rec_model_note_learned(rec_model *m, const unsigned char sha[32],
			   uint64_t bytes, int64_t when);
size_t rec_model_journal_size(const rec_model *m);

/*
 * Forgetting users (rec-update --forget-users).  A user is known to m
 * when m has a row for its hashed id (which another id hashed onto the
 * same row gives it too) or a row in the user attribute table; for EASE,
 * when m keeps its history.
 *
 * rec_model_forget_users takes the users of a set out of m.  EASE: their
 * histories go, and the catalogue items no one else met, and P is refitted:
 * the model of the other users' events (rec-update(1) says when it is the
 * same bit for bit).  The factorization machine: the row of each user's
 * hashed id goes, weight, factors and optimiser state (every id hashed
 * onto it goes with it: the hash cannot tell them apart), and so does its
 * row of the user attribute table; a row that is also a catalogue item's
 * own is reset to the values a new row of its key starts with.  What the
 * user's events taught the shared rows stays.  The counters are left as
 * they are: they count what was learned.  Users m does not know are
 * skipped.  st says what went.  0, or REC_ENOMEM, or rec_ease_fit's
 * error, after which m may be changed in part: free it, do not save it.
 */
struct rec_forget_stats {
	uint64_t users;		/* users of the set m knew */
	uint64_t rows;		/* feature rows removed */
	uint64_t rows_reset;	/* rows an item shares, reset */
	uint64_t table_rows;	/* user attribute table rows removed */
	uint64_t items;		/* EASE: items no user has met now */
};
int rec_model_knows_user(const rec_model *m, const char *id, size_t len);
int rec_model_forget_users(rec_model *m, const rec_idset *users,
			   struct rec_forget_stats *st, struct rec_error *err);

/* Threads a fit (EASE) or a one-pass stream (rec_train_stream) may use;
 * the result does not depend on them. */
void rec_model_set_threads(rec_model *m, int threads);
/* The threads a one-pass stream over m can use: 2 (one reads, one
 * learns) for a binary or regression factorization machine of ids alone,
 * else 1. */
int rec_model_stream_threads(const rec_model *m);
/* Warm start (rec-train --init): restart the optimiser's memory, its
 * AdaGrad sums (FTRL: n, with z set so that each weight stays what it is)
 * as a new row has them, so that steps are as large as at the start; the
 * weights and factors stay. */
void rec_model_reset_optimizer(rec_model *m);
/* Pull every row m has now towards its present weight and factors while
 * it learns on: an L2 penalty l2/2 |theta - theta_now|^2 per row, shared
 * out over its events as --l2 is (L2-SP).  Rows made later are not
 * pulled, nor is the global bias.  The anchor is not saved.  l2 <= 0
 * removes the pull.  REC_ENOMEM with no pull. */
int rec_model_anchor(rec_model *m, double l2);

/* What a model file holds, for rec-info. */
struct rec_model_info {
	uint32_t format_version;	/* read version of the file */
	uint32_t writer_version;	/* format version its writer wrote */
	uint64_t features;	/* feature rows in use */
	uint64_t items;		/* items in the catalogue */
	uint64_t events;	/* training steps: events learned, each pass
				 * of training counting them again */
	uint64_t events_learned;	/* events learned, each once */
	int events_learned_known;	/* 0: the file's writer did not count
					 * them (format 3 before the LRND chunk);
					 * events_learned is then 0 */
	uint64_t updates;	/* training runs (train = 1, each update + 1) */
	double train_loss;	/* average loss of the last pass */
	double holdout_loss;	/* NaN-free: negative when there was none */
	int passes_done;
	int64_t created;	/* unix time of the first training */
	int64_t saved;		/* unix time of the last save */
	uint64_t nonzero;	/* feature rows whose weight is not 0 */
	uint64_t user_table, item_table;	/* ids in the attribute tables */
	uint64_t cold_items;	/* item table ids not in the catalogue */
	/* EASE models (family "ease") */
	const char *family;	/* "fm" or "ease" */
	double ease_lambda;	/* of the fitted weights */
	uint64_t ease_items;	/* in the item-item part */
	uint64_t ease_gram_nonzero;
	uint64_t ease_users;	/* users whose histories are kept */
	uint64_t ease_pairs;	/* (user, item) pairs in them */
	/* the bits of each weight and factor in the file: 32, 16 or 8 */
	int precision;
	/* 0: loaded from a file of precision 16 or 8, which holds no
	 * optimiser state: the model cannot be trained further exactly */
	int optimiser_state;
};
void rec_model_info(const rec_model *m, struct rec_model_info *info);

/*
 * Model file (man page rec-model(5)).  Loading refuses damaged, truncated,
 * foreign and newer files; on failure *out is NULL and err says why (file
 * is name or path).  On success *out is a new model the caller frees with
 * rec_model_free.  None of these keeps a pointer to its arguments or
 * touches process-wide state (such as the umask or signal handlers): calls
 * on different models may run in different threads at once, and so may
 * encodes of one model, which only read it; a save writes to its model.
 *
 * A hostile file cannot make loading costly: the chunk table is checked
 * whole before anything is inflated, every chunk's content is bounded by
 * what the parameters and the other chunks' lengths allow, and all of it
 * together by 16 times the file's size plus 1 MiB; a file beyond these is
 * REC_EFORMAT ("damaged model file: ..."), never REC_ENOMEM.
 */
#define REC_FORMAT_VERSION 5
/* The model in the file at path; "-" is stdin (named "stdin" in
 * messages).  A path that is not a regular file (a FIFO, /dev/stdin, a
 * pipe's /dev/fd/N) is read as rec_model_load_fd reads it; opening a FIFO
 * waits for a writer, as any open of one does. */
int rec_model_load(rec_model **out, const char *path, struct rec_error *err);
/* The model in the file open on fd.  A regular file is read whole from its
 * start (with pread: the fd's offset is left alone); anything else but a
 * directory (a pipe, a FIFO, a terminal, a socket) is read from where it
 * is to its end, into memory, up to 16 GiB ("model too large" past it,
 * REC_EFORMAT).  The fd stays the caller's: it is not closed.  name is
 * for messages. */
int rec_model_load_fd(rec_model **out, int fd, const char *name,
		      struct rec_error *err);
/* The model in the len bytes at buf (a file image); name is for messages. */
int rec_model_decode(rec_model **out, const void *buf, size_t len,
		     const char *name, struct rec_error *err);

/* Which file a path named at some moment, or that there was none (exists
 * 0, the rest 0).  For rec_model_save_checked.  A file system gives the
 * inode of a deleted file to the next one made, so the size and the time
 * of the last change (to the nanosecond) tell a newer file with a reused
 * inode from the one that was loaded. */
struct rec_file_id {
	int exists;
	uint64_t dev, ino;
	int64_t size, ctime_sec, ctime_nsec;
};
/* Whether two ids name the same file in the same state (or both none). */
int rec_file_id_same(const struct rec_file_id *a, const struct rec_file_id *b);
/* The file path names now, following symbolic links; no file (ENOENT) is
 * success with exists 0.  REC_EIO if it cannot be told. */
int rec_file_id_of_path(const char *path, struct rec_file_id *id,
			struct rec_error *err);
/* The file open on fd: take it from the fd the model was loaded from, and
 * no rename between the open and the check can fool the caller. */
int rec_file_id_of_fd(int fd, struct rec_file_id *id, struct rec_error *err);

/*
 * Write m to path.  What path names decides how:
 *
 * A regular file or nothing: atomically.  A temporary file TARGET.tmp.XXXXXX
 * is created in the target's directory, written, fsync'ed and renamed over
 * the target, then the directory is fsync'ed (a directory that refuses
 * fsync is not an error); on failure the target is as it was and no
 * temporary file is left.  A symbolic link at path, or a chain of them, is
 * followed, even to a target that does not exist yet: the target is
 * replaced (or created) and the links are left as they are.  A new file
 * has mode 0666 less the umask (read by the kernel, never changed); a
 * replaced one keeps the old file's permission bits and, when the process
 * may set them (as root), its owner and group (an EPERM there is ignored).
 * ACLs and extended attributes are not copied.
 *
 * A character device or a FIFO (such as /dev/null, or a link to
 * /proc/self/fd/1 on a pipe): the image is written straight to it, opened
 * with O_WRONLY and neither created nor truncated, so it is never replaced;
 * a FIFO's open waits for a reader.  A failure there may leave part of the
 * image written.  A directory, a socket or a block device: REC_EIO,
 * nothing written.
 *
 * Every write error is REC_EIO with the system's text: a full disk
 * (ENOSPC), or a file past the process's RLIMIT_FSIZE (EFBIG), which the
 * kernel only reports when SIGXFSZ is ignored; otherwise the signal kills
 * the process and may leave the temporary file behind.  A caller that sets
 * a file size limit, or runs under one, should ignore SIGXFSZ (the programs
 * do); the library does not touch signals.
 *
 * The file records the current time as the save time, and on success so
 * does m (counters shown by rec_model_info): this is the one change to m.
 */
int rec_model_save(rec_model *m, const char *path, struct rec_error *err);
/*
 * rec_model_save, but only while path still names the file expected: the
 * file that was loaded (rec_file_id_of_fd on the fd it was loaded from, or
 * rec_file_id_of_path before loading), or, with expected->exists 0, no file
 * at all, for a new output.  The check is made before anything is written
 * and again right before the rename; if path names another file (a
 * promotion renamed a model over it), or one has appeared or gone, the
 * temporary file is removed, the file at path is left as it is and the
 * result is REC_ECHANGED ("was replaced since it was loaded", "was created
 * since this program started", "was removed since it was loaded").  Between
 * the last check and the rename a rename by another process can still slip
 * in: writers that cooperate hold a lock across load and save; this check
 * catches those that do not.  expected NULL: no check, as rec_model_save.
 */
int rec_model_save_checked(rec_model *m, const char *path,
			   const struct rec_file_id *expected,
			   struct rec_error *err);
/* The file image of m, with saved (unix seconds) as its save time, in a
 * buffer *buf of *len bytes that the caller frees with free().  m is not
 * changed: the same model and time give the same bytes. */
int rec_model_encode(const rec_model *m, int64_t saved, void **buf,
		     size_t *len, struct rec_error *err);
/*
 * The precision a save stores the factorization machine's weights and
 * factors at: 32 (floats, with the optimiser's state, so that training
 * resumes exactly: the default, and the format of version 4 and before),
 * 16 (IEEE halves) or 8 (8-bit integers, a float scale per row); 16 and 8
 * leave the optimiser's state out, and the file has read version 5.  A
 * model loaded from a file has its file's precision.  A model loaded at 16
 * or 8 scores as its file says but cannot learn (rec_update, rec_train:
 * REC_EINVAL) until rec_model_reset_optimizer gives it a fresh optimiser
 * state, nor be saved at 32 before that.  REC_EINVAL for another number,
 * for 16 and 8 on an EASE model, and for 32 on a model without optimiser
 * state.
 */
int rec_model_set_precision(rec_model *m, int bits, struct rec_error *err);

/* ---------------------------------------------------------------------
 * Training.  Events are parsed once into a compact binary form, then the
 * learner makes its passes over that.
 */
typedef struct rec_dataset rec_dataset;

/* Progress reported after each pass. */
struct rec_progress {
	int pass;
	uint64_t events;	/* training events in the pass */
	double train_loss;	/* average (weighted) loss in the pass */
	double holdout_loss;	/* negative when there is no holdout */
	int best;		/* this pass is the best so far */
	double seconds;		/* since training began */
};
typedef void (*rec_progress_fn)(const struct rec_progress *p, void *arg);

/* Read all events of a reader into a dataset bound to model m (features and
 * the item catalogue are added to the model as they are met).  bad_row is
 * called for each bad row; a non-zero return stops reading with that code.
 * The holdout draw moves m's random generator.  m is changed on failure
 * too: it keeps the features and items of the events read before it (with
 * their initial values), so a model that failed here should not be saved.
 * The dataset refers to m's feature rows by number: train it only with m.
 * It keeps no pointer, so it may be freed before or after m. */
int rec_dataset_read(rec_dataset **out, rec_model *m, rec_reader *r,
		     rec_bad_row_fn bad_row, void *arg, struct rec_error *err);
uint64_t rec_dataset_size(const rec_dataset *d);
void rec_dataset_free(rec_dataset *d);

/* Train m on the dataset as m's parameters say.  Shuffling reorders d's
 * events in place.  The only failure is REC_ENOMEM before the first pass,
 * with m as it was.  progress (may be NULL) is called after each pass. */
int rec_train(rec_model *m, rec_dataset *d, rec_progress_fn progress,
	      void *arg, struct rec_error *err);

/* One pass in input order straight from the reader, without holding the
 * events, in constant memory.  For binary and regression tasks, the same
 * parameters, bit for bit, as rec_dataset_read followed by rec_train with
 * one pass, no shuffling and no holdout.  Implicit tasks differ: a stream
 * draws negatives from the catalogue as it stands when each event comes,
 * a data set from the whole catalogue read beforehand.  On failure m is
 * left as by a failed rec_update.  The events of the progress report are
 * rec_reader_rows(r): rows read before this call count too. */
int rec_train_stream(rec_model *m, rec_reader *r, rec_bad_row_fn bad_row,
		     void *bad_arg, rec_progress_fn progress, void *arg,
		     struct rec_error *err);

/* ---------------------------------------------------------------------
 * Incremental learning: one pass over new events in input order, each
 * scored before it is learned (progressive validation).
 */
#define REC_MAX_WINDOW 100000000	/* events in the recent AUC, at most */
struct rec_update_options {
	int test_only;		/* score only: the model is not changed */
	int freeze_users;	/* user rows keep their values */
	int freeze_items;	/* item rows keep their values */
	size_t window;		/* events in the recent AUC, 0 for none */
	uint64_t max_events;	/* pause after this many events (0: none) */
};

struct rec_update_progress {
	uint64_t events;	/* so far in this run */
	double avg_loss;	/* progressive loss since the start */
	double recent_loss;	/* since the previous report */
	int has_auc;
	double window_auc;	/* AUC of the last `window` events */
	int final;		/* the summary after the last event */
	double seconds;
};
typedef void (*rec_update_fn)(const struct rec_update_progress *p, void *arg);

/* Learn from (or with test_only, score) the reader's events.  progress is
 * called at 1000, 2000, 4000, ... events and once at the end.  o is read
 * during the call only; o->window is at most REC_MAX_WINDOW (REC_EINVAL).
 * With test_only m is only read: negatives of an implicit task are drawn
 * from a copy of m's random generator.  Learning writes m, and no other
 * thread may use m during it.
 * On failure (bad_row's code included) m keeps what it learned from the
 * events before the failure, but its counters (rec_model_info,
 * rec_model_progressive) leave the run out and a retry would learn those
 * events twice: do not save a model after a failed update.  REC_EDATA when
 * no event was usable, with nothing learned.
 * A run may be taken in parts, for checkpoints of an endless stream: it
 * returns REC_PAUSED after o->max_events events, or when the reader pauses
 * (rec_reader_on_wait), with the part's events learned and counted as a
 * run of their own, so that the model may be saved; the next call goes on
 * with the same reader.  A part may hold no event.  Learning a stream in
 * parts gives the parameters of learning it at once, bit for bit; only the
 * counters of runs and of the running loss tell the parts apart.  An EASE
 * model does not pause: it learns its events at the end. */
int rec_update(rec_model *m, rec_reader *r, const struct rec_update_options *o,
	       rec_bad_row_fn bad_row, void *bad_arg, rec_update_fn progress,
	       void *arg, struct rec_error *err);

/* Change what may change between runs (learning rate, L2, forgetting):
 * REC_EINVAL, with the parameter named in err, for anything else, and m
 * unchanged.  The column strings of p are ignored; nothing of p is kept. */
int rec_model_retune(rec_model *m, const struct rec_params *p,
		     struct rec_error *err);
/* A warm start: rec_model_retune that also sets how the next training run
 * goes (passes, shuffle, hold-out, patience); the parameters that fix the
 * model's shape must be the model's (else REC_EINVAL naming the option
 * and the model's value). */
int rec_model_warm_start(rec_model *m, const struct rec_params *p,
			 struct rec_error *err);

/*
 * Merging (rec-merge): one model from models trained on shards of the
 * data with the same parameters, for training on many machines.
 *
 * rec_model_merge_difference says why b cannot be merged with a, or
 * NULL: every parameter but those of how a training run goes (passes,
 * shuffle, hold-out, patience) must be the same, and so must the model
 * family and the namespaces of the attribute tables.  why holds len bytes.
 *
 * rec_model_merge makes *out from the n models in[] (n >= 1), in their
 * order.  Counts: each model's events, or with base (NULL: none) the
 * events it learned beyond base, which every in[i] must have been updated
 * from.  The factorization machine: each feature row's weight, factors
 * and AdaGrad sums (FTRL: n) are the means over the models that have the
 * row, weighted by the row's counts; a row no model counted keeps the
 * values of the first model that has it; values equal in every model
 * counted are kept as they are, so merging copies of one model gives its
 * parameters bit for bit.  FTRL's z is set so that its closed form gives
 * the mean weight.  The bias is weighted by the models' counts of events
 * learned.  The rows' and items' counts, the counters of events and runs
 * and the progressive loss are added up (with base: base's plus what each
 * model added to it), held at what a file can hold (UINT64_MAX, DBL_MAX),
 * the item catalogue and the attribute tables are
 * united (first model's order, then the new ones as met; an id in two
 * attribute tables must have the same row there), an item keeps the
 * features of the model that saw it last, and the journals of learned
 * inputs are united.  EASE: the users' histories are united and the
 * model refitted, which is the model of all the events.
 * names[] and base_name name the models in messages (err's file).
 * 0, REC_EINVAL (models that differ, or one not updated from base: fewer
 * events than base, or more events learned beyond it than training steps),
 * or REC_ENOMEM; *out is NULL on failure.  in[] is not changed.
 */
const char *rec_model_merge_difference(const rec_model *a, const rec_model *b,
				       char *why, size_t len);
int rec_model_merge(rec_model **out, rec_model *const *in,
		    const char *const *names, int n, const rec_model *base,
		    const char *base_name, struct rec_error *err);

/* Progressive validation figures kept in the model. */
struct rec_progressive {
	uint64_t events;
	double loss;		/* average weighted loss, before learning */
};
void rec_model_progressive(const rec_model *m, struct rec_progressive *pv);

/* ---------------------------------------------------------------------
 * Top-k: the K best items of the model's catalogue for each user.
 */
typedef struct rec_topk rec_topk;
struct rec_topk_user {
	const char *id;
	size_t len;
};
struct rec_topk_result {
	uint32_t item;		/* catalogue index; UINT32_MAX: no more items */
	double score;		/* the margin w0 + w_u + w_i + <v_u, v_i> */
};

/* k in [1, 100000] and threads in [1, 256], else REC_EINVAL; REC_EDATA
 * when the catalogue is empty.  t keeps a pointer to m: m must outlive t
 * and must not change (learn, retune, save) while t exists, since t copies
 * its items and sizes its lists by the catalogue.  Any number of rec_topk
 * may share one model, each used from its own thread. */
int rec_topk_create(rec_topk **out, const rec_model *m, int k, int threads,
		    struct rec_error *err);
/* Only these items may be recommended (call once per item, before the
 * first run; never called: all items).  REC_EINVAL after a run.  An item
 * not in the catalogue is ignored; the id is not kept. */
int rec_topk_allow(rec_topk *t, const char *item, size_t len);
/* Never recommend this item to this user; also between runs.  The ids are
 * not kept; an item not in the catalogue is ignored.  0 or REC_ENOMEM. */
int rec_topk_exclude(rec_topk *t, const char *user, size_t user_len,
		     const char *item, size_t item_len);
/* K results per user, best first, into out[n * K]; past the items that
 * can be recommended to a user (the catalogue, or the allowed ones, less
 * the user's excluded ones) they are {UINT32_MAX, 0}.  t's own memory
 * grows with the smaller of K and the allowed items, not with K; a caller
 * that wants out small too may pass min(K, rec_model_items(m)) as k and
 * gets the same lists.  A user the model never saw gets the ranking by
 * item weight (w0 + w_i).  Ties go to the item met first in training.
 * The first run packs the items into t, so t is written: one call at a
 * time on one t.  It runs on threads - 1 threads of its own besides the
 * caller's, all finished when it returns (one that cannot start has its
 * share done by the caller's).  users are read during the call only.
 * On failure out may be partly written; t stays usable. */
int rec_topk_run(rec_topk *t, const struct rec_topk_user *users, size_t n,
		 struct rec_topk_result *out, struct rec_error *err);
void rec_topk_free(rec_topk *t);
/* EASE: whether a user's own items (its history in the model) may be
 * recommended; by default they are not.  REC_EINVAL for other models. */
int rec_topk_include_seen(rec_topk *t, int include);
/* Items of the model's item attribute table that the catalogue lacks
 * (nobody touched them) are scored from their attributes and compete,
 * with indices from rec_model_items(m) up, unless compete is 0.  Before
 * the first run (else REC_EINVAL). */
int rec_topk_cold_items(rec_topk *t, int compete);
size_t rec_topk_cold_count(const rec_topk *t);
/* The id of a result's item, catalogue or cold (NULL past them). */
const char *rec_topk_item(const rec_topk *t, uint32_t index, size_t *len);

/* The item catalogue: its size, and the id of item index (NULL and *len 0
 * past the end).  The id points into m and is not NUL-terminated; it stays
 * valid while m lives and gains no items (rec_dataset_read,
 * rec_train_stream and rec_update add items, and may move the others). */
size_t rec_model_items(const rec_model *m);
const char *rec_model_item(const rec_model *m, uint32_t index, size_t *len);
/* What the catalogue knows of item index: the events that named it (each
 * pass of training counting them again), the largest time column value
 * among them (0 without a time column), and, for an EASE model, the users
 * who met it (0 for other models).  0, or REC_EINVAL past the end. */
struct rec_item_stats {
	uint64_t events;
	double last_time;
	uint64_t users;
};
int rec_model_item_stats(const rec_model *m, uint32_t index,
			 struct rec_item_stats *st);

/* ---------------------------------------------------------------------
 * Pointwise metrics over (label, score, weight) triples.
 */
typedef struct rec_metrics rec_metrics;

struct rec_metric_values {
	uint64_t rows;
	double weight;		/* sum of weights */
	double positives;	/* weighted count of label 1 */
	int has_auc;		/* both classes present, labels binary */
	double auc;
	int has_logloss;	/* scores all in [0,1], labels binary */
	double logloss;
	double rmse;
	double mae;
	double mean_score;
	double mean_label;
};

/* No rec_error: these return the code only. */
int rec_metrics_create(rec_metrics **out);
/* Labels must be finite; binary metrics need labels 0 or 1.  REC_EINVAL
 * for a label, score or weight that is not finite or a negative weight,
 * REC_ENOMEM; after either, mt is as it was. */
int rec_metrics_add(rec_metrics *mt, double label, double score, double weight);
/* A row with a soft label: label a probability in [0, 1] (else
 * REC_EINVAL), against which logloss (-y log p - (1 - y) log(1 - p)),
 * RMSE, MAE and the mean label are computed, and positive (1 or 0) the
 * class the row counts in for AUC, positives and the curves.  A 0/1
 * label whose class is itself counts as rec_metrics_add counts it. */
int rec_metrics_add_soft(rec_metrics *mt, double label, int positive,
			 double score, double weight);
/* Count rows in threads (1 or 2; else REC_EINVAL, as once rows were
 * added).  With 2, rec_metrics_add checks a row and queues it, and a
 * thread of mt's own, kept until rec_metrics_free, counts the rows in the
 * order they came; rec_metrics_compute waits for it and sorts the two
 * classes at once.  The values are those of one thread, to the bit.  An
 * out-of-memory in that thread is returned by a later add or by
 * rec_metrics_compute, and mt keeps no row after it.  REC_ENOMEM when
 * the thread cannot start. */
int rec_metrics_set_threads(rec_metrics *mt, int threads);
/* Sorts the rows mt keeps, so mt is written (one thread at a time); rows
 * may still be added afterwards and the values computed again.  REC_EDATA
 * without rows, REC_ENOMEM; v holds what could be computed either way. */
int rec_metrics_compute(rec_metrics *mt, struct rec_metric_values *v,
			struct rec_error *err);
void rec_metrics_free(rec_metrics *mt);

/* ---------------------------------------------------------------------
 * Curves of the rows a rec_metrics keeps (lib/curves.c): ROC,
 * precision-recall and reliability (calibration) bins.  They need labels
 * 0/1 with weight in both classes (else REC_EDATA); they sort the rows as
 * rec_metrics_compute does, so mt is written.
 */
struct rec_point {
	double x, y;
};
enum rec_curve_kind {
	REC_CURVE_ROC = 0,	/* x false positive rate, y true positive rate */
	REC_CURVE_PR = 1,	/* x recall, y precision */
};
struct rec_curve {
	struct rec_point *points;	/* n points, x never decreasing */
	size_t n;
	size_t groups;		/* distinct scores: steps of the exact curve */
	double area;		/* ROC: the AUC; PR: the average precision */
};
/* The curve swept from the highest score down, a group of tied scores
 * making one step (ROC: one straight, perhaps diagonal, segment; PR: one
 * point, at that group's recall and precision; it starts at recall 0
 * with the first group's precision).  Points on a straight line with
 * their neighbours are left out.  With cells > 0 the x range is cut into
 * that many cells and only the first, last, lowest and highest points of
 * each are kept: at most 4 * cells + 1 points (2 * cells + 1 for ROC),
 * and no point of the exact curve is further than a cell's width from
 * the kept ones' polyline; cells == 0 keeps every step.  The area is
 * that of the exact curve: ROC's equals the AUC, ties counting half;
 * average precision is the sum over groups of the recall gained times
 * the precision reached.  c is the caller's; free its points with
 * rec_curve_free.  REC_EDATA, REC_EINVAL (cells < 0), REC_ENOMEM. */
int rec_metrics_curve(rec_metrics *mt, enum rec_curve_kind kind, int cells,
		      struct rec_curve *c, struct rec_error *err);
void rec_curve_free(struct rec_curve *c);
/* Reliability bins: bin i of n covers scores [i/n, (i+1)/n), the last one
 * 1 as well. */
#define REC_MAX_BINS 1000
struct rec_calibration_bin {
	double lo, hi;		/* the bin's score range */
	uint64_t rows;		/* rows in the bin, whatever their weight */
	double weight;		/* their total weight; 0: no means */
	double mean_score;	/* weighted mean score */
	double positive_rate;	/* weighted share of label 1 */
};
/* Bins of equal width over the scores, into out[nbins], nbins in [1,
 * REC_MAX_BINS] (else REC_EINVAL).  The scores must be probabilities:
 * REC_EDATA when one is outside [0, 1]. */
int rec_metrics_calibration(rec_metrics *mt, int nbins,
			    struct rec_calibration_bin *out,
			    struct rec_error *err);

/* ---------------------------------------------------------------------
 * Paired comparison of two scorers of the same rows (lib/bootstrap.c):
 * each metric for both, their difference and a percentile bootstrap
 * interval of it, every resample drawn once and applied to both.
 */
typedef struct rec_paired rec_paired;
/* The metrics compared, in this order. */
enum { REC_DIFF_AUC, REC_DIFF_LOGLOSS, REC_DIFF_RMSE, REC_DIFF_MAE,
       REC_DIFF_METRICS };
struct rec_diff {
	int has;		/* defined on the rows themselves */
	double a, b;		/* the metric for each scorer */
	double diff;		/* a - b */
	int resamples;		/* resamples where it was defined */
	double low, high;	/* 2.5% and 97.5% percentiles of a - b over
				 * them (linear between order statistics) */
};
#define REC_MAX_RESAMPLES 100000
/* At most 2^30 rows. */
#define REC_PAIRED_MAX_ROWS (1u << 30)
int rec_paired_create(rec_paired **out);
/* One row: its label (binary metrics need 0 or 1), the two scores and
 * the weight.  REC_EINVAL for a value that is not finite, a negative
 * weight or one row too many; REC_ENOMEM; p is as it was after either. */
int rec_paired_add(rec_paired *p, double label, double a, double b,
		   double weight);
/* Resample the rows resamples times (1 to REC_MAX_RESAMPLES, else
 * REC_EINVAL), Poisson's way: in resample b row i counts c times, c a
 * Poisson(1) draw made from (seed, b, i) alone: d[REC_DIFF_*].  AUC when
 * labels are 0/1 and both classes have weight, logloss when also every
 * score is in [0, 1], RMSE and MAE when the weight is not 0; a resample
 * where one is not defined (a class drawn with no weight) is left out of
 * its interval.  AUC is exact, ties counting half: the rows are sorted
 * once by each score, and a pass over each order serves 16 resamples.
 * REC_EDATA without rows, REC_ENOMEM.  The same rows, resamples and seed
 * give the same d. */
int rec_paired_bootstrap(rec_paired *p, int resamples, uint64_t seed,
			 struct rec_diff d[REC_DIFF_METRICS],
			 struct rec_error *err);
/* Resample in threads (1 to REC_MAX_THREADS, else REC_EINVAL), started
 * and ended by each rec_paired_bootstrap: the same d for any number. */
#define REC_MAX_THREADS 256
int rec_paired_set_threads(rec_paired *p, int threads);
void rec_paired_free(rec_paired *p);
/* The same for a mean of n paired values (one per user, say): value i
 * counts as row i would, the same counts for every call with the same
 * seed; a resample with no count is left out.  REC_EINVAL (n == 0,
 * resamples out of range), REC_ENOMEM. */
int rec_bootstrap_means(const double *a, const double *b, size_t n,
			int resamples, uint64_t seed, struct rec_diff *d);

/* ---------------------------------------------------------------------
 * Ranking metrics per user, averaged over users (see lib/ranking.c for
 * the exact definitions).
 */
#define REC_MAX_KS 16
typedef struct rec_ranking rec_ranking;

struct rec_rank_values {
	uint64_t users;		/* users evaluated: with a relevant item */
	int nk;
	int ks[REC_MAX_KS];
	double precision[REC_MAX_KS], recall[REC_MAX_KS], ndcg[REC_MAX_KS];
	double map[REC_MAX_KS], hit[REC_MAX_KS];
	double mrr;
	uint64_t auc_users;	/* groups with both kinds of rows */
	double auc;		/* mean per-group AUC (grouped rows only) */
};

/* ks is copied.  REC_EINVAL (no rec_error) for nk outside [1, REC_MAX_KS]
 * or a k outside [1, 1000000]. */
int rec_ranking_create(rec_ranking **out, const int *ks, int nk);
/* One user's list, best first: relevant[i] for each item, and how many
 * relevant items the user has in all (listed or not).  Always 0. */
int rec_ranking_add_list(rec_ranking *r, const unsigned char *relevant,
			 size_t n, size_t total_relevant);
/* One group of scored rows, labels 0/1 (any non-zero is relevant): ranked
 * here by score (ties in input order; AUC counts them half).  REC_ENOMEM
 * leaves r as it was. */
int rec_ranking_add_group(rec_ranking *r, const double *score,
			  const unsigned char *label, size_t n);
/* Held-out truth pairs (user and item columns) against recommendation
 * rows (user and item columns, each user's rows best first).  coverage:
 * distinct items in the evaluated users' first max(k) over catalogue items
 * (0: the items met in truth and recommendations).  Both readers are read
 * to the end.  On failure r and *coverage are as they were.  A truth pair
 * is known by "user TAB item", so CSV ids that hold a tab can be taken for
 * another pair. */
int rec_ranking_truth(rec_ranking *r, rec_reader *truth, rec_reader *recs,
		      rec_bad_row_fn bad_row, void *bad_arg, size_t catalogue,
		      double *coverage, struct rec_error *err);
/* Scored, labelled rows grouped by the reader's user column.  On failure
 * r is as it was. */
int rec_ranking_groups(rec_ranking *r, rec_reader *rows,
		       rec_bad_row_fn bad_row, void *bad_arg,
		       struct rec_error *err);
void rec_ranking_values(const rec_ranking *r, struct rec_rank_values *v);
/* One user's (or group's) ranking values, as the means are made of. */
struct rec_user_values {
	int nk;
	int ks[REC_MAX_KS];
	double precision[REC_MAX_KS], recall[REC_MAX_KS], ndcg[REC_MAX_KS];
	double map[REC_MAX_KS], hit[REC_MAX_KS];
	double rr;		/* 1 / rank of the first hit, 0 without one */
	size_t relevant;	/* the user's relevant items */
	int has_auc;		/* groups with both kinds of rows */
	double auc;
};
typedef void (*rec_user_fn)(const char *id, size_t len,
			    const struct rec_user_values *v, void *arg);
/* Call fn for each user evaluated by rec_ranking_truth and each group by
 * rec_ranking_groups, in the order they were first met, with the id (not
 * NUL-terminated) and its values. */
void rec_ranking_per_user(rec_ranking *r, rec_user_fn fn, void *arg);
void rec_ranking_free(rec_ranking *r);

#endif
