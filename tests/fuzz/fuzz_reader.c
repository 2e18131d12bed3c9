/*
 * fuzz_reader.c - fuzz target for the event reader, and for training on
 * what it reads.
 *
 * An input is 4 option bytes and then the file content.  The options pick
 * how the reader is set up, as the programs would set it up:
 *
 *   byte 0  bits 0-1  format: 0 TSV, 1 CSV, 2 by name (".csv" file),
 *                     3 by name (".tsv" file)
 *           bit 2     the first line of each file is a header
 *           bit 3     a positive threshold is given (--positive)
 *           bit 4     regression task (else binary)
 *           bits 5-7  which positive threshold
 *   byte 1  bits 0-1  columns of user, item, label: 1,2,3 / 2,1,3 /
 *                     named user,item,rating / named user and 2,3
 *           bit 2     a time column
 *           bit 3     a weight column
 *           bits 4-5  score column: none, "0" (the last), 3, or named
 *           bit 6     no label column
 *           bit 7     two input files: the content up to the first form
 *                     feed (\f) and the rest; without one, the whole
 *                     content twice
 *   byte 2  bits 0-3  REC_NEED_* bits
 *           bits 4-5  factors (0 to 3) of the model trained afterwards
 *           bit 6     hold out half of the events
 *           bit 7     shuffle
 *   byte 3  bits 0-4  hash bits minus 1 (1 to 32)
 *           bit 5     gzip the content before the reader sees it
 *           bit 7     side features: column 6 ("ctx" when named) a query
 *                     feature of '|' lists, column 7 ("price") a
 *                     numeric item feature
 *           bit 6     implicit task (every row a positive; no label read
 *                     when training)
 *
 * Missing option bytes count as 0.  The content is read from memory
 * (rec_reader_open_mem, named "fuzz.tsv" or "fuzz.csv"), to the end, bad
 * rows and all.  Every row must be
 * sane (finite numbers, labels 0/1 where binary, non-empty ids, no line
 * over REC_MAX_LINE), the counters must match what was returned, and a
 * gzip file cut short must end in an error.  Then small models learn one
 * pass over the same input, once from a dataset and once streamed; their
 * scores must be finite, survive a save and a load, and agree where the
 * two ways must agree.  Any broken rule aborts.
 */
#define ZLIB_CONST	/* zlib's next_in points to const bytes */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOPT 4
#define NSAMPLE 6		/* ids kept to score after training */
#define NSCORES ((NSAMPLE + 2) * (NSAMPLE + 2))

struct sample {
	char *user, *item;
	size_t user_len, item_len;
};

struct setup {
	struct rec_reader_options opt;
	const char *name;	/* of each input: ".csv" or ".tsv" */
	int csv;		/* the format the reader will pick */
	int nfiles;
	int gzip;
	int factors, bits, holdout, shuffle;
	int implicit;
	int features;
};

static void decode_options(const uint8_t *o, struct setup *s)
{
	static const double positives[8] = { 0.5, 1, 3, -1, 0, 1e300, -1e300,
					     2.5 };
	struct rec_reader_options *opt = &s->opt;
	struct rec_columns *c = &opt->columns;
	rec_reader_options_init(opt);

	switch (o[0] & 3) {
	case 0: opt->csv = 0; s->name = "fuzz.tsv"; s->csv = 0; break;
	case 1: opt->csv = 1; s->name = "fuzz.tsv"; s->csv = 1; break;
	case 2: opt->csv = -1; s->name = "fuzz.csv"; s->csv = 1; break;
	default: opt->csv = -1; s->name = "fuzz.tsv"; s->csv = 0; break;
	}
	opt->header = (o[0] >> 2) & 1;
	opt->has_positive = (o[0] >> 3) & 1;
	opt->task = (o[0] >> 4) & 1 ? REC_TASK_REGRESSION : REC_TASK_BINARY;
	opt->positive = positives[o[0] >> 5];

	int named = 0;
	switch (o[1] & 3) {
	case 0: c->user = "1"; c->item = "2"; c->label = "3"; break;
	case 1: c->user = "2"; c->item = "1"; c->label = "3"; break;
	case 2:
		c->user = "user";
		c->item = "item";
		c->label = "rating";
		named = 1;
		break;
	default: c->user = "user"; c->item = "2"; c->label = "3"; break;
	}
	if (o[1] & 4)
		c->time = named ? "time" : "4";
	if (o[1] & 8)
		c->weight = named ? "weight" : "5";
	switch ((o[1] >> 4) & 3) {
	case 0: c->score = NULL; break;
	case 1: c->score = "0"; break;
	case 2: c->score = "3"; break;
	default: c->score = "score"; break;
	}
	if (o[1] & 64)
		c->label = NULL;
	s->nfiles = o[1] & 128 ? 2 : 1;
	opt->need = o[2] & 15;
	s->factors = (o[2] >> 4) & 3;
	s->holdout = (o[2] >> 6) & 1;
	s->shuffle = (o[2] >> 7) & 1;
	s->bits = 1 + (o[3] & 31);
	s->gzip = (o[3] >> 5) & 1;
	s->implicit = (o[3] >> 6) & 1;
	if (s->implicit)
		opt->task = REC_TASK_IMPLICIT;
	s->features = (o[3] >> 7) & 1;
	if (s->features) {
		opt->nextra = 2;
		opt->extra[0] = named ? "ctx" : "6";
		opt->extra[1] = named ? "price" : "7";
		opt->extra_numeric[1] = 1;
		opt->list_sep = '|';
	}
}

/* The content gzip-compressed, in a malloc'ed buffer of *out_len bytes. */
static unsigned char *gzip(const uint8_t *data, size_t size, size_t *out_len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	CHECK(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			   Z_DEFAULT_STRATEGY) == Z_OK);
	size_t cap = deflateBound(&z, (uLong)size);
	unsigned char *out = malloc(cap);
	CHECK(out != NULL);
	z.next_in = data;
	z.avail_in = (uInt)size;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	*out_len = cap - z.avail_out;
	CHECK(deflateEnd(&z) == Z_OK);
	return out;
}

/*
 * 1 when zlib, reading as gzread does, finds the bytes to be a gzip stream
 * cut short: members in a row, each inflated until it ends or the input
 * does.  Such input must end in an error: reading it as if complete would
 * lose data.
 */
static int gzip_truncated(const unsigned char *p, size_t len)
{
	static unsigned char buf[65536];
	size_t pos = 0;
	while (len - pos >= 2 && p[pos] == 0x1f && p[pos + 1] == 0x8b) {
		z_stream z;
		memset(&z, 0, sizeof(z));
		CHECK(inflateInit2(&z, 15 + 16) == Z_OK);
		z.next_in = p + pos;
		z.avail_in = (uInt)(len - pos);
		int rc;
		do {
			z.next_out = buf;
			z.avail_out = sizeof(buf);
			rc = inflate(&z, Z_NO_FLUSH);
		} while (rc == Z_OK && z.avail_out == 0);
		pos = len - z.avail_in;
		inflateEnd(&z);
		if (rc != Z_STREAM_END)
			return rc == Z_OK || rc == Z_BUF_ERROR;
	}
	return 0;
}

static char *copy(const char *s, size_t len)
{
	char *d = malloc(len ? len : 1);
	CHECK(d != NULL);
	if (len)
		memcpy(d, s, len);
	return d;
}

/* Touch every byte of a row's string, so that a sanitizer sees a bad one. */
static unsigned touch(const char *s, size_t len)
{
	unsigned sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += (unsigned char)s[i];
	return sum;
}

static void check_row(const struct rec_row *row,
		      const struct rec_reader_options *opt, int csv)
{
	CHECK(isfinite(row->label));
	CHECK(isfinite(row->time));
	CHECK(isfinite(row->weight));
	CHECK(isfinite(row->score));
	CHECK(row->weight >= 0);
	if (opt->task == REC_TASK_BINARY || opt->has_positive)
		CHECK(row->label == 0 || row->label == 1);
	if (!opt->columns.label || !(opt->need & REC_NEED_LABEL))
		CHECK(row->label == 0);
	if (!opt->columns.time)
		CHECK(row->time == 0);
	if (!opt->columns.weight)
		CHECK(row->weight == 1);
	if (opt->columns.user || (opt->need & REC_NEED_USER)) {
		CHECK(row->user != NULL && row->user_len > 0);
		CHECK(memchr(row->user, '\0', row->user_len) == NULL);
	}
	if (opt->columns.item || (opt->need & REC_NEED_ITEM)) {
		CHECK(row->item != NULL && row->item_len > 0);
		CHECK(memchr(row->item, '\0', row->item_len) == NULL);
	}
	CHECK(row->nextra == opt->nextra);
	for (int i = 0; i < row->nextra; i++) {
		volatile unsigned t = touch(row->extra[i], row->extra_len[i]);
		(void)t;
		if (opt->extra_numeric[i])
			CHECK(isfinite(row->extra_num[i]));
		else if (opt->list_sep && row->extra_len[i] > 0)
			CHECK(row->extra[i][0] != opt->list_sep &&
			      row->extra[i][row->extra_len[i] - 1] !=
				      opt->list_sep);
	}
	CHECK(row->raw != NULL);
	CHECK(row->raw_len <= REC_MAX_LINE);
	CHECK(row->raw_len > 0);
	CHECK(memchr(row->raw, '\0', row->raw_len) == NULL);
	if (!csv)
		CHECK(memchr(row->raw, '\n', row->raw_len) == NULL);
	volatile unsigned sink = touch(row->raw, row->raw_len);
	if (row->user)
		sink += touch(row->user, row->user_len);
	if (row->item)
		sink += touch(row->item, row->item_len);
	(void)sink;
}

/* Read everything; keep the first ids for scoring.  Returns the good rows
 * and sets *bad_rows, or -1 when the reader could not be opened. */
static long read_all(const struct rec_mem_input *in, const struct setup *s,
		     struct sample *keep, int *nkeep, long *bad_rows)
{
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	rec_reader *r;
	int rc = rec_reader_open_mem(&r, in, s->nfiles, &s->opt, &err);
	if (rc) {
		CHECK(r == NULL);
		CHECK(rc == REC_EINVAL);
		CHECK(err.code == rc && err.msg[0]);
		return -1;
	}
	long good = 0, bad = 0;
	struct rec_row row;
	for (;;) {
		memset(&row, 0, sizeof(row));
		rc = rec_reader_next(r, &row, &err);
		if (rc == 0)
			break;
		if (rc == REC_EBADROW) {
			CHECK(err.code == REC_EBADROW);
			CHECK(err.line >= 1);
			CHECK(err.msg[0] != '\0');
			CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
			bad++;
			continue;
		}
		if (rc < 0) {
			/* fatal: a bad header, a damaged gzip stream */
			CHECK(rc == REC_EINVAL || rc == REC_EIO);
			CHECK(err.code == rc && err.msg[0]);
			break;
		}
		CHECK(rc == 1);
		check_row(&row, &s->opt, s->csv);
		if (*nkeep < NSAMPLE && row.user && row.item) {
			struct sample *k = &keep[(*nkeep)++];
			k->user = copy(row.user, row.user_len);
			k->user_len = row.user_len;
			k->item = copy(row.item, row.item_len);
			k->item_len = row.item_len;
		}
		good++;
		CHECK(rec_reader_rows(r) == (uint64_t)good);
		CHECK(rec_reader_bad_rows(r) == (uint64_t)bad);
	}
	CHECK(rec_reader_rows(r) == (uint64_t)good);
	CHECK(rec_reader_bad_rows(r) == (uint64_t)bad);
	if (gzip_truncated(in[0].data, in[0].len) ||
	    (s->nfiles == 2 && gzip_truncated(in[1].data, in[1].len)))
		CHECK(rc != 0);
	if (rc == 0) {
		/* the end stays the end */
		CHECK(rec_reader_next(r, &row, &err) == 0);
		CHECK(rec_reader_rows(r) == (uint64_t)good);
	}
	size_t hlen = 0;
	const char *h = rec_reader_header(r, &hlen);
	if (h) {
		CHECK(strlen(h) == hlen);
		CHECK(hlen <= REC_MAX_LINE);
	} else {
		CHECK(hlen == 0);
	}
	rec_reader_free(r);
	*bad_rows = bad;
	return good;
}

static int count_bad(const struct rec_error *e, void *arg)
{
	CHECK(e->code == REC_EBADROW);
	(*(long *)arg)++;
	return 0;
}

/* How many scores check_scores makes. */
static int nscores(int nkeep)
{
	return (nkeep + 2) * (nkeep + 2);
}

static void check_scores(rec_model *m, const struct sample *keep, int nkeep,
			 double *margins)
{
	static const char *const unseen[2] = { "", "\xff no such id" };
	int n = 0;
	const int logistic =
		rec_model_params(m)->loss == REC_LOSS_LOGISTIC;
	for (int i = 0; i < nkeep + 2; i++)
		for (int j = 0; j < nkeep + 2; j++) {
			const char *u = i < nkeep ? keep[i].user
				: unseen[i - nkeep];
			size_t ulen = i < nkeep ? keep[i].user_len
				: strlen(u);
			const char *it = j < nkeep ? keep[j].item
				: unseen[j - nkeep];
			size_t ilen = j < nkeep ? keep[j].item_len
				: strlen(it);
			double s = rec_model_margin(m, u, ulen, it, ilen);
			CHECK(isfinite(s));
			double p = rec_model_predict(m, s);
			CHECK(!isnan(p));
			if (logistic)
				CHECK(p >= 0 && p <= 1);
			margins[n++] = s;
		}
}

/* A trained model must be sane, score finitely, and keep its scores
 * through a save and a load.  Fills margins. */
static void check_trained(rec_model *m, const struct sample *keep, int nkeep,
			  double *margins)
{
	struct rec_model_info info;
	rec_model_info(m, &info);
	CHECK(info.passes_done == 1);
	CHECK(info.updates == 1);
	CHECK(info.features > 0);
	CHECK(info.items > 0);
	CHECK(isfinite(info.train_loss) && info.train_loss >= 0);
	CHECK(isfinite(info.holdout_loss));
	check_scores(m, keep, nkeep, margins);

	struct rec_error err;
	memset(&err, 0, sizeof(err));
	void *image;
	size_t len;
	CHECK(rec_model_encode(m, 0, &image, &len, &err) == 0);
	rec_model *back;
	int rc = rec_model_decode(&back, image, len, "trained", &err);
	if (rc) {
		fprintf(stderr, "fuzz_reader: trained model does not load: "
			"%s\n", err.msg);
		abort();
	}
	free(image);
	double after[NSCORES];
	check_scores(back, keep, nkeep, after);
	CHECK(memcmp(margins, after,
		     (size_t)nscores(nkeep) * sizeof(double)) == 0);
	rec_model_free(back);
}

/* A model trained on what a new reader reads, as a dataset then passes,
 * or streamed; NULL when there is nothing to learn (*rc says why). */
static rec_model *learn(const struct rec_mem_input *in, const struct setup *s,
			const struct rec_params *p, int stream, long *bad,
			int *rc)
{
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	rec_model *m;
	CHECK(rec_model_create(&m, p, &err) == 0);
	rec_reader *r;
	*bad = 0;
	*rc = rec_reader_open_mem(&r, in, s->nfiles, &p->input, &err);
	if (*rc) {
		rec_model_free(m);
		return NULL;
	}
	if (stream) {
		*rc = rec_train_stream(m, r, count_bad, bad, NULL, NULL, &err);
		rec_reader_free(r);
	} else {
		rec_dataset *d;
		*rc = rec_dataset_read(&d, m, r, count_bad, bad, &err);
		rec_reader_free(r);
		if (*rc == 0) {
			CHECK(rec_dataset_size(d) > 0);
			CHECK(rec_train(m, d, NULL, NULL, &err) == 0);
			rec_dataset_free(d);
		} else {
			CHECK(d == NULL);
		}
	}
	if (*rc) {
		/* nothing usable, a bad header, a damaged gzip stream */
		CHECK(*rc == REC_EDATA || *rc == REC_EIO || *rc == REC_EINVAL);
		CHECK(err.code == *rc);
		rec_model_free(m);
		return NULL;
	}
	return m;
}

/* Train small models on the same input: from a dataset as the options
 * say, and streamed (one pass in input order, which must give the very
 * same model as a dataset with neither shuffling nor holdout). */
static void train(const struct rec_mem_input *in, const struct setup *s,
		  const struct sample *keep, int nkeep, long good, long bad)
{
	struct rec_params p;
	rec_params_init(&p, s->opt.task);
	p.bits = s->bits;
	p.factors = s->factors;
	p.passes = 1;
	p.holdout = s->holdout ? 0.5 : 0;
	p.shuffle = s->shuffle;
	p.input = s->opt;
	p.input.need = REC_NEED_USER | REC_NEED_ITEM | REC_NEED_LABEL;
	if (s->features) {
		p.features = s->opt.extra[0];
		p.item_features = s->opt.extra[1];
		p.numeric = s->opt.extra[1];
		p.list_sep = "|";
	}
	if (s->implicit) {
		/* as rec-train: every row is a positive, no label is read */
		p.input.columns.label = NULL;
		p.input.has_positive = 0;
		p.input.need = REC_NEED_USER | REC_NEED_ITEM;
	}
	CHECK(rec_params_check(&p) == NULL);
	/* the first read used the same options: the same rows are good */
	const int same_need = s->opt.need == p.input.need &&
			      s->opt.columns.label == p.input.columns.label &&
			      s->opt.has_positive == p.input.has_positive;

	long bad_batch, bad_stream;
	int rc_batch, rc_stream;
	rec_model *batch = learn(in, s, &p, 0, &bad_batch, &rc_batch);
	if (same_need && rc_batch != REC_EIO && rc_batch != REC_EINVAL)
		CHECK(bad_batch == bad);	/* the same rows as before */
	if (same_need && batch && p.holdout == 0) {
		struct rec_model_info info;
		rec_model_info(batch, &info);
		CHECK(info.events == (uint64_t)good);
	}
	double margins_batch[NSCORES], margins_stream[NSCORES];
	if (batch)
		check_trained(batch, keep, nkeep, margins_batch);

	p.shuffle = 0;
	p.holdout = 0;
	rec_model *stream = learn(in, s, &p, 1, &bad_stream, &rc_stream);
	if (stream)
		check_trained(stream, keep, nkeep, margins_stream);
	if (!s->shuffle && !s->holdout) {
		CHECK(rc_stream == rc_batch);
		CHECK(bad_stream == bad_batch);
	}
	if (batch && stream && !s->shuffle && !s->holdout) {
		struct rec_model_info a, b;
		rec_model_info(batch, &a);
		rec_model_info(stream, &b);
		CHECK(a.features == b.features && a.items == b.items &&
		      a.events == b.events && a.updates == b.updates &&
		      a.passes_done == b.passes_done);
		/* the parameters agree bit for bit (rec.h promises it for
		 * binary and regression tasks; an implicit stream samples
		 * from the catalogue as it grows), so the scores do; the
		 * reported loss may differ in rounding */
		if (!s->implicit) {
			CHECK(memcmp(margins_batch, margins_stream,
				     (size_t)nscores(nkeep) * sizeof(double)) == 0);
			CHECK(fabs(a.train_loss - b.train_loss) <=
			      1e-6 * fmax(1, fabs(a.train_loss)));
		}
		CHECK(a.holdout_loss == b.holdout_loss);
	}
	rec_model_free(batch);
	rec_model_free(stream);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t o[NOPT] = { 0 };
	size_t skip = size < NOPT ? size : NOPT;
	memcpy(o, data, skip);
	struct setup s;
	memset(&s, 0, sizeof(s));
	decode_options(o, &s);

	const uint8_t *content = data + skip;
	size_t len = size - skip;
	const uint8_t *ff = s.nfiles == 2 ? memchr(content, '\f', len) : NULL;
	struct rec_mem_input in[2];
	in[0].data = content;
	in[0].len = ff ? (size_t)(ff - content) : len;
	in[1].data = ff ? ff + 1 : content;
	in[1].len = ff ? len - in[0].len - 1 : len;
	unsigned char *packed[2] = { NULL, NULL };
	for (int i = 0; i < 2; i++) {
		in[i].name = s.name;
		if (s.gzip) {
			packed[i] = gzip(in[i].data, in[i].len, &in[i].len);
			in[i].data = packed[i];
		}
	}

	struct sample keep[NSAMPLE];
	int nkeep = 0;
	long bad = 0;
	long good = read_all(in, &s, keep, &nkeep, &bad);
	if (good > 0)
		train(in, &s, keep, nkeep, good, bad);

	for (int i = 0; i < nkeep; i++) {
		free(keep[i].user);
		free(keep[i].item);
	}
	free(packed[0]);
	free(packed[1]);
	return 0;
}
