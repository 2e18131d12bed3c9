/*
 * idset.c - a set of byte-string ids, each numbered in the order it was
 * first added.
 */
#include "internal.h"

/*
 * A set of ids: a hash map from the 64-bit hash of an id to its place, the
 * bytes kept in an arena and compared, so two ids are never confused.  Ids
 * whose hashes collide (astronomically rare) are chained by rehashing.
 */
struct rec_idset {
	struct rec_map index;
	char *bytes;
	size_t bytes_len, bytes_cap;
	size_t *off, *len;
	size_t count, cap;
};

int rec_idset_create(rec_idset **out)
{
	rec_idset *s = rec_calloc(1, sizeof(*s));
	if (!s || rec_map_init(&s->index, 1024) != 0) {
		rec_free(s);
		*out = NULL;
		return REC_ENOMEM;
	}
	*out = s;
	return 0;
}

void rec_idset_free(rec_idset *s)
{
	if (!s)
		return;
	rec_map_destroy(&s->index);
	rec_free(s->bytes);
	rec_free(s->off);
	rec_free(s->len);
	rec_free(s);
}

size_t rec_idset_size(const rec_idset *s)
{
	return s->count;
}

const char *rec_idset_id(const rec_idset *s, size_t index, size_t *len)
{
	if (index >= s->count) {
		*len = 0;
		return NULL;
	}
	*len = s->len[index];
	return s->bytes + s->off[index];
}

/* The key under which id is (or would be) stored; *at is its place or
 * UINT32_MAX. */
static uint64_t idset_lookup(const rec_idset *s, const char *id, size_t len,
			     uint32_t *at)
{
	uint64_t key = rec_hash('s', id, len);
	for (;;) {
		*at = rec_map_get(&s->index, key);
		if (*at == UINT32_MAX ||
		    (s->len[*at] == len &&
		     (len == 0 || memcmp(s->bytes + s->off[*at], id, len) == 0)))
			return key;
		key = key * 0x9E3779B97F4A7C15ull + 1;	/* collision */
	}
}

int rec_idset_find(const rec_idset *s, const char *id, size_t len,
		   size_t *index)
{
	uint32_t at;
	idset_lookup(s, id, len, &at);
	if (at == UINT32_MAX)
		return 0;
	if (index)
		*index = at;
	return 1;
}

int rec_idset_add(rec_idset *s, const char *id, size_t len, size_t *index)
{
	uint32_t at;
	uint64_t key = idset_lookup(s, id, len, &at);
	if (at != UINT32_MAX) {
		if (index)
			*index = at;
		return 0;
	}
	if (s->count == s->cap) {
		size_t cap = rec_grow_cap(s->cap, s->count + 1, 1024);
		if (!cap)
			return REC_ENOMEM;
		size_t *off = rec_realloc_array(s->off, cap, sizeof(*off));
		if (!off)
			return REC_ENOMEM;
		s->off = off;
		size_t *lens = rec_realloc_array(s->len, cap, sizeof(*lens));
		if (!lens)
			return REC_ENOMEM;
		s->len = lens;
		s->cap = cap;
	}
	if (len > s->bytes_cap - s->bytes_len) {
		size_t cap = len > SIZE_MAX - s->bytes_len ? 0
			: rec_grow_cap(s->bytes_cap, s->bytes_len + len, 65536);
		char *b = cap ? rec_realloc_array(s->bytes, cap, 1) : NULL;
		if (!b)
			return REC_ENOMEM;
		s->bytes = b;
		s->bytes_cap = cap;
	}
	if (s->count >= UINT32_MAX - 1 ||
	    rec_map_put(&s->index, key, (uint32_t)s->count) != 0)
		return REC_ENOMEM;
	if (len)
		memcpy(s->bytes + s->bytes_len, id, len);
	s->off[s->count] = s->bytes_len;
	s->len[s->count] = len;
	s->bytes_len += len;
	if (index)
		*index = s->count;
	s->count++;
	return 1;
}
