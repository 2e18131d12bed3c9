/*
 * rng.c - the random number generator (xoshiro256**, seeded by splitmix64).
 * Its state is saved in the model file, and its sequence decides sampling
 * and initial factors, so it must give the same numbers everywhere.
 */
#include "internal.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void rec_rng_seed(struct rec_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rec_rng_next(struct rec_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double rec_rng_uniform(struct rec_rng *r)
{
	return (double)(rec_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t rec_rng_below(struct rec_rng *r, uint64_t n)
{
	/* rejection keeps the draw unbiased */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = rec_rng_next(r);
	while (x >= limit);
	return x % n;
}
