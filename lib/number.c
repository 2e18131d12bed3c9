/*
 * number.c - bounded, locale-independent parsing of numbers from data and
 * options, and the formatting of scores.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* Whether the 8 bytes of x, the first in the lowest, are all '0' to '9'
 * (each byte's high nibble is 3, and adding 6 keeps it 3). */
static int eight_digits(uint64_t x)
{
	return ((x & 0xF0F0F0F0F0F0F0F0ull) |
		(((x + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) ==
	       0x3333333333333333ull;
}

/* The number the eight digits of x spell: pairs, then fours, then all
 * eight combined by three multiplications. */
static uint64_t eight_digits_value(uint64_t x)
{
	x = ((x & 0x0F0F0F0F0F0F0F0Full) * 2561) >> 8;
	x = ((x & 0x00FF00FF00FF00FFull) * 6553601) >> 16;
	return ((x & 0x0000FFFF0000FFFFull) * 42949672960001ull) >> 32;
}

/*
 * Decimal numbers are parsed by hand on the fast path (digits, one point,
 * a sign): that is what event files hold, and strtod is both slower and
 * dependent on the locale.  Anything else (exponents, long mantissas) goes
 * to strtod on a NUL-terminated copy; we never call setlocale, so it runs in
 * the "C" locale.
 */
/* The digits from s[i] on added to *mant (modulo 2^64); the position
 * after them.  Eight at a time where there are eight. */
static inline size_t digit_run(const char *s, size_t len, size_t i,
			       uint64_t *mant)
{
	uint64_t m = *mant;
	while (len - i >= 8 && eight_digits(rec_load_le64(s + i))) {
		m = m * 100000000 + eight_digits_value(rec_load_le64(s + i));
		i += 8;
	}
	for (; i < len && (unsigned)((unsigned char)s[i] - '0') < 10; i++)
		m = m * 10 + (unsigned)((unsigned char)s[i] - '0');
	*mant = m;
	return i;
}

/* What the fast path leaves: exponents, long mantissas, and errors. */
static __attribute__((noinline)) int parse_slow(const char *s, size_t len,
						double *out)
{
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

int rec_parse_double(const char *s, size_t len, double *out)
{
	static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
		1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	if (len == 0)
		return REC_EINVAL;
	if (len == 1 && (unsigned)((unsigned char)s[0] - '0') < 10) {
		*out = (double)(s[0] - '0');	/* a rating, a 0/1 label */
		return 0;
	}
	size_t i = s[0] == '-' || s[0] == '+';
	uint64_t mant = 0;
	size_t end = digit_run(s, len, i, &mant);
	size_t digits = end - i, frac = 0;
	if (end < len && s[end] == '.') {
		i = end + 1;
		end = digit_run(s, len, i, &mant);
		frac = end - i;
		digits += frac;
	}
	if (end == len && digits > 0 && digits <= 15) {
		double v = (double)mant / pow10[frac];
		*out = s[0] == '-' ? -v : v;
		return 0;
	}
	return parse_slow(s, len, out);
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

/* ---- dates and times ---- */

/* Days from 1970-01-01 to a date of the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil): no time zone, no library clock. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n digits at s as a number, or -1. */
static int digits(const char *s, size_t len, size_t at, int n)
{
	if (at + (size_t)n > len)
		return -1;
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[at + i] < '0' || s[at + i] > '9')
			return -1;
		v = v * 10 + (s[at + i] - '0');
	}
	return v;
}

int rec_parse_time(const char *s, size_t len, double *out)
{
	double x;
	if (rec_parse_double(s, len, &x) == 0) {
		*out = x;
		return 0;
	}
	/* YYYY-MM-DD */
	int y = digits(s, len, 0, 4), mo = digits(s, len, 5, 2),
	    d = digits(s, len, 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || len < 10 || s[4] != '-' ||
	    s[7] != '-')
		return REC_EINVAL;
	static const int month_days[12] = { 31, 29, 31, 30, 31, 30, 31, 31,
					    30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > month_days[mo - 1] || (mo == 2 && d == 29 && !leap))
		return REC_EINVAL;
	double seconds = 0;
	size_t at = 10;
	/* THH:MM[:SS[.fraction]] or a blank instead of the T */
	if (at < len && (s[at] == 'T' || s[at] == ' ')) {
		int h = digits(s, len, at + 1, 2), mi = digits(s, len, at + 4, 2);
		if (h < 0 || h > 23 || mi < 0 || mi > 59 || s[at + 3] != ':')
			return REC_EINVAL;
		seconds = h * 3600.0 + mi * 60.0;
		at += 6;
		if (at < len && s[at] == ':') {
			int sec = digits(s, len, at + 1, 2);
			if (sec < 0 || sec > 59)
				return REC_EINVAL;
			seconds += sec;
			at += 3;
			if (at < len && s[at] == '.') {
				size_t f = at + 1;
				double scale = 0.1;
				while (f < len && s[f] >= '0' && s[f] <= '9') {
					seconds += (s[f] - '0') * scale;
					scale /= 10;
					f++;
				}
				if (f == at + 1)
					return REC_EINVAL;
				at = f;
			}
		}
	}
	/* Z, +HH, +HH:MM, +HHMM; none is UTC */
	int offset = 0;
	if (at < len && s[at] == 'Z') {
		at++;
	} else if (at < len && (s[at] == '+' || s[at] == '-')) {
		int sign = s[at] == '-' ? -1 : 1;
		int oh = digits(s, len, at + 1, 2), om = 0;
		if (oh < 0 || oh > 23)
			return REC_EINVAL;
		at += 3;
		if (at < len && s[at] == ':')
			at++;
		if (at < len) {
			om = digits(s, len, at, 2);
			if (om < 0 || om > 59)
				return REC_EINVAL;
			at += 2;
		}
		offset = sign * (oh * 3600 + om * 60);
	}
	if (at != len)
		return REC_EINVAL;
	*out = (double)days_from_civil(y, mo, d) * 86400.0 + seconds - offset;
	return 0;
}
