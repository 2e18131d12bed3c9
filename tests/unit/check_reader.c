/*
 * check_reader.c - unit tests for lib/reader.c: TSV and CSV event files,
 * plain and gzip, headers, several files, and every kind of bad row; the
 * same read from a descriptor and from memory.
 *
 * Most tests are rows of one table: input files, reader options, and the
 * transcript that reading them must give.  A transcript has one line per
 * call of rec_reader_next():
 *   "user item label[ w<weight>][ t<time>][ s<score>]"   a good row
 *   "E <file>:<line> <message>"                           REC_EBADROW
 *   "F <code> <file>:<line> <message>"                    a fatal error
 * with newlines inside ids written as "\n".
 */
#include <fcntl.h>

#include "internal.h"
#include "testutil.h"

#define NEED_ULI (REC_NEED_USER | REC_NEED_ITEM | REC_NEED_LABEL)

struct in_file {
	const char *name;
	const char *text;
	int len;		/* < 0: strlen(text) */
	int gz;			/* write it gzip-compressed */
};

/* A string literal and its length, NUL bytes inside included. */
#define LIT(s) s, (int)sizeof(s) - 1

enum { CSV_BY_NAME = 0, CSV_FORCE = 1, TSV_FORCE = 2 };

struct reader_case {
	const char *what;
	struct in_file files[3];
	/* options: NULL / 0 keep rec_reader_options_init's defaults */
	const char *user, *item, *label, *time, *weight, *score;
	int need;		/* 0: user, item and label */
	int csv_mode;
	int header;
	int has_positive;
	double positive;
	int regression;
	int soft;		/* soft labels */
	const char *want;
};

static const struct reader_case cases[] = {
	{ .what = "tsv, default columns",
	  .files = { { "a.tsv", "u1\ti1\t1\nu2\ti2\t0\nu3\ti3\t-1\n"
		       "u4\ti4\t1.0\n", -1, 0 } },
	  .want = "u1 i1 1\nu2 i2 0\nu3 i3 0\nu4 i4 1\n" },
	{ .what = "no newline at the end",
	  .files = { { "a.tsv", "u1\ti1\t1\nu2\ti2\t0", -1, 0 } },
	  .want = "u1 i1 1\nu2 i2 0\n" },
	{ .what = "empty file",
	  .files = { { "a.tsv", "", -1, 0 } },
	  .want = "" },
	{ .what = "blank lines skipped but counted",
	  .files = { { "a.tsv", "\nu1\ti1\t1\n\n\n\nu2\ti2\tx\nu3\ti3\t0\n",
		       -1, 0 } },
	  .want = "u1 i1 1\nE a.tsv:6 label 'x' is not a number\n"
		  "u3 i3 0\n" },
	{ .what = "crlf line ends",
	  .files = { { "a.tsv", "u1\ti1\t1\r\n\r\nu2\ti2\t0\r\nu3\ti3\tq\r\n"
		       "u4\ti4\t1\r\n", -1, 0 } },
	  .want = "u1 i1 1\nu2 i2 0\nE a.tsv:4 label 'q' is not a number\n"
		  "u4 i4 1\n" },
	{ .what = "tsv header, columns by name",
	  .files = { { "a.tsv", "click\tiid\tuid\n1\ta\tx\n0\tb\ty\n"
		       "z\tc\tw\n1\td\tv\n", -1, 0 } },
	  .user = "uid", .item = "iid", .label = "click",
	  .want = "x a 1\ny b 0\nE a.tsv:4 label 'z' is not a number\n"
		  "v d 1\n" },
	{ .what = "tsv header, columns by number",
	  .files = { { "a.tsv", "user\titem\tlabel\nu1\ti1\t1\n", -1, 0 } },
	  .header = 1,
	  .want = "u1 i1 1\n" },
	{ .what = "header only",
	  .files = { { "a.tsv", "user\titem\tlabel\n", -1, 0 } },
	  .header = 1,
	  .want = "" },
	{ .what = "csv, rfc 4180 quoting",
	  .files = { { "a.csv",
		       "u1,i1,1\n"			/* 1 */
		       "\"u,2\",\"i\"\"2\",0\n"		/* 2 */
		       "\"u\n"				/* 3 */
		       "3\",i3,1\n"			/* 4 */
		       "u4,i4,x\n"			/* 5 */
		       "\"u\n"				/* 6 */
		       "5\",i5,7\n"			/* 7 */
		       "u6,i6,0\n",			/* 8 */
		       -1, 0 } },
	  .want = "u1 i1 1\nu,2 i\"2 0\nu\\n3 i3 1\n"
		  "E a.csv:5 label 'x' is not a number\n"
		  "E a.csv:6 label '7' is not 0/1 or -1/1 (see --positive)\n"
		  "u6 i6 0\n" },
	{ .what = "csv header, columns by name, positive threshold",
	  .files = { { "a.csv", "user,item,rating\n\"a\",b,5\nc,d,2\n", -1,
		       0 } },
	  .label = "rating", .user = "user", .item = "item",
	  .has_positive = 1, .positive = 4,
	  .want = "a b 1\nc d 0\n" },
	{ .what = "csv crlf line ends, quoted newline",
	  .files = { { "a.csv", "u1,i1,1\r\n\"u\r\n2\",i2,0\r\n\r\n"
		       "u3,i3,y\r\n", -1, 0 } },
	  .want = "u1 i1 1\nu\\n2 i2 0\n"
		  "E a.csv:5 label 'y' is not a number\n" },
	{ .what = "csv blank lines",
	  .files = { { "a.csv", "\n\nu1,i1,1\n\nu2,i2,z\n", -1, 0 } },
	  .want = "u1 i1 1\nE a.csv:5 label 'z' is not a number\n" },
	{ .what = "csv unterminated quote",
	  .files = { { "a.csv", "u1,i1,1\n\"u2,i2,1\n", -1, 0 } },
	  .want = "u1 i1 1\nE a.csv:2 unterminated quoted field\n" },
	{ .what = "csv text after a closing quote",
	  .files = { { "a.csv", "u1,i1,1\n\"u\"x,i2,1\nu3,i3,0\n", -1, 0 } },
	  .want = "u1 i1 1\nE a.csv:2 malformed quoted field\nu3 i3 0\n" },
	{ .what = "csv wrong column count",
	  .files = { { "a.csv", "u1,i1,1\nu2,i2\nu3,i3,1,extra\nu4,i4,0\n",
		       -1, 0 } },
	  .want = "u1 i1 1\nE a.csv:2 expected 3 columns, found 2\n"
		  "E a.csv:3 expected 3 columns, found 4\nu4 i4 0\n" },
	{ .what = "csv NUL byte",
	  .files = { { "a.csv", LIT("u1,i1,1\nu\0x,i2,1\nu3,i3,0\n"), 0 } },
	  .want = "u1 i1 1\nE a.csv:2 NUL byte in line\nu3 i3 0\n" },
	{ .what = "csv forced on another name",
	  .files = { { "a.txt", "\"u,1\",i1,1\n", -1, 0 } },
	  .csv_mode = CSV_FORCE,
	  .want = "u,1 i1 1\n" },
	{ .what = "tsv forced on a .csv name",
	  .files = { { "a.csv", "u,1\ti1\t1\n", -1, 0 } },
	  .csv_mode = TSV_FORCE,
	  .want = "u,1 i1 1\n" },
	{ .what = "gzip tsv",
	  .files = { { "g.tsv.gz", "u1\ti1\t1\nu2\ti2\tbad\nu3\ti3\t0\n",
		       -1, 1 } },
	  .want = "u1 i1 1\nE g.tsv.gz:2 label 'bad' is not a number\n"
		  "u3 i3 0\n" },
	{ .what = "gzip csv, told by the name",
	  .files = { { "g.csv.gz", "\"u,1\",i1,1\n\"u\n2\",i2,0\n", -1, 1 } },
	  .want = "u,1 i1 1\nu\\n2 i2 0\n" },
	{ .what = "several files in order",
	  .files = { { "a.tsv", "a1\ti\t1\n", -1, 0 },
		     { "b.tsv", "\nb1\ti\t0\nb2\ti\tz\n", -1, 0 },
		     { "c.tsv.gz", "c1\ti\t1\nc2\ti\t3\n", -1, 1 } },
	  .want = "a1 i 1\nb1 i 0\nE b.tsv:3 label 'z' is not a number\n"
		  "c1 i 1\n"
		  "E c.tsv.gz:2 label '3' is not 0/1 or -1/1 "
		  "(see --positive)\n" },
	{ .what = "several files, each with a header",
	  .files = { { "a.tsv", "u\ti\tl\na1\tx\t1\n", -1, 0 },
		     { "b.tsv", "u\ti\tl\nb1\ty\t0\n", -1, 0 } },
	  .header = 1,
	  .want = "a1 x 1\nb1 y 0\n" },
	{ .what = "several files, csv and tsv mixed",
	  .files = { { "a.csv", "a,b,1\n", -1, 0 },
		     { "b.tsv", "c\td\t0\n", -1, 0 } },
	  .want = "a b 1\nc d 0\n" },
	{ .what = "tsv wrong column count",
	  .files = { { "a.tsv", "u1\ti1\t1\nu2\ti2\nu3\ti3\t1\t9\nu4\ti4\t0\n",
		       -1, 0 } },
	  .want = "u1 i1 1\nE a.tsv:2 expected 3 columns, found 2\n"
		  "E a.tsv:3 expected 3 columns, found 4\nu4 i4 0\n" },
	{ .what = "first row too short",
	  .files = { { "a.tsv", "u1\ti1\nu2\ti2\t1\n", -1, 0 } },
	  .want = "E a.tsv:1 label column 3 missing: row has 2 columns\n"
		  "u2 i2 1\n" },
	{ .what = "binary labels",
	  .files = { { "a.tsv", "a\tb\t2\na\tb\t0.5\na\tb\tyes\na\tb\t 1\n"
		       "a\tb\t1\n", -1, 0 } },
	  .want = "E a.tsv:1 label '2' is not 0/1 or -1/1 (see --positive)\n"
		  "E a.tsv:2 label '0.5' is not 0/1 or -1/1 "
		  "(see --positive)\n"
		  "E a.tsv:3 label 'yes' is not a number\n"
		  "E a.tsv:4 label ' 1' is not a number\n"
		  "a b 1\n" },
	{ .what = "positive threshold: label >= X is 1",
	  .files = { { "a.tsv", "a\tb\t5\na\tb\t4\na\tb\t3.99\na\tb\t1\n"
		       "a\tb\t-1\na\tb\t4.0001\na\tb\tx\na\tb\t0\n", -1,
		       0 } },
	  .has_positive = 1, .positive = 4,
	  .want = "a b 1\na b 1\na b 0\na b 0\na b 0\na b 1\n"
		  "E a.tsv:7 label 'x' is not a number\na b 0\n" },
	{ .what = "positive threshold 0",
	  .files = { { "a.tsv", "a\tb\t0\na\tb\t-0.5\na\tb\t7\n", -1, 0 } },
	  .has_positive = 1, .positive = 0,
	  .want = "a b 1\na b 0\na b 1\n" },
	{ .what = "soft labels: probabilities kept, others bad rows",
	  .files = { { "a.tsv", "a\tb\t0.25\na\tb\t0\na\tb\t1\na\tb\t-0.1\n"
		       "a\tb\t1.5\na\tb\tnan\na\tb\tabc\na\tb\t\n"
		       "a\tb\t-1\na\tb\t1e-3\n", -1, 0 } },
	  .soft = 1,
	  .want = "a b 0.25\na b 0\na b 1\n"
		  "E a.tsv:4 soft label '-0.1' is not in [0, 1]\n"
		  "E a.tsv:5 soft label '1.5' is not in [0, 1]\n"
		  "E a.tsv:6 label 'nan' is not a number\n"
		  "E a.tsv:7 label 'abc' is not a number\n"
		  "E a.tsv:8 label '' is not a number\n"
		  "E a.tsv:9 soft label '-1' is not in [0, 1]\n"
		  "a b 0.001\n" },
	{ .what = "regression labels kept",
	  .files = { { "a.tsv", "a\tb\t3.5\na\tb\t-2\na\tb\t1e3\na\tb\tn\n",
		       -1, 0 } },
	  .regression = 1,
	  .want = "a b 3.5\na b -2\na b 1000\n"
		  "E a.tsv:4 label 'n' is not a number\n" },
	{ .what = "NUL byte",
	  .files = { { "a.tsv", LIT("u1\ti1\t1\nu\0x\ti2\t1\nu3\ti3\t0\n"),
		       0 } },
	  .want = "u1 i1 1\nE a.tsv:2 NUL byte in line\nu3 i3 0\n" },
	{ .what = "long fields, control bytes, a late NUL",
	  /* the splitter reads eight bytes at a time: tabs, a NUL and
	   * bytes below and above the tab at every position of a word */
	  .files = { { "a.tsv", LIT("user-number-1\titem\x01\x08\x0b\x7f\x80x"
				    "\t1\nu2\ti2\t0\nuser-two-long\titem-"
				    "two\t1\0\nu\ti\t1\n"), 0 } },
	  .want = "user-number-1 item\x01\x08\x0b\x7f\x80x 1\nu2 i2 0\n"
		  "E a.tsv:3 NUL byte in line\nu i 1\n" },
	{ .what = "empty ids",
	  .files = { { "a.tsv", "\ti1\t1\nu2\t\t1\nu3\ti3\t1\n", -1, 0 } },
	  .want = "E a.tsv:1 empty user id\nE a.tsv:2 empty item id\n"
		  "u3 i3 1\n" },
	{ .what = "csv empty ids",
	  .files = { { "a.csv", "\"\",i1,1\nu2,,1\nu3,i3,1\n", -1, 0 } },
	  .want = "E a.csv:1 empty user id\nE a.csv:2 empty item id\n"
		  "u3 i3 1\n" },
	{ .what = "weight and time columns",
	  .files = { { "a.tsv", "u\ti\t1\t100\t2.5\nu\ti\t1\t100\t-2\n"
		       "u\ti\t1\t100\tw\nu\ti\t1\tt\t1\nu\ti\t0\t7\t0\n"
		       "u\ti\t1\t0\t1\n", -1, 0 } },
	  .time = "4", .weight = "5",
	  .want = "u i 1 w2.5 t100\nE a.tsv:2 weight '-2' is not in [0, 1e+06]\n"
		  "E a.tsv:3 weight 'w' is not a number\n"
		  "E a.tsv:4 time 't' is not a number or an ISO 8601 date and time\nu i 0 w0 t7\n"
		  "u i 1\n" },
	{ .what = "control bytes in a message",
	  .files = { { "a.tsv", "u\ti\ta\001b\n", -1, 0 } },
	  .want = "E a.tsv:1 label 'a?b' is not a number\n" },
	{ .what = "score in the last column",
	  .files = { { "a.tsv", "u\ti\t1\t0.25\nu\ti\t0\tx\n", -1, 0 } },
	  .score = "0", .need = NEED_ULI | REC_NEED_SCORE,
	  .want = "u i 1 s0.25\nE a.tsv:2 score 'x' is not a number\n" },
	{ .what = "score by name, no label needed",
	  .files = { { "a.csv", "s,u,i\n0.5,a,b\n", -1, 0 } },
	  .user = "u", .item = "i", .score = "s",
	  .need = REC_NEED_USER | REC_NEED_ITEM | REC_NEED_SCORE,
	  .want = "a b 0 s0.5\n" },
};

/* Append printf-style text to a growing string. */
struct text {
	char *p;
	size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		ck_assert_ptr_nonnull(t->p);
	}
	va_start(ap, fmt);
	vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* An id, with newlines shown as "\n". */
static void add_id(struct text *t, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			add(t, "\\n");
		else
			add(t, "%c", s[i]);
	}
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/*
 * Read everything from r into a transcript (caller frees).  Every bad row
 * must name a file in dir.  The reader's counters must agree with what was
 * seen.
 */
static char *transcript(rec_reader *r, const char *dir)
{
	struct text t = { 0 };
	add(&t, "%s", "");
	uint64_t good = 0, bad = 0;
	for (int calls = 0;; calls++) {
		ck_assert_msg(calls < 10000, "reader does not end");
		struct rec_row row;
		struct rec_error err;
		memset(&err, 0, sizeof(err));
		int rc = rec_reader_next(r, &row, &err);
		if (rc == 0)
			break;
		if (rc == 1) {
			good++;
			add_id(&t, row.user, row.user_len);
			add(&t, " ");
			add_id(&t, row.item, row.item_len);
			add(&t, " %g", row.label);
			if (row.weight != 1)
				add(&t, " w%g", row.weight);
			if (row.time != 0)
				add(&t, " t%g", row.time);
			if (row.score != 0)
				add(&t, " s%g", row.score);
			add(&t, "\n");
			continue;
		}
		if (rc == REC_EBADROW) {
			bad++;
			ck_assert_int_eq(err.code, REC_EBADROW);
			ck_assert_msg(strncmp(err.file, dir, strlen(dir)) == 0,
				      "bad row names file '%s'", err.file);
			add(&t, "E %s:%ld %s\n", base_name(err.file), err.line,
			    err.msg);
			continue;
		}
		ck_assert_int_eq(err.code, rc);
		add(&t, "F %d %s:%ld %s\n", rc, base_name(err.file), err.line,
		    err.msg);
		break;
	}
	ck_assert_uint_eq(rec_reader_rows(r), good);
	ck_assert_uint_eq(rec_reader_bad_rows(r), bad);
	return t.p;
}

static void case_options(const struct reader_case *c,
			 struct rec_reader_options *opt)
{
	rec_reader_options_init(opt);
	opt->need = c->need ? c->need : NEED_ULI;
	if (c->user)
		opt->columns.user = c->user;
	if (c->item)
		opt->columns.item = c->item;
	if (c->label)
		opt->columns.label = c->label;
	opt->columns.time = c->time;
	opt->columns.weight = c->weight;
	opt->columns.score = c->score;
	if (c->csv_mode == CSV_FORCE)
		opt->csv = 1;
	else if (c->csv_mode == TSV_FORCE)
		opt->csv = 0;
	opt->header = c->header;
	opt->has_positive = c->has_positive;
	opt->positive = c->positive;
	if (c->regression)
		opt->task = REC_TASK_REGRESSION;
	opt->soft_labels = c->soft;
}

START_TEST(test_reader_table)
{
	const struct reader_case *c = &cases[_i];
	char *dir = tu_mkdir();
	char *paths[3];
	int n = 0;
	for (; n < 3 && c->files[n].name; n++) {
		const struct in_file *f = &c->files[n];
		size_t len = f->len < 0 ? strlen(f->text) : (size_t)f->len;
		paths[n] = f->gz ? tu_write_gz(dir, f->name, f->text, len)
			: tu_write(dir, f->name, f->text, len);
	}
	struct rec_reader_options opt;
	case_options(c, &opt);
	rec_reader *r;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_open(&r, (const char *const *)paths, n,
					 &opt, &err), 0);
	char *got = transcript(r, dir);
	ck_assert_msg(strcmp(got, c->want) == 0,
		      "%s:\n--- got\n%s--- want\n%s", c->what, got, c->want);
	/* the end is sticky */
	struct rec_row row;
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 0);
	rec_reader_free(r);
	free(got);
	for (int i = 0; i < n; i++)
		free(paths[i]);
	free(dir);
}
END_TEST

/* ---- single-purpose tests ---- */

static rec_reader *open_one(const char *path, const char *columns_user,
			    int header)
{
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	if (columns_user)
		opt.columns.user = columns_user;
	opt.header = header;
	rec_reader *r;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_open(&r, &path, 1, &opt, &err), 0);
	return r;
}

START_TEST(test_reader_raw_and_header)
{
	char *dir = tu_mkdir();
	char *path = tu_write_str(dir, "a.tsv",
				  "user\titem\tlabel\r\nu1\ti1\t1\r\n");
	rec_reader *r = open_one(path, NULL, 1);
	size_t hlen = 99;
	ck_assert_ptr_null(rec_reader_header(r, &hlen));
	ck_assert_uint_eq(hlen, 0);
	struct rec_row row;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 1);
	ck_assert_uint_eq(row.raw_len, 7);	/* no CR, no LF */
	ck_assert_mem_eq(row.raw, "u1\ti1\t1", 7);
	ck_assert_uint_eq(row.user_len, 2);
	ck_assert_mem_eq(row.user, "u1", 2);
	ck_assert_double_eq(row.weight, 1);
	ck_assert_double_eq(row.time, 0);
	const char *h = rec_reader_header(r, &hlen);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(hlen, strlen("user\titem\tlabel"));
	ck_assert_mem_eq(h, "user\titem\tlabel", hlen);
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 0);
	rec_reader_free(r);
	free(path);

	/* a CSV row over several lines: raw holds them all */
	path = tu_write_str(dir, "b.csv", "\"a\nb\",i,1\n");
	r = open_one(path, NULL, 0);
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 1);
	ck_assert_uint_eq(row.raw_len, 9);
	ck_assert_mem_eq(row.raw, "\"a\nb\",i,1", 9);
	ck_assert_uint_eq(row.user_len, 3);
	ck_assert_mem_eq(row.user, "a\nb", 3);
	rec_reader_free(r);
	free(path);
	free(dir);
}
END_TEST

/*
 * A file: a good row, one line of exactly line_len bytes, and another good
 * row.  The middle line is a row that is good but for its length (a long
 * user id), or with field_len > 0, fields of field_len bytes (many more
 * than 3 columns: its length is not what is wrong with it).
 */
static char *long_line_file(const char *dir, const char *name, size_t line_len,
			    int csv, size_t field_len, int *fields)
{
	const char sep = csv ? ',' : '\t';
	const char *first = csv ? "u1,i1,1\n" : "u1\ti1\t1\n";
	const char *last = csv ? "u3,i3,0\n" : "u3\ti3\t0\n";
	size_t len = strlen(first) + line_len + 1 + strlen(last);
	char *text = malloc(len + 1);
	ck_assert_ptr_nonnull(text);
	char *p = text;
	memcpy(p, first, strlen(first));
	p += strlen(first);
	char *line = p;
	memset(line, 'a', line_len);
	if (field_len == 0) {
		/* "aaa...a<sep>i2<sep>1" */
		memcpy(line + line_len - 5, csv ? ",i2,1" : "\ti2\t1", 5);
		*fields = 3;
	} else {
		*fields = 1;
		for (size_t at = field_len; at < line_len - 1;
		     at += field_len + 1) {
			line[at] = sep;
			++*fields;
		}
	}
	p += line_len;
	*p++ = '\n';
	memcpy(p, last, strlen(last));
	p += strlen(last);
	ck_assert_uint_eq((size_t)(p - text), len);
	char *path = tu_write(dir, name, text, len);
	free(text);
	return path;
}

enum { LONG_OK, LONG_REFUSED, LONG_FIELDS };

static const struct {
	size_t line_len;
	int csv;
	int kind;
} long_lines[] = {
	{ REC_MAX_LINE, 0, LONG_OK },
	{ REC_MAX_LINE, 0, LONG_FIELDS },
	{ REC_MAX_LINE + 1, 0, LONG_REFUSED },
	{ REC_MAX_LINE + 4096, 0, LONG_REFUSED },
	{ 3 * REC_MAX_LINE, 0, LONG_REFUSED },
	/* CSV with one field of a megabyte is slow under sanitizers (libcsv
	 * grows its field buffer linearly): the limit is tried with many
	 * short fields instead */
	{ REC_MAX_LINE, 1, LONG_FIELDS },
	{ REC_MAX_LINE + 1, 1, LONG_REFUSED },
	{ REC_MAX_LINE + 4096, 1, LONG_REFUSED },
	{ 3 * REC_MAX_LINE, 1, LONG_REFUSED },
};

START_TEST(test_reader_long_line)
{
	size_t line_len = long_lines[_i].line_len;
	int csv = long_lines[_i].csv, kind = long_lines[_i].kind;
	char *dir = tu_mkdir();
	int fields;
	char *path = long_line_file(dir, csv ? "l.csv" : "l.tsv", line_len,
				    csv, kind == LONG_FIELDS ? 2048 : 0,
				    &fields);
	rec_reader *r = open_one(path, NULL, 0);
	struct rec_row row;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 1);
	ck_assert_mem_eq(row.user, "u1", 2);
	int rc = rec_reader_next(r, &row, &err);
	if (kind == LONG_OK) {
		ck_assert_msg(rc == 1, "a line of %zu bytes refused: %s",
			      line_len, err.msg);
		ck_assert_uint_eq(row.user_len, line_len - 5);
		ck_assert_uint_eq(row.raw_len, line_len);
	} else if (kind == LONG_FIELDS) {
		/* not refused for its length */
		char want[100];
		snprintf(want, sizeof(want), "expected 3 columns, found %d",
			 fields);
		ck_assert_int_eq(rc, REC_EBADROW);
		ck_assert_str_eq(err.msg, want);
		ck_assert_int_eq(err.line, 2);
	} else {
		ck_assert_msg(rc == REC_EBADROW,
			      "a %s line of %zu bytes (limit %d) gave %d, "
			      "not REC_EBADROW", csv ? "csv" : "tsv", line_len,
			      REC_MAX_LINE, rc);
		ck_assert_str_eq(err.file, path);
		ck_assert_int_eq(err.line, 2);
		ck_assert_msg(strstr(err.msg, "longer than 1048576 bytes") !=
			      NULL, "message '%s'", err.msg);
	}
	/* the next line is still read */
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 1);
	ck_assert_uint_eq(row.user_len, 2);
	ck_assert_mem_eq(row.user, "u3", 2);
	ck_assert_mem_eq(row.item, "i3", 2);
	ck_assert_double_eq(row.label, 0);
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 0);
	ck_assert_uint_eq(rec_reader_rows(r), kind == LONG_OK ? 3 : 2);
	ck_assert_uint_eq(rec_reader_bad_rows(r), kind == LONG_OK ? 0 : 1);
	rec_reader_free(r);
	free(path);
	free(dir);
}
END_TEST

/* An over-long last line without a newline is refused too. */
START_TEST(test_reader_long_last_line)
{
	int csv = _i;
	char *dir = tu_mkdir();
	size_t len = 8 + REC_MAX_LINE + 1;
	char *text = malloc(len);
	ck_assert_ptr_nonnull(text);
	memcpy(text, csv ? "u1,i1,1\n" : "u1\ti1\t1\n", 8);
	memset(text + 8, 'a', REC_MAX_LINE + 1);
	memcpy(text + len - 5, csv ? ",i2,1" : "\ti2\t1", 5);
	char *path = tu_write(dir, csv ? "l.csv" : "l.tsv", text, len);
	free(text);
	rec_reader *r = open_one(path, NULL, 0);
	struct rec_row row;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 1);
	ck_assert_int_eq(rec_reader_next(r, &row, &err), REC_EBADROW);
	ck_assert_int_eq(err.line, 2);
	ck_assert_ptr_nonnull(strstr(err.msg, "longer than"));
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 0);
	ck_assert_uint_eq(rec_reader_rows(r), 1);
	ck_assert_uint_eq(rec_reader_bad_rows(r), 1);
	rec_reader_free(r);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_reader_long_field_in_message)
{
	char *dir = tu_mkdir();
	char text[200];
	memcpy(text, "u\ti\t", 4);
	memset(text + 4, '7', 100);
	memcpy(text + 104, "x\n", 3);
	char *path = tu_write_str(dir, "a.tsv", text);
	rec_reader *r = open_one(path, NULL, 0);
	struct rec_row row;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_next(r, &row, &err), REC_EBADROW);
	/* the field is cut short in the message */
	ck_assert_ptr_nonnull(strstr(err.msg, "..."));
	ck_assert_uint_lt(strlen(err.msg), 100);
	ck_assert(strncmp(err.msg, "label '777", 10) == 0);
	rec_reader_free(r);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_reader_unknown_header_name)
{
	char *dir = tu_mkdir();
	char *path = tu_write_str(dir, "a.tsv",
				  "user\titem\tlabel\nu1\ti1\t1\n");
	rec_reader *r = open_one(path, "nope", 0);
	struct rec_row row;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(rec_reader_next(r, &row, &err), REC_EINVAL);
	ck_assert_int_eq(err.code, REC_EINVAL);
	ck_assert_str_eq(err.file, path);
	ck_assert_int_eq(err.line, 1);
	ck_assert_str_eq(err.msg, "no column named 'nope' in the header");
	ck_assert_uint_eq(rec_reader_rows(r), 0);
	rec_reader_free(r);

	/* a column number past the header */
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	opt.header = 1;
	opt.columns.label = "5";
	ck_assert_int_eq(rec_reader_open(&r, (const char *const *)&path, 1,
					 &opt, &err), 0);
	ck_assert_int_eq(rec_reader_next(r, &row, &err), REC_EINVAL);
	ck_assert_int_eq(err.line, 1);
	ck_assert_str_eq(err.msg,
			 "label column 5 is past the 3 columns of the header");
	rec_reader_free(r);

	/* the same in CSV */
	free(path);
	path = tu_write_str(dir, "b.csv", "user,item,label\nu1,i1,1\n");
	r = open_one(path, "nope", 0);
	ck_assert_int_eq(rec_reader_next(r, &row, &err), REC_EINVAL);
	ck_assert_str_eq(err.file, path);
	ck_assert_int_eq(err.line, 1);
	ck_assert_str_eq(err.msg, "no column named 'nope' in the header");
	rec_reader_free(r);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_reader_missing_file)
{
	char *dir = tu_mkdir();
	char *good = tu_write_str(dir, "a.tsv", "u1\ti1\t1\n");
	char *missing = tu_path(dir, "missing.tsv");
	const char *files[2] = { good, missing };
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	rec_reader *r;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(rec_reader_open(&r, files, 2, &opt, &err), 0);
	struct rec_row row;
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 1);
	ck_assert_int_eq(rec_reader_next(r, &row, &err), REC_EIO);
	ck_assert_int_eq(err.code, REC_EIO);
	ck_assert_str_eq(err.file, missing);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot open"));
	rec_reader_free(r);

	/* only a missing file */
	ck_assert_int_eq(rec_reader_open(&r, files + 1, 1, &opt, &err), 0);
	ck_assert_int_eq(rec_reader_next(r, &row, &err), REC_EIO);
	ck_assert_str_eq(err.file, missing);
	rec_reader_free(r);
	free(good);
	free(missing);
	free(dir);
}
END_TEST

struct bad_options_case {
	const char *user, *label, *score;
	int need;
	const char *msg;
};

static const struct bad_options_case bad_options[] = {
	{ "", "3", NULL, NEED_ULI, "empty user column name" },
	{ "0", "3", NULL, NEED_ULI, "user column '0' is not in [1, 1024]" },
	{ "1025", "3", NULL, NEED_ULI,
	  "user column '1025' is not in [1, 1024]" },
	{ "1", NULL, NULL, NEED_ULI, "no label column given" },
	{ NULL, "3", NULL, NEED_ULI, "no user column given" },
	{ "1", "", NULL, NEED_ULI, "empty label column name" },
};

START_TEST(test_reader_bad_options)
{
	const struct bad_options_case *c = &bad_options[_i];
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.columns.user = c->user;
	opt.columns.label = c->label;
	opt.columns.score = c->score;
	opt.need = c->need;
	static int dummy;
	rec_reader *r = (rec_reader *)(void *)&dummy;	/* must be reset */
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	const char *files[1] = { "unused.tsv" };
	ck_assert_int_eq(rec_reader_open(&r, files, 1, &opt, &err),
			 REC_EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(err.code, REC_EINVAL);
	ck_assert_str_eq(err.msg, c->msg);
}
END_TEST

/* Soft labels go with task binary and no positive threshold only. */
START_TEST(test_reader_soft_options)
{
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	opt.soft_labels = 1;
	const char *files[1] = { "unused.tsv" };
	rec_reader *r;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_open(&r, files, 1, &opt, &err), 0);
	rec_reader_free(r);
	opt.has_positive = 1;
	ck_assert_int_eq(rec_reader_open(&r, files, 1, &opt, &err),
			 REC_EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(err.msg, "soft labels"));
	opt.has_positive = 0;
	opt.task = REC_TASK_REGRESSION;
	ck_assert_int_eq(rec_reader_open(&r, files, 1, &opt, &err),
			 REC_EINVAL);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_reader_free_null)
{
	rec_reader_free(NULL);
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	ck_assert_str_eq(opt.columns.user, "1");
	ck_assert_str_eq(opt.columns.item, "2");
	ck_assert_str_eq(opt.columns.label, "3");
	ck_assert_ptr_null(opt.columns.time);
	ck_assert_ptr_null(opt.columns.weight);
	ck_assert_int_eq(opt.csv, -1);
	ck_assert_int_eq(opt.header, 0);
	ck_assert_int_eq(opt.has_positive, 0);
	ck_assert_int_eq(opt.task, REC_TASK_BINARY);
}
END_TEST

/* Many rows through the block buffer: nothing lost or split at refills. */
START_TEST(test_reader_many_rows)
{
	/* 3.6 MB a file: more than the reader's block buffer */
	enum { N = 80000 };
	char *dir = tu_mkdir();
	struct text t = { 0 };
	for (int i = 0; i < N; i++)
		add(&t, "user%d\titem-with-a-longer-name-%d\t%d\n", i,
		    i % 977, i % 2);
	ck_assert_uint_gt(t.len, 3 * REC_MAX_LINE);
	char *plain = tu_write(dir, "m.tsv", t.p, t.len);
	char *gz = tu_write_gz(dir, "m.tsv.gz", t.p, t.len);
	free(t.p);
	const char *files[2] = { plain, gz };
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	rec_reader *r;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_open(&r, files, 2, &opt, &err), 0);
	struct rec_row row;
	for (int i = 0; i < 2 * N; i++) {
		int rc = rec_reader_next(r, &row, &err);
		TU_CHECK(rc == 1, "row %d: %d %s", i, rc, err.msg);
		char want[64];
		int n = snprintf(want, sizeof(want), "user%d", i % N);
		TU_CHECK(row.user_len == (size_t)n &&
			 memcmp(row.user, want, (size_t)n) == 0 &&
			 row.label == (i % N) % 2, "row %d is '%.*s'", i,
			 (int)row.raw_len, row.raw);
	}
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 0);
	ck_assert_uint_eq(rec_reader_rows(r), 2 * N);
	ck_assert_uint_eq(rec_reader_bad_rows(r), 0);
	rec_reader_free(r);
	free(plain);
	free(gz);
	free(dir);
}
END_TEST

START_TEST(test_reader_is_csv)
{
	char *dir = tu_mkdir();
	char *a = tu_write_str(dir, "a.csv", "u,i,1\n");
	char *b = tu_write_str(dir, "b.tsv", "u\ti\t1\n");
	char *c = tu_write_gz(dir, "c.csv.gz", "u,i,0\n", 6);
	const char *files[3] = { a, b, c };
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	rec_reader *r;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_open(&r, files, 3, &opt, &err), 0);
	struct rec_row row;
	static const int want[3] = { 1, 0, 1 };
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(rec_reader_next(r, &row, &err), 1);
		ck_assert_int_eq(rec_reader_is_csv(r), want[i]);
	}
	rec_reader_free(r);
	/* forced either way */
	opt.csv = 0;
	ck_assert_int_eq(rec_reader_open(&r, files, 1, &opt, &err), 0);
	/* "u,i,1" read as TSV is one field */
	ck_assert_int_eq(rec_reader_next(r, &row, &err), REC_EBADROW);
	ck_assert_str_eq(err.msg, "item column 2 missing: row has 1 columns; "
			 "the input looks like CSV: use --csv");
	ck_assert_int_eq(rec_reader_is_csv(r), 0);
	rec_reader_free(r);
	free(a);
	free(b);
	free(c);
	free(dir);
}
END_TEST

/* ---- reading from a descriptor and from memory ---- */

/* Every case of the table again, its files read back into memory (gzip
 * stays gzip) and named by their paths: the transcript must be the same. */
START_TEST(test_reader_table_mem)
{
	const struct reader_case *c = &cases[_i];
	char *dir = tu_mkdir();
	char *paths[3];
	void *bytes[3];
	struct rec_mem_input in[3];
	int n = 0;
	for (; n < 3 && c->files[n].name; n++) {
		const struct in_file *f = &c->files[n];
		size_t len = f->len < 0 ? strlen(f->text) : (size_t)f->len;
		paths[n] = f->gz ? tu_write_gz(dir, f->name, f->text, len)
			: tu_write(dir, f->name, f->text, len);
		bytes[n] = tu_read(paths[n], &in[n].len);
		in[n].data = bytes[n];
		in[n].name = paths[n];
	}
	struct rec_reader_options opt;
	case_options(c, &opt);
	rec_reader *r;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_open_mem(&r, in, n, &opt, &err), 0);
	char *got = transcript(r, dir);
	ck_assert_msg(strcmp(got, c->want) == 0,
		      "%s:\n--- got\n%s--- want\n%s", c->what, got, c->want);
	struct rec_row row;
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 0);
	rec_reader_free(r);
	free(got);
	for (int i = 0; i < n; i++) {
		free(bytes[i]);
		free(paths[i]);
	}
	free(dir);
}
END_TEST

/* A live stream through a pipe: each line is delivered as it comes, the
 * wait callback is asked before each read, a pause returns REC_PAUSED and
 * the next call goes on, a stop ends the input and drops the unfinished
 * line; in CSV no pause comes in the middle of a row spanning lines. */
struct wait_script {
	int fd;			/* the pipe's write end */
	const char *const *feed;	/* written at each wait, in turn */
	const int *answer;	/* what each wait answers */
	int waits;
};

static int scripted_wait(int fd, void *arg)
{
	struct wait_script *w = arg;
	ck_assert_int_ge(fd, 0);
	int i = w->waits++;
	if (w->feed[i]) {
		size_t n = strlen(w->feed[i]);
		ck_assert_int_eq(write(w->fd, w->feed[i], n), (ssize_t)n);
	}
	return w->answer[i];
}

static int read_live(const char *const *feed, const int *answer, int csv,
		     char *got, size_t cap, uint64_t *dropped)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.columns.label = NULL;
	opt.csv = csv;
	rec_reader *r;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_open_fd(&r, p[0], "live", &opt, &err), 0);
	close(p[0]);
	struct wait_script w = { p[1], feed, answer, 0 };
	rec_reader_on_wait(r, scripted_wait, &w);
	struct rec_row row;
	int rc;
	got[0] = '\0';
	while ((rc = rec_reader_next(r, &row, &err)) != 0) {
		size_t len = strlen(got);
		if (rc == REC_PAUSED)
			snprintf(got + len, cap - len, "|");
		else
			snprintf(got + len, cap - len, "%.*s;",
				 (int)row.user_len, row.user);
	}
	*dropped = rec_reader_dropped(r);
	rec_reader_free(r);
	close(p[1]);
	return w.waits;
}

START_TEST(test_reader_live)
{
	char got[256];
	uint64_t dropped;
	/* each write is one wait; an empty line of the pipe is none */
	const char *const feed[] = { "a\t1\nb\t", "2\n", NULL, "c\t3\nd\t4",
				     NULL };
	const int answer[] = { REC_WAIT_READ, REC_WAIT_READ, REC_WAIT_PAUSE,
			       REC_WAIT_READ, REC_WAIT_STOP };
	int waits = read_live(feed, answer, 0, got, sizeof(got), &dropped);
	ck_assert_str_eq(got, "a;b;|c;");
	ck_assert_int_eq(waits, 5);
	ck_assert_uint_eq(dropped, 3);	/* "d\t4" had no newline */

	/* CSV: the pause asked in the middle of a quoted field that spans
	 * lines waits for the row's end */
	const char *const csv_feed[] = { "a,1\n\"b\nb\",", "2\n", NULL,
					 "\"e", NULL };
	const int csv_answer[] = { REC_WAIT_READ, REC_WAIT_PAUSE,
				   REC_WAIT_PAUSE, REC_WAIT_READ,
				   REC_WAIT_STOP };
	waits = read_live(csv_feed, csv_answer, 1, got, sizeof(got),
			  &dropped);
	ck_assert_str_eq(got, "a;b\nb;|");
	ck_assert_int_eq(waits, 5);
	ck_assert_uint_eq(dropped, 2);
}
END_TEST

/* The cases of one file, read through a descriptor. */
START_TEST(test_reader_table_fd)
{
	const struct reader_case *c = &cases[_i];
	if (c->files[1].name)
		return;
	char *dir = tu_mkdir();
	const struct in_file *f = &c->files[0];
	size_t len = f->len < 0 ? strlen(f->text) : (size_t)f->len;
	char *path = f->gz ? tu_write_gz(dir, f->name, f->text, len)
		: tu_write(dir, f->name, f->text, len);
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	struct rec_reader_options opt;
	case_options(c, &opt);
	rec_reader *r;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_open_fd(&r, fd, path, &opt, &err), 0);
	char *got = transcript(r, dir);
	ck_assert_msg(strcmp(got, c->want) == 0,
		      "%s:\n--- got\n%s--- want\n%s", c->what, got, c->want);
	rec_reader_free(r);
	/* the descriptor is still the caller's, read to the end */
	char b;
	ck_assert_int_eq(read(fd, &b, 1), 0);
	ck_assert_int_eq(close(fd), 0);
	free(got);
	free(path);
	free(dir);
}
END_TEST

/* gzip in memory as from a file: members one after another, bytes after a
 * member an error (as for gzip -t), a member cut short an error, and a
 * lone 0x1f byte plain text. */
START_TEST(test_reader_mem_gzip_rules)
{
	char *dir = tu_mkdir();
	char *p1 = tu_write_gz(dir, "a.gz", "u1\ti1\t1\n", 8);
	char *p2 = tu_write_gz(dir, "b.gz", "u2\ti2\t0\n", 8);
	size_t n1, n2;
	unsigned char *g1 = tu_read(p1, &n1), *g2 = tu_read(p2, &n2);
	unsigned char *buf = malloc(n1 + n2 + 4);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, g1, n1);
	memcpy(buf + n1, g2, n2);
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	struct rec_mem_input in = { buf, n1 + n2, NULL };
	rec_reader *r;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(rec_reader_open_mem(&r, &in, 1, &opt, &err), 0);
	char *got = transcript(r, "");
	ck_assert_str_eq(got, "u1 i1 1\nu2 i2 0\n");
	rec_reader_free(r);
	free(got);

	memcpy(buf + n1, "junk", 4);	/* after a member: damage */
	in.len = n1 + 4;
	ck_assert_int_eq(rec_reader_open_mem(&r, &in, 1, &opt, &err), 0);
	got = transcript(r, "");
	char want[128];
	snprintf(want, sizeof(want), "u1 i1 1\nF -1 (memory):2 read error: "
		 "trailing garbage at byte %zu (after gzip member 1)\n", n1);
	ck_assert_str_eq(got, want);
	rec_reader_free(r);
	free(got);

	in.len = n1 - 3;		/* cut short: an error, named */
	ck_assert_int_eq(rec_reader_open_mem(&r, &in, 1, &opt, &err), 0);
	got = transcript(r, "");
	/* the whole line was inflated before the trailer was found short */
	ck_assert_str_eq(got, "u1 i1 1\nF -1 (memory):2 read error: gzip "
			 "member 1 is cut short (unexpected end of file)\n");
	rec_reader_free(r);
	free(got);

	static const char lone[] = "\x1f";	/* one byte: not gzip */
	in.data = lone;
	in.len = 1;
	opt.need = REC_NEED_USER;
	opt.columns.item = NULL;
	opt.columns.label = NULL;
	ck_assert_int_eq(rec_reader_open_mem(&r, &in, 1, &opt, &err), 0);
	struct rec_row row;
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 1);
	ck_assert_uint_eq(row.user_len, 1);
	ck_assert_int_eq(row.user[0], 0x1f);
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 0);
	rec_reader_free(r);
	free(buf);
	free(g1);
	free(g2);
	free(p1);
	free(p2);
	free(dir);
}
END_TEST

/* The reader never writes to the caller's bytes, CSV included (which
 * ends each line with a newline in its own buffer), and names default. */
START_TEST(test_reader_mem_untouched)
{
	static const char text[] = "user,item,label\nu1,\"i\n1\",1\nu2,i2,x";
	char *copy = strdup(text);
	ck_assert_ptr_nonnull(copy);
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	opt.csv = 1;
	opt.header = 1;
	struct rec_mem_input in[2] = { { copy, strlen(copy), "x.csv" },
				       { copy, strlen(copy), NULL } };
	rec_reader *r;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_open_mem(&r, in, 2, &opt, &err), 0);
	char *got = transcript(r, "");
	ck_assert_str_eq(got, "u1 i\\n1 1\nE x.csv:4 label 'x' is not a number\n"
			 "u1 i\\n1 1\nE (memory):4 label 'x' is not a number\n");
	ck_assert_str_eq(copy, text);
	rec_reader_free(r);
	free(got);

	/* no inputs: nothing to read */
	ck_assert_int_eq(rec_reader_open_mem(&r, in, 0, &opt, &err), 0);
	struct rec_row row;
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 0);
	rec_reader_free(r);
	free(copy);
}
END_TEST

/* The caller may close its descriptor as soon as the reader is open. */
START_TEST(test_reader_fd_closed_at_once)
{
	char *dir = tu_mkdir();
	const char text[] = "u1\ti1\t1\nu2\ti2\t0\n";
	char *path = tu_write(dir, "a.tsv", text, strlen(text));
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	rec_reader *r;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_open_fd(&r, fd, path, &opt, &err), 0);
	ck_assert_int_eq(close(fd), 0);
	struct rec_row row;
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 1);
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 1);
	ck_assert_int_eq(rec_reader_next(r, &row, &err), 0);
	rec_reader_free(r);
	free(path);
	free(dir);
}
END_TEST

/* A descriptor that is not open is refused at once, by its name. */
START_TEST(test_reader_fd_bad)
{
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	rec_reader *r;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(rec_reader_open_fd(&r, -1, NULL, &opt, &err), REC_EIO);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err.file, "(input)");
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot read"));
	/* bad options are refused as by rec_reader_open */
	opt.columns.user = "";
	ck_assert_int_eq(rec_reader_open_fd(&r, 0, "x", &opt, &err),
			 REC_EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(rec_reader_open_mem(&r, NULL, 0, &opt, &err),
			 REC_EINVAL);
	ck_assert_ptr_null(r);
}
END_TEST

/* Every allocation of opening and reading gzip CSV from memory (libcsv's
 * and zlib's included) may fail: the reader then reports REC_ENOMEM,
 * never a bad row, and frees everything (ASan checks). */
START_TEST(test_reader_mem_oom)
{
	char *dir = tu_mkdir();
	char *path = tu_write_gz(dir, "a.csv.gz",
				 "u1,\"i,1\",1\nu2,i2,0\n", 19);
	size_t len;
	void *gz = tu_read(path, &len);
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.need = NEED_ULI;
	struct rec_mem_input in = { gz, len, "a.csv.gz" };
	/* _i: the nth allocation fails alone, or with every one after it
	 * (libcsv tries again with less when one fails) */
	int succeeded = 0;
	for (long nth = 1; nth < 1000 && !succeeded; nth++) {
		rec_alloc_fail_at(nth, _i);
		rec_reader *r;
		struct rec_error err;
		int rc = rec_reader_open_mem(&r, &in, 1, &opt, &err);
		int rows = 0;
		if (rc == 0) {
			struct rec_row row;
			while ((rc = rec_reader_next(r, &row, &err)) == 1)
				rows++;
			rec_reader_free(r);
		} else {
			ck_assert_ptr_null(r);
		}
		ck_assert_msg(rc == 0 || rc == REC_ENOMEM,
			      "allocation %ld: code %d", nth, rc);
		if (rc == 0) {
			ck_assert_int_eq(rows, 2);
			succeeded = rec_alloc_count() < nth;
		}
	}
	rec_alloc_fail_at(0, 0);
	ck_assert(succeeded);
	free(gz);
	free(path);
	free(dir);
}
END_TEST

static Suite *reader_suite(void)
{
	Suite *s = suite_create("reader");
	TCase *tc = tcase_create("table");
	tcase_add_loop_test(tc, test_reader_table, 0,
			    (int)TU_ARRAY_LEN(cases));
	tcase_add_loop_test(tc, test_reader_table_mem, 0,
			    (int)TU_ARRAY_LEN(cases));
	tcase_add_loop_test(tc, test_reader_table_fd, 0,
			    (int)TU_ARRAY_LEN(cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("fd and memory");
	tcase_add_test(tc, test_reader_mem_gzip_rules);
	tcase_add_test(tc, test_reader_mem_untouched);
	tcase_add_test(tc, test_reader_fd_bad);
	tcase_add_test(tc, test_reader_fd_closed_at_once);
	tcase_add_loop_test(tc, test_reader_mem_oom, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("single");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_reader_raw_and_header);
	tcase_add_loop_test(tc, test_reader_long_line, 0,
			    (int)TU_ARRAY_LEN(long_lines));
	tcase_add_loop_test(tc, test_reader_long_last_line, 0, 2);
	tcase_add_test(tc, test_reader_long_field_in_message);
	tcase_add_test(tc, test_reader_unknown_header_name);
	tcase_add_test(tc, test_reader_missing_file);
	tcase_add_loop_test(tc, test_reader_bad_options, 0,
			    (int)TU_ARRAY_LEN(bad_options));
	tcase_add_test(tc, test_reader_free_null);
	tcase_add_test(tc, test_reader_soft_options);
	tcase_add_test(tc, test_reader_is_csv);
	tcase_add_test(tc, test_reader_many_rows);
	tcase_add_test(tc, test_reader_live);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(reader_suite)
