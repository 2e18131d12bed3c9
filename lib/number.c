/*
 * number.c - bounded, locale-independent parsing of numbers from data and
 * options, and the formatting of scores.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

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
