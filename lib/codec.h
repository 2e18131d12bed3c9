/*
 * codec.h - little-endian fields in memory: a growable buffer to write them
 * into and a bounded cursor to read them back.  Internal to librec; the
 * model file (modelfile.c) is written and read with these.
 *
 * Every integer goes byte by byte, never as a struct, so the bytes are the
 * same on every machine.  Neither side reports errors call by call: a
 * buffer that could not grow sets failed and ignores what follows, a cursor
 * asked for more than it holds sets bad and gives zeros from then on.  The
 * caller checks the flag once at the end.
 */
#ifndef REC_CODEC_H
#define REC_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- writing ---- */

struct rec_buf {
	unsigned char *p;	/* rec_malloc'ed, NULL while empty */
	size_t len, cap;
	int failed;		/* an allocation failed: p holds a prefix */
};

/* Append n bytes when they do not fit: grows p (overflow-checked). */
void rec_buf_put_slow(struct rec_buf *b, const void *s, size_t n);

/* Append n bytes of s. */
static inline void rec_buf_put(struct rec_buf *b, const void *s, size_t n)
{
	if (n == 0)
		return;	/* s may be NULL */
	if (b->p && !b->failed && n <= b->cap - b->len) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	} else {
		rec_buf_put_slow(b, s, n);
	}
}

static inline void rec_buf_put_u8(struct rec_buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;
	rec_buf_put(b, &c, 1);
}

static inline void rec_buf_put_u32(struct rec_buf *b, uint32_t v)
{
	unsigned char c[4];
	for (int i = 0; i < 4; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	rec_buf_put(b, c, 4);
}

static inline void rec_buf_put_u64(struct rec_buf *b, uint64_t v)
{
	unsigned char c[8];
	for (int i = 0; i < 8; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	rec_buf_put(b, c, 8);
}

/* IEEE-754 values by their bit patterns. */
static inline void rec_buf_put_f32(struct rec_buf *b, float v)
{
	uint32_t u;
	memcpy(&u, &v, 4);
	rec_buf_put_u32(b, u);
}

static inline void rec_buf_put_f64(struct rec_buf *b, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	rec_buf_put_u64(b, u);
}

/* n floats in bulk (one copy on a little-endian machine). */
void rec_buf_put_f32s(struct rec_buf *b, const float *v, size_t n);

/* Empty the buffer, keeping its memory and its failed flag. */
static inline void rec_buf_clear(struct rec_buf *b)
{
	b->len = 0;
}

/* Free the memory; b is empty and usable again. */
void rec_buf_free(struct rec_buf *b);

/* ---- reading ---- */

/* The little-endian integer at p (which holds at least 4 or 8 bytes). */
static inline uint32_t rec_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t rec_le64(const unsigned char *p)
{
	return (uint64_t)rec_le32(p) | (uint64_t)rec_le32(p + 4) << 32;
}

struct rec_cursor {
	const unsigned char *p;
	size_t len, pos;	/* pos <= len */
	int bad;		/* read past the end */
};

static inline struct rec_cursor rec_cursor_of(const void *p, size_t len)
{
	return (struct rec_cursor){ p, len, 0, 0 };
}

/* The next n bytes, or NULL (and bad set) when fewer are left. */
static inline const unsigned char *rec_take(struct rec_cursor *c, size_t n)
{
	if (c->bad || n > c->len - c->pos) {
		c->bad = 1;
		return NULL;
	}
	const unsigned char *p = c->p + c->pos;
	c->pos += n;
	return p;
}

/* Bytes not read yet. */
static inline size_t rec_left(const struct rec_cursor *c)
{
	return c->len - c->pos;
}

static inline unsigned rec_get_u8(struct rec_cursor *c)
{
	const unsigned char *p = rec_take(c, 1);
	return p ? p[0] : 0;
}

static inline uint32_t rec_get_u32(struct rec_cursor *c)
{
	const unsigned char *p = rec_take(c, 4);
	return p ? rec_le32(p) : 0;
}

static inline uint64_t rec_get_u64(struct rec_cursor *c)
{
	const unsigned char *p = rec_take(c, 8);
	return p ? rec_le64(p) : 0;
}

static inline float rec_get_f32(struct rec_cursor *c)
{
	uint32_t u = rec_get_u32(c);
	float v;
	memcpy(&v, &u, 4);
	return v;
}

static inline double rec_get_f64(struct rec_cursor *c)
{
	uint64_t u = rec_get_u64(c);
	double v;
	memcpy(&v, &u, 8);
	return v;
}

/* n floats in bulk into v (left as it was when fewer are left). */
void rec_get_f32s(struct rec_cursor *c, float *v, size_t n);
/* n floats stored little-endian, as a file holds them, put in the
 * host's order in place. */
void rec_f32s_from_le(float *v, size_t n);

#endif
