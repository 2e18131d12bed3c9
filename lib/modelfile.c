/*
 * modelfile.c - the model file, format version 5 (see man/rec-model.5).
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

#include "codec.h"
#include "internal.h"

static const unsigned char magic[8] = { 0x89, 'R', 'E', 'C', '\r', '\n',
					0x1a, '\n' };
#define HEADER_SIZE 20
#define CHUNK_HEADER_SIZE 32
#define FLAG_REQUIRED 1u
/* The most content of a PARA chunk: 28 keys, numbers and six column names
 * take a few hundred bytes; a column name is an option's argument. */
#define PARAMS_MAX ((uint64_t)1 << 20)

#define ID(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | \
			(uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define ID_PARAMS ID('P', 'A', 'R', 'A')
#define ID_COUNTERS ID('C', 'N', 'T', 'R')
#define ID_RNG ID('R', 'N', 'G', 'S')
#define ID_FEATURES ID('F', 'E', 'A', 'T')
#define ID_WEIGHTS ID('W', 'G', 'H', 'T')
#define ID_QWEIGHTS ID('Q', 'W', 'G', 'T')
#define ID_CATALOGUE ID('C', 'A', 'T', 'L')
#define ID_STAMPS ID('S', 'T', 'M', 'P')
#define ID_SPACES ID('S', 'P', 'C', 'S')
#define ID_ROW_SPACES ID('N', 'S', 'P', 'C')
#define ID_USER_TABLE ID('U', 'A', 'T', 'T')
#define ID_ITEM_TABLE ID('I', 'A', 'T', 'T')
#define ID_ITEM_FEATURES ID('C', 'F', 'E', 'A')
#define ID_EASE_USERS ID('E', 'U', 'S', 'R')
#define ID_EASE ID('E', 'A', 'S', 'E')
#define ID_JOURNAL ID('J', 'R', 'N', 'L')
#define ID_LEARNED ID('L', 'R', 'N', 'D')
#define ID_END ID('E', 'N', 'D', ' ')

/* A zlib checksum (crc32, adler32) of a buffer of any size: zlib's take
 * a uInt length. */
static uint32_t checksum_all(uLong (*sum)(uLong, const Bytef *, uInt),
			     const unsigned char *p, size_t len)
{
	uLong c = sum(0, Z_NULL, 0);
	while (len > 0) {
		uInt n = len > (1u << 30) ? 1u << 30 : (uInt)len;
		c = sum(c, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)c;
}

static uint32_t crc32_all(const unsigned char *p, size_t len)
{
	return checksum_all(crc32, p, len);
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
/* Stored blocks written here, not by zlib: for the largest chunks (EASE's
 * weights, a gigabyte and more), so that a save holds the content once
 * and the file image, not a third copy in between. */
#define LEVEL_DIRECT (-2)
#define STORED_BLOCK 65535	/* the most a stored deflate block holds */

/* A zlib stream whose allocations go through rec_malloc. */
static z_stream zstream(const unsigned char *in, unsigned char *out)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	z.zalloc = rec_zalloc;
	z.zfree = rec_zfree;
	z.next_in = (unsigned char *)(uintptr_t)in;	/* zlib reads only */
	z.next_out = out;
	return z;
}

/* Feed zlib's 32-bit counts from 64-bit lengths: what is left of each
 * side goes in as the stream asks for it. */
static void zfeed(z_stream *z, size_t *in_left, size_t *out_left)
{
	const size_t most = UINT_MAX;
	if (z->avail_in == 0) {
		z->avail_in = (uInt)(*in_left < most ? *in_left : most);
		*in_left -= z->avail_in;
	}
	if (z->avail_out == 0) {
		z->avail_out = (uInt)(*out_left < most ? *out_left : most);
		*out_left -= z->avail_out;
	}
}

/* Deflate len bytes into out (out_len bytes, at least compressBound);
 * the same stream as compress2.  0, REC_ENOMEM or REC_EFORMAT. */
static int zcompress(const unsigned char *raw, size_t len, unsigned char *out,
		     size_t *out_len, int level)
{
	z_stream z = zstream(raw, out);
	int rc = deflateInit(&z, level);
	if (rc != Z_OK)
		return rc == Z_MEM_ERROR ? REC_ENOMEM : REC_EFORMAT;
	size_t in_left = len, out_left = *out_len;
	do {
		zfeed(&z, &in_left, &out_left);
		rc = deflate(&z, in_left == 0 ? Z_FINISH : Z_NO_FLUSH);
	} while (rc == Z_OK);
	*out_len = (size_t)z.total_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : REC_EFORMAT;
}

/* Inflate a stored chunk of exactly raw_len bytes.  0, REC_ENOMEM, or
 * REC_EFORMAT for damaged data. */
static int zuncompress(const unsigned char *stored, size_t stored_len,
		       unsigned char *raw, size_t raw_len)
{
	z_stream z = zstream(stored, raw);
	int rc = inflateInit(&z);
	if (rc != Z_OK)
		return rc == Z_MEM_ERROR ? REC_ENOMEM : REC_EFORMAT;
	size_t in_left = stored_len, out_left = raw_len;
	do {
		zfeed(&z, &in_left, &out_left);
		rc = inflate(&z, Z_NO_FLUSH);
	} while (rc == Z_OK);
	int ok = rc == Z_STREAM_END && z.avail_in == 0 && in_left == 0 &&
		 (size_t)z.total_out == raw_len;
	inflateEnd(&z);
	if (rc == Z_MEM_ERROR)
		return REC_ENOMEM;
	return ok ? 0 : REC_EFORMAT;
}

/*
 * A chunk's content inflated piece by piece, for a decoder that puts a
 * large content straight where it belongs instead of into a copy first.
 */
struct rec_inflate {
	z_stream z;
	size_t in_left, out_left;	/* not yet given to zlib */
	int end;			/* the stream has ended */
};

int rec_inflate_take(struct rec_inflate *s, void *out, size_t n)
{
	s->z.next_out = out;
	s->z.avail_out = 0;
	s->out_left = n;
	while (s->z.avail_out > 0 || s->out_left > 0) {
		if (s->end)
			return REC_EFORMAT;	/* content shorter than said */
		zfeed(&s->z, &s->in_left, &s->out_left);
		int rc = inflate(&s->z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			s->end = 1;
		else if (rc == Z_MEM_ERROR)
			return REC_ENOMEM;
		else if (rc != Z_OK)
			return REC_EFORMAT;
	}
	return 0;
}

/* Whether the stream ended exactly at the content's end. */
static int inflate_done(struct rec_inflate *s, uint64_t raw_len)
{
	if (!s->end) {
		unsigned char extra;
		if (rec_inflate_take(s, &extra, 1) != REC_EFORMAT || !s->end)
			return 0;
	}
	return (uint64_t)s->z.total_out == raw_len && s->z.avail_in == 0 &&
	       s->in_left == 0;
}

static void put_le32_at(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/*
 * A chunk whose zlib stream is written straight into out: the two-byte
 * header of a stream without compression, blocks of at most 65535 bytes
 * (a byte for the final-block bit, the length and its complement), then
 * the Adler-32, big-endian.  Any zlib reads it as it reads level 0.
 */
static void add_direct_chunk(struct rec_buf *out, uint32_t id, uint32_t flags,
			     const struct rec_buf *raw)
{
	size_t len = raw->len;
	size_t blocks = len ? (len + STORED_BLOCK - 1) / STORED_BLOCK : 1;
	size_t stored_len = 2 + 5 * blocks + len + 4;
	size_t at = out->len;
	rec_buf_put_u32(out, id);
	rec_buf_put_u32(out, flags);
	rec_buf_put_u64(out, len);
	rec_buf_put_u64(out, stored_len);
	rec_buf_put_u32(out, 0);	/* the checksums, once the bytes are in */
	rec_buf_put_u32(out, 0);
	static const unsigned char head[2] = { 0x78, 0x01 };
	rec_buf_put(out, head, 2);
	for (size_t b = 0, done = 0; b < blocks; b++) {
		size_t n = len - done < STORED_BLOCK ? len - done : STORED_BLOCK;
		unsigned char h[5] = { b + 1 == blocks, (unsigned char)n,
				       (unsigned char)(n >> 8),
				       (unsigned char)~n,
				       (unsigned char)(~n >> 8) };
		rec_buf_put(out, h, 5);
		rec_buf_put(out, raw->p + done, n);
		done += n;
	}
	uint32_t adler = checksum_all(adler32, raw->p ? raw->p : head, len);
	unsigned char tail[4] = { adler >> 24, adler >> 16, adler >> 8, adler };
	rec_buf_put(out, tail, 4);
	if (out->failed)
		return;
	unsigned char *h = out->p + at;
	put_le32_at(h + 24, crc32_all(h + CHUNK_HEADER_SIZE, stored_len));
	put_le32_at(h + 28, crc32_all(h, 28));
}

static void add_chunk(struct rec_buf *out, uint32_t id, uint32_t flags,
		      const struct rec_buf *raw, int level)
{
	if (out->failed || raw->failed) {
		out->failed = 1;
		return;
	}
	if (level == LEVEL_DIRECT) {
		add_direct_chunk(out, id, flags, raw);
		return;
	}
	size_t stored_len = compressBound(raw->len) + 64;
	unsigned char *stored = rec_malloc(stored_len);
	if (!stored || zcompress(raw->p ? raw->p : stored, raw->len, stored,
				 &stored_len, level) != 0) {
		/* a deflate stream into compressBound bytes fails only for
		 * want of memory */
		rec_free(stored);
		out->failed = 1;
		return;
	}
	size_t at = out->len;
	rec_buf_put_u32(out, id);
	rec_buf_put_u32(out, flags);
	rec_buf_put_u64(out, raw->len);
	rec_buf_put_u64(out, stored_len);
	rec_buf_put_u32(out, crc32_all(stored, stored_len));
	if (!out->failed)
		rec_buf_put_u32(out, crc32_all(out->p + at, 28));
	rec_buf_put(out, stored, stored_len);
	rec_free(stored);
}

/* ---- the chunks, one encoder and one decoder each ---- */

/*
 * An encoder appends the chunk's raw content to b and returns 1, or 0 when
 * the model has nothing for the chunk (it is then not written).  A decoder
 * reads the content from c into the model: 0, REC_ENOMEM, or REC_EFORMAT
 * with what is damaged in why.  Decoders run in table order, so each may
 * rely on what the ones above it read (the parameters first).
 */
#define WHY_SIZE 128

static int format_error(char *why, const char *what)
{
	snprintf(why, WHY_SIZE, "%s", what);
	return REC_EFORMAT;
}

static int enc_params(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(saved);
	rec_params_encode(&m->params, b);
	return 1;
}

static int dec_params(struct rec_cursor *c, rec_model *m, char *why)
{
	char *strings[REC_MAX_PARAMS] = { NULL };
	int rc = rec_params_decode(c, &m->params, strings, why, WHY_SIZE);
	if (rc == 0)
		rc = rec_model_own_columns(m);
	for (size_t i = 0; i < REC_MAX_PARAMS; i++)
		rec_free(strings[i]);
	if (rc)
		return rc;
	rec_model_shape(m);
	if (m->params.model == REC_MODEL_EASE && !m->ease &&
	    rec_ease_init(m) != 0)
		return REC_ENOMEM;
	/* the namespaces of the ids and the feature columns */
	struct rec_error err = { 0 };
	rec_schema_free(&m->schema);
	rc = rec_schema_init(m, &err);
	if (rc == REC_ENOMEM)
		return rc;
	if (rc) {
		snprintf(why, WHY_SIZE, "feature columns: %.100s", err.msg);
		return REC_EFORMAT;
	}
	return 0;
}

/* A list of keyed features: u32 count, then key, value, namespace each. */
static void put_kfeats(struct rec_buf *b, const struct rec_kfeat *k, size_t n)
{
	rec_buf_put_u32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		rec_buf_put_u64(b, k[i].key);
		rec_buf_put_f32(b, k[i].x);
		rec_buf_put_u32(b, k[i].space);
	}
}

/* A list into buf (REC_MAX_SIDE entries); its count, or -1 if damaged. */
static int get_kfeats(struct rec_cursor *c, const rec_model *m,
		      struct rec_kfeat *buf)
{
	uint32_t n = rec_get_u32(c);
	if (c->bad || n > REC_MAX_SIDE || n > rec_left(c) / 16)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		buf[i].key = rec_get_u64(c);
		buf[i].x = rec_get_f32(c);
		buf[i].space = rec_get_u32(c);
		if (buf[i].key > m->key_mask || !isfinite(buf[i].x) ||
		    buf[i].space >= m->schema.nspaces)
			return -1;
	}
	return c->bad ? -1 : (int)n;
}

/* The namespaces the attribute tables added, in order. */
static int enc_spaces(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(saved);
	const struct rec_schema *s = &m->schema;
	if (!s->active)
		return 0;
	uint32_t n = 0;
	for (size_t i = 0; i < s->nspaces; i++)
		n += s->spaces[i].origin == REC_ORIGIN_TABLE;
	rec_buf_put_u32(b, n);
	for (size_t i = 0; i < s->nspaces; i++) {
		const struct rec_space *sp = &s->spaces[i];
		if (sp->origin != REC_ORIGIN_TABLE)
			continue;
		rec_buf_put_u8(b, sp->side);
		rec_buf_put_u8(b, sp->numeric);
		rec_buf_put_u32(b, (uint32_t)strlen(sp->name));
		rec_buf_put(b, sp->name, strlen(sp->name));
	}
	return 1;
}

static int dec_spaces(struct rec_cursor *c, rec_model *m, char *why)
{
	uint32_t n = rec_get_u32(c);
	if (c->bad || n > REC_MAX_SPACES)
		return format_error(why, "namespaces");
	for (uint32_t i = 0; i < n; i++) {
		unsigned side = rec_get_u8(c), numeric = rec_get_u8(c);
		uint32_t len = rec_get_u32(c);
		const unsigned char *name = rec_take(c, len);
		if (c->bad || side > 1 || numeric > 1 || len == 0 ||
		    memchr(name, 0, len))
			return format_error(why, "namespaces");
		for (size_t j = 0; j < m->schema.nspaces; j++)
			if (strlen(m->schema.spaces[j].name) == len &&
			    memcmp(m->schema.spaces[j].name, name, len) == 0)
				return format_error(why, "namespaces");
		uint32_t at;
		int rc = rec_schema_add_space(&m->schema, (const char *)name,
					      len, (int)side, REC_ORIGIN_TABLE,
					      (int)numeric, &at);
		if (rc == REC_ENOMEM)
			return rc;
		if (rc)
			return format_error(why, "namespaces");
	}
	if (rec_left(c) != 0)
		return format_error(why, "namespaces");
	return 0;
}

/* The namespace of every row. */
static int enc_row_spaces(struct rec_buf *b, const rec_model *m,
			  int64_t saved)
{
	REC_UNUSED(saved);
	if (!m->schema.active)
		return 0;
	for (size_t r = 0; r < m->features; r++)
		rec_buf_put_u32(b, m->feature_space[r]);
	return 1;
}

static int dec_row_spaces(struct rec_cursor *c, rec_model *m, char *why)
{
	if (c->len != 4 * (uint64_t)m->features)
		return format_error(why, "row namespaces");
	/* the feature columns activated the schema before FEAT sized the
	 * rows: one namespace per row now */
	rec_free(m->feature_space);
	m->feature_space = NULL;
	int rc = rec_schema_activate(m);
	if (rc)
		return rc;
	for (size_t r = 0; r < m->features; r++) {
		uint32_t s = rec_get_u32(c);
		if (s >= m->schema.nspaces)
			return format_error(why, "row namespaces");
		m->feature_space[r] = s;
	}
	return 0;
}

static int enc_table(struct rec_buf *b, const rec_model *m, int side)
{
	const struct rec_table *t = &m->schema.tables[side];
	if (!t->ids)
		return 0;
	size_t n = rec_idset_size(t->ids);
	rec_buf_put_u64(b, n);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *id = rec_idset_id(t->ids, i, &len);
		rec_buf_put_u32(b, (uint32_t)len);
		rec_buf_put(b, id, len);
		put_kfeats(b, t->count[i] ? t->values + t->first[i] : NULL,
			   t->count[i]);
	}
	return 1;
}

static int dec_table(struct rec_cursor *c, rec_model *m, int side, char *why)
{
	uint64_t n = rec_get_u64(c);
	struct rec_kfeat *buf = rec_malloc_array(REC_MAX_SIDE, sizeof(*buf));
	if (!buf)
		return REC_ENOMEM;
	int rc = 0;
	if (c->bad || n == 0 || n > rec_left(c) / 9)
		rc = format_error(why, "attribute table");
	for (uint64_t i = 0; i < n && !rc; i++) {
		uint32_t len = rec_get_u32(c);
		const unsigned char *id = rec_take(c, len);
		int k = c->bad || len == 0 ? -1 : get_kfeats(c, m, buf);
		if (k < 0) {
			rc = format_error(why, "attribute table");
			break;
		}
		for (int j = 0; j < k && !rc; j++)
			if (m->schema.spaces[buf[j].space].side != side)
				rc = format_error(why, "attribute table");
		if (rc)
			break;
		rc = rec_table_add(&m->schema.tables[side], (const char *)id,
				   len, buf, (size_t)k);
		if (rc == 1)
			rc = format_error(why, "attribute table: an id twice");
	}
	if (!rc && rec_left(c) != 0)
		rc = format_error(why, "attribute table");
	if (!rc)
		rc = rec_schema_activate(m);
	rec_free(buf);
	return rc;
}

static int enc_user_table(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(saved);
	return enc_table(b, m, REC_SIDE_QUERY);
}

static int dec_user_table(struct rec_cursor *c, rec_model *m, char *why)
{
	return dec_table(c, m, REC_SIDE_QUERY, why);
}

static int enc_item_table(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(saved);
	return enc_table(b, m, REC_SIDE_ITEM);
}

static int dec_item_table(struct rec_cursor *c, rec_model *m, char *why)
{
	return dec_table(c, m, REC_SIDE_ITEM, why);
}

/* Each catalogue item's event features, in catalogue order. */
static int enc_item_features(struct rec_buf *b, const rec_model *m,
			     int64_t saved)
{
	REC_UNUSED(saved);
	const struct rec_catalogue *c = &m->catalogue;
	if (!m->schema.active)
		return 0;
	for (size_t i = 0; i < c->count; i++)
		put_kfeats(b, c->items[i].feats_count
				      ? c->kfeats + c->items[i].feats_first
				      : NULL,
			   c->items[i].feats_count);
	return 1;
}

static int dec_item_features(struct rec_cursor *c, rec_model *m, char *why)
{
	struct rec_kfeat *buf = rec_malloc_array(REC_MAX_SIDE, sizeof(*buf));
	if (!buf)
		return REC_ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < m->catalogue.count && !rc; i++) {
		int k = get_kfeats(c, m, buf);
		if (k < 0)
			rc = format_error(why, "item features");
		for (int j = 0; j < k && !rc; j++)
			if (m->schema.spaces[buf[j].space].side != REC_SIDE_ITEM)
				rc = format_error(why, "item features");
		if (!rc)
			rc = rec_catalogue_set_kfeats(m, (uint32_t)i, buf, k);
	}
	if (!rc && rec_left(c) != 0)
		rc = format_error(why, "item features");
	rec_free(buf);
	return rc;
}

static int enc_counters(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	const struct rec_counters *k = &m->counters;
	rec_buf_put_u64(b, k->events);
	rec_buf_put_u64(b, k->updates);
	rec_buf_put_u64(b, (uint64_t)(int64_t)k->passes_done);
	rec_buf_put_f64(b, k->train_loss);
	rec_buf_put_f64(b, k->holdout_loss);
	rec_buf_put_u64(b, (uint64_t)k->created);
	rec_buf_put_u64(b, (uint64_t)saved);
	rec_buf_put_u64(b, k->prog_events);
	rec_buf_put_f64(b, k->prog_loss);
	rec_buf_put_f64(b, k->prog_weight);
	return 1;
}

static int dec_counters(struct rec_cursor *c, rec_model *m, char *why)
{
	struct rec_counters *cn = &m->counters;
	cn->events = rec_get_u64(c);
	cn->updates = rec_get_u64(c);
	int64_t passes = (int64_t)rec_get_u64(c);
	cn->train_loss = rec_get_f64(c);
	cn->holdout_loss = rec_get_f64(c);
	cn->created = (int64_t)rec_get_u64(c);
	cn->saved = (int64_t)rec_get_u64(c);
	cn->prog_events = rec_get_u64(c);
	cn->prog_loss = rec_get_f64(c);
	cn->prog_weight = rec_get_f64(c);
	if (c->bad || rec_left(c) != 0 || passes < 0 || passes > INT_MAX ||
	    !isfinite(cn->train_loss) || !isfinite(cn->holdout_loss) ||
	    !(cn->prog_loss >= 0) || !isfinite(cn->prog_loss) ||
	    !(cn->prog_weight >= 0) || !isfinite(cn->prog_weight))
		return format_error(why, "counters");
	cn->passes_done = (int)passes;
	return 0;
}

static int enc_rng(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(saved);
	for (int i = 0; i < 4; i++)
		rec_buf_put_u64(b, m->rng.s[i]);
	return 1;
}

static int dec_rng(struct rec_cursor *c, rec_model *m, char *why)
{
	for (int i = 0; i < 4; i++)
		m->rng.s[i] = rec_get_u64(c);
	if (c->bad || rec_left(c) != 0 ||
	    (m->rng.s[0] | m->rng.s[1] | m->rng.s[2] | m->rng.s[3]) == 0)
		return format_error(why, "random generator state");
	return 0;
}

static int enc_features(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(saved);
	rec_buf_put_u64(b, m->features);
	for (size_t i = 0; i < m->features; i++)
		rec_buf_put_u64(b, m->feature_keys[i]);
	for (size_t i = 0; i < m->features; i++)
		rec_buf_put_u32(b, m->feature_events[i]);
	return 1;
}

static int dec_features(struct rec_cursor *c, rec_model *m, char *why)
{
	uint64_t nfeat = rec_get_u64(c);
	if (c->bad || nfeat >= UINT32_MAX || nfeat * 12 != rec_left(c))
		return format_error(why, "feature table");
	m->features = m->cap = (size_t)nfeat;
	m->feature_keys = rec_malloc_array(m->features, sizeof(uint64_t));
	m->feature_events = rec_malloc_array(m->features, sizeof(uint32_t));
	m->rows = rec_malloc_array(m->features, m->stride * sizeof(float));
	rec_map_destroy(&m->feature_index);
	if (!m->feature_keys || !m->feature_events || !m->rows ||
	    rec_map_init(&m->feature_index, m->features) != 0)
		return REC_ENOMEM;
	for (size_t i = 0; i < m->features; i++) {
		uint64_t key = rec_get_u64(c);
		if (key > m->key_mask ||
		    rec_map_get(&m->feature_index, key) != UINT32_MAX)
			return format_error(why, "feature table");
		m->feature_keys[i] = key;
		if (rec_map_put(&m->feature_index, key, (uint32_t)i) != 0)
			return REC_ENOMEM;
	}
	for (size_t i = 0; i < m->features; i++)
		m->feature_events[i] = rec_get_u32(c);
	return 0;
}

static int enc_weights(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(saved);
	if (m->precision != 32)
		return 0;	/* QWGT instead */
	rec_buf_put_u32(b, (uint32_t)m->stride);
	rec_buf_put_f32(b, m->bias[0]);
	rec_buf_put_f32(b, m->bias[1]);
	rec_buf_put_f32s(b, m->rows, m->features * m->stride);
	return 1;
}

/* The bounds the learner keeps: a value past them is damage. */
static int check_weights(const rec_model *m, char *why)
{
	const size_t n = m->stride / 2;	/* weight and factors, then sums */
	if (!(fabsf(m->bias[0]) <= REC_PARAM_MAX) || !(m->bias[1] >= 0) ||
	    !(m->bias[1] <= REC_ACC_MAX))
		return format_error(why, "weights");
	for (size_t r = 0; r < m->features; r++) {
		const float *row = m->rows + r * m->stride;
		for (size_t j = 0; j < n; j++)
			if (!(fabsf(row[j]) <= REC_PARAM_MAX) ||
			    !(row[n + j] >= 0 && row[n + j] <= REC_ACC_MAX))
				return format_error(why, "weights");
		/* FTRL's z of the weight */
		if (m->stride > 2 * n && !(fabsf(row[2 * n]) <= REC_ACC_MAX))
			return format_error(why, "weights");
	}
	return 0;
}

/* Inflated straight into the rows: the largest chunk of a model is never
 * held twice. */
static int dec_weights(struct rec_inflate *in, uint64_t raw_len,
		       rec_model *m, char *why)
{
	unsigned char head[12];
	size_t nfloats = m->features * m->stride;
	if (raw_len != sizeof(head) + 4 * (uint64_t)nfloats)
		return format_error(why, "weights");
	int rc = rec_inflate_take(in, head, sizeof(head));
	if (rc == 0)
		rc = rec_inflate_take(in, m->rows, nfloats * sizeof(float));
	if (rc == REC_EFORMAT)
		return format_error(why, "compressed data");
	if (rc)
		return rc;
	if (rec_le32(head) != m->stride)
		return format_error(why, "weights");
	uint32_t bias[2] = { rec_le32(head + 4), rec_le32(head + 8) };
	memcpy(&m->bias[0], &bias[0], 4);
	memcpy(&m->bias[1], &bias[1], 4);
	rec_f32s_from_le(m->rows, nfloats);
	return check_weights(m, why);
}

/*
 * Format 5: the weights and factors at precision 16 or 8, without the
 * optimiser's accumulators: u32 precision, u32 values a row (1 + k), f32
 * w0, then each row's 1 + k values, as halves (16) or as a range and 8-bit
 * integers (8).  Written in place of WGHT.
 */
#define HALF_MAX 65504.0f	/* the largest finite half */

/* Bytes of a row of 1 + k values at a precision. */
static uint64_t qrow_bytes(int precision, uint64_t width)
{
	return precision == 16 ? 2 * width : 4 + width;
}

static int enc_qweights(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(saved);
	if (m->precision == 32)
		return 0;
	const size_t width = 1 + (size_t)m->params.factors;
	rec_buf_put_u32(b, (uint32_t)m->precision);
	rec_buf_put_u32(b, (uint32_t)width);
	rec_buf_put_f32(b, m->bias[0]);
	int8_t q[1 + REC_MAX_FACTORS];
	for (size_t r = 0; r < m->features && !b->failed; r++) {
		const float *row = m->rows + r * m->stride;
		if (m->precision == 16) {
			for (size_t j = 0; j < width; j++) {
				/* past the largest half: the largest, not an
				 * infinity, which a reader refuses */
				float v = fminf(fmaxf(row[j], -HALF_MAX),
						HALF_MAX);
				uint16_t h = rec_half_from_float(v);
				unsigned char two[2] = { (unsigned char)h,
							 (unsigned char)(h >> 8) };
				rec_buf_put(b, two, 2);
			}
			continue;
		}
		float range;
		rec_quant8_row(row, width, &range, q);
		rec_buf_put_f32(b, range);
		rec_buf_put(b, q, width);
	}
	return 1;
}

static int dec_qweights(struct rec_cursor *c, rec_model *m, char *why)
{
	const size_t width = 1 + (size_t)m->params.factors;
	uint32_t precision = rec_get_u32(c);
	uint32_t w = rec_get_u32(c);
	float w0 = rec_get_f32(c);
	if (c->bad || (precision != 16 && precision != 8) || w != width ||
	    m->ease ||
	    rec_left(c) != m->features * qrow_bytes((int)precision, width) ||
	    !(fabsf(w0) <= REC_PARAM_MAX))
		return format_error(why, "weights at precision 16 or 8");
	m->bias[0] = w0;
	for (size_t r = 0; r < m->features; r++) {
		float *row = m->rows + r * m->stride;
		if (precision == 16) {
			for (size_t j = 0; j < width; j++) {
				const unsigned char *two = rec_take(c, 2);
				uint16_t h = (uint16_t)(two[0] | two[1] << 8);
				if ((h & 0x7c00) == 0x7c00)
					return format_error(why, "weights at "
							    "precision 16: an "
							    "infinity or a "
							    "NaN");
				row[j] = rec_half_to_float(h);
			}
			continue;
		}
		float range = rec_get_f32(c);
		const unsigned char *q = rec_take(c, width);
		/* as the writer makes them: a range of 0 or more within the
		 * learner's bounds, values in [-127, 127], +-127 at the
		 * largest, all 0 when the range is */
		if (!(range >= 0 && range <= REC_PARAM_MAX) ||
		    signbit(range))
			return format_error(why, "weights at precision 8: a "
						 "bad range");
		int top = 0;
		for (size_t j = 0; j < width; j++) {
			int v = (int)(int8_t)q[j];
			if (v == -128 || (range == 0 && v != 0))
				return format_error(why, "weights at "
						    "precision 8");
			top |= v == 127 || v == -127;
			row[j] = rec_dequant8(range, (int8_t)v);
		}
		if (range > 0 && !top)
			return format_error(why, "weights at precision 8");
	}
	/* no optimiser state in the file: the accumulators start afresh,
	 * and the model says it cannot learn on exactly */
	rec_model_reset_optimizer(m);
	m->precision = (int)precision;
	m->no_optimiser_state = 1;
	return 0;
}

static int enc_catalogue(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(saved);
	const struct rec_catalogue *c = &m->catalogue;
	rec_buf_put_u64(b, c->count);
	for (size_t i = 0; i < c->count; i++) {
		const struct rec_item *it = &c->items[i];
		rec_buf_put_u32(b, it->feature);
		rec_buf_put_u64(b, it->count);
		rec_buf_put_f64(b, it->last_time);
		rec_buf_put_u32(b, it->name_len);
		rec_buf_put(b, c->names + it->name_off, it->name_len);
	}
	return 1;
}

static int dec_catalogue(struct rec_cursor *c, rec_model *m, char *why)
{
	uint64_t nitems = rec_get_u64(c);
	if (c->bad || nitems > rec_left(c) / 24)
		return format_error(why, "item catalogue");
	for (uint64_t i = 0; i < nitems; i++) {
		uint32_t feature = rec_get_u32(c);
		uint64_t count = rec_get_u64(c);
		double last = rec_get_f64(c);
		uint32_t len = rec_get_u32(c);
		const unsigned char *id = rec_take(c, len);
		/* EASE has no feature rows: its items name row 0 */
		if (c->bad || (m->ease ? feature != 0 : feature >= m->features) ||
		    len == 0 ||
		    !isfinite(last) || count == 0)
			return format_error(why, "item catalogue");
		uint64_t key = rec_hash(REC_SPACE_ITEM, (const char *)id, len);
		if (rec_map_get(&m->catalogue.index, key) != UINT32_MAX)
			return format_error(why, "item catalogue");
		if (rec_catalogue_note(m, key, (const char *)id, len, feature,
				       last) != 0)
			return REC_ENOMEM;
		m->catalogue.items[m->catalogue.count - 1].count = count;
		if (count > m->catalogue.max_count)
			m->catalogue.max_count = count;
	}
	if (rec_left(c) != 0)
		return format_error(why, "item catalogue");
	return 0;
}

/* Forgetting stamps exist only once a model with a half-life has learned. */
static int enc_stamps(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(saved);
	if (!m->feature_stamp)
		return 0;
	rec_buf_put_f64(b, m->bias_stamp);
	for (size_t i = 0; i < m->features; i++)
		rec_buf_put_f64(b, m->feature_stamp[i]);
	return 1;
}

static int dec_stamps(struct rec_cursor *c, rec_model *m, char *why)
{
	if (c->len != 8 * (m->features + 1))
		return format_error(why, "forgetting stamps");
	m->feature_stamp = rec_malloc_array(m->features, sizeof(double));
	if (!m->feature_stamp)
		return REC_ENOMEM;
	m->bias_stamp = rec_get_f64(c);
	for (size_t j = 0; j < m->features; j++)
		m->feature_stamp[j] = rec_get_f64(c);
	if (!isfinite(m->bias_stamp))
		return format_error(why, "forgetting stamps");
	for (size_t j = 0; j < m->features; j++)
		if (!isfinite(m->feature_stamp[j]))
			return format_error(why, "forgetting stamps");
	return 0;
}

/* Format 3: the EASE model's histories and weights (ease.c). */
static int enc_ease_users(struct rec_buf *b, const rec_model *m,
			  int64_t saved)
{
	REC_UNUSED(saved);
	return m->ease ? rec_ease_encode_users(b, m) : 0;
}

static int dec_ease_users(struct rec_cursor *c, rec_model *m, char *why)
{
	if (!m->ease)
		return format_error(why, "EASE users in a model of another "
					 "family");
	const char *what = "";
	int rc = rec_ease_decode_users(c, m, &what);
	if (rc == REC_EFORMAT)
		format_error(why, what);
	return rc;
}

static int enc_ease(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(saved);
	return m->ease ? rec_ease_encode_matrix(b, m) : 0;
}

static int dec_ease(struct rec_inflate *in, uint64_t raw_len, rec_model *m,
		    char *why)
{
	if (!m->ease)
		return format_error(why, "EASE weights in a model of another "
					 "family");
	const char *what = "";
	int rc = rec_ease_decode_matrix(in, raw_len, m, &what);
	if (rc == REC_EFORMAT)
		format_error(why, what);
	return rc;
}

/* The journal of learned inputs: bookkeeping, not part of the model's
 * meaning, so an optional chunk that older readers skip. */
#define JOURNAL_ENTRY 48	/* SHA-256, byte count, time */

static int enc_journal(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(saved);
	const struct rec_journal *j = &m->journal;
	if (j->n == 0)
		return 0;
	rec_buf_put_u32(b, (uint32_t)j->n);
	for (size_t i = 0; i < j->n; i++) {
		rec_buf_put(b, j->e[i].sha, 32);
		rec_buf_put_u64(b, j->e[i].bytes);
		rec_buf_put_u64(b, (uint64_t)j->e[i].when);
	}
	return 1;
}

static int dec_journal(struct rec_cursor *c, rec_model *m, char *why)
{
	uint32_t n = rec_get_u32(c);
	if (c->bad || n == 0 || n > REC_JOURNAL_MAX ||
	    rec_left(c) != (size_t)n * JOURNAL_ENTRY)
		return format_error(why, "journal of learned inputs");
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *sha = rec_take(c, 32);
		uint64_t bytes = rec_get_u64(c);
		int64_t when = (int64_t)rec_get_u64(c);
		if (c->bad || rec_model_learned(m, sha, bytes, NULL))
			return format_error(why, "journal of learned inputs");
		if (rec_model_note_learned(m, sha, bytes, when) != 0)
			return REC_ENOMEM;
	}
	return 0;
}

/*
 * The events learned, each once: CNTR's layout is fixed in formats 1 to 3,
 * so the count has an optional chunk of its own.  A file without it comes
 * from a writer that did not count them: the count is then unknown, and
 * stays unknown through updates (never a count short of the truth).
 */
static int enc_learned(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(saved);
	if (!m->counters.learned_known)
		return 0;
	rec_buf_put_u64(b, m->counters.learned);
	return 1;
}

static int dec_learned(struct rec_cursor *c, rec_model *m, char *why)
{
	uint64_t n = rec_get_u64(c);
	/* each event learned is at least one training step */
	if (c->bad || rec_left(c) != 0 || n > m->counters.events)
		return format_error(why, "events learned");
	m->counters.learned = n;
	m->counters.learned_known = 1;
	return 0;
}

/* The end chunk has no content; the reader stops at it. */
static int enc_end(struct rec_buf *b, const rec_model *m, int64_t saved)
{
	REC_UNUSED(b);
	REC_UNUSED(m);
	REC_UNUSED(saved);
	return 1;
}

/*
 * Every chunk this version knows, in the order they are written and read.
 * flags go into the chunk header (FLAG_REQUIRED: a reader that does not
 * know the id must refuse the file; every chunk of version 1 has it).
 * needed: a file without the chunk is refused.  level: zlib level.
 * max_len: the most content a reader inflates for it, checked before it
 * inflates anything; 0 for the chunks whose length follows from the
 * parameters and FEAT (see check_shape) and for the catalogue, which the
 * bound on the whole file covers.  The end
 * chunk has no decoder: it is the reader's framing, not content.
 */
static const struct chunk_type {
	uint32_t id;
	uint32_t flags;
	int needed;
	int level;
	uint64_t max_len;	/* of the content, 0: set by the model's shape */
	int (*encode)(struct rec_buf *b, const rec_model *m, int64_t saved);
	int (*decode)(struct rec_cursor *c, rec_model *m, char *why);
	/* or, for a content too large to copy, piece by piece */
	int (*decode_stream)(struct rec_inflate *in, uint64_t raw_len,
			     rec_model *m, char *why);
} chunk_types[] = {
	{ ID_PARAMS, FLAG_REQUIRED, 1, LEVEL_TEXT, PARAMS_MAX, enc_params,
	  dec_params, NULL },
	{ ID_COUNTERS, FLAG_REQUIRED, 1, LEVEL_TEXT, 80, enc_counters,
	  dec_counters, NULL },
	{ ID_RNG, FLAG_REQUIRED, 1, LEVEL_STORED, 32, enc_rng, dec_rng, NULL },
	{ ID_FEATURES, FLAG_REQUIRED, 1, LEVEL_STORED, 0, enc_features,
	  dec_features, NULL },
	/* one of WGHT and QWGT (format 5), which the reader checks */
	{ ID_WEIGHTS, FLAG_REQUIRED, 0, LEVEL_STORED, 0, enc_weights, NULL,
	  dec_weights },
	{ ID_QWEIGHTS, FLAG_REQUIRED, 0, LEVEL_STORED, 0, enc_qweights,
	  dec_qweights, NULL },
	{ ID_CATALOGUE, FLAG_REQUIRED, 1, LEVEL_TEXT, 0, enc_catalogue,
	  dec_catalogue, NULL },
	{ ID_STAMPS, FLAG_REQUIRED, 0, LEVEL_STORED, 0, enc_stamps,
	  dec_stamps, NULL },
	/* format 2: side features, written only by models that have them */
	{ ID_SPACES, FLAG_REQUIRED, 0, LEVEL_TEXT, PARAMS_MAX, enc_spaces,
	  dec_spaces, NULL },
	{ ID_ROW_SPACES, FLAG_REQUIRED, 0, LEVEL_STORED, 0, enc_row_spaces,
	  dec_row_spaces, NULL },
	{ ID_USER_TABLE, FLAG_REQUIRED, 0, LEVEL_TEXT, 0, enc_user_table,
	  dec_user_table, NULL },
	{ ID_ITEM_TABLE, FLAG_REQUIRED, 0, LEVEL_TEXT, 0, enc_item_table,
	  dec_item_table, NULL },
	{ ID_ITEM_FEATURES, FLAG_REQUIRED, 0, LEVEL_TEXT, 0, enc_item_features,
	  dec_item_features, NULL },
	/* format 3: the EASE model, written only by it */
	{ ID_EASE_USERS, FLAG_REQUIRED, 0, LEVEL_TEXT, 0, enc_ease_users,
	  dec_ease_users, NULL },
	{ ID_EASE, FLAG_REQUIRED, 0, LEVEL_DIRECT, 0, enc_ease, NULL,
	  dec_ease },
	/* optional: older readers skip them */
	{ ID_JOURNAL, 0, 0, LEVEL_STORED,
	  4 + (uint64_t)REC_JOURNAL_MAX * JOURNAL_ENTRY, enc_journal,
	  dec_journal, NULL },
	{ ID_LEARNED, 0, 0, LEVEL_STORED, 8, enc_learned, dec_learned, NULL },
	{ ID_END, FLAG_REQUIRED, 1, LEVEL_TEXT, 0, enc_end, NULL, NULL },
};
#define N_CHUNK_TYPES (sizeof(chunk_types) / sizeof(chunk_types[0]))

static const struct chunk_type *chunk_type_of(uint32_t id)
{
	for (size_t t = 0; t < N_CHUNK_TYPES; t++)
		if (chunk_types[t].id == id)
			return &chunk_types[t];
	return NULL;
}

/* ---- encoding and saving ---- */

int rec_model_encode(const rec_model *m, int64_t saved, void **image,
		     size_t *image_len, struct rec_error *err)
{
	*image = NULL;
	*image_len = 0;
	struct rec_buf out = { 0 }, raw = { 0 };
	rec_buf_put(&out, magic, 8);
	/* a model without format 2's features reads as format 1; one
	 * without format 5's precision is written as format 4 wrote it */
	rec_buf_put_u32(&out, (uint32_t)rec_model_read_version(m));
	rec_buf_put_u32(&out, (uint32_t)rec_model_write_version(m));
	if (!out.failed)
		rec_buf_put_u32(&out, (uint32_t)crc32(0, out.p, 16));
	for (size_t t = 0; t < N_CHUNK_TYPES; t++) {
		const struct chunk_type *ct = &chunk_types[t];
		rec_buf_clear(&raw);
		if (ct->encode(&raw, m, saved))
			add_chunk(&out, ct->id, ct->flags, &raw, ct->level);
	}
	rec_buf_free(&raw);
	if (out.failed) {
		rec_buf_free(&out);
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
 * Create tmp, which ends in "XXXXXX", as a new file: the Xs become random
 * letters and digits, again while the name is taken.  An fd, or -1 with
 * errno set.  mode is 0666 for a new target, so the file gets 0666 less the
 * umask as any new file does, without touching the umask (which is the whole
 * process's); 0600 when the target's own mode will be set on it.
 */
#define TEMP_TRIES 16
static int create_temp(char *tmp, mode_t mode)
{
	static const char letters[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static _Atomic unsigned long calls;
	char *x = tmp + strlen(tmp) - 6;
	for (int attempt = 0; attempt < TEMP_TRIES; attempt++) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t seed[4] = { (uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec,
				     (uint64_t)getpid(), calls++ };
		uint64_t r = rec_hash('t', (const char *)seed, sizeof(seed));
		for (int i = 0; i < 6; i++, r /= 62)
			x[i] = letters[r % 62];
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			      mode);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;	/* errno is EEXIST */
}

/* The directory of path, to flush after the rename. */
static char *dir_of(const char *path)
{
	size_t plen = strlen(path);
	char *dir = rec_malloc(plen + 2);
	if (!dir)
		return NULL;
	memcpy(dir, path, plen + 1);
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return dir;
}

/* ---- which file a path names ---- */

static void file_id_of_stat(const struct stat *st, struct rec_file_id *id)
{
	id->exists = 1;
	id->dev = (uint64_t)st->st_dev;
	id->ino = (uint64_t)st->st_ino;
	id->size = (int64_t)st->st_size;
	id->ctime_sec = (int64_t)st->st_ctim.tv_sec;
	id->ctime_nsec = (int64_t)st->st_ctim.tv_nsec;
}

int rec_file_id_same(const struct rec_file_id *a, const struct rec_file_id *b)
{
	if (a->exists != b->exists)
		return 0;
	return !a->exists ||
	       (a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
		a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec);
}

int rec_file_id_of_fd(int fd, struct rec_file_id *id, struct rec_error *err)
{
	struct stat st;
	memset(id, 0, sizeof(*id));
	if (fstat(fd, &st) != 0)
		return rec_fail(err, REC_EIO, NULL, 0, "cannot stat: %s",
				strerror(errno));
	file_id_of_stat(&st, id);
	return 0;
}

int rec_file_id_of_path(const char *path, struct rec_file_id *id,
			struct rec_error *err)
{
	struct stat st;
	memset(id, 0, sizeof(*id));
	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;	/* no file: exists stays 0 */
		return rec_fail(err, REC_EIO, path, 0, "cannot stat: %s",
				strerror(errno));
	}
	file_id_of_stat(&st, id);
	return 0;
}

/*
 * The name a save replaces when it is given path: path itself, or, when
 * path is a symbolic link, the file at the end of its chain of links, so
 * that the rename replaces the target and leaves the links in place.  A
 * link whose target does not exist yet is followed too: the save creates
 * the target.  A new string, or NULL with errno set (ELOOP past 40 links).
 */
#define LINKS_MAX 40
static char *resolve_links(const char *path)
{
	char *cur = rec_malloc(strlen(path) + 1);
	if (!cur) {
		errno = ENOMEM;	/* rec_malloc's failures may not set it */
		return NULL;
	}
	strcpy(cur, path);
	for (int hops = 0;; hops++) {
		struct stat st;
		/* the end of the chain: a file, or nothing (an error in
		 * the name is the save's to report) */
		if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
			return cur;
		if (hops == LINKS_MAX) {
			rec_free(cur);
			errno = ELOOP;
			return NULL;
		}
		size_t size = (size_t)st.st_size + 1 > 256
			? (size_t)st.st_size + 1 : 256;
		char *target;
		ssize_t n;
		for (;;) {	/* a link may grow between lstat and readlink */
			target = rec_malloc(size);
			if (!target) {
				rec_free(cur);
				errno = ENOMEM;
				return NULL;
			}
			n = readlink(cur, target, size);
			if (n < 0 || (size_t)n < size)
				break;
			rec_free(target);
			size *= 2;
		}
		if (n < 0) {	/* replaced by a file meanwhile: take it */
			rec_free(target);
			return cur;
		}
		target[n] = '\0';
		char *next;
		if (target[0] == '/') {
			next = target;
		} else {	/* relative to the link's directory */
			char *dir = dir_of(cur);
			size_t len = dir ? strlen(dir) + (size_t)n + 2 : 0;
			next = dir ? rec_malloc(len) : NULL;
			if (next)
				snprintf(next, len, "%s/%s", dir, target);
			rec_free(dir);
			rec_free(target);
			if (!next) {
				rec_free(cur);
				errno = ENOMEM;
				return NULL;
			}
		}
		rec_free(cur);
		cur = next;
	}
}

/* ---- saving ---- */

/* path is the caller's name, for messages. */
static int io_error(struct rec_error *err, const char *path, const char *what,
		    int e)
{
	return rec_fail(err, REC_EIO, path, 0, "%s: %s", what, strerror(e));
}

/* Whether the file at target is the one expected (none, or dev and ino). */
static int check_identity(const char *target,
			  const struct rec_file_id *expected, const char *path,
			  struct rec_error *err)
{
	struct stat st;
	if (stat(target, &st) != 0) {
		if (errno != ENOENT)
			return io_error(err, path, "cannot stat", errno);
		if (!expected->exists)
			return 0;
		return rec_fail(err, REC_ECHANGED, path, 0,
				"was removed since it was loaded");
	}
	if (!expected->exists)
		return rec_fail(err, REC_ECHANGED, path, 0,
				"was created since this program started");
	struct rec_file_id now;
	file_id_of_stat(&st, &now);
	if (!rec_file_id_same(&now, expected))
		return rec_fail(err, REC_ECHANGED, path, 0,
				"was replaced since it was loaded");
	return 0;
}

/*
 * Write the image straight to a character device or a FIFO that path
 * names (following links): no temporary file, no rename, nothing created
 * or truncated.  A FIFO's open waits for a reader, as a shell's > does.
 */
static int write_straight(const char *path, const void *image, size_t len,
			  struct rec_error *err)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return io_error(err, path, "cannot open", errno);
	if (write_all(fd, image, len) != 0) {
		int e = errno;
		close(fd);
		return io_error(err, path, "cannot write", e);
	}
	if (close(fd) != 0)
		return io_error(err, path, "cannot write", errno);
	return 0;
}

/*
 * Write the image to a new file tmp beside target, with old's mode and, as
 * far as the process may, old's owner and group when old is set; flush it.
 * 0, or REC_EIO with the temporary file removed.
 */
static int write_temp(char *tmp, const void *image, size_t len,
		      const struct stat *old, const char *path,
		      struct rec_error *err)
{
	int fd = create_temp(tmp, old ? 0600 : 0666);
	if (fd < 0)
		return io_error(err, path, "cannot create temporary file",
				errno);
	const char *what = "cannot write";
	int e = 0;
	/* owner first: a change of owner may clear the set-id bits */
	if (old && fchown(fd, old->st_uid, old->st_gid) != 0 &&
	    errno != EPERM) {
		what = "cannot keep the owner";
		e = errno;
	} else if (old && fchmod(fd, old->st_mode & 07777) != 0) {
		what = "cannot keep the mode";
		e = errno;
	} else if (write_all(fd, image, len) != 0 || fsync(fd) != 0) {
		e = errno;	/* EFBIG past RLIMIT_FSIZE, ENOSPC, EIO */
	}
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e) {
		unlink(tmp);
		return io_error(err, path, what, e);
	}
	return 0;
}

/*
 * Atomic replacement: the new image goes to a temporary file in the
 * target's directory, is flushed to disk, then renamed over the target, and
 * the directory is flushed so the rename itself survives a crash.  Until
 * the rename the old file is untouched; after it the new one is complete.
 */
int rec_model_save_checked(rec_model *m, const char *path,
			   const struct rec_file_id *expected,
			   struct rec_error *err)
{
	int64_t now = (int64_t)time(NULL);
	char *target = NULL, *tmp = NULL, *dir = NULL;
	void *image = NULL;
	size_t len;
	struct stat st;
	int exists = stat(path, &st) == 0;
	if (!exists && errno != ENOENT)
		return io_error(err, path, "cannot stat", errno);
	if (exists && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) &&
	    !S_ISFIFO(st.st_mode))
		return rec_fail(err, REC_EIO, path, 0,
				S_ISDIR(st.st_mode) ? "is a directory"
				: "not a regular file, character device or "
				  "FIFO: not replaced");
	int rc = rec_model_encode(m, now, &image, &len, err);
	if (rc)
		return rc;
	if (expected) {
		rc = check_identity(path, expected, path, err);
		if (rc)
			goto out;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		rc = write_straight(path, image, len, err);
		goto done;
	}
	target = resolve_links(path);
	if (!target) {
		rc = errno == ENOMEM
			? rec_fail(err, REC_ENOMEM, path, 0, "out of memory")
			: io_error(err, path, "cannot follow link", errno);
		goto out;
	}
	size_t tlen = strlen(target);
	tmp = rec_malloc(tlen + 16);
	dir = dir_of(target);
	if (!tmp || !dir) {
		rc = rec_fail(err, REC_ENOMEM, path, 0, "out of memory");
		goto out;
	}
	snprintf(tmp, tlen + 16, "%s.tmp.XXXXXX", target);
	rc = write_temp(tmp, image, len, exists ? &st : NULL, path, err);
	if (rc)
		goto out;
	/* the identity again, as late as can be: the caller's lock keeps
	 * cooperating writers out, this catches a rename by anyone else up
	 * to this point */
	if (expected) {
		rc = check_identity(target, expected, path, err);
		if (rc) {
			unlink(tmp);
			goto out;
		}
	}
	if (rename(tmp, target) != 0) {
		rc = io_error(err, path, "cannot rename", errno);
		unlink(tmp);
		goto out;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		/* some file systems refuse fsync on a directory: not fatal,
		 * the rename has happened */
		fsync(dfd);
		close(dfd);
	}
done:
	if (rc == 0)
		m->counters.saved = now;
out:
	rec_free(image);
	rec_free(target);
	rec_free(tmp);
	rec_free(dir);
	return rc;
}

int rec_model_save(rec_model *m, const char *path, struct rec_error *err)
{
	return rec_model_save_checked(m, path, NULL, err);
}

/* ---- reading and decoding ---- */

/*
 * Nothing is inflated before the whole chunk table has been checked: the
 * ids, duplicates, checksums and every raw length against what the header
 * of the chunk, the file's size and, for the chunks whose size follows from
 * the model's shape, the parameters allow.  So a small file can make the
 * reader neither inflate nor allocate much more than its own size.
 *
 * The content of all the chunks of a file of len bytes is at most
 * EXPANSION_MAX * len + EXPANSION_SLACK bytes.  A real model stays well
 * below: its writer stores FEAT, WGHT and STMP, which are all but a sliver
 * of any large model, at level 0, so their content is no larger than their
 * stored bytes; PARA, CNTR and RNGS are a few hundred bytes (the slack
 * covers them); the catalogue is the one deflated chunk that grows with the
 * model, and every item in it also has a row of 20 bytes or more in FEAT
 * and WGHT.  Models trained by the tests come to 1.0 to 1.1 times their
 * file; ids of 80 bytes sharing a 70-byte prefix on a model of 2 rows (bits
 * 1), a catalogue with next to nothing else, come to 7 times.  16 leaves
 * room for longer ids and other writers, and keeps what a file of 10 MB
 * can make the reader inflate to 170 MB.
 */
#define EXPANSION_MAX 16
#define EXPANSION_SLACK ((uint64_t)1 << 20)
/* zlib cannot expand more than about 1032 to 1 */
#define ZLIB_RATIO_MAX 1100

/* A known chunk found in the table, not inflated yet. */
struct chunk {
	uint32_t id;
	const unsigned char *stored;	/* NULL: not in the file */
	size_t stored_len;
	uint64_t raw_len;
};

static int damaged(struct rec_error *err, const char *name, const char *what)
{
	return rec_fail(err, REC_EFORMAT, name, 0,
			"damaged model file: %s", what);
}

/* The header: 0, or the error.  Gives the two versions. */
static int check_header(const unsigned char *p, size_t len, const char *name,
			uint32_t *read_version, uint32_t *write_version,
			struct rec_error *err)
{
	if (len < 8 || memcmp(p, magic, 8) != 0)
		return rec_fail(err, REC_EFORMAT, name, 0,
				"not a recpipe model file");
	if (len < HEADER_SIZE)
		return damaged(err, name, "truncated header");
	if (rec_le32(p + 16) != (uint32_t)crc32(0, p, 16))
		return damaged(err, name, "header checksum mismatch");
	*read_version = rec_le32(p + 8);
	*write_version = rec_le32(p + 12);
	if (*read_version > REC_FORMAT_VERSION)
		return rec_fail(err, REC_EVERSION, name, 0,
				"model file format version %u is newer than "
				"this program reads (%d); upgrade recpipe",
				(unsigned)*read_version, REC_FORMAT_VERSION);
	if (*read_version == 0 || *write_version < *read_version)
		return damaged(err, name, "bad version numbers");
	return 0;
}

/*
 * The chunk table: every chunk after the header up to the end chunk,
 * checked (header and content checksums, bounds, ids, duplicates, sizes)
 * and each known one noted in table[] by its type, nothing inflated.
 * Unknown optional chunks are skipped.
 */
static int scan_chunks(const unsigned char *p, size_t len,
		       struct chunk table[N_CHUNK_TYPES], const char *name,
		       struct rec_error *err)
{
	size_t pos = HEADER_SIZE;
	uint64_t total = 0;
	for (;;) {
		if (len - pos < CHUNK_HEADER_SIZE)
			return damaged(err, name, "truncated file");
		const unsigned char *h = p + pos;
		if (rec_le32(h + 28) != (uint32_t)crc32(0, h, 28))
			return damaged(err, name,
				       "chunk header checksum mismatch");
		uint32_t id = rec_le32(h), flags = rec_le32(h + 4);
		uint64_t raw_len = rec_le64(h + 8);
		uint64_t stored_len = rec_le64(h + 16);
		pos += CHUNK_HEADER_SIZE;
		if (stored_len > len - pos)
			return damaged(err, name, "truncated file");
		const unsigned char *stored = p + pos;
		pos += stored_len;
		if (rec_le32(h + 24) != crc32_all(stored, stored_len))
			return damaged(err, name, "chunk checksum mismatch");
		const struct chunk_type *type = chunk_type_of(id);
		if (!type) {
			if (flags & FLAG_REQUIRED)
				return rec_fail(err, REC_EVERSION, name, 0,
						"model file needs a feature "
						"this program lacks; upgrade "
						"recpipe");
			continue;	/* optional: skip */
		}
		if (!type->decode && !type->decode_stream) {	/* the end */
			if (raw_len != 0 || pos != len)
				return damaged(err, name,
					       "data after the end chunk");
			break;
		}
		struct chunk *c = &table[type - chunk_types];
		if (c->stored)
			return damaged(err, name, "a chunk appears twice");
		if (raw_len > stored_len * ZLIB_RATIO_MAX + 64 ||
		    (type->max_len && raw_len > type->max_len))
			return damaged(err, name, "chunk sizes");
		*c = (struct chunk){ id, stored, (size_t)stored_len, raw_len };
		total += raw_len;	/* < 1100 * len + 64 * 8: no overflow */
	}
	for (size_t t = 0; t < N_CHUNK_TYPES; t++)
		if ((chunk_types[t].decode || chunk_types[t].decode_stream) &&
		    chunk_types[t].needed &&
		    !table[t].stored)
			return damaged(err, name, "a required chunk is missing");
	/* the weights, in one layout or the other */
	int wght = !!table[chunk_type_of(ID_WEIGHTS) - chunk_types].stored;
	int qwgt = !!table[chunk_type_of(ID_QWEIGHTS) - chunk_types].stored;
	if (wght + qwgt == 0)
		return damaged(err, name, "a required chunk is missing");
	if (wght + qwgt == 2)
		return damaged(err, name, "a chunk appears twice: weights as "
				     "WGHT and as QWGT");
	if (total > EXPANSION_MAX * (uint64_t)len + EXPANSION_SLACK ||
	    total > SIZE_MAX / 2)
		return damaged(err, name,
			       "chunk sizes: more content than a model file "
			       "of this size holds");
	return 0;
}

/*
 * Once the parameters are known, the lengths of FEAT, WGHT and STMP follow
 * from one number, the count of rows n: 8 + 12 n, 12 + 4 n stride and
 * 8 (n + 1).  They must agree before any of them is inflated, so that no
 * count in a chunk can ask for more memory than its chunk's length.
 */
static int check_shape(const struct chunk *feat, const struct chunk *wght,
		       const struct chunk *stmp, const rec_model *m, char *why)
{
	if (feat->raw_len < 8 || (feat->raw_len - 8) % 12 != 0 ||
	    (feat->raw_len - 8) / 12 >= UINT32_MAX)
		return format_error(why, "feature table");
	uint64_t n = (feat->raw_len - 8) / 12;	/* < 2^32 */
	/* stride <= 2 (1 + REC_MAX_FACTORS): no overflow */
	const uint64_t width = 1 + (uint64_t)m->params.factors;
	if (wght->id == ID_WEIGHTS
	    ? wght->raw_len != 12 + 4 * n * (uint64_t)m->stride
	    : wght->raw_len != 12 + n * qrow_bytes(16, width) &&
	      wght->raw_len != 12 + n * qrow_bytes(8, width))
		return format_error(why, "weights: size does not match the "
					 "feature table");
	if (stmp->stored && stmp->raw_len != 8 * (n + 1))
		return format_error(why, "forgetting stamps");
	return 0;
}

/* The chunks read into the model in table order, each inflated only when
 * its turn comes and freed after it is decoded. */
static int decode_chunks(rec_model *m, const struct chunk *table,
			 const char *name, struct rec_error *err)
{
	const struct chunk *by_id[3] = { NULL, NULL, NULL };
	for (size_t t = 0; t < N_CHUNK_TYPES; t++) {
		uint32_t id = chunk_types[t].id;
		if (id == ID_FEATURES || id == ID_STAMPS)
			by_id[id == ID_FEATURES ? 0 : 2] = &table[t];
		/* the one of the two weight chunks the file has */
		if ((id == ID_WEIGHTS || id == ID_QWEIGHTS) && table[t].stored)
			by_id[1] = &table[t];
	}
	for (size_t t = 0; t < N_CHUNK_TYPES; t++) {
		const struct chunk *ch = &table[t];
		if (!ch->stored)
			continue;
		char why[WHY_SIZE] = "";
		if (chunk_types[t].id == ID_FEATURES &&
		    check_shape(by_id[0], by_id[1], by_id[2], m, why) != 0)
			return damaged(err, name, why);
		if (chunk_types[t].decode_stream) {
			struct rec_inflate in;
			memset(&in, 0, sizeof(in));
			in.z = zstream(ch->stored, NULL);
			in.in_left = ch->stored_len;
			int rc = inflateInit(&in.z);
			if (rc != Z_OK)
				return rc == Z_MEM_ERROR
					? rec_fail(err, REC_ENOMEM, name, 0,
						   "out of memory")
					: damaged(err, name, "compressed data");
			rc = chunk_types[t].decode_stream(&in, ch->raw_len, m,
							  why);
			if (rc == 0 && !inflate_done(&in, ch->raw_len))
				rc = format_error(why, "compressed data");
			inflateEnd(&in.z);
			if (rc == REC_ENOMEM)
				return rec_fail(err, rc, name, 0,
						"out of memory");
			if (rc)
				return damaged(err, name, why);
			continue;
		}
		size_t raw_len = (size_t)ch->raw_len;
		unsigned char *raw = rec_malloc(raw_len);
		int rc = raw ? zuncompress(ch->stored, ch->stored_len, raw,
					   raw_len)
			     : REC_ENOMEM;
		if (rc == REC_EFORMAT) {
			rec_free(raw);
			return damaged(err, name, "compressed data");
		}
		if (rc == 0) {
			struct rec_cursor c = rec_cursor_of(raw, raw_len);
			rc = chunk_types[t].decode(&c, m, why);
		}
		rec_free(raw);
		if (rc == REC_ENOMEM)
			return rec_fail(err, rc, name, 0, "out of memory");
		if (rc)
			return damaged(err, name, why);
	}
	return 0;
}

int rec_model_decode(rec_model **out, const void *image, size_t len,
		     const char *name, struct rec_error *err)
{
	*out = NULL;
	uint32_t read_version = 0, write_version = 0;
	int rc = check_header(image, len, name, &read_version, &write_version,
			      err);
	if (rc)
		return rc;
	struct chunk table[N_CHUNK_TYPES];
	memset(table, 0, sizeof(table));
	rc = scan_chunks(image, len, table, name, err);
	if (rc)
		return rc;
	struct rec_params defaults;
	rec_params_init(&defaults, REC_TASK_BINARY);
	rec_model *m;
	rc = rec_model_create(&m, &defaults, err);
	if (rc)
		return rc;
	m->file_read_version = read_version;
	m->file_write_version = write_version;
	m->counters.learned_known = 0;	/* until LRND says */
	rc = decode_chunks(m, table, name, err);
	if (!rc && m->schema.active &&
	    (!table[chunk_type_of(ID_ROW_SPACES) - chunk_types].stored ||
	     !table[chunk_type_of(ID_ITEM_FEATURES) - chunk_types].stored))
		/* a model with side features has both, or its rows have no
		 * namespaces and its items no features */
		rc = damaged(err, name, "a required chunk is missing");
	if (!rc && m->ease &&
	    (!table[chunk_type_of(ID_EASE_USERS) - chunk_types].stored ||
	     !table[chunk_type_of(ID_EASE) - chunk_types].stored))
		rc = damaged(err, name, "a required chunk is missing");
	if (!rc && m->ease && m->features)
		rc = damaged(err, name, "feature rows in an EASE model");
	if (!rc && m->precision != 32 && read_version < 5)
		/* older readers must refuse such a file: they would */
		rc = damaged(err, name, "weights at precision 16 or 8 in a "
			     "file of read version below 5");
	if (rc) {
		rec_model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

/*
 * The most a model read from a pipe may be.  Such a model is held whole in
 * memory before it is decoded into as much again; 16 GiB is a model of four
 * billion floats, far past anything trained on one machine, and a bound on
 * what a stream that never ends can take.
 */
#define STREAM_MAX ((uint64_t)16 << 30)

/* All of fd, from where it is to its end, in a new buffer: for a pipe, a
 * FIFO, a terminal or a socket, which cannot be sized or read at offsets. */
static int read_stream(int fd, unsigned char **image, size_t *len,
		       const char *name, struct rec_error *err)
{
	const size_t most = STREAM_MAX < SIZE_MAX ? (size_t)STREAM_MAX
						  : SIZE_MAX - 1;
	unsigned char *p = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			if (n == most) {
				unsigned char probe;
				ssize_t r = read(fd, &probe, 1);
				if (r < 0 && errno == EINTR)
					continue;
				if (r == 0)
					break;
				rec_free(p);
				return rec_fail(err, REC_EFORMAT, name, 0,
						"model too large: more than "
						"%llu bytes from a pipe",
						(unsigned long long)most);
			}
			size_t c = rec_grow_cap(cap, n + 1, 1 << 16);
			if (c == 0 || c > most)
				c = most;
			unsigned char *q = rec_realloc(p, c);
			if (!q) {
				rec_free(p);
				return rec_fail(err, REC_ENOMEM, name, 0,
						"out of memory");
			}
			p = q;
			cap = c;
		}
		ssize_t r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			rec_free(p);
			return rec_fail(err, REC_EIO, name, 0,
					"read error: %s", strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*image = p;
	*len = n;
	return 0;
}

/* All of the regular file fd, from its start, in a new buffer. */
static int read_regular(int fd, const struct stat *st, unsigned char **image,
			size_t *len, const char *name, struct rec_error *err)
{
	if ((uint64_t)st->st_size > SIZE_MAX)
		return rec_fail(err, REC_ENOMEM, name, 0, "out of memory");
	size_t n = (size_t)st->st_size;
	unsigned char *p = rec_malloc(n);
	if (!p)
		return rec_fail(err, REC_ENOMEM, name, 0, "out of memory");
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, p + got, n - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : 0;
			rec_free(p);
			return rec_fail(err, REC_EIO, name, 0,
					"read error: %s",
					e ? strerror(e) : "file shrank");
		}
		got += (size_t)r;
	}
	*image = p;
	*len = n;
	return 0;
}

int rec_model_load_fd(rec_model **out, int fd, const char *name,
		      struct rec_error *err)
{
	*out = NULL;
	struct stat st;
	if (fstat(fd, &st) != 0)
		return rec_fail(err, REC_EIO, name, 0, "cannot stat: %s",
				strerror(errno));
	if (S_ISDIR(st.st_mode))
		return rec_fail(err, REC_EFORMAT, name, 0, "is a directory");
	unsigned char *image = NULL;
	size_t len = 0;
	int rc = S_ISREG(st.st_mode)
		? read_regular(fd, &st, &image, &len, name, err)
		: read_stream(fd, &image, &len, name, err);
	if (rc)
		return rc;
	rc = rec_model_decode(out, image, len, name, err);
	rec_free(image);
	return rc;
}

int rec_model_load(rec_model **out, const char *path, struct rec_error *err)
{
	*out = NULL;
	if (strcmp(path, "-") == 0)
		return rec_model_load_fd(out, STDIN_FILENO, "stdin", err);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rec_fail(err, REC_EIO, path, 0, "cannot open: %s",
				strerror(errno));
	int rc = rec_model_load_fd(out, fd, path, err);
	close(fd);
	return rc;
}
