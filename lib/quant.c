/*
 * quant.c - smaller numbers for a model saved at precision 16 or 8 (see
 * man/rec-model.5): IEEE 754 binary16 halves, and rows of symmetric 8-bit
 * integers with the row's largest magnitude as its scale.
 *
 * Portable C, bit for bit the same on every machine: the conversions run
 * once per value at a save or a load, never in a training or scoring loop,
 * so no CPU's half-float instructions are worth a second code path.
 */
#include <math.h>

#include "internal.h"

uint16_t rec_half_from_float(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	const uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
	const uint32_t exp = (x >> 23) & 0xff, man = x & 0x7fffff;
	if (exp == 0xff)	/* an infinity, or a NaN kept quiet */
		return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
	const int e = (int)exp - 127 + 15;	/* the half's biased exponent */
	if (e >= 31)
		return (uint16_t)(sign | 0x7c00);	/* too large */
	if (e >= 1) {
		/* normal: drop 13 bits of the mantissa, to nearest, ties to
		 * even; a carry runs into the exponent, to infinity past
		 * 65504 */
		uint32_t h = (uint32_t)e << 10 | man >> 13;
		const uint32_t rest = man & 0x1fff;
		if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
			h++;
		return (uint16_t)(sign | h);
	}
	/* subnormal or zero: units of 2^-24, the value being
	 * (man | 2^23) 2^(exp - 150) */
	const int shift = 14 - e;
	if (exp == 0 || shift > 24)
		return sign;	/* below half the least subnormal */
	const uint32_t full = man | 0x800000;
	uint32_t h = full >> shift;
	const uint32_t rest = full & ((1u << shift) - 1);
	const uint32_t half = 1u << (shift - 1);
	if (rest > half || (rest == half && (h & 1)))
		h++;	/* may become the least normal, 0x0400: right */
	return (uint16_t)(sign | h);
}

float rec_half_to_float(uint16_t h)
{
	const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	const uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff;
	uint32_t x;
	if (exp == 0) {
		float v = (float)man * 0x1p-24f;	/* exact */
		return sign ? -v : v;
	}
	if (exp == 31)
		x = sign | 0x7f800000 | man << 13;
	else
		x = sign | (exp - 15 + 127) << 23 | man << 13;
	float f;
	memcpy(&f, &x, 4);
	return f;
}

void rec_quant8_row(const float *x, size_t n, float *range, int8_t *q)
{
	float r = 0;
	for (size_t j = 0; j < n; j++)
		if (fabsf(x[j]) > r)
			r = fabsf(x[j]);
	*range = r;
	for (size_t j = 0; j < n; j++) {
		/* |x| 127 / r is at most 127, and exactly 127 at the
		 * largest: x 127 is exact in a double */
		double v = r > 0 ? (double)x[j] * 127.0 / (double)r : 0;
		q[j] = (int8_t)lrint(v);
	}
}

float rec_dequant8(float range, int8_t q)
{
	/* q r is exact in a double, so q = +-127 gives r back exactly:
	 * quantising the result again gives the same q and range */
	return (float)((double)q * (double)range / 127.0);
}
