/*
 * digest.c - SHA-256 (FIPS 180-4), streaming: the identity of an input's
 * bytes in the model's journal of learned inputs.  A cryptographic hash,
 * because a file that collided with one learned before would be skipped
 * as a retry: its events lost without a word.
 */
#include "internal.h"

static const uint32_t round_constants[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
	0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
	0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
	0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
	0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
	0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
	0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
	0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

/* One 64-byte block into the state. */
static void compress(uint32_t state[8], const unsigned char *block)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)block[4 * i] << 24 |
		       (uint32_t)block[4 * i + 1] << 16 |
		       (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^
			      (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
	uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
	for (int i = 0; i < 64; i++) {
		uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = h + s1 + ch + round_constants[i] + w[i];
		uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
		uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = s0 + maj;
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
	state[4] += e;
	state[5] += f;
	state[6] += g;
	state[7] += h;
}

/*
 * The same compression with the x86 SHA extensions (SHA-NI), five to ten
 * times as fast: rec-update digests every byte it reads.  State words are
 * kept as the instructions want them, ABEF and CDGH; the message schedule
 * is the standard one, four words at a time.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHA_NI 1

__attribute__((target("sha,sse4.1")))
static void compress_ni(uint32_t state[8], const unsigned char *data,
			size_t blocks)
{
	const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bll,
						 0x0405060700010203ll);
	__m128i tmp = _mm_loadu_si128((const __m128i *)(const void *)state);
	__m128i s1 = _mm_loadu_si128((const __m128i *)(const void *)
				     (state + 4));
	tmp = _mm_shuffle_epi32(tmp, 0xB1);		/* CDAB */
	s1 = _mm_shuffle_epi32(s1, 0x1B);		/* EFGH */
	__m128i s0 = _mm_alignr_epi8(tmp, s1, 8);	/* ABEF */
	s1 = _mm_blend_epi16(s1, tmp, 0xF0);		/* CDGH */
	for (; blocks > 0; blocks--, data += 64) {
		__m128i abef = s0, cdgh = s1, w[16];
		for (int t = 0; t < 16; t++) {
			if (t < 4) {
				w[t] = _mm_shuffle_epi8(_mm_loadu_si128(
					(const __m128i *)(const void *)
					(data + 16 * t)), byte_swap);
			} else {
				__m128i x = _mm_sha256msg1_epu32(w[t - 4],
								 w[t - 3]);
				x = _mm_add_epi32(x, _mm_alignr_epi8(
					w[t - 1], w[t - 2], 4));
				w[t] = _mm_sha256msg2_epu32(x, w[t - 1]);
			}
			__m128i msg = _mm_add_epi32(w[t], _mm_loadu_si128(
				(const __m128i *)(const void *)
				(round_constants + 4 * t)));
			s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
			msg = _mm_shuffle_epi32(msg, 0x0E);
			s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
		}
		s0 = _mm_add_epi32(s0, abef);
		s1 = _mm_add_epi32(s1, cdgh);
	}
	tmp = _mm_shuffle_epi32(s0, 0x1B);		/* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xB1);		/* DCHG */
	s0 = _mm_blend_epi16(tmp, s1, 0xF0);		/* DCBA */
	s1 = _mm_alignr_epi8(s1, tmp, 8);		/* ABEF */
	_mm_storeu_si128((__m128i *)(void *)state, s0);
	_mm_storeu_si128((__m128i *)(void *)(state + 4), s1);
}
#endif

static int generic_only;	/* tests: the portable code even with SHA-NI */

void rec_sha256_generic(int on)
{
	generic_only = on;
}

/* Whole blocks into the state, by the fastest code this CPU runs. */
static void compress_blocks(uint32_t state[8], const unsigned char *data,
			    size_t blocks)
{
#if defined(HAVE_SHA_NI)
	static int ni = -1;
	if (ni < 0) {
		/* CPUID: SSE4.1 is leaf 1 ECX bit 19, SHA leaf 7 EBX bit 29
		 * (asked directly: not every compiler's builtin knows SHA) */
		unsigned a, b, c, d;
		int sse41 = __get_cpuid(1, &a, &b, &c, &d) && (c >> 19 & 1);
		ni = sse41 && __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
		     (b >> 29 & 1);
	}
	if (ni && !generic_only) {
		compress_ni(state, data, blocks);
		return;
	}
#endif
	for (; blocks > 0; blocks--, data += 64)
		compress(state, data);
}

void rec_sha256_init(struct rec_sha256 *s)
{
	static const uint32_t initial[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	memcpy(s->state, initial, sizeof(initial));
	s->bytes = 0;
	s->held = 0;
}

void rec_sha256_add(struct rec_sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	s->bytes += len;
	if (s->held) {
		size_t n = 64 - s->held < len ? 64 - s->held : len;
		memcpy(s->block + s->held, p, n);
		s->held += n;
		p += n;
		len -= n;
		if (s->held < 64)
			return;
		compress_blocks(s->state, s->block, 1);
		s->held = 0;
	}
	compress_blocks(s->state, p, len / 64);
	p += len / 64 * 64;
	len %= 64;
	memcpy(s->block, p, len);
	s->held = len;
}

void rec_sha256_end(struct rec_sha256 *s, unsigned char out[32])
{
	uint64_t bits = s->bytes * 8;
	s->block[s->held++] = 0x80;
	if (s->held > 56) {
		memset(s->block + s->held, 0, 64 - s->held);
		compress(s->state, s->block);
		s->held = 0;
	}
	memset(s->block + s->held, 0, 56 - s->held);
	for (int i = 0; i < 8; i++)
		s->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	compress(s->state, s->block);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 4; j++)
			out[4 * i + j] =
				(unsigned char)(s->state[i] >> (24 - 8 * j));
}
