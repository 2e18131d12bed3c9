/*
 * map.c - the open-addressing hash map from a 64-bit key to a 32-bit index
 * that the feature table, the catalogue and the id set are built on.
 */
#include "internal.h"

/* Maps of this many slots (2 MiB) and more take rec_big_ memory. */
#define BIG_MAP_SLOTS ((2u << 20) / sizeof(struct rec_map_slot))

int rec_map_init(struct rec_map *m, size_t capacity)
{
	/* room for capacity keys at a load of at most one half */
	size_t cap = capacity > SIZE_MAX / 2 ? 0
		: rec_grow_cap(16, capacity * 2, 16);
	/* a large map lives in huge pages: its lookups land anywhere in it,
	 * and with 4 KiB pages each of them would miss the TLB too */
	m->big = cap >= BIG_MAP_SLOTS;
	m->slots = !cap ? NULL
		: m->big ? rec_big_realloc_array(NULL, cap, sizeof(*m->slots))
			 : rec_malloc_array(cap, sizeof(*m->slots));
	if (!m->slots)
		return REC_ENOMEM;
	for (size_t i = 0; i < cap; i++)
		m->slots[i] = (struct rec_map_slot){ 0, UINT32_MAX };
	m->mask = cap - 1;
	m->shift = 64;
	for (size_t c = cap; c > 1; c >>= 1)
		m->shift--;
	m->count = 0;
	return 0;
}

void rec_map_destroy(struct rec_map *m)
{
	if (m->big)
		rec_big_free(m->slots);
	else
		rec_free(m->slots);
	m->slots = NULL;
}

static void map_insert(struct rec_map *m, uint64_t key, uint32_t value)
{
	size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> m->shift);
	while (m->slots[i].value != UINT32_MAX)
		i = (i + 1) & m->mask;
	m->slots[i] = (struct rec_map_slot){ key, value };
}

int rec_map_put(struct rec_map *m, uint64_t key, uint32_t value)
{
	/* keep the load under one half so probes stay short */
	if ((m->count + 1) * 2 > m->mask + 1) {
		struct rec_map bigger;
		if (rec_map_init(&bigger, m->mask + 1) != 0)
			return REC_ENOMEM;
		for (size_t i = 0; i <= m->mask; i++)
			if (m->slots[i].value != UINT32_MAX)
				map_insert(&bigger, m->slots[i].key,
					   m->slots[i].value);
		bigger.count = m->count;
		rec_map_destroy(m);
		*m = bigger;
	}
	map_insert(m, key, value);
	m->count++;
	return 0;
}
