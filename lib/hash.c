/*
 * hash.c - the 64-bit string hash that gives a feature its identity.  Its
 * values are part of the model file format: a change of one bit makes every
 * saved model score new ids differently.
 */
#include "internal.h"

/*
 * A 64-bit string hash in the style of wyhash's mixing: 8 bytes a step.
 * mix is the full 128-bit product of a and b, its two halves xored.  Where
 * the compiler has a 128-bit integer (GCC and clang on 64-bit targets) that
 * is one multiply; elsewhere (or with REC_NO_INT128, which the tests use to
 * check one against the other) four 32-bit products give the same bits.
 */
#if defined(__SIZEOF_INT128__) && !defined(REC_NO_INT128)
static uint64_t mix(uint64_t a, uint64_t b)
{
	__extension__ typedef unsigned __int128 u128;
	u128 p = (u128)a * b;
	return (uint64_t)p ^ (uint64_t)(p >> 64);
}
#else
static uint64_t mix(uint64_t a, uint64_t b)
{
	const uint64_t lo32 = 0xffffffffull;
	uint64_t a_lo = a & lo32, a_hi = a >> 32;
	uint64_t b_lo = b & lo32, b_hi = b >> 32;
	uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi;
	uint64_t hl = a_hi * b_lo, hh = a_hi * b_hi;
	/* the middle column: cannot overflow, each term is below 2^32 */
	uint64_t mid = (ll >> 32) + (lh & lo32) + (hl & lo32);
	uint64_t lo = (mid << 32) | (ll & lo32);
	uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	return lo ^ hi;
}
#endif

/* The 1 to 7 bytes at p as a little-endian number: two overlapping loads
 * (or three bytes) in place of a loop, the same bits. */
static uint64_t load_tail(const char *p, size_t n)
{
	if (n >= 4)
		return (uint64_t)rec_load_le32(p) |
		       (uint64_t)rec_load_le32(p + n - 4) << (8 * (n - 4));
	const unsigned char *u = (const unsigned char *)p;
	return (uint64_t)u[0] | (uint64_t)u[n / 2] << (8 * (n / 2)) |
	       (uint64_t)u[n - 1] << (8 * (n - 1));
}

uint64_t rec_hash(unsigned char space, const char *s, size_t len)
{
	return rec_hash_seeded(space, s, len);
}

uint64_t rec_hash_seeded(uint64_t seed, const char *s, size_t len)
{
	const uint64_t k1 = 0xa0761d6478bd642full, k2 = 0xe7037ed1a0b428dbull;
	uint64_t h = mix(seed ^ k1, (uint64_t)len ^ k2);
	while (len >= 8) {
		h = mix(h ^ rec_load_le64(s), k1);
		s += 8;
		len -= 8;
	}
	if (len)
		h = mix(h ^ load_tail(s, len), k2);
	return mix(h, k1 ^ k2);
}
