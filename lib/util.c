/*
 * util.c - errors, bounded number parsing, hashing, the random number
 * generator and the hash map the other modules share.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

const char *rec_strerror(int code)
{
	switch (code) {
	case REC_OK: return "success";
	case REC_EIO: return "input/output error";
	case REC_ENOMEM: return "out of memory";
	case REC_EBADROW: return "bad input row";
	case REC_EFORMAT: return "not a valid model file";
	case REC_EVERSION: return "model file format too new";
	case REC_EINVAL: return "invalid argument";
	case REC_EDATA: return "unusable data";
	}
	return "unknown error";
}

int rec_fail(struct rec_error *err, int code, const char *file, long line,
	     const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	err->line = line;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

/*
 * Decimal numbers are parsed by hand on the fast path (digits, one point,
 * a sign): that is what event files hold, and strtod is both slower and
 * dependent on the locale.  Anything else (exponents, long mantissas) goes
 * to strtod on a NUL-terminated copy; we never call setlocale, so it runs in
 * the "C" locale.
 */
int rec_parse_double(const char *s, size_t len, double *out)
{
	static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
		1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	size_t i = 0;
	int neg = 0;
	if (len == 0)
		return REC_EINVAL;
	if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i = 1;
	}
	uint64_t mant = 0;
	int digits = 0, frac = 0, point = 0;
	for (; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d < 10) {
			mant = mant * 10 + d;
			digits++;
			frac += point;
		} else if (s[i] == '.' && !point) {
			point = 1;
		} else {
			break;
		}
	}
	if (i == len && digits > 0 && digits <= 15) {
		double v = (double)mant / pow10[frac];
		*out = neg ? -v : v;
		return 0;
	}
	/* slow path */
	char buf[64];
	if (len >= sizeof(buf))
		return REC_EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] != '-' && buf[0] != '+' && buf[0] != '.' &&
	    (buf[0] < '0' || buf[0] > '9'))
		return REC_EINVAL;	/* no blanks, "inf" or "nan" */
	if (memchr(buf, 'x', len) || memchr(buf, 'X', len))
		return REC_EINVAL;	/* no hexadecimal floats */
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (end != buf + len || !isfinite(v))
		return REC_EINVAL;
	*out = v;
	return 0;
}

int rec_parse_long(const char *s, size_t len, long min, long max, long *out)
{
	char buf[32];
	if (len == 0 || len >= sizeof(buf))
		return REC_EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] != '-' && buf[0] != '+' && (buf[0] < '0' || buf[0] > '9'))
		return REC_EINVAL;
	char *end;
	errno = 0;
	long v = strtol(buf, &end, 10);
	if (errno || end != buf + len || v < min || v > max)
		return REC_EINVAL;
	*out = v;
	return 0;
}

/*
 * Scores are printed with 9 significant digits, enough to tell any two
 * floats apart.  printf("%.9g") spends hundreds of instructions a number in
 * the C library's exact big-number code, more than the rest of scoring; in
 * the usual range the digits come from one scaling and one integer
 * conversion instead.  The scaling's relative error (about 1e-16) can only
 * change the last digit when a value lies within that of a rounding tie.
 */
int rec_format_score(char *buf, double x)
{
	static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
		1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17 };
	double a = fabs(x);
	if (!(a >= 1e-4 && a < 1e9))
		return x == 0 ? (buf[0] = '0', buf[1] = '\0', 1)
			      : snprintf(buf, 32, "%.9g", x);
	int e = 0;	/* a in [10^(e-1), 10^e) */
	while (e < 9 && a >= pow10[e])
		e++;
	if (a < 1)
		while (e > -3 && a < 1 / pow10[1 - e])
			e--;
	int frac = 9 - e;	/* digits after the point */
	double scaled = frac >= 0 ? a * pow10[frac] : a / pow10[-frac];
	uint64_t digits = (uint64_t)(scaled + 0.5);
	if (digits >= 1000000000ull) {	/* rounded up to the next power */
		if (frac == 0)
			return snprintf(buf, 32, "%.9g", x);
		digits /= 10;
		frac--;
	}
	char tmp[32];
	int n = 0;
	while (frac > 0 && digits % 10 == 0) {	/* no trailing zeros */
		digits /= 10;
		frac--;
	}
	do {
		tmp[n++] = (char)('0' + digits % 10);
		digits /= 10;
	} while (digits > 0 || n <= frac);
	char *p = buf;
	if (x < 0)
		*p++ = '-';
	for (int i = n - 1; i >= 0; i--) {
		*p++ = tmp[i];
		if (i == frac && i > 0)
			*p++ = '.';
	}
	*p = '\0';
	return (int)(p - buf);
}

/* A 64-bit string hash in the style of wyhash's mixing: 8 bytes a step. */
static uint64_t mix(uint64_t a, uint64_t b)
{
	__uint128_t p = (__uint128_t)a * b;
	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

static uint64_t load_le(const char *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)(unsigned char)p[i] << (8 * i);
	return v;
}

uint64_t rec_hash(unsigned char space, const char *s, size_t len)
{
	const uint64_t k1 = 0xa0761d6478bd642full, k2 = 0xe7037ed1a0b428dbull;
	uint64_t h = mix(space ^ k1, (uint64_t)len ^ k2);
	while (len >= 8) {
		h = mix(h ^ load_le(s, 8), k1);
		s += 8;
		len -= 8;
	}
	if (len)
		h = mix(h ^ load_le(s, len), k2);
	return mix(h, k1 ^ k2);
}

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

int rec_map_init(struct rec_map *m, size_t capacity)
{
	size_t cap = 16;
	while (cap < capacity * 2)
		cap *= 2;
	m->keys = rec_malloc(cap * sizeof(*m->keys));
	m->values = rec_malloc(cap * sizeof(*m->values));
	if (!m->keys || !m->values) {
		rec_free(m->keys);
		rec_free(m->values);
		m->keys = NULL;
		m->values = NULL;
		return REC_ENOMEM;
	}
	memset(m->values, 0xff, cap * sizeof(*m->values));
	m->mask = cap - 1;
	m->shift = 64;
	for (size_t c = cap; c > 1; c >>= 1)
		m->shift--;
	m->count = 0;
	return 0;
}

void rec_map_destroy(struct rec_map *m)
{
	rec_free(m->keys);
	rec_free(m->values);
	m->keys = NULL;
	m->values = NULL;
}

static void map_insert(struct rec_map *m, uint64_t key, uint32_t value)
{
	size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> m->shift);
	while (m->values[i] != UINT32_MAX)
		i = (i + 1) & m->mask;
	m->keys[i] = key;
	m->values[i] = value;
}

int rec_map_put(struct rec_map *m, uint64_t key, uint32_t value)
{
	/* keep the load under one half so probes stay short */
	if ((m->count + 1) * 2 > m->mask + 1) {
		struct rec_map bigger;
		if (rec_map_init(&bigger, m->mask + 1) != 0)
			return REC_ENOMEM;
		for (size_t i = 0; i <= m->mask; i++)
			if (m->values[i] != UINT32_MAX)
				map_insert(&bigger, m->keys[i], m->values[i]);
		bigger.count = m->count;
		rec_map_destroy(m);
		*m = bigger;
	}
	map_insert(m, key, value);
	m->count++;
	return 0;
}

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
		size_t cap = s->cap ? 2 * s->cap : 1024;
		size_t *off = rec_realloc(s->off, cap * sizeof(*off));
		if (!off)
			return REC_ENOMEM;
		s->off = off;
		size_t *lens = rec_realloc(s->len, cap * sizeof(*lens));
		if (!lens)
			return REC_ENOMEM;
		s->len = lens;
		s->cap = cap;
	}
	if (s->bytes_len + len > s->bytes_cap) {
		size_t cap = s->bytes_cap ? 2 * s->bytes_cap : 65536;
		while (cap < s->bytes_len + len)
			cap *= 2;
		char *b = rec_realloc(s->bytes, cap);
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
