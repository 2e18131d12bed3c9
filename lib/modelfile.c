/*
 * modelfile.c - the model file, format version 1 (see man/rec-model.5).
 *
 *   header:  magic "\x89REC\r\n\x1a\n", u32 read version, u32 write version,
 *            u32 CRC-32 of the 16 bytes before it
 *   chunks:  u32 id, u32 flags, u64 raw length, u64 stored length,
 *            u32 CRC-32 of the stored bytes, u32 CRC-32 of the 28 bytes
 *            before it; then the stored bytes (a zlib stream of the raw ones)
 *   the last chunk is "END " with no content; nothing may follow it.
 *
 * Every integer is little-endian and written byte by byte, never as a
 * struct.  A chunk with flag bit 0 set is required: a reader that does not
 * know its id must refuse the file; other unknown chunks are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"

static const unsigned char magic[8] = { 0x89, 'R', 'E', 'C', '\r', '\n',
					0x1a, '\n' };
#define HEADER_SIZE 20
#define CHUNK_HEADER_SIZE 32
#define FLAG_REQUIRED 1u
#define MAX_CHUNKS 16

#define ID(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | \
			(uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define ID_PARAMS ID('P', 'A', 'R', 'A')
#define ID_COUNTERS ID('C', 'N', 'T', 'R')
#define ID_RNG ID('R', 'N', 'G', 'S')
#define ID_FEATURES ID('F', 'E', 'A', 'T')
#define ID_WEIGHTS ID('W', 'G', 'H', 'T')
#define ID_CATALOGUE ID('C', 'A', 'T', 'L')
#define ID_STAMPS ID('S', 'T', 'M', 'P')
#define ID_END ID('E', 'N', 'D', ' ')

/* CRC-32 of a buffer of any size (zlib's takes a uInt length). */
static uint32_t crc32_all(const unsigned char *p, size_t len)
{
	uLong crc = crc32(0, Z_NULL, 0);
	while (len > 0) {
		uInt n = len > (1u << 30) ? 1u << 30 : (uInt)len;
		crc = crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)crc;
}

/* ---- a growable little-endian byte buffer ---- */

struct buf {
	unsigned char *p;
	size_t len, cap;
	int failed;
};

static void put(struct buf *b, const void *s, size_t n)
{
	if (b->failed || n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		unsigned char *p = rec_realloc(b->p, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void put_u8(struct buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;
	put(b, &c, 1);
}

static void put_u32(struct buf *b, uint32_t v)
{
	unsigned char c[4];
	for (int i = 0; i < 4; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	put(b, c, 4);
}

static void put_u64(struct buf *b, uint64_t v)
{
	unsigned char c[8];
	for (int i = 0; i < 8; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	put(b, c, 8);
}

static void put_f64(struct buf *b, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	put_u64(b, u);
}

static void put_f32(struct buf *b, float v)
{
	uint32_t u;
	memcpy(&u, &v, 4);
	put_u32(b, u);
}

/* Arrays of floats in bulk: the hot part of saving a large model. */
static void put_f32s(struct buf *b, const float *v, size_t n)
{
	const uint16_t probe = 1;
	if (*(const unsigned char *)&probe == 1) {
		put(b, v, n * sizeof(float));	/* already little-endian */
		return;
	}
	for (size_t i = 0; i < n; i++)
		put_f32(b, v[i]);
}

/* ---- reading with bounds ---- */

struct cursor {
	const unsigned char *p;
	size_t len, pos;
	int bad;
};

static const unsigned char *take(struct cursor *c, size_t n)
{
	if (c->bad || n > c->len - c->pos) {
		c->bad = 1;
		return NULL;
	}
	const unsigned char *p = c->p + c->pos;
	c->pos += n;
	return p;
}

static uint32_t get_u32_at(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_u64_at(const unsigned char *p)
{
	return (uint64_t)get_u32_at(p) | (uint64_t)get_u32_at(p + 4) << 32;
}

static unsigned get_u8(struct cursor *c)
{
	const unsigned char *p = take(c, 1);
	return p ? p[0] : 0;
}

static uint32_t get_u32(struct cursor *c)
{
	const unsigned char *p = take(c, 4);
	return p ? get_u32_at(p) : 0;
}

static uint64_t get_u64(struct cursor *c)
{
	const unsigned char *p = take(c, 8);
	return p ? get_u64_at(p) : 0;
}

static double get_f64(struct cursor *c)
{
	uint64_t u = get_u64(c);
	double v;
	memcpy(&v, &u, 8);
	return v;
}

static float get_f32(struct cursor *c)
{
	uint32_t u = get_u32(c);
	float v;
	memcpy(&v, &u, 4);
	return v;
}

/* Arrays of floats in bulk: the hot part of loading a large model. */
static void get_f32s(struct cursor *c, float *v, size_t n)
{
	const uint16_t probe = 1;
	if (*(const unsigned char *)&probe == 1) {
		const unsigned char *p = take(c, n * sizeof(float));
		if (p)
			memcpy(v, p, n * sizeof(float));	/* little-endian */
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = get_f32(c);
}

/* ---- hyper-parameters as a key/value list, so keys can be added ---- */

static void put_key(struct buf *b, const char *key, char type)
{
	put_u8(b, (unsigned)strlen(key));
	put(b, key, strlen(key));
	put_u8(b, (unsigned char)type);
}

static void kv_int(struct buf *b, const char *key, int64_t v)
{
	put_key(b, key, 'i');
	put_u64(b, (uint64_t)v);
}

static void kv_f64(struct buf *b, const char *key, double v)
{
	put_key(b, key, 'f');
	put_f64(b, v);
}

static void kv_str(struct buf *b, const char *key, const char *v)
{
	if (!v) {
		put_key(b, key, 'n');
		return;
	}
	put_key(b, key, 's');
	put_u32(b, (uint32_t)strlen(v));
	put(b, v, strlen(v));
}

static void encode_params(struct buf *b, const struct rec_params *p)
{
	const struct rec_reader_options *in = &p->input;
	put_u32(b, 28);		/* number of keys below */
	kv_int(b, "task", p->task);
	kv_int(b, "loss", p->loss);
	kv_int(b, "optimizer", p->optimizer);
	kv_int(b, "bits", p->bits);
	kv_int(b, "factors", p->factors);
	kv_f64(b, "lr", p->lr);
	kv_f64(b, "l2", p->l2);
	kv_f64(b, "l2_factors", p->l2_factors);
	kv_f64(b, "init_std", p->init_std);
	kv_int(b, "seed", (int64_t)p->seed);
	kv_int(b, "passes", p->passes);
	kv_int(b, "shuffle", p->shuffle);
	kv_f64(b, "holdout", p->holdout);
	kv_int(b, "patience", p->patience);
	kv_f64(b, "half_life", p->half_life);
	kv_int(b, "half_life_time", p->half_life_time);
	kv_int(b, "negatives", p->negatives);
	kv_f64(b, "sample_alpha", p->sample_alpha);
	kv_int(b, "hard_negatives", p->hard_negatives);
	kv_str(b, "column.user", in->columns.user);
	kv_str(b, "column.item", in->columns.item);
	kv_str(b, "column.label", in->columns.label);
	kv_str(b, "column.time", in->columns.time);
	kv_str(b, "column.weight", in->columns.weight);
	kv_int(b, "input.csv", in->csv);
	kv_int(b, "input.header", in->header);
	kv_int(b, "input.has_positive", in->has_positive);
	kv_f64(b, "input.positive", in->positive);
}

/* Decoding fills *p from the keys it knows; every one of them is required
 * in version 1.  Strings are stored in m->column_names. */
static int decode_params(struct cursor *c, rec_model *m, char *why,
			 size_t why_len)
{
	struct rec_params *p = &m->params;
	struct rec_reader_options *in = &p->input;
	rec_params_init(p, REC_TASK_BINARY);
	const char **strs[5] = { &in->columns.user, &in->columns.item,
				 &in->columns.label, &in->columns.time,
				 &in->columns.weight };
	static const char *const str_keys[5] = { "column.user", "column.item",
		"column.label", "column.time", "column.weight" };
	static const char *const int_keys[] = { "task", "loss", "optimizer",
		"bits", "factors", "seed", "passes", "shuffle", "patience",
		"input.csv", "input.header", "input.has_positive",
		"half_life_time", "negatives", "hard_negatives" };
	static const char *const f64_keys[] = { "lr", "l2", "l2_factors",
		"init_std", "holdout", "input.positive", "half_life",
		"sample_alpha" };
	enum { NINT = 15, NF64 = 8, NSTR = 5 };
	int64_t ints[NINT] = { 0 };
	double f64s[NF64] = { 0 };
	unsigned seen = 0;	/* bit per known key */
	uint32_t n = get_u32(c);
	for (uint32_t i = 0; i < n && !c->bad; i++) {
		unsigned klen = get_u8(c);
		const unsigned char *key = take(c, klen);
		unsigned type = get_u8(c);
		if (c->bad)
			break;
		int64_t iv = 0;
		double fv = 0;
		const unsigned char *sv = NULL;
		uint32_t slen = 0;
		if (type == 'i')
			iv = (int64_t)get_u64(c);
		else if (type == 'f')
			fv = get_f64(c);
		else if (type == 's') {
			slen = get_u32(c);
			sv = take(c, slen);
		} else if (type != 'n') {
			snprintf(why, why_len, "unknown parameter type");
			return REC_EFORMAT;
		}
		if (c->bad)
			break;
#define KEY_IS(k) (klen == strlen(k) && memcmp(key, k, klen) == 0)
		for (int j = 0; j < NINT; j++)
			if (KEY_IS(int_keys[j]) && type == 'i') {
				ints[j] = iv;
				seen |= 1u << j;
			}
		for (int j = 0; j < NF64; j++)
			if (KEY_IS(f64_keys[j]) && type == 'f') {
				f64s[j] = fv;
				seen |= 1u << (NINT + j);
			}
		for (int j = 0; j < NSTR; j++)
			if (KEY_IS(str_keys[j]) && (type == 's' || type == 'n')) {
				char *s = NULL;
				if (type == 's') {
					if (slen == 0 || memchr(sv, 0, slen)) {
						snprintf(why, why_len,
							 "bad column name");
						return REC_EFORMAT;
					}
					s = rec_malloc(slen + 1);
					if (!s)
						return REC_ENOMEM;
					memcpy(s, sv, slen);
					s[slen] = '\0';
				}
				rec_free(m->column_names[j]);
				m->column_names[j] = s;
				*strs[j] = s;
				seen |= 1u << (NINT + NF64 + j);
			}
#undef KEY_IS
	}
	if (c->bad || c->pos != c->len) {
		snprintf(why, why_len, "parameter list damaged");
		return REC_EFORMAT;
	}
	if (seen != (1u << (NINT + NF64 + NSTR)) - 1) {
		snprintf(why, why_len, "parameters missing");
		return REC_EFORMAT;
	}
	for (int j = 0; j < NINT; j++)
		if (ints[j] < INT_MIN || ints[j] > INT_MAX) {
			if (j == 5)
				continue;	/* the seed is 64-bit */
			snprintf(why, why_len, "parameter %s out of range",
				 int_keys[j]);
			return REC_EFORMAT;
		}
	p->task = (enum rec_task)ints[0];
	p->loss = (enum rec_loss)ints[1];
	p->optimizer = (enum rec_optimizer)ints[2];
	p->bits = (int)ints[3];
	p->factors = (int)ints[4];
	p->seed = (uint64_t)ints[5];
	p->passes = (int)ints[6];
	p->shuffle = (int)ints[7];
	p->patience = (int)ints[8];
	in->csv = (int)ints[9];
	in->header = (int)ints[10];
	in->has_positive = (int)ints[11];
	p->half_life_time = (int)ints[12];
	p->negatives = (int)ints[13];
	p->hard_negatives = (int)ints[14];
	in->task = p->task;
	p->lr = f64s[0];
	p->l2 = f64s[1];
	p->l2_factors = f64s[2];
	p->init_std = f64s[3];
	p->holdout = f64s[4];
	in->positive = f64s[5];
	p->half_life = f64s[6];
	p->sample_alpha = f64s[7];
	const char *bad = rec_params_check(p);
	if (!bad && !isfinite(in->positive))
		bad = "positive threshold not finite";
	if (!bad && (p->shuffle < 0 || p->shuffle > 1))
		bad = "shuffle out of range";
	if (!bad && (in->csv < -1 || in->csv > 1 || in->header < 0 ||
		     in->header > 1 || in->has_positive < 0 ||
		     in->has_positive > 1))
		bad = "input options out of range";
	if (bad) {
		snprintf(why, why_len, "bad parameters: %s", bad);
		return REC_EFORMAT;
	}
	return 0;
}

/* ---- writing ---- */

/*
 * Chunks of floats and hashed keys are stored with zlib level 0: their
 * mantissas and hash bits hold no repeats for a dictionary coder to find,
 * deflating them costs about a hundred instructions a byte and saves
 * nearly nothing, and saves must stay cheap for hourly updates.  Text-like
 * chunks (parameters, catalogue ids) are deflated.
 */
#define LEVEL_STORED 0
#define LEVEL_TEXT 1

static int zcompress(const unsigned char *raw, size_t len, unsigned char *out,
		     size_t *out_len, int level)
{
	uLongf n = (uLongf)*out_len;
	if (compress2(out, &n, raw, (uLong)len, level) != Z_OK)
		return -1;
	*out_len = (size_t)n;
	return 0;
}

static void add_chunk(struct buf *out, uint32_t id, uint32_t flags,
		      const struct buf *raw, int level)
{
	if (out->failed || raw->failed) {
		out->failed = 1;
		return;
	}
	size_t stored_len = compressBound(raw->len) + 64;
	unsigned char *stored = rec_malloc(stored_len);
	if (!stored || zcompress(raw->p ? raw->p : stored, raw->len, stored,
				 &stored_len, level) != 0) {
		rec_free(stored);
		out->failed = 1;
		return;
	}
	size_t at = out->len;
	put_u32(out, id);
	put_u32(out, flags);
	put_u64(out, raw->len);
	put_u64(out, stored_len);
	put_u32(out, crc32_all(stored, stored_len));
	if (!out->failed)
		put_u32(out, crc32_all(out->p + at, 28));
	put(out, stored, stored_len);
	rec_free(stored);
}

int rec_model_encode(rec_model *m, void **image, size_t *image_len,
		     struct rec_error *err)
{
	*image = NULL;
	*image_len = 0;
	struct buf out = { 0 }, raw = { 0 };
	put(&out, magic, 8);
	put_u32(&out, REC_FORMAT_VERSION);	/* read version */
	put_u32(&out, REC_FORMAT_VERSION);	/* write version */
	if (!out.failed)
		put_u32(&out, (uint32_t)crc32(0, out.p, 16));

	m->counters.saved = (int64_t)time(NULL);
	encode_params(&raw, &m->params);
	add_chunk(&out, ID_PARAMS, FLAG_REQUIRED, &raw, LEVEL_TEXT);

	raw.len = 0;
	const struct rec_counters *k = &m->counters;
	put_u64(&raw, k->events);
	put_u64(&raw, k->updates);
	put_u64(&raw, (uint64_t)(int64_t)k->passes_done);
	put_f64(&raw, k->train_loss);
	put_f64(&raw, k->holdout_loss);
	put_u64(&raw, (uint64_t)k->created);
	put_u64(&raw, (uint64_t)k->saved);
	put_u64(&raw, k->prog_events);
	put_f64(&raw, k->prog_loss);
	put_f64(&raw, k->prog_weight);
	add_chunk(&out, ID_COUNTERS, FLAG_REQUIRED, &raw, LEVEL_TEXT);

	raw.len = 0;
	for (int i = 0; i < 4; i++)
		put_u64(&raw, m->rng.s[i]);
	add_chunk(&out, ID_RNG, FLAG_REQUIRED, &raw, LEVEL_STORED);

	raw.len = 0;
	put_u64(&raw, m->features);
	for (size_t i = 0; i < m->features; i++)
		put_u64(&raw, m->feature_keys[i]);
	for (size_t i = 0; i < m->features; i++)
		put_u32(&raw, m->feature_events[i]);
	add_chunk(&out, ID_FEATURES, FLAG_REQUIRED, &raw, LEVEL_STORED);

	raw.len = 0;
	put_u32(&raw, (uint32_t)m->stride);
	put_f32(&raw, m->bias[0]);
	put_f32(&raw, m->bias[1]);
	put_f32s(&raw, m->rows, m->features * m->stride);
	add_chunk(&out, ID_WEIGHTS, FLAG_REQUIRED, &raw, LEVEL_STORED);

	raw.len = 0;
	const struct rec_catalogue *c = &m->catalogue;
	put_u64(&raw, c->count);
	for (size_t i = 0; i < c->count; i++) {
		const struct rec_item *it = &c->items[i];
		put_u32(&raw, it->feature);
		put_u64(&raw, it->count);
		put_f64(&raw, it->last_time);
		put_u32(&raw, it->name_len);
		put(&raw, c->names + it->name_off, it->name_len);
	}
	add_chunk(&out, ID_CATALOGUE, FLAG_REQUIRED, &raw, LEVEL_TEXT);

	if (m->feature_stamp) {
		raw.len = 0;
		put_f64(&raw, m->bias_stamp);
		for (size_t i = 0; i < m->features; i++)
			put_f64(&raw, m->feature_stamp[i]);
		add_chunk(&out, ID_STAMPS, FLAG_REQUIRED, &raw, LEVEL_STORED);
	}

	raw.len = 0;
	add_chunk(&out, ID_END, FLAG_REQUIRED, &raw, LEVEL_TEXT);
	rec_free(raw.p);
	if (out.failed) {
		rec_free(out.p);
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	}
	*image = out.p;
	*image_len = out.len;
	return 0;
}

/* Write all of buf to fd; 0 or -1 with errno set. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Atomic replacement: the new image goes to a temporary file in the same
 * directory, is flushed to disk, then renamed over the target, and the
 * directory is flushed so the rename itself survives a crash.  Until the
 * rename the old file is untouched; after it the new one is complete.
 */
int rec_model_save(rec_model *m, const char *path, struct rec_error *err)
{
	void *image;
	size_t len;
	int rc = rec_model_encode(m, &image, &len, err);
	if (rc)
		return rc;
	size_t plen = strlen(path);
	char *tmp = rec_malloc(plen + 16);
	char *dir = rec_malloc(plen + 2);
	if (!tmp || !dir) {
		rec_free(image);
		rec_free(tmp);
		rec_free(dir);
		return rec_fail(err, REC_ENOMEM, path, 0, "out of memory");
	}
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	memcpy(dir, path, plen + 1);
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';

	int fd = mkstemp(tmp);
	if (fd < 0) {
		rc = rec_fail(err, REC_EIO, path, 0,
			      "cannot create temporary file: %s",
			      strerror(errno));
		goto out;
	}
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0 || write_all(fd, image, len) != 0 ||
	    fsync(fd) != 0) {
		rc = rec_fail(err, REC_EIO, path, 0, "cannot write: %s",
			      strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) != 0) {
		rc = rec_fail(err, REC_EIO, path, 0, "cannot write: %s",
			      strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		rc = rec_fail(err, REC_EIO, path, 0, "cannot rename: %s",
			      strerror(errno));
		unlink(tmp);
		goto out;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		/* some file systems refuse fsync on a directory: not fatal,
		 * the rename has happened */
		fsync(dfd);
		close(dfd);
	}
out:
	rec_free(image);
	rec_free(tmp);
	rec_free(dir);
	return rc;
}

/* ---- reading ---- */

struct chunk {
	uint32_t id, flags;
	unsigned char *raw;
	size_t len;
};

static int damaged(struct rec_error *err, const char *name, const char *what)
{
	return rec_fail(err, REC_EFORMAT, name, 0,
			"damaged model file: %s", what);
}

static int decode_body(rec_model *m, struct chunk *ch, int nch,
		       const char *name, struct rec_error *err)
{
	char why[128] = "";
	struct chunk *by_id[6] = { 0 };
	static const uint32_t ids[6] = { ID_PARAMS, ID_COUNTERS, ID_RNG,
		ID_FEATURES, ID_WEIGHTS, ID_CATALOGUE };
	for (int i = 0; i < nch; i++)
		for (int j = 0; j < 6; j++)
			if (ch[i].id == ids[j]) {
				if (by_id[j])
					return damaged(err, name,
						       "a chunk appears twice");
				by_id[j] = &ch[i];
			}
	for (int j = 0; j < 6; j++)
		if (!by_id[j])
			return damaged(err, name, "a required chunk is missing");

	struct cursor c = { by_id[0]->raw, by_id[0]->len, 0, 0 };
	int rc = decode_params(&c, m, why, sizeof(why));
	if (rc == REC_ENOMEM)
		return rec_fail(err, rc, name, 0, "out of memory");
	if (rc)
		return damaged(err, name, why);
	const int k = m->params.factors;
	m->stride = 2 * (1 + (size_t)k);
	m->key_mask = ((uint64_t)1 << m->params.bits) - 1;

	c = (struct cursor){ by_id[1]->raw, by_id[1]->len, 0, 0 };
	struct rec_counters *cn = &m->counters;
	cn->events = get_u64(&c);
	cn->updates = get_u64(&c);
	int64_t passes = (int64_t)get_u64(&c);
	cn->train_loss = get_f64(&c);
	cn->holdout_loss = get_f64(&c);
	cn->created = (int64_t)get_u64(&c);
	cn->saved = (int64_t)get_u64(&c);
	cn->prog_events = get_u64(&c);
	cn->prog_loss = get_f64(&c);
	cn->prog_weight = get_f64(&c);
	if (c.bad || c.pos != c.len || passes < 0 || passes > INT_MAX ||
	    !isfinite(cn->train_loss) || !isfinite(cn->holdout_loss) ||
	    !(cn->prog_loss >= 0) || !isfinite(cn->prog_loss) ||
	    !(cn->prog_weight >= 0) || !isfinite(cn->prog_weight))
		return damaged(err, name, "counters");
	cn->passes_done = (int)passes;

	c = (struct cursor){ by_id[2]->raw, by_id[2]->len, 0, 0 };
	for (int i = 0; i < 4; i++)
		m->rng.s[i] = get_u64(&c);
	if (c.bad || c.pos != c.len ||
	    (m->rng.s[0] | m->rng.s[1] | m->rng.s[2] | m->rng.s[3]) == 0)
		return damaged(err, name, "random generator state");

	c = (struct cursor){ by_id[3]->raw, by_id[3]->len, 0, 0 };
	uint64_t nfeat = get_u64(&c);
	if (c.bad || nfeat >= UINT32_MAX || nfeat * 12 != c.len - c.pos)
		return damaged(err, name, "feature table");
	m->features = m->cap = (size_t)nfeat;
	m->feature_keys = rec_malloc(m->features * sizeof(uint64_t));
	m->feature_events = rec_malloc(m->features * sizeof(uint32_t));
	m->rows = rec_malloc(m->features * m->stride * sizeof(float));
	rec_map_destroy(&m->feature_index);
	if (!m->feature_keys || !m->feature_events || !m->rows ||
	    rec_map_init(&m->feature_index, m->features) != 0)
		return rec_fail(err, REC_ENOMEM, name, 0, "out of memory");
	for (size_t i = 0; i < m->features; i++) {
		uint64_t key = get_u64(&c);
		if (key > m->key_mask ||
		    rec_map_get(&m->feature_index, key) != UINT32_MAX)
			return damaged(err, name, "feature table");
		m->feature_keys[i] = key;
		if (rec_map_put(&m->feature_index, key, (uint32_t)i) != 0)
			return rec_fail(err, REC_ENOMEM, name, 0,
					"out of memory");
	}
	for (size_t i = 0; i < m->features; i++)
		m->feature_events[i] = get_u32(&c);

	c = (struct cursor){ by_id[4]->raw, by_id[4]->len, 0, 0 };
	uint32_t stride = get_u32(&c);
	m->bias[0] = get_f32(&c);
	m->bias[1] = get_f32(&c);
	size_t nfloats = m->features * m->stride;
	if (c.bad || stride != m->stride ||
	    (c.len - c.pos) / 4 != nfloats || (c.len - c.pos) % 4 != 0)
		return damaged(err, name, "weights");
	get_f32s(&c, m->rows, nfloats);
	/* the bounds the learner keeps: a value past them is damage */
	if (!(fabsf(m->bias[0]) <= REC_PARAM_MAX) || !(m->bias[1] >= 0) ||
	    !(m->bias[1] <= REC_ACC_MAX))
		return damaged(err, name, "weights");
	for (size_t r = 0; r < m->features; r++) {
		const float *row = m->rows + r * m->stride;
		for (int j = 0; j <= k; j++)
			if (!(fabsf(row[j]) <= REC_PARAM_MAX) ||
			    !(row[1 + k + j] >= 0 &&
			      row[1 + k + j] <= REC_ACC_MAX))
				return damaged(err, name, "weights");
	}

	c = (struct cursor){ by_id[5]->raw, by_id[5]->len, 0, 0 };
	uint64_t nitems = get_u64(&c);
	if (c.bad || nitems > (c.len - c.pos) / 24)
		return damaged(err, name, "item catalogue");
	for (uint64_t i = 0; i < nitems; i++) {
		uint32_t feature = get_u32(&c);
		uint64_t count = get_u64(&c);
		double last = get_f64(&c);
		uint32_t len = get_u32(&c);
		const unsigned char *id = take(&c, len);
		if (c.bad || feature >= m->features || len == 0 ||
		    !isfinite(last) || count == 0)
			return damaged(err, name, "item catalogue");
		uint64_t key = rec_hash(REC_SPACE_ITEM, (const char *)id, len);
		if (rec_map_get(&m->catalogue.index, key) != UINT32_MAX)
			return damaged(err, name, "item catalogue");
		if (rec_catalogue_note(m, key, (const char *)id, len, feature,
				       last) != 0)
			return rec_fail(err, REC_ENOMEM, name, 0,
					"out of memory");
		m->catalogue.items[m->catalogue.count - 1].count = count;
		if (count > m->catalogue.max_count)
			m->catalogue.max_count = count;
	}
	if (c.pos != c.len)
		return damaged(err, name, "item catalogue");

	for (int i = 0; i < nch; i++) {
		if (ch[i].id != ID_STAMPS)
			continue;
		if (m->feature_stamp)
			return damaged(err, name, "a chunk appears twice");
		c = (struct cursor){ ch[i].raw, ch[i].len, 0, 0 };
		if (c.len != 8 * (m->features + 1))
			return damaged(err, name, "forgetting stamps");
		m->feature_stamp = rec_malloc(m->features * sizeof(double));
		if (!m->feature_stamp)
			return rec_fail(err, REC_ENOMEM, name, 0,
					"out of memory");
		m->bias_stamp = get_f64(&c);
		for (size_t j = 0; j < m->features; j++)
			m->feature_stamp[j] = get_f64(&c);
		if (!isfinite(m->bias_stamp))
			return damaged(err, name, "forgetting stamps");
		for (size_t j = 0; j < m->features; j++)
			if (!isfinite(m->feature_stamp[j]))
				return damaged(err, name, "forgetting stamps");
	}
	return 0;
}

int rec_model_decode(rec_model **out, const void *image, size_t len,
		     const char *name, struct rec_error *err)
{
	*out = NULL;
	const unsigned char *p = image;
	if (len < 8 || memcmp(p, magic, 8) != 0)
		return rec_fail(err, REC_EFORMAT, name, 0,
				"not a recpipe model file");
	if (len < HEADER_SIZE)
		return damaged(err, name, "truncated header");
	if (get_u32_at(p + 16) != (uint32_t)crc32(0, p, 16))
		return damaged(err, name, "header checksum mismatch");
	uint32_t read_version = get_u32_at(p + 8);
	uint32_t write_version = get_u32_at(p + 12);
	if (read_version > REC_FORMAT_VERSION)
		return rec_fail(err, REC_EVERSION, name, 0,
				"model file format version %u is newer than "
				"this program reads (%d); upgrade recpipe",
				(unsigned)read_version, REC_FORMAT_VERSION);
	if (read_version == 0 || write_version < read_version)
		return damaged(err, name, "bad version numbers");

	struct rec_params defaults;
	rec_params_init(&defaults, REC_TASK_BINARY);
	rec_model *m;
	int rc = rec_model_create(&m, &defaults, err);
	if (rc)
		return rc;
	m->file_read_version = read_version;
	m->file_write_version = write_version;

	struct chunk ch[MAX_CHUNKS];
	int nch = 0, ended = 0;
	size_t pos = HEADER_SIZE;
	while (!ended) {
		if (len - pos < CHUNK_HEADER_SIZE) {
			rc = damaged(err, name, "truncated file");
			goto fail;
		}
		const unsigned char *h = p + pos;
		if (get_u32_at(h + 28) != (uint32_t)crc32(0, h, 28)) {
			rc = damaged(err, name, "chunk header checksum mismatch");
			goto fail;
		}
		uint32_t id = get_u32_at(h), flags = get_u32_at(h + 4);
		uint64_t raw_len = get_u64_at(h + 8);
		uint64_t stored_len = get_u64_at(h + 16);
		pos += CHUNK_HEADER_SIZE;
		if (stored_len > len - pos) {
			rc = damaged(err, name, "truncated file");
			goto fail;
		}
		const unsigned char *stored = p + pos;
		pos += stored_len;
		if (get_u32_at(h + 24) != crc32_all(stored, stored_len)) {
			rc = damaged(err, name, "chunk checksum mismatch");
			goto fail;
		}
		int known = id == ID_PARAMS || id == ID_COUNTERS ||
			    id == ID_RNG || id == ID_FEATURES ||
			    id == ID_WEIGHTS || id == ID_CATALOGUE ||
			    id == ID_STAMPS || id == ID_END;
		if (!known) {
			if (flags & FLAG_REQUIRED) {
				rc = rec_fail(err, REC_EVERSION, name, 0,
					      "model file needs a feature this "
					      "program lacks; upgrade recpipe");
				goto fail;
			}
			continue;	/* optional: skip */
		}
		if (id == ID_END) {
			if (raw_len != 0 || pos != len) {
				rc = damaged(err, name,
					     "data after the end chunk");
				goto fail;
			}
			ended = 1;
			break;
		}
		/* zlib cannot expand more than about 1032 to 1 */
		if (nch == MAX_CHUNKS || raw_len > stored_len * 1100 + 64 ||
		    raw_len > SIZE_MAX / 2) {
			rc = damaged(err, name, "chunk sizes");
			goto fail;
		}
		uLongf got = (uLongf)raw_len;
		unsigned char *raw = rec_malloc((size_t)raw_len);
		if (!raw) {
			rc = rec_fail(err, REC_ENOMEM, name, 0,
				      "out of memory");
			goto fail;
		}
		if (uncompress(raw, &got, stored, (uLong)stored_len) != Z_OK ||
		    got != raw_len) {
			rec_free(raw);
			rc = damaged(err, name, "compressed data");
			goto fail;
		}
		ch[nch++] = (struct chunk){ id, flags, raw, (size_t)raw_len };
	}
	rc = decode_body(m, ch, nch, name, err);
fail:
	for (int i = 0; i < nch; i++)
		rec_free(ch[i].raw);
	if (rc) {
		rec_model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int rec_model_load(rec_model **out, const char *path, struct rec_error *err)
{
	*out = NULL;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return rec_fail(err, REC_EIO, path, 0, "cannot open: %s",
				strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rec_fail(err, REC_EFORMAT, path, 0,
				"not a regular file");
	}
	size_t len = (size_t)st.st_size;
	unsigned char *image = rec_malloc(len);
	if (!image) {
		close(fd);
		return rec_fail(err, REC_ENOMEM, path, 0, "out of memory");
	}
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, image + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : 0;
			close(fd);
			rec_free(image);
			return rec_fail(err, REC_EIO, path, 0,
					"read error: %s",
					e ? strerror(e) : "file shrank");
		}
		got += (size_t)n;
	}
	close(fd);
	int rc = rec_model_decode(out, image, len, path, err);
	rec_free(image);
	return rc;
}
