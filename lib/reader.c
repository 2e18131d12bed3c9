/*
 * reader.c - event rows from TSV or CSV files, plain or gzip.
 *
 * TSV has a hand-written fast path: a large block buffer, memchr for line
 * ends and tabs, no copies.  CSV goes through libcsv one physical line at a
 * time, so that a row's line number is known even when a quoted field spans
 * several lines.  Files, descriptors and bytes in memory go through one
 * byte stream that inflates gzip members and passes plain input through,
 * so every input is read by the same rules; damage anywhere in a gzip
 * input, trailing bytes after its last member included, is a read error.
 */
#define ZLIB_CONST	/* zlib's next_in points to const bytes */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"

#define BUF_SIZE (2 * REC_MAX_LINE + 65536)
#define CSV_BLOCK (REC_MAX_LINE / 16)	/* libcsv growth step, bytes */

enum { COL_USER, COL_ITEM, COL_LABEL, COL_TIME, COL_WEIGHT, COL_SCORE,
       NCOLS };
static const char *const column_role[NCOLS] = {
	"user", "item", "label", "time", "weight", "score"
};
/* The columns a reader resolves: the roles above, then the extra ones. */
#define MAX_COLS (NCOLS + REC_MAX_EXTRA)

static const char *role(int i)
{
	return i < NCOLS ? column_role[i] : "feature";
}

/* An input: a path ("-" for stdin), a descriptor or bytes in memory. */
enum source_kind { SRC_PATH, SRC_FD, SRC_MEM };
struct source {
	enum source_kind kind;
	char *name;		/* owned: the path, or the name for messages */
	int fd;
	const unsigned char *data;	/* the caller's, not copied */
	size_t len;
	/* SHA-256 of its bytes as read (a gzip file's compressed ones),
	 * once it has been read to its end */
	unsigned char sha[32];
	uint64_t sha_bytes;
	int sha_done;
};

/*
 * The bytes of one input, plain or gzip, from a descriptor or from memory.
 * A gzip input (magic 1f 8b) is inflated member after member; anything
 * after a member that is not another member is damage, as for gzip -t.
 * Input that does not start as gzip is passed through as it is.
 */
#define IN_SIZE (1 << 17)
enum stream_state { ST_LOOK, ST_COPY, ST_GZIP, ST_END, ST_FAILED };
struct stream {
	int fd;			/* -1 when the input is in memory */
	const unsigned char *in;	/* memory: the input; fd: inbuf */
	unsigned char *inbuf;	/* the reader's, for descriptors */
	size_t len, pos;	/* bytes in in[], the next one to use */
	uint64_t base;		/* offset in the input of in[0] */
	int in_eof;		/* the descriptor is at its end */
	enum stream_state state;
	int members;		/* gzip members begun */
	int code;		/* ST_FAILED: REC_EIO or REC_ENOMEM */
	char why[128];		/* ST_FAILED: what was wrong */
	int z_ready;
	z_stream z;
	struct rec_sha256 sha;	/* of the bytes read so far */
	int hashing;		/* the reader keeps digests */
};

/* Good rows between two calls of a progress callback: a power of two. */
#define PROGRESS_ROWS 65536

struct rec_reader {
	struct rec_reader_options opt;
	char *spec[MAX_COLS];	/* owned copies of the column options */
	int need_col[MAX_COLS];	/* the column must be present */
	int col[MAX_COLS];	/* 0-based index, -1 absent, -2 last column */
	int ncols;		/* columns per row, 0 until known */
	int rcol[MAX_COLS];	/* col[] resolved for ncols columns */
	int nall;		/* NCOLS + the extra columns */
	int header;		/* the first line of each file is a header */
	int csv;

	struct source *src;	/* the inputs, read in order */
	int nsrc, src_index;
	const char *name;	/* current input, for messages */
	struct stream st;	/* the current input's bytes */
	unsigned char *inbuf;	/* IN_SIZE bytes for reading descriptors */
	int eof;		/* no more bytes: the buffer holds the rest */
	int bom_check;		/* the first line may start with a BOM */
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
	void (*progress)(const rec_reader *r, void *arg);	/* or NULL */
	int digests;		/* each input's SHA-256 is kept */
	void *progress_arg;
	/* asked before each read of more input (NULL: just read) */
	int (*on_wait)(int fd, void *arg);
	void *wait_arg;
	int stopped;		/* on_wait ended the input */
	uint64_t dropped;	/* bytes of an unfinished line then dropped */
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

void rec_reader_keep_digests(rec_reader *r)
{
	r->digests = 1;
}

int rec_reader_inputs(const rec_reader *r)
{
	return r->nsrc;
}

const char *rec_reader_input_name(const rec_reader *r, int i)
{
	if (i < 0 || i >= r->nsrc)
		return NULL;
	const struct source *src = &r->src[i];
	return src->kind == SRC_PATH && strcmp(src->name, "-") == 0
		? "(stdin)" : src->name;
}

int rec_reader_digest(const rec_reader *r, int i, unsigned char sha[32],
		      uint64_t *bytes)
{
	if (i < 0 || i >= r->nsrc || !r->src[i].sha_done)
		return 0;
	memcpy(sha, r->src[i].sha, 32);
	*bytes = r->src[i].sha_bytes;
	return 1;
}

void rec_reader_free(rec_reader *r)
{
	if (!r)
		return;
	if (r->st.z_ready)
		inflateEnd(&r->st.z);
	if (r->st.fd >= 0)
		close(r->st.fd);
	if (r->csv_ready)
		csv_free(&r->csvp);
	for (int i = 0; i < MAX_COLS; i++)
		rec_free(r->spec[i]);
	for (int i = 0; i < r->nsrc; i++) {
		if (r->src[i].kind == SRC_FD && r->src[i].fd >= 0)
			close(r->src[i].fd);	/* a duplicate never read */
		rec_free(r->src[i].name);
	}
	rec_free(r->src);
	rec_free(r->buf);
	rec_free(r->inbuf);
	rec_free(r->header_line);
	rec_free(r->fbuf);
	rec_free(r->raw);
	rec_free(r);
}

/* Resolve one column option: a number now, a name from the header. */
static int set_column(rec_reader *r, int i, const char *spec, int need,
		      struct rec_error *err)
{
	r->col[i] = -1;
	if (!spec || (i == COL_SCORE && strcmp(spec, "0") == 0)) {
		if (i == COL_SCORE && need)
			r->col[i] = -2;
		else if (need)
			return rec_fail(err, REC_EINVAL, NULL, 0,
					"no %s column given", role(i));
		return 0;
	}
	if (!*spec)
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"empty %s column name", role(i));
	r->spec[i] = dup_str(spec);
	if (!r->spec[i])
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	/* a label the reader is not asked for may be absent */
	r->need_col[i] = i != COL_LABEL || need;
	if (is_number(spec)) {
		long c;
		if (rec_parse_long(spec, strlen(spec), 1, REC_MAX_FIELDS,
				   &c) != 0)
			return rec_fail(err, REC_EINVAL, NULL, 0,
					"%s column '%s' is not in [1, %d]",
					role(i), spec, REC_MAX_FIELDS);
		r->col[i] = (int)c - 1;
	} else if (!r->need_col[i]) {
		/* a label not read: found in a header if there is one */
	} else if (r->opt.no_header) {
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"%s column '%s' is a name, but the input has no "
				"header line: give the column by number",
				role(i), spec);
	} else {
		r->header = 1;	/* a name needs a header line */
	}
	return 0;
}

/* A reader with its options checked and room for nsrc inputs, which the
 * caller fills in (r->nsrc counts those filled, for rec_reader_free). */
static int reader_new(rec_reader **out, int nsrc,
		      const struct rec_reader_options *opt,
		      struct rec_error *err)
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
	r->header = opt->header && !opt->no_header;
	if (opt->soft_labels && (opt->has_positive ||
				 opt->task != REC_TASK_BINARY)) {
		rec_reader_free(r);
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"soft labels need task binary and no positive "
				"threshold");
	}
	if (opt->nextra < 0 || opt->nextra > REC_MAX_EXTRA) {
		rec_reader_free(r);
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"more than %d feature columns", REC_MAX_EXTRA);
	}
	r->nall = NCOLS + opt->nextra;
	for (int i = 0; i < r->nall; i++) {
		int rc = set_column(r, i, i < NCOLS ? specs[i]
						    : opt->extra[i - NCOLS],
				    i < NCOLS ? needs[i] : 1, err);
		if (rc) {
			rec_reader_free(r);
			return rc;
		}
	}
	r->st.fd = -1;
	r->src = rec_calloc((size_t)nsrc, sizeof(*r->src));
	r->buf = rec_malloc(BUF_SIZE + 1);	/* + 1: next_csv ends lines with '\n' */
	if (!r->src || !r->buf) {
		rec_reader_free(r);
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	}
	r->src_index = -1;
	r->eof = 1;
	*out = r;
	return 0;
}

/* Append an input to a new reader; on failure the reader is freed. */
static int add_source(rec_reader **rp, enum source_kind kind,
		      const char *name, int fd, const void *data, size_t len,
		      struct rec_error *err)
{
	rec_reader *r = *rp;
	struct source *src = &r->src[r->nsrc];
	src->name = dup_str(name);
	if (!src->name) {
		rec_reader_free(r);
		*rp = NULL;
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	}
	src->kind = kind;
	src->fd = fd;
	src->data = data;
	src->len = len;
	r->nsrc++;
	return 0;
}

int rec_reader_open(rec_reader **out, const char *const *files, int nfiles,
		    const struct rec_reader_options *opt, struct rec_error *err)
{
	static const char *const stdin_only[] = { "-" };
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	int rc = reader_new(out, nfiles, opt, err);
	for (int i = 0; i < nfiles && rc == 0; i++)
		rc = add_source(out, SRC_PATH, files[i], -1, NULL, 0, err);
	return rc;
}

int rec_reader_open_fd(rec_reader **out, int fd, const char *name,
		       const struct rec_reader_options *opt,
		       struct rec_error *err)
{
	name = name ? name : "(input)";
	/* a descriptor of our own, so that the caller may close fd at once */
	int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (own < 0) {
		*out = NULL;
		return rec_fail(err, REC_EIO, name, 0, "cannot read: %s",
				strerror(errno));
	}
	int rc = reader_new(out, 1, opt, err);
	if (rc == 0)
		rc = add_source(out, SRC_FD, name, own, NULL, 0, err);
	if (rc)
		close(own);
	return rc;
}

int rec_reader_open_mem(rec_reader **out, const struct rec_mem_input *in,
			int n, const struct rec_reader_options *opt,
			struct rec_error *err)
{
	int rc = reader_new(out, n, opt, err);
	for (int i = 0; i < n && rc == 0; i++)
		rc = add_source(out, SRC_MEM,
				in[i].name ? in[i].name : "(memory)", -1,
				in[i].data, in[i].len, err);
	return rc;
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

long rec_reader_line(const rec_reader *r)
{
	return r->line;
}

const char *rec_reader_name(const rec_reader *r)
{
	return r->name;
}

int rec_reader_has_time(const rec_reader *r)
{
	return r->spec[COL_TIME] != NULL;
}

void rec_reader_on_progress(rec_reader *r,
			    void (*fn)(const rec_reader *r, void *arg),
			    void *arg)
{
	r->progress = fn;
	r->progress_arg = arg;
}

void rec_reader_on_wait(rec_reader *r, int (*fn)(int fd, void *arg),
			void *arg)
{
	r->on_wait = fn;
	r->wait_arg = arg;
}

uint64_t rec_reader_dropped(const rec_reader *r)
{
	return r->dropped;
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
	/* libcsv's buffers come from our allocator, so tests can fail them */
	csv_set_realloc_func(&r->csvp, rec_realloc);
	csv_set_free_func(&r->csvp, rec_free);
	/* libcsv grows a field's buffer by this much at a time, not by
	 * doubling: with its default of 128 bytes a field of a megabyte
	 * takes thousands of reallocations, each a copy */
	csv_set_blk_size(&r->csvp, CSV_BLOCK);
	r->csv_ready = 1;
	r->nfields = 0;
	r->fbuf_len = 0;
	r->row_done = 0;
	r->too_many = 0;
	r->raw_len = 0;
	return 0;
}

/* The descriptor of a path or of stdin, or our duplicate of the caller's,
 * which close_source then closes; -1 with errno set. */
static int source_fd(struct source *src)
{
	if (src->kind == SRC_FD) {
		int fd = src->fd;
		src->fd = -1;	/* now gzclose's to close */
		return fd;
	}
	if (strcmp(src->name, "-") == 0)
		return fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	return open(src->name, O_RDONLY | O_CLOEXEC);
}

/* Close the current input, if any. */
static void close_source(rec_reader *r)
{
	struct stream *st = &r->st;
	if (st->z_ready)
		inflateEnd(&st->z);
	if (st->fd >= 0)
		close(st->fd);
	memset(st, 0, sizeof(*st));
	st->fd = -1;
}

static void st_fail(struct stream *st, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void st_fail(struct stream *st, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->why, sizeof(st->why), fmt, ap);
	va_end(ap);
	st->state = ST_FAILED;
	st->code = code;
}

/* read(2), tried again when a signal interrupts it. */
static ssize_t read_some(int fd, void *buf, size_t n)
{
	ssize_t got;
	do
		got = read(fd, buf, n);
	while (got < 0 && errno == EINTR);
	return got;
}

/* At least want bytes of input at in + pos, unless the input ends first:
 * the count there, or -1 after a failed read (st->state says). */
static long st_avail(struct stream *st, size_t want)
{
	if (st->fd < 0 || st->len - st->pos >= want || st->in_eof)
		return (long)(st->len - st->pos);
	if (st->pos > 0) {
		memmove(st->inbuf, st->inbuf + st->pos, st->len - st->pos);
		st->base += st->pos;
		st->len -= st->pos;
		st->pos = 0;
	}
	while (st->len < want && !st->in_eof) {
		ssize_t n = read_some(st->fd, st->inbuf + st->len,
				      IN_SIZE - st->len);
		if (n < 0) {
			st_fail(st, REC_EIO, "%s", strerror(errno));
			return -1;
		}
		if (n == 0)
			st->in_eof = 1;
		if (st->hashing)
			rec_sha256_add(&st->sha, st->inbuf + st->len,
				       (size_t)n);
		st->len += (size_t)n;
	}
	return (long)(st->len - st->pos);
}

/* Start inflating a gzip member at st->pos; on failure st->state says. */
static void st_start_gzip(struct stream *st)
{
	st->state = ST_GZIP;
	st->members++;
	if (st->z_ready) {
		if (inflateReset(&st->z) != Z_OK)
			st_fail(st, REC_EIO,
				"internal error: inflate stream corrupt");
		return;
	}
	st->z.zalloc = rec_zalloc;
	st->z.zfree = rec_zfree;
	st->z.opaque = Z_NULL;
	st->z.next_in = Z_NULL;
	st->z.avail_in = 0;
	if (inflateInit2(&st->z, 15 + 16) != Z_OK)	/* gzip only */
		st_fail(st, REC_ENOMEM, "out of memory");
	else
		st->z_ready = 1;
}

/* Inflate into dst; the bytes made.  A failure, a member cut short
 * included, is kept in st->state and st->why: what was made before it is
 * delivered first. */
static size_t st_inflate(struct stream *st, char *dst, size_t cap)
{
	long avail = st_avail(st, 1);
	if (avail < 0)
		return 0;
	if (avail == 0) {
		st_fail(st, REC_EIO,
			"gzip member %d is cut short (unexpected end of file)",
			st->members);
		return 0;
	}
	st->z.next_in = st->in + st->pos;
	st->z.avail_in = (size_t)avail > UINT_MAX ? UINT_MAX : (uInt)avail;
	st->z.next_out = (Bytef *)dst;
	st->z.avail_out = cap > UINT_MAX ? UINT_MAX : (uInt)cap;
	uInt out_before = st->z.avail_out, in_before = st->z.avail_in;
	int rc = inflate(&st->z, Z_NO_FLUSH);
	st->pos += in_before - st->z.avail_in;
	size_t made = out_before - st->z.avail_out;
	switch (rc) {
	case Z_STREAM_END:
		st->state = ST_LOOK;
		break;
	case Z_OK:
	case Z_BUF_ERROR:
		break;
	case Z_MEM_ERROR:
		st_fail(st, REC_ENOMEM, "out of memory");
		break;
	case Z_DATA_ERROR:
		st_fail(st, REC_EIO, "gzip member %d: %s", st->members,
			st->z.msg ? st->z.msg : "compressed data error");
		break;
	default:
		st_fail(st, REC_EIO, "internal error: inflate stream corrupt");
		break;
	}
	return made;
}

/* Plain input: up to cap bytes, straight from the descriptor when nothing
 * is buffered; 0 at the end, -1 after a failed read. */
static long st_copy(struct stream *st, char *dst, size_t cap)
{
	size_t left = st->len - st->pos;
	if (left > 0 || st->fd < 0) {
		size_t n = left < cap ? left : cap;
		memcpy(dst, st->in + st->pos, n);
		st->pos += n;
		return (long)n;
	}
	if (st->in_eof)
		return 0;
	ssize_t n = read_some(st->fd, dst, cap);
	if (n < 0) {
		st_fail(st, REC_EIO, "%s", strerror(errno));
		return -1;
	}
	if (n == 0)
		st->in_eof = 1;
	/* read straight into the caller's buffer: digested here, as
	 * st_avail digests what it reads */
	if (st->hashing)
		rec_sha256_add(&st->sha, dst, (size_t)n);
	st->base += (size_t)n;
	return (long)n;
}

/*
 * Up to cap bytes of the input: the count, 0 at its end, or -1 with
 * st->code and st->why set (after the bytes made before the failure
 * were delivered).
 */
static long st_read(struct stream *st, char *dst, size_t cap)
{
	size_t done = 0;
	while (done < cap) {
		long n;
		switch (st->state) {
		case ST_LOOK:
			n = st_avail(st, 2);
			if (n < 0)
				break;
			const unsigned char *p = st->in + st->pos;
			if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
				st_start_gzip(st);
			else if (n == 0)
				st->state = ST_END;
			else if (st->members == 0)
				st->state = ST_COPY;
			else if (p[0] == 0x1f)
				st_fail(st, REC_EIO,
					"bad gzip magic number at byte %llu "
					"(after gzip member %d)",
					(unsigned long long)(st->base + st->pos),
					st->members);
			else
				st_fail(st, REC_EIO,
					"trailing garbage at byte %llu "
					"(after gzip member %d)",
					(unsigned long long)(st->base + st->pos),
					st->members);
			break;
		case ST_COPY:
			n = st_copy(st, dst + done, cap - done);
			if (n <= 0)
				return n < 0 && done == 0 ? -1 : (long)done;
			done += (size_t)n;
			if (st->fd >= 0)
				return (long)done;	/* one read(2) a call */
			break;
		case ST_GZIP:
			done += st_inflate(st, dst + done, cap - done);
			break;
		case ST_FAILED:
			return done > 0 ? (long)done : -1;
		case ST_END:
			return (long)done;
		}
	}
	return (long)done;
}

/* The read error that ended the current input, with the line reached:
 * the one after the last line returned (none when nothing was read). */
static int read_failure(rec_reader *r, struct rec_error *err)
{
	long line = r->line > 0 || r->pos < r->end || r->st.base + r->st.pos > 0
		? r->line + 1 : 0;
	return rec_fail(err, r->st.code, r->name, line, "read error: %s",
			r->st.why);
}

/* Move to the next input; 0 when there is one, 1 when all are read. */
static int open_next(rec_reader *r, struct rec_error *err)
{
	if (r->st.state == ST_FAILED)
		return read_failure(r, err);
	if (r->digests && r->src_index >= 0 && r->src_index < r->nsrc &&
	    r->st.pos == r->st.len && (r->st.fd < 0 || r->st.in_eof)) {
		/* read to its end: its digest is whole */
		struct source *done = &r->src[r->src_index];
		done->sha_bytes = r->st.sha.bytes;
		rec_sha256_end(&r->st.sha, done->sha);
		done->sha_done = 1;
	}
	close_source(r);
	if (r->stopped || ++r->src_index >= r->nsrc)
		return 1;
	struct source *src = &r->src[r->src_index];
	r->name = src->kind == SRC_PATH && strcmp(src->name, "-") == 0
		? "(stdin)" : src->name;
	struct stream *st = &r->st;
	st->state = ST_LOOK;
	rec_sha256_init(&st->sha);
	st->hashing = r->digests;
	if (src->kind == SRC_MEM) {
		st->in = src->data;
		st->len = src->len;
		if (r->digests)
			rec_sha256_add(&st->sha, src->data, src->len);
	} else {
		if (!r->inbuf) {
			r->inbuf = rec_malloc(IN_SIZE);
			if (!r->inbuf)
				return rec_fail(err, REC_ENOMEM, r->name, 0,
						"out of memory");
		}
		int fd = source_fd(src);
		if (fd < 0)
			return rec_fail(err, REC_EIO, r->name, 0,
					"cannot open: %s", strerror(errno));
		st->fd = fd;
		st->in = st->inbuf = r->inbuf;
	}
	r->csv = r->opt.csv >= 0 ? r->opt.csv
		: (ends_with(r->name, ".csv") || ends_with(r->name, ".csv.gz"));
	if (r->csv && csv_reset(r) != 0)
		return rec_fail(err, REC_ENOMEM, r->name, 0, "out of memory");
	r->pos = r->end = 0;
	r->eof = 0;
	r->line = 0;
	r->at_file_start = 1;
	r->bom_check = 1;
	return 0;
}

/* Fill the buffer; keeps [pos, end).  A read error ends the input: the
 * lines before it are returned, then the error (see next_line). */
static void refill(rec_reader *r)
{
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
	}
	while (!r->eof && r->end < BUF_SIZE) {
		long n = st_read(&r->st, r->buf + r->end, BUF_SIZE - r->end);
		if (n <= 0) {
			r->eof = 1;
			break;
		}
		r->end += (size_t)n;
		/* a live stream's line is delivered as soon as it comes */
		if (r->end - r->pos > REC_MAX_LINE || r->on_wait)
			break;
	}
}

/*
 * The next physical line, without its newline (and without a trailing CR).
 * Returns 1 and the line, 0 at the end of the current file, REC_EBADROW for
 * an over-long line (skipped), REC_PAUSED when on_wait asks for a pause
 * and may_pause allows it (no row is half read), or a fatal code.
 */
static int next_line(rec_reader *r, char **line, size_t *len, int may_pause,
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
				refill(r);
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
		if (!r->eof && r->on_wait) {
			int w = r->on_wait(r->st.fd, r->wait_arg);
			if (w == REC_WAIT_PAUSE && may_pause)
				return REC_PAUSED;
			if (w == REC_WAIT_STOP) {
				r->stopped = r->eof = 1;
				continue;
			}
		}
		if (r->eof) {
			if (r->st.state == ST_FAILED)
				return read_failure(r, err);	/* a cut line is not a row */
			if (r->stopped) {
				/* a line the writer has not finished */
				r->dropped += r->end - r->pos;
				r->pos = r->end;
			}
			if (r->pos == r->end)
				return 0;
			*line = start;	/* last line has no newline */
			*len = r->end - r->pos;
			r->pos = r->end;
			r->line++;
			break;
		}
		refill(r);
	}
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	if (r->bom_check) {
		/* a UTF-8 byte-order mark starts the file, not its first field */
		r->bom_check = 0;
		if (*len >= 3 && memcmp(*line, "\xEF\xBB\xBF", 3) == 0) {
			*line += 3;
			*len -= 3;
		}
	}
	return 1;
}

/* The bytes of x (eight, the first in the lowest) that are below
 * '\t' + 1, each marked by its top bit.  Byte by byte exact: the low seven
 * bits plus 0x76 carry into the top bit just when they are 10 or more, and
 * never into the next byte. */
static uint64_t control_bytes(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, low7 = ones * 0x7f;
	uint64_t ten_up = (x & low7) + ones * (0x80 - ('\t' + 1));
	return ~(ten_up | x) & (ones << 7);
}

/* Split a TSV line into r->f / r->flen; returns the field count, or -1
 * when the line holds a NUL byte.  One pass over the bytes, eight at a
 * time: fields are short, so this beats a memchr call per field. */
static int split_tsv(rec_reader *r, const char *line, size_t len)
{
	int n = 0;
	size_t start = 0, i = 0;
	for (; len - i >= 8; i += 8) {
		for (uint64_t hit = control_bytes(rec_load_le64(line + i)); hit;
		     hit &= hit - 1) {
			size_t at = i + (size_t)__builtin_ctzll(hit) / 8;
			if (line[at] == '\0')
				return -1;
			if (line[at] == '\t') {
				if (n == REC_MAX_FIELDS)
					return n + 1;	/* too many */
				r->f[n] = line + start;
				r->flen[n++] = at - start;
				start = at + 1;
			}
		}
	}
	for (; i < len; i++) {
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
		size_t cap = rec_grow_cap(r->fbuf_cap, r->fbuf_len + len, 4096);
		char *b = cap ? rec_realloc_array(r->fbuf, cap, 1) : NULL;
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
		size_t cap = rec_grow_cap(r->raw_cap, r->raw_len + len + 1,
					  4096);
		char *b = cap ? rec_realloc_array(r->raw, cap, 1) : NULL;
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
	for (int i = 0; i < r->nall; i++)
		r->rcol[i] = r->col[i] == -2 ? n - 1 : r->col[i];
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

/* "; the input looks like CSV: use --csv" when a row read as TSV is one
 * field that holds commas (or, read as CSV, one that holds tabs), else "":
 * added to the messages of rows with too few columns. */
static const char *format_hint(const rec_reader *r, int n)
{
	if (n != 1)
		return "";
	if (!r->csv && memchr(r->f[0], ',', r->flen[0]))
		return "; the input looks like CSV: use --csv";
	if (r->csv && memchr(r->f[0], '\t', r->flen[0]))
		return "; the input looks like TSV: use --tsv";
	return "";
}

/* Whether a column is given by number (the last column counts as one). */
static int numbered(const rec_reader *r, int i)
{
	return r->col[i] == -2 || (r->spec[i] && is_number(r->spec[i]));
}

/* An extra column is a feature of its own: never the user or the item
 * column, which are features already. */
static int check_extra(rec_reader *r, struct rec_error *err)
{
	for (int i = NCOLS; i < r->nall; i++) {
		for (int j = COL_USER; j <= COL_ITEM; j++)
			if (r->rcol[i] >= 0 && r->rcol[i] == r->rcol[j])
				return rec_fail(err, REC_EINVAL, r->name,
						r->line,
						"feature column '%s' is the %s "
						"column, which is a feature "
						"already",
						r->spec[i], column_role[j]);
		if (r->rcol[i] >= 0 && r->rcol[i] == r->rcol[COL_LABEL] &&
		    (r->opt.need & REC_NEED_LABEL))
			return rec_fail(err, REC_EINVAL, r->name, r->line,
					"feature column '%s' is the label "
					"column: the model would learn the "
					"answer from itself", r->spec[i]);
	}
	return 0;
}

/*
 * Resolve named columns against a header already split into r->f.  A
 * column the reader need not deliver (a label it is not asked for) may be
 * missing.  A header is refused when a column read as a number (label,
 * time, weight, score) is given by number and the header's field there is
 * a number: the line is data, not a header.
 */
static int use_header(rec_reader *r, int n, struct rec_error *err)
{
	for (int i = 0; i < r->nall; i++) {
		if (!r->spec[i] || is_number(r->spec[i]))
			continue;
		r->col[i] = -1;
		for (int j = 0; j < n; j++)
			if (r->flen[j] == strlen(r->spec[i]) &&
			    memcmp(r->f[j], r->spec[i], r->flen[j]) == 0) {
				r->col[i] = j;
				break;
			}
		if (r->col[i] < 0 && r->need_col[i])
			return rec_fail(err, REC_EINVAL, r->name, r->line,
					"no column named '%s' in the header%s",
					r->spec[i], format_hint(r, n));
	}
	set_columns(r, n);
	for (int i = 0; i < r->nall; i++) {
		if (r->rcol[i] < n)
			continue;
		if (!r->need_col[i]) {
			r->rcol[i] = -1;	/* not read: may be absent */
			continue;
		}
		return rec_fail(err, REC_EINVAL, r->name, r->line,
				"%s column %d is past the %d columns of the header%s",
				role(i), r->rcol[i] + 1, n,
				format_hint(r, n));
	}
	int rc = check_extra(r, err);
	if (rc)
		return rc;
	static const int as_number[] = { COL_LABEL, COL_TIME, COL_WEIGHT,
					 COL_SCORE };
	for (size_t k = 0; k < sizeof(as_number) / sizeof(as_number[0]); k++) {
		int i = as_number[k], c = r->rcol[i];
		double v;
		if (c < 0 || !numbered(r, i) ||
		    (i == COL_TIME
			 ? rec_parse_time(r->f[c], r->flen[c], &v)
			 : rec_parse_double(r->f[c], r->flen[c], &v)) != 0)
			continue;
		return rec_fail(err, REC_EINVAL, r->name, r->line,
				"the header's %s column (%d) is the number '%s': "
				"the line is data, not a header (see --no-header)",
				role(i), c + 1,
				show(r->f[c], r->flen[c]).text);
	}
	return 0;
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
		return bad(r, err, "expected %d columns, found %d%s", r->ncols,
			   n, format_hint(r, n));
	if (!r->ncols) {
		/* the first data row fixes the column count */
		for (int i = 0; i < r->nall; i++) {
			int c = r->col[i] == -2 ? n - 1 : r->col[i];
			if (r->need_col[i] && c >= n)
				return bad(r, err,
					   "%s column %d missing: row has %d columns%s",
					   role(i), c + 1, n,
					   format_hint(r, n));
		}
		set_columns(r, n);
		int rc = check_extra(r, err);
		if (rc) {
			r->ncols = 0;
			return rc;
		}
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
			return bad(r, err, "empty %s id",
				   r->opt.user_role ? r->opt.user_role : "user");
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
		if (r->opt.soft_labels) {
			if (!(v >= 0 && v <= 1))
				return bad(r, err, "soft label '%s' is not in "
					   "[0, 1]",
					   show(r->f[c], r->flen[c]).text);
		} else if (r->opt.has_positive)
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
	    rec_parse_time(r->f[col[COL_TIME]], r->flen[col[COL_TIME]],
			   &row->time) != 0)
		return bad(r, err, "time '%s' is not a number or an ISO 8601 "
			   "date and time",
			   show(r->f[col[COL_TIME]], r->flen[col[COL_TIME]]).text);
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
	row->nextra = r->nall - NCOLS;
	for (int i = 0; i < row->nextra; i++) {
		const char *cell = r->f[col[NCOLS + i]];
		size_t len = r->flen[col[NCOLS + i]];
		row->extra[i] = cell;
		row->extra_len[i] = len;
		row->extra_num[i] = 0;
		if (r->opt.extra_numeric[i] && len > 0) {
			double v;
			if (rec_parse_double(cell, len, &v) != 0 ||
			    !isfinite(v))
				return bad(r, err,
					   "numeric column '%s': '%s' is not a "
					   "finite number", r->spec[NCOLS + i],
					   show(cell, len).text);
			row->extra_num[i] = v;
		} else if (!r->opt.extra_numeric[i]) {
			const char *why = rec_list_problem(r->opt.list_sep,
							   cell, len);
			if (why)
				return bad(r, err, "column '%s': %s ('%s')",
					   r->spec[NCOLS + i], why,
					   show(cell, len).text);
		}
	}
	row->fields = r->f;
	row->field_lens = r->flen;
	row->nfields = n;
	r->rows++;
	if ((r->rows & (PROGRESS_ROWS - 1)) == 0 && r->progress)
		r->progress(r, r->progress_arg);
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
		int rc = next_line(r, &line, &len, *first_line == 0, err);
		if (rc == REC_EBADROW) {
			r->bad++;
			csv_reset(r);
			return rc;
		}
		if (rc < 0 || rc == REC_PAUSED)
			return rc;
		if (rc == 0) {
			if (*first_line == 0)
				return 0;
			if (r->stopped) {
				/* a row the writer has not finished */
				r->dropped += r->raw_len;
				csv_reset(r);
				return 0;
			}
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
		if (used != len + 1 && csv_error(&r->csvp) == CSV_ENOMEM) {
			csv_reset(r);
			return rec_fail(err, REC_ENOMEM, r->name, r->line,
					"out of memory");
		}
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
			if (rc < 0 || rc == REC_PAUSED)
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
		int rc = next_line(r, &line, &len, 1, err);
		if (rc == 0) {
			r->pos = r->end;
			r->eof = 1;
			continue;
		}
		if (rc == REC_PAUSED)
			return rc;
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
