/*
 * reader.c - event rows from TSV or CSV files, plain or gzip.
 *
 * TSV has a hand-written fast path: a large block buffer, memchr for line
 * ends and tabs, no copies.  CSV goes through libcsv one physical line at a
 * time, so that a row's line number is known even when a quoted field spans
 * several lines.  zlib's gzread reads plain files transparently, so one code
 * path serves both.
 */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"

#define BUF_SIZE (2 * REC_MAX_LINE + 65536)

enum { COL_USER, COL_ITEM, COL_LABEL, COL_TIME, COL_WEIGHT, COL_SCORE,
       NCOLS };
static const char *const column_role[NCOLS] = {
	"user", "item", "label", "time", "weight", "score"
};

struct rec_reader {
	struct rec_reader_options opt;
	char *spec[NCOLS];	/* owned copies of the column options */
	int need_col[NCOLS];	/* the column must be present */
	int col[NCOLS];		/* 0-based index, -1 absent, -2 last column */
	int ncols;		/* columns per row, 0 until known */
	int rcol[NCOLS];	/* col[] resolved for ncols columns */
	int header;		/* the first line of each file is a header */
	int csv;

	char **files;
	int nfiles, file_index;
	const char *name;	/* current file, for messages */
	gzFile gz;
	int eof;
	long line;		/* line number of the last line returned */
	int at_file_start;

	char *buf;
	size_t pos, end;

	char *header_line;
	size_t header_len;

	/* CSV state */
	struct csv_parser csvp;
	int csv_ready;
	char *fbuf;		/* field text of the current row */
	size_t fbuf_len, fbuf_cap;
	size_t foff[REC_MAX_FIELDS + 1];
	int nfields;
	int row_done;
	int too_many;
	char *raw;		/* raw text of a CSV row (may span lines) */
	size_t raw_len, raw_cap;

	/* split fields of the current row */
	const char *f[REC_MAX_FIELDS];
	size_t flen[REC_MAX_FIELDS];

	uint64_t rows, bad;
};

void rec_reader_options_init(struct rec_reader_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->columns.user = "1";
	opt->columns.item = "2";
	opt->columns.label = "3";
	opt->columns.time = NULL;
	opt->csv = -1;
	opt->task = REC_TASK_BINARY;
}

static int is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = rec_malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

void rec_reader_free(rec_reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	if (r->csv_ready)
		csv_free(&r->csvp);
	for (int i = 0; i < NCOLS; i++)
		rec_free(r->spec[i]);
	for (int i = 0; i < r->nfiles; i++)
		rec_free(r->files[i]);
	rec_free(r->files);
	rec_free(r->buf);
	rec_free(r->header_line);
	rec_free(r->fbuf);
	rec_free(r->raw);
	rec_free(r);
}

int rec_reader_open(rec_reader **out, const char *const *files, int nfiles,
		    const struct rec_reader_options *opt, struct rec_error *err)
{
	*out = NULL;
	rec_reader *r = rec_calloc(1, sizeof(*r));
	if (!r)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	r->opt = *opt;
	const char *specs[NCOLS] = {
		opt->columns.user, opt->columns.item, opt->columns.label,
		opt->columns.time, opt->columns.weight, opt->columns.score
	};
	int needs[NCOLS] = {
		opt->need & REC_NEED_USER, opt->need & REC_NEED_ITEM,
		opt->need & REC_NEED_LABEL, 0, 0, opt->need & REC_NEED_SCORE
	};
	r->header = opt->header;
	for (int i = 0; i < NCOLS; i++) {
		r->col[i] = -1;
		if (!specs[i] || (i == COL_SCORE && strcmp(specs[i], "0") == 0)) {
			if (i == COL_SCORE && needs[i])
				r->col[i] = -2;
			else if (needs[i]) {
				rec_reader_free(r);
				return rec_fail(err, REC_EINVAL, NULL, 0,
						"no %s column given",
						column_role[i]);
			}
			continue;
		}
		if (!*specs[i]) {
			rec_reader_free(r);
			return rec_fail(err, REC_EINVAL, NULL, 0,
					"empty %s column name", column_role[i]);
		}
		r->spec[i] = dup_str(specs[i]);
		if (!r->spec[i]) {
			rec_reader_free(r);
			return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
		}
		r->need_col[i] = 1;
		if (is_number(specs[i])) {
			long c;
			if (rec_parse_long(specs[i], strlen(specs[i]), 1,
					   REC_MAX_FIELDS, &c) != 0) {
				rec_reader_free(r);
				return rec_fail(err, REC_EINVAL, NULL, 0,
						"%s column '%s' is not in [1, %d]",
						column_role[i], specs[i],
						REC_MAX_FIELDS);
			}
			r->col[i] = (int)c - 1;
		} else {
			r->header = 1;	/* a name needs a header line */
		}
	}
	static const char *const stdin_only[] = { "-" };
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	r->files = rec_calloc((size_t)nfiles, sizeof(*r->files));
	r->buf = rec_malloc(BUF_SIZE + 1);	/* + 1: next_csv ends lines with '\n' */
	if (!r->files || !r->buf) {
		rec_reader_free(r);
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	}
	for (int i = 0; i < nfiles; i++) {
		r->files[i] = dup_str(files[i]);
		if (!r->files[i]) {
			rec_reader_free(r);
			return rec_fail(err, REC_ENOMEM, NULL, 0,
					"out of memory");
		}
		r->nfiles++;
	}
	r->file_index = -1;
	r->eof = 1;
	*out = r;
	return 0;
}

const char *rec_reader_header(const rec_reader *r, size_t *len)
{
	*len = r->header_len;
	return r->header_line;
}

int rec_reader_is_csv(const rec_reader *r)
{
	return r->csv;
}

uint64_t rec_reader_rows(const rec_reader *r)
{
	return r->rows;
}

uint64_t rec_reader_bad_rows(const rec_reader *r)
{
	return r->bad;
}

static int csv_reset(rec_reader *r)
{
	if (r->csv_ready)
		csv_free(&r->csvp);
	r->csv_ready = 0;
	if (csv_init(&r->csvp, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return REC_ENOMEM;
	r->csv_ready = 1;
	r->nfields = 0;
	r->fbuf_len = 0;
	r->row_done = 0;
	r->too_many = 0;
	r->raw_len = 0;
	return 0;
}

/* Move to the next file; 0 when there is one, 1 when all are read. */
static int open_next(rec_reader *r, struct rec_error *err)
{
	if (r->gz) {
		gzclose(r->gz);
		r->gz = NULL;
	}
	if (++r->file_index >= r->nfiles)
		return 1;
	r->name = r->files[r->file_index];
	int fd;
	if (strcmp(r->name, "-") == 0) {
		fd = dup(STDIN_FILENO);
		r->name = "(stdin)";
	} else {
		fd = open(r->name, O_RDONLY);
	}
	if (fd < 0)
		return rec_fail(err, REC_EIO, r->name, 0, "cannot open: %s",
				strerror(errno));
	r->gz = gzdopen(fd, "rb");
	if (!r->gz) {
		close(fd);
		return rec_fail(err, REC_ENOMEM, r->name, 0, "out of memory");
	}
	gzbuffer(r->gz, 1 << 17);
	r->csv = r->opt.csv >= 0 ? r->opt.csv
		: (ends_with(r->name, ".csv") || ends_with(r->name, ".csv.gz"));
	if (r->csv && csv_reset(r) != 0)
		return rec_fail(err, REC_ENOMEM, r->name, 0, "out of memory");
	r->pos = r->end = 0;
	r->eof = 0;
	r->line = 0;
	r->at_file_start = 1;
	return 0;
}

/* Fill the buffer; keeps [pos, end).  0, or a fatal code. */
static int refill(rec_reader *r, struct rec_error *err)
{
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
	}
	while (!r->eof && r->end < BUF_SIZE) {
		int n = gzread(r->gz, r->buf + r->end,
			       (unsigned)(BUF_SIZE - r->end));
		if (n < 0) {
			int code;
			const char *msg = gzerror(r->gz, &code);
			if (code == Z_ERRNO)
				msg = strerror(errno);
			return rec_fail(err, REC_EIO, r->name, r->line + 1,
					"read error: %s", msg);
		}
		if (n == 0) {
			/* zlib ends a cut-short gzip stream quietly: ask */
			int code;
			const char *msg = gzerror(r->gz, &code);
			if (code != Z_OK)
				return rec_fail(err, REC_EIO, r->name,
						r->line + 1, "read error: %s",
						msg);
			r->eof = 1;
			break;
		}
		r->end += (size_t)n;
		if (r->end - r->pos > REC_MAX_LINE)
			break;
	}
	return 0;
}

/*
 * The next physical line, without its newline (and without a trailing CR).
 * Returns 1 and the line, 0 at the end of the current file, REC_EBADROW for
 * an over-long line (skipped), or a fatal code.
 */
static int next_line(rec_reader *r, char **line, size_t *len,
		     struct rec_error *err)
{
	for (;;) {
		char *start = r->buf + r->pos;
		char *nl = memchr(start, '\n', r->end - r->pos);
		if (nl) {
			*line = start;
			*len = (size_t)(nl - start);
			r->pos += *len + 1;
			r->line++;
			if (*len > 0 && (*line)[*len - 1] == '\r')
				(*len)--;
			if (*len > REC_MAX_LINE)
				return rec_fail(err, REC_EBADROW, r->name,
						r->line,
						"line longer than %d bytes",
						REC_MAX_LINE);
			break;
		}
		if (r->end - r->pos > REC_MAX_LINE) {
			/* skip to the end of the over-long line */
			long at = ++r->line;
			for (;;) {
				r->pos = r->end;
				int rc = refill(r, err);
				if (rc)
					return rc;
				if (r->end == 0)
					break;
				nl = memchr(r->buf, '\n', r->end);
				if (nl) {
					r->pos = (size_t)(nl - r->buf) + 1;
					break;
				}
			}
			return rec_fail(err, REC_EBADROW, r->name, at,
					"line longer than %d bytes",
					REC_MAX_LINE);
		}
		if (r->eof) {
			if (r->pos == r->end)
				return 0;
			*line = start;	/* last line has no newline */
			*len = r->end - r->pos;
			r->pos = r->end;
			r->line++;
			break;
		}
		int rc = refill(r, err);
		if (rc)
			return rc;
	}
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	return 1;
}

/* Split a TSV line into r->f / r->flen; returns the field count, or -1
 * when the line holds a NUL byte.  One pass over the bytes: fields are
 * short, so a plain loop beats a memchr call per field. */
static int split_tsv(rec_reader *r, const char *line, size_t len)
{
	int n = 0;
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];
		if (ch > '\t')
			continue;
		if (ch == '\0')
			return -1;
		if (ch == '\t') {
			if (n == REC_MAX_FIELDS)
				return n + 1;	/* too many */
			r->f[n] = line + start;
			r->flen[n++] = i - start;
			start = i + 1;
		}
	}
	if (n == REC_MAX_FIELDS)
		return n + 1;
	r->f[n] = line + start;
	r->flen[n++] = len - start;
	return n;
}

static void csv_field(void *s, size_t len, void *data)
{
	rec_reader *r = data;
	if (r->nfields >= REC_MAX_FIELDS) {
		r->too_many = 1;
		return;
	}
	if (r->fbuf_len + len > r->fbuf_cap) {
		size_t cap = r->fbuf_cap ? r->fbuf_cap : 4096;
		while (cap < r->fbuf_len + len)
			cap *= 2;
		char *b = rec_realloc(r->fbuf, cap);
		if (!b) {
			r->too_many = 2;	/* out of memory */
			return;
		}
		r->fbuf = b;
		r->fbuf_cap = cap;
	}
	if (len)
		memcpy(r->fbuf + r->fbuf_len, s, len);
	r->foff[r->nfields++] = r->fbuf_len;
	r->fbuf_len += len;
	r->foff[r->nfields] = r->fbuf_len;
}

static void csv_row(int c, void *data)
{
	REC_UNUSED(c);
	((rec_reader *)data)->row_done = 1;
}

static int raw_append(rec_reader *r, const char *s, size_t len)
{
	if (r->raw_len + len + 1 > r->raw_cap) {
		size_t cap = r->raw_cap ? r->raw_cap : 4096;
		while (cap < r->raw_len + len + 1)
			cap *= 2;
		char *b = rec_realloc(r->raw, cap);
		if (!b)
			return REC_ENOMEM;
		r->raw = b;
		r->raw_cap = cap;
	}
	if (r->raw_len)
		r->raw[r->raw_len++] = '\n';
	memcpy(r->raw + r->raw_len, s, len);
	r->raw_len += len;
	return 0;
}

/* Fix the column count, and with it where the last column is. */
static void set_columns(rec_reader *r, int n)
{
	r->ncols = n;
	for (int i = 0; i < NCOLS; i++)
		r->rcol[i] = r->col[i] == -2 ? n - 1 : r->col[i];
}

/* Resolve named columns against a header already split into r->f. */
static int use_header(rec_reader *r, int n, struct rec_error *err)
{
	for (int i = 0; i < NCOLS; i++) {
		if (!r->spec[i] || is_number(r->spec[i]))
			continue;
		r->col[i] = -1;
		for (int j = 0; j < n; j++)
			if (r->flen[j] == strlen(r->spec[i]) &&
			    memcmp(r->f[j], r->spec[i], r->flen[j]) == 0) {
				r->col[i] = j;
				break;
			}
		if (r->col[i] < 0)
			return rec_fail(err, REC_EINVAL, r->name, r->line,
					"no column named '%s' in the header",
					r->spec[i]);
	}
	set_columns(r, n);
	for (int i = 0; i < NCOLS; i++)
		if (r->col[i] >= n)
			return rec_fail(err, REC_EINVAL, r->name, r->line,
					"%s column %d is past the %d columns of the header",
					column_role[i], r->col[i] + 1, n);
	return 0;
}

/* A field as shown in a message: cut short, control bytes replaced. */
struct shown {
	char text[64];
};

static struct shown show(const char *s, size_t len)
{
	struct shown out;
	size_t n = len < sizeof(out.text) - 4 ? len : sizeof(out.text) - 4;
	for (size_t i = 0; i < n; i++)
		out.text[i] = (unsigned char)s[i] < 32 ? '?' : s[i];
	if (n < len)
		memcpy(out.text + n, "...", 4);
	else
		out.text[n] = '\0';
	return out;
}

static int bad(rec_reader *r, struct rec_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(rec_reader *r, struct rec_error *err, const char *fmt, ...)
{
	r->bad++;
	if (!err)
		return REC_EBADROW;
	char msg[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return rec_fail(err, REC_EBADROW, r->name, r->line, "%s", msg);
}

static int number_field(rec_reader *r, int c, double *v, const char *what,
			struct rec_error *err)
{
	if (rec_parse_double(r->f[c], r->flen[c], v) != 0)
		return bad(r, err, "%s '%s' is not a number", what,
			   show(r->f[c], r->flen[c]).text);
	return 0;
}

/* Turn the split fields of a data row into *row. */
static int fill_row(rec_reader *r, int n, struct rec_row *row,
		    struct rec_error *err)
{
	if (n > REC_MAX_FIELDS)
		return bad(r, err, "more than %d columns", REC_MAX_FIELDS);
	if (r->ncols && n != r->ncols)
		return bad(r, err, "expected %d columns, found %d", r->ncols,
			   n);
	if (!r->ncols) {
		/* the first data row fixes the column count */
		for (int i = 0; i < NCOLS; i++) {
			int c = r->col[i] == -2 ? n - 1 : r->col[i];
			if (r->need_col[i] && c >= n)
				return bad(r, err,
					   "%s column %d missing: row has %d columns",
					   column_role[i], c + 1, n);
		}
		set_columns(r, n);
	}
	const int *col = r->rcol;
	row->user = NULL;
	row->user_len = 0;
	row->item = NULL;
	row->item_len = 0;
	if (col[COL_USER] >= 0) {
		row->user = r->f[col[COL_USER]];
		row->user_len = r->flen[col[COL_USER]];
		if (row->user_len == 0)
			return bad(r, err, "empty user id");
	}
	if (col[COL_ITEM] >= 0) {
		row->item = r->f[col[COL_ITEM]];
		row->item_len = r->flen[col[COL_ITEM]];
		if (row->item_len == 0)
			return bad(r, err, "empty item id");
	}
	row->label = 0;
	if (col[COL_LABEL] >= 0 && (r->opt.need & REC_NEED_LABEL)) {
		double v;
		int c = col[COL_LABEL];
		if (number_field(r, c, &v, "label", err))
			return REC_EBADROW;
		if (!(fabs(v) <= REC_MAX_VALUE))
			return bad(r, err, "label '%s' is out of range (at most %g)",
				   show(r->f[c], r->flen[c]).text,
				   REC_MAX_VALUE);
		if (r->opt.has_positive)
			v = v >= r->opt.positive;
		else if (r->opt.task == REC_TASK_BINARY) {
			if (v == -1)
				v = 0;
			else if (v != 0 && v != 1)
				return bad(r, err,
					   "label '%s' is not 0/1 or -1/1 (see --positive)",
					   show(r->f[c], r->flen[c]).text);
		}
		row->label = v;
	}
	row->time = 0;
	if (col[COL_TIME] >= 0 &&
	    number_field(r, col[COL_TIME], &row->time, "time", err))
		return REC_EBADROW;
	row->weight = 1;
	if (col[COL_WEIGHT] >= 0) {
		if (number_field(r, col[COL_WEIGHT], &row->weight, "weight",
				 err))
			return REC_EBADROW;
		if (row->weight < 0 || row->weight > REC_MAX_WEIGHT)
			return bad(r, err, "weight '%s' is not in [0, %g]",
				   show(r->f[col[COL_WEIGHT]],
					r->flen[col[COL_WEIGHT]]).text,
				   REC_MAX_WEIGHT);
	}
	row->score = 0;
	if (col[COL_SCORE] >= 0 &&
	    number_field(r, col[COL_SCORE], &row->score, "score", err))
		return REC_EBADROW;
	r->rows++;
	return 1;
}

/* The next CSV row into r->f; 1, 0 at end of file, or an error code. */
static int next_csv(rec_reader *r, long *first_line, struct rec_error *err)
{
	r->nfields = 0;
	r->fbuf_len = 0;
	r->row_done = 0;
	r->too_many = 0;
	r->raw_len = 0;
	*first_line = 0;
	for (;;) {
		char *line;
		size_t len;
		int rc = next_line(r, &line, &len, err);
		if (rc == REC_EBADROW) {
			r->bad++;
			csv_reset(r);
			return rc;
		}
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (*first_line == 0)
				return 0;
			if (csv_fini(&r->csvp, csv_field, csv_row, r) != 0 ||
			    !r->row_done) {
				r->bad++;
				csv_reset(r);
				return rec_fail(err, REC_EBADROW, r->name,
						*first_line,
						"unterminated quoted field");
			}
			break;
		}
		if (*first_line == 0) {
			if (len == 0)
				continue;	/* blank line */
			*first_line = r->line;
		}
		if (memchr(line, '\0', len)) {
			r->bad++;
			csv_reset(r);
			return rec_fail(err, REC_EBADROW, r->name, r->line,
					"NUL byte in line");
		}
		if (raw_append(r, line, len) != 0)
			return rec_fail(err, REC_ENOMEM, r->name, r->line,
					"out of memory");
		if (r->raw_len > REC_MAX_LINE) {
			r->bad++;
			csv_reset(r);
			return rec_fail(err, REC_EBADROW, r->name, *first_line,
					"row longer than %d bytes",
					REC_MAX_LINE);
		}
		line[len] = '\n';	/* the newline (or the byte past it) */
		size_t used = csv_parse(&r->csvp, line, len + 1, csv_field,
					csv_row, r);
		if (used != len + 1) {
			r->bad++;
			const char *why = csv_error(&r->csvp) == CSV_EPARSE
				? "malformed quoted field"
				: csv_strerror(csv_error(&r->csvp));
			csv_reset(r);
			return rec_fail(err, REC_EBADROW, r->name, r->line,
					"%s", why);
		}
		if (r->row_done)
			break;
	}
	if (r->too_many == 2)
		return rec_fail(err, REC_ENOMEM, r->name, *first_line,
				"out of memory");
	for (int i = 0; i < r->nfields; i++) {
		r->f[i] = r->fbuf ? r->fbuf + r->foff[i] : "";
		r->flen[i] = r->foff[i + 1] - r->foff[i];
	}
	return 1;
}

static int save_header(rec_reader *r, const char *line, size_t len,
		       struct rec_error *err)
{
	rec_free(r->header_line);
	r->header_line = rec_malloc(len + 1);
	if (!r->header_line)
		return rec_fail(err, REC_ENOMEM, r->name, r->line,
				"out of memory");
	memcpy(r->header_line, line, len);
	r->header_line[len] = '\0';
	r->header_len = len;
	return 0;
}

int rec_reader_next(rec_reader *r, struct rec_row *row, struct rec_error *err)
{
	for (;;) {
		if (r->eof && r->pos == r->end) {
			int rc = open_next(r, err);
			if (rc == 1)
				return 0;
			if (rc)
				return rc;
		}
		int n;
		if (r->csv) {
			long first;
			int rc = next_csv(r, &first, err);
			if (rc == 0) {
				r->pos = r->end;	/* file done */
				continue;
			}
			if (rc < 0)
				return rc;
			n = r->too_many ? REC_MAX_FIELDS + 1 : r->nfields;
			row->raw = r->raw;
			row->raw_len = r->raw_len;
			if (r->at_file_start) {
				r->at_file_start = 0;
				if (r->header) {
					if (n > REC_MAX_FIELDS)
						return rec_fail(err, REC_EINVAL,
								r->name, first,
								"header has more than %d columns",
								REC_MAX_FIELDS);
					int hrc = save_header(r, r->raw,
							      r->raw_len, err);
					if (!hrc)
						hrc = use_header(r, n, err);
					if (hrc)
						return hrc;
					continue;
				}
			}
			/* messages name the row's first line */
			long last = r->line;
			r->line = first;
			rc = fill_row(r, n, row, err);
			r->line = last;
			if (rc == REC_EBADROW && err)
				err->line = first;
			return rc;
		}
		char *line;
		size_t len;
		int rc = next_line(r, &line, &len, err);
		if (rc == 0) {
			r->pos = r->end;
			r->eof = 1;
			continue;
		}
		if (rc == REC_EBADROW) {
			r->bad++;
			return rc;
		}
		if (rc < 0)
			return rc;
		if (len == 0)
			continue;	/* blank line */
		n = split_tsv(r, line, len);
		if (n < 0)
			return bad(r, err, "NUL byte in line");
		row->raw = line;
		row->raw_len = len;
		if (r->at_file_start) {
			r->at_file_start = 0;
			if (r->header) {
				if (n > REC_MAX_FIELDS)
					return rec_fail(err, REC_EINVAL,
							r->name, r->line,
							"header has more than %d columns",
							REC_MAX_FIELDS);
				rc = save_header(r, line, len, err);
				if (!rc)
					rc = use_header(r, n, err);
				if (rc)
					return rc;
				continue;
			}
		}
		return fill_row(r, n, row, err);
	}
}

int rec_reader_next_good(rec_reader *r, struct rec_row *row,
			 rec_bad_row_fn bad_row, void *arg,
			 struct rec_error *err)
{
	for (;;) {
		int rc = rec_reader_next(r, row, err);
		if (rc != REC_EBADROW)
			return rc;
		rc = bad_row ? bad_row(err, arg) : 0;
		if (rc)
			return rc;
	}
}
