/*
 * codec.c - the out-of-line parts of codec.h: growing a buffer and moving
 * arrays of floats in bulk.
 */
#include "codec.h"
#include "internal.h"

void rec_buf_put_slow(struct rec_buf *b, const void *s, size_t n)
{
	if (b->failed || n == 0)
		return;
	if (n > b->cap - b->len) {
		size_t cap = n > SIZE_MAX - b->len ? 0
			: rec_grow_cap(b->cap, b->len + n, 4096);
		unsigned char *p = cap ? rec_realloc_array(b->p, cap, 1) : NULL;
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

void rec_buf_free(struct rec_buf *b)
{
	rec_free(b->p);
	*b = (struct rec_buf){ 0 };
}

static int little_endian(void)
{
	const uint16_t probe = 1;
	return *(const unsigned char *)&probe == 1;
}

/* Arrays of floats in bulk: the hot part of saving a large model. */
void rec_buf_put_f32s(struct rec_buf *b, const float *v, size_t n)
{
	if (n > SIZE_MAX / sizeof(float)) {
		b->failed = 1;
		return;
	}
	if (little_endian()) {
		rec_buf_put(b, v, n * sizeof(float));	/* as they are */
		return;
	}
	for (size_t i = 0; i < n; i++)
		rec_buf_put_f32(b, v[i]);
}

void rec_f32s_from_le(float *v, size_t n)
{
	if (little_endian())
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned char b[4];
		memcpy(b, &v[i], 4);
		uint32_t x = rec_le32(b);
		memcpy(&v[i], &x, 4);
	}
}

/* Arrays of floats in bulk: the hot part of loading a large model. */
void rec_get_f32s(struct rec_cursor *c, float *v, size_t n)
{
	if (n > SIZE_MAX / sizeof(float)) {
		c->bad = 1;
		return;
	}
	if (little_endian()) {
		const unsigned char *p = rec_take(c, n * sizeof(float));
		if (p && n)
			memcpy(v, p, n * sizeof(float));
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = rec_get_f32(c);
}
