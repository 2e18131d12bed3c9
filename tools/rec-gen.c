/*
 * rec-gen.c - a deterministic generator of synthetic event streams.
 *
 * It writes TSV events "user item rating time group genre" drawn from a
 * model with planted low-rank preferences, so that tests, benchmarks and
 * demos have data whose structure is known in advance:
 *
 *  - every user group and every item genre has a latent centre; a user's
 *    vector is its group's centre plus personal noise, an item's vector its
 *    genre's centre plus noise, so the attributes say something about users
 *    and items never seen before (cold start);
 *  - users and items each have a bias;
 *  - which item an event is about follows a Zipf law over a random
 *    popularity order, and which user acts follows a milder one, as in
 *    real logs (the same user may rate the same item more than once);
 *  - rating = round(shift + b_u + b_i + SCALE * <p_u, q_i> / sqrt(rank) +
 *    noise * N(0, 1)), clamped to 1..5, where the shift puts the mean
 *    score at 3.5 so that about half of the ratings are 4 or 5;
 *  - with --drift, every user's vector turns as the stream goes on;
 *  - with --columns N, N more categorical columns c1..cN follow, each a
 *    function of the user id (odd columns) or the item id (even ones), for
 *    benchmarks of side features; they draw no random numbers, so the
 *    other columns are the same with or without them;
 *  - with --format vw, the same events are written as Vowpal Wabbit text.
 *
 * The output depends only on the options: the generator draws from
 * librec's PRNG (xoshiro256** seeded by splitmix64) with its own normal
 * deviates, in a fixed order, and prints only integers and strings.  The only libm
 * functions used are sqrt (exact under IEEE 754), and pow, log, cos and sin,
 * which may differ in the last bit between C libraries; that changes the
 * output only if a value lands within an ulp of a rounding boundary.
 *
 * Built by make, linked with build/librec.a.
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

/*
 * A fused multiply-add rounds differently from a multiply and an add, so
 * none may be fused.  Clang obeys this pragma; GCC fuses none in -std=c11
 * mode (with -std=gnu11 on a machine with FMA, add -ffp-contract=off).
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define PROG "rec-gen"
#define VERSION "0.1.0"

#define FIRST_TIME 1500000000LL
#define MAX_TIME_GAP 60		/* seconds between events: uniform 0..60 */
#define USER_ZIPF 0.5		/* how unevenly active users are */
#define CENTRE_SHARE 0.5	/* variance of a latent vector due to its cluster */
#define USER_BIAS_SD 0.25
#define ITEM_BIAS_SD 0.35
#define MIDPOINT 3.5		/* mean score, so about half the ratings are >= 4 */
/*
 * Weight of the interaction term.  At --noise 0.8 the true scores reach an
 * AUC of about 0.86 on rating >= 4, a biased matrix factorisation about 0.8,
 * per-item mean ratings about 0.65 and item popularity 0.5 to 0.6.
 */
#define SCALE 0.7

/*
 * The extra columns of --columns.  Column j (from 1) describes the user when
 * j is odd and the item when j is even; its cardinality is taken from
 * COLUMN_CARD by pairs (c1 and c2 have 4 values, c3 and c4 30, ...), so that
 * eight columns span 4 to 1000 values.  In the Vowpal Wabbit form, column j
 * is the namespace named by the j-th letter of VW_SPACES ('u' and 'i' are
 * the user's and the item's).
 */
static const unsigned column_card[] = { 4, 30, 200, 1000 };
#define COLUMN_CARDS (sizeof(column_card) / sizeof(column_card[0]))
static const char vw_spaces[] =
	"abcdefghjklmnopqrstvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
#define MAX_COLUMNS ((long long)sizeof(vw_spaces) - 1)

enum format { FORMAT_TSV, FORMAT_VW };

struct options {
	long long users, items, events, rank, groups, genres, seed, columns;
	double zipf, noise, drift;
	int header;
	enum format format;
	const char *output;	/* NULL for standard output */
};

/* librec's generator plus the second value of the last pair of normals. */
struct rng {
	struct rec_rng base;
	int has_spare;
	double spare;
};

/* Users or items: latent vectors, biases, clusters and sampling weights. */
struct side {
	size_t count;
	double *vec;		/* count rows of rank values */
	double *bias;
	uint32_t *cluster;	/* group or genre, counted from 0 */
	double *cdf;		/* cumulative weights for choosing one */
};

static void rng_seed(struct rng *r, uint64_t seed)
{
	rec_rng_seed(&r->base, seed);
	r->has_spare = 0;
	r->spare = 0;
}

/* Uniform in [0, 1), from the top 53 bits. */
static double rng_uniform(struct rng *r)
{
	return rec_rng_uniform(&r->base);
}

/*
 * Uniform in [0, n), without the bias of a bare modulo.  This rejects the
 * lowest 2^64 mod n draws where rec_rng_below rejects the highest ones:
 * both are unbiased, but they keep different draws, and which draws are
 * kept is part of the output, so this rule stays.
 */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	uint64_t threshold = -n % n;
	uint64_t x;

	do
		x = rec_rng_next(&r->base);
	while (x < threshold);
	return x % n;
}

/* Standard normal by the polar form of Box-Muller: no trigonometry. */
static double rng_normal(struct rng *r)
{
	double u, v, s, f;

	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	do {
		u = 2 * rng_uniform(r) - 1;
		v = 2 * rng_uniform(r) - 1;
		s = u * u + v * v;
	} while (s >= 1 || s == 0);
	f = sqrt(-2 * log(s) / s);
	r->spare = v * f;
	r->has_spare = 1;
	return u * f;
}

/*
 * Cumulative weights 1/rank^exponent, where the ranks are a random
 * permutation of the ids, so that popularity is not in id order.
 */
static double *zipf_table(struct rng *r, size_t n, double exponent)
{
	size_t *rank = rec_malloc_array(n, sizeof(*rank));
	double *cdf = rec_malloc_array(n, sizeof(*cdf));
	double sum = 0;

	if (!rank || !cdf) {
		rec_free(rank);
		rec_free(cdf);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		rank[i] = i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng_below(r, i + 1);
		size_t t = rank[i];

		rank[i] = rank[j];
		rank[j] = t;
	}
	for (size_t i = 0; i < n; i++) {
		sum += pow((double)(rank[i] + 1), -exponent);
		cdf[i] = sum;
	}
	rec_free(rank);
	return cdf;
}

/* An id drawn with the weights of a zipf_table, by binary search. */
static size_t zipf_draw(struct rng *r, const double *cdf, size_t n)
{
	double x = rng_uniform(r) * cdf[n - 1];
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cdf[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Latent centres, clusters * rank values with variance CENTRE_SHARE. */
static double *make_centres(struct rng *r, size_t clusters, size_t rank)
{
	double *centre = rec_malloc_array(clusters * rank, sizeof(*centre));
	double sd = sqrt(CENTRE_SHARE);

	if (!centre)
		return NULL;
	for (size_t i = 0; i < clusters * rank; i++)
		centre[i] = sd * rng_normal(r);
	return centre;
}

/*
 * Clusters, vectors (centre plus noise, variance 1 in all) and biases for
 * one side, then its sampling weights.  Returns -1 when out of memory.
 */
static int make_side(struct side *side, struct rng *r, size_t count,
		     size_t rank, const double *centre, size_t clusters,
		     double bias_sd, double zipf)
{
	double sd = sqrt(1 - CENTRE_SHARE);

	side->count = count;
	side->vec = rec_malloc_array(count, rank * sizeof(double));
	side->bias = rec_malloc_array(count, sizeof(double));
	side->cluster = rec_malloc_array(count, sizeof(uint32_t));
	side->cdf = NULL;
	if (!side->vec || !side->bias || !side->cluster)
		return -1;
	for (size_t i = 0; i < count; i++) {
		uint32_t c = (uint32_t)rng_below(r, clusters);
		double *v = side->vec + i * rank;

		side->cluster[i] = c;
		for (size_t k = 0; k < rank; k++)
			v[k] = centre[c * rank + k] + sd * rng_normal(r);
		side->bias[i] = bias_sd * rng_normal(r);
	}
	side->cdf = zipf_table(r, count, zipf);
	return side->cdf ? 0 : -1;
}

/*
 * Mean vector and mean bias of one side, weighted by how often each is
 * chosen.  VEC_MEAN has rank values.
 */
static void side_means(const struct side *side, size_t rank, double *vec_mean,
		       double *bias_mean)
{
	double total = side->cdf[side->count - 1], previous = 0;

	for (size_t k = 0; k < rank; k++)
		vec_mean[k] = 0;
	*bias_mean = 0;
	for (size_t i = 0; i < side->count; i++) {
		double w = (side->cdf[i] - previous) / total;

		previous = side->cdf[i];
		for (size_t k = 0; k < rank; k++)
			vec_mean[k] += w * side->vec[i * rank + k];
		*bias_mean += w * side->bias[i];
	}
}

/*
 * The global shift that puts the mean score of an event at MIDPOINT.  Users
 * and items are drawn independently, so the mean of the interaction term is
 * the product of the mean vectors.  Without this, the bias of the few most
 * popular items alone would move the share of high ratings by several
 * points from one seed to the next.  Returns NAN when out of memory.
 */
static double global_shift(const struct side *users, const struct side *items,
			   size_t rank, double norm)
{
	double *user_mean = rec_malloc_array(rank, sizeof(double));
	double *item_mean = rec_malloc_array(rank, sizeof(double));
	double user_bias, item_bias, dot = 0;

	if (!user_mean || !item_mean) {
		rec_free(user_mean);
		rec_free(item_mean);
		return NAN;
	}
	side_means(users, rank, user_mean, &user_bias);
	side_means(items, rank, item_mean, &item_bias);
	for (size_t k = 0; k < rank; k++)
		dot += user_mean[k] * item_mean[k];
	rec_free(user_mean);
	rec_free(item_mean);
	return MIDPOINT - user_bias - item_bias - norm * dot;
}

static void free_side(struct side *side)
{
	rec_free(side->vec);
	rec_free(side->bias);
	rec_free(side->cluster);
	rec_free(side->cdf);
}

/* Writes v in decimal at p; returns the end. */
static char *put_uint(char *p, uint64_t v)
{
	char digits[20];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = digits[--n];
	return p;
}

/* splitmix64's finaliser: a well-mixed function of x. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * The value, from 1, of extra column j (from 1) for user u and item i: a
 * hash of the seed, the column and the user (j odd) or the item (j even).
 */
static uint64_t column_value(uint64_t seed, long long j, size_t u, size_t i)
{
	uint64_t id = j % 2 ? u : i;
	uint64_t card = column_card[((uint64_t)j - 1) / 2 % COLUMN_CARDS];

	return 1 + mix64(mix64(seed ^ mix64((uint64_t)j)) ^ id) % card;
}

/*
 * Writes the line of one event at line, in the TSV form with COLUMNS extra
 * columns; returns its end.
 */
static char *put_event(char *line, size_t u, size_t i, int rating,
		       long long time, uint32_t group, uint32_t genre,
		       uint64_t seed, long long columns)
{
	char *end = line;

	*end++ = 'u';
	end = put_uint(end, u + 1);
	*end++ = '\t';
	*end++ = 'i';
	end = put_uint(end, i + 1);
	*end++ = '\t';
	*end++ = (char)('0' + rating);
	*end++ = '\t';
	end = put_uint(end, (uint64_t)time);
	*end++ = '\t';
	*end++ = 'g';
	end = put_uint(end, (uint64_t)group + 1);
	*end++ = '\t';
	*end++ = 'c';
	end = put_uint(end, (uint64_t)genre + 1);
	for (long long j = 1; j <= columns; j++) {
		*end++ = '\t';
		end = put_uint(end, column_value(seed, j, u, i));
	}
	*end++ = '\n';
	return end;
}

/*
 * Writes one event at line as Vowpal Wabbit text, "LABEL |u USER |i ITEM"
 * and a namespace for each extra column, where LABEL is 1 for a rating of 4
 * or more and -1 otherwise; returns its end.
 */
static char *put_vw_event(char *line, size_t u, size_t i, int rating,
			  uint64_t seed, long long columns)
{
	char *end = line;

	if (rating >= 4) {
		*end++ = '1';
	} else {
		*end++ = '-';
		*end++ = '1';
	}
	memcpy(end, " |u u", 5);
	end = put_uint(end + 5, u + 1);
	memcpy(end, " |i i", 5);
	end = put_uint(end + 5, i + 1);
	for (long long j = 1; j <= columns; j++) {
		*end++ = ' ';
		*end++ = '|';
		*end++ = vw_spaces[j - 1];
		*end++ = ' ';
		end = put_uint(end, column_value(seed, j, u, i));
	}
	*end++ = '\n';
	return end;
}

/* The header line of the TSV form, with its extra columns, on OUT. */
static int put_header(FILE *out, long long columns)
{
	if (fputs("user\titem\trating\ttime\tgroup\tgenre", out) == EOF)
		return -1;
	for (long long j = 1; j <= columns; j++)
		if (fprintf(out, "\tc%lld", j) < 0)
			return -1;
	return putc('\n', out) == EOF ? -1 : 0;
}

/*
 * Writes the events.  Returns 0, -1 when out of memory, or the errno of a
 * failed write.
 */
static int generate(const struct options *opt, FILE *out)
{
	size_t rank = (size_t)opt->rank;
	double norm = SCALE / sqrt((double)opt->rank);
	struct side users = { 0 }, items = { 0 };
	double *group_centre, *genre_centre, shift;
	struct rng r;
	long long event_time = FIRST_TIME;
	int status = -1;

	/* The order of the draws below is part of the output format. */
	rng_seed(&r, (uint64_t)opt->seed);
	group_centre = make_centres(&r, (size_t)opt->groups, rank);
	genre_centre = make_centres(&r, (size_t)opt->genres, rank);
	if (!group_centre || !genre_centre)
		goto done;
	if (make_side(&users, &r, (size_t)opt->users, rank, group_centre,
		      (size_t)opt->groups, USER_BIAS_SD, USER_ZIPF) < 0)
		goto done;
	if (make_side(&items, &r, (size_t)opt->items, rank, genre_centre,
		      (size_t)opt->genres, ITEM_BIAS_SD, opt->zipf) < 0)
		goto done;
	shift = global_shift(&users, &items, rank, norm);
	if (isnan(shift))
		goto done;

	status = 0;
	if (opt->header) {
		errno = 0;
		if (put_header(out, opt->columns) < 0) {
			status = errno ? errno : EIO;
			goto done;
		}
	}
	/* Each event draws user, item, noise and time gap, in that order. */
	for (long long e = 0; e < opt->events; e++) {
		size_t u = zipf_draw(&r, users.cdf, users.count);
		size_t i = zipf_draw(&r, items.cdf, items.count);
		const double *p = users.vec + u * rank;
		const double *q = items.vec + i * rank;
		double noise = rng_normal(&r);
		double dot = 0, raw;
		size_t k = 0;
		/* 60 bytes, and at most 10 for each extra column */
		char line[64 + 10 * MAX_COLUMNS], *end;
		int rating;

		event_time += (long long)rng_below(&r, MAX_TIME_GAP + 1);
		if (opt->drift != 0) {
			/* Turn p in the plane of dimensions 0 and 1. */
			double angle = opt->drift * ((double)e / 1000);
			double c = cos(angle), s = sin(angle);

			dot = (c * p[0] - s * p[1]) * q[0] +
			      (s * p[0] + c * p[1]) * q[1];
			k = 2;
		}
		for (; k < rank; k++)
			dot += p[k] * q[k];
		raw = shift + users.bias[u] + items.bias[i] + norm * dot +
		      opt->noise * noise;
		/* Round half up, by comparison: the same on every platform. */
		rating = raw < 1.5 ? 1 : raw < 2.5 ? 2 : raw < 3.5 ? 3 :
			 raw < 4.5 ? 4 : 5;

		if (opt->format == FORMAT_VW)
			end = put_vw_event(line, u, i, rating, (uint64_t)opt->seed,
					   opt->columns);
		else
			end = put_event(line, u, i, rating, event_time,
					users.cluster[u], items.cluster[i],
					(uint64_t)opt->seed, opt->columns);
		errno = 0;
		if (fwrite(line, 1, (size_t)(end - line), out) != (size_t)(end - line)) {
			status = errno ? errno : EIO;
			goto done;
		}
	}
done:
	rec_free(group_centre);
	rec_free(genre_centre);
	free_side(&users);
	free_side(&items);
	return status;
}

static const char usage_line[] =
	"Usage: " PROG " [-hV] [--header] [-o file] [--users n] [--items n]\n"
	"               [--events n] [--rank k] [--groups n] [--genres n]\n"
	"               [--zipf x] [--noise x] [--drift x] [--seed n]\n"
	"               [--columns n] [--format tsv|vw]\n";

static void help(void)
{
	fputs(usage_line, stdout);
	fputs("\n"
	      "Write a synthetic event stream with planted low-rank preferences as TSV:\n"
	      "user, item, rating (1 to 5), time (unix seconds, from 1500000000),\n"
	      "user group and item genre, one event a line.\n"
	      "\n"
	      "  -o, --output FILE  write to FILE instead of standard output\n"
	      "      --header       print the line 'user item rating time group genre' first\n"
	      "      --users N      number of users (default 1000)\n"
	      "      --items N      number of items (default 500)\n"
	      "      --events N     number of events (default 50000)\n"
	      "      --rank K       length of the latent vectors (default 4)\n"
	      "      --groups N     number of user groups (default 8)\n"
	      "      --genres N     number of item genres (default 10)\n"
	      "      --zipf X       exponent of the Zipf law of item popularity,\n"
	      "                     0 for uniform (default 1)\n"
	      "      --noise X      standard deviation of the rating noise (default 0.8)\n"
	      "      --drift X      turn every user's tastes by X radians per 1000 events\n"
	      "                     (default 0, no drift)\n"
	      "      --seed N       seed of the random numbers (default 1)\n"
	      "      --columns N    N more categorical columns c1..cN, 0 to 50 (default 0)\n"
	      "      --format F     tsv (default) or vw: Vowpal Wabbit text\n"
	      "  -h, --help         print this help and exit\n"
	      "  -V, --version      print the version and exit\n"
	      "\n"
	      "Every user has a latent vector, its group's centre plus personal noise, and\n"
	      "a bias; every item likewise around its genre's centre.  A rating is\n"
	      "  shift + user bias + item bias + 0.7 * <user vector, item vector> / sqrt(K)\n"
	      "  + noise,\n"
	      "rounded and clamped to 1..5, where the shift puts the mean at 3.5 so that\n"
	      "about half of the ratings are 4 or more.  Items are chosen by popularity\n"
	      "(Zipf law, exponent X, over a random order of the items), users by a milder\n"
	      "Zipf law of activity (exponent 0.5).\n"
	      "\n"
	      "With --drift X, the n-th event sees its user's vector turned by X * n / 1000\n"
	      "radians in the plane of its first two dimensions: old events describe tastes\n"
	      "that have since changed, which favours models that keep learning.  Drift needs\n"
	      "a rank of at least 2.\n"
	      "\n"
	      "With --columns N, every line ends with N more columns, named c1..cN in the\n"
	      "header: odd columns describe the user, even ones the item.  Each value is a\n"
	      "number from 1, a hash of the seed, the column and the user or item id, so a\n"
	      "column carries no more than the id does; c1 and c2 have 4 values, c3 and c4\n"
	      "30, c5 and c6 200, c7 and c8 1000, and so on in turn.  They take no random\n"
	      "numbers: the other columns are the same as without them.\n"
	      "\n"
	      "With --format vw, each event is a line of Vowpal Wabbit text,\n"
	      "  LABEL |u USER |i ITEM |a C1 |b C2 ...\n"
	      "where LABEL is 1 for a rating of 4 or more and -1 otherwise, and extra\n"
	      "column j has the namespace named by the j-th letter of\n"
	      "abcdefghjklmnopqrstvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.  The events are the\n"
	      "same as in the TSV form; time, group and genre are left out.\n"
	      "\n"
	      "The same options and seed give the same output, byte for byte; a stream of\n"
	      "N events is the first N lines of a longer one.\n"
	      "\n"
	      "Exit status: 0 on success, 2 on a usage or write error.\n", stdout);
}

/*
 * Says that writing to FILE (NULL for standard output) failed with ERR,
 * unless the reader of a pipe has gone, as with "| head": then we end
 * quietly, by the signal a write would have raised.
 */
static void write_error(const char *file, int err)
{
	if (err == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	if (file)
		fprintf(stderr, "%s: write error on '%s': %s\n", PROG, file,
			strerror(err));
	else
		fprintf(stderr, "%s: write error on standard output: %s\n", PROG,
			strerror(err));
}

/* Ends after --help or --version, with 2 if the text was not written. */
static void exit_after_text(void)
{
	errno = 0;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		write_error(NULL, errno ? errno : EIO);
		exit(2);
	}
	exit(0);
}

static void short_usage(void)
{
	fputs(usage_line, stderr);
	fputs("Try '" PROG " --help' for more information.\n", stderr);
}

/* Parses ARG as an integer in [min, max], or says why not and returns -1. */
static int parse_integer(const char *option, const char *arg, long long min,
			 long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (end == arg || *end != '\0' || errno == ERANGE ||
	    isspace((unsigned char)arg[0]) || v < min || v > max) {
		fprintf(stderr, "%s: %s: '%s' is not an integer in [%lld, %lld]\n",
			PROG, option, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Parses ARG as a finite number in [min, max], or says why not and returns -1. */
static int parse_number(const char *option, const char *arg, double min,
			double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end != '\0' || errno == ERANGE ||
	    isspace((unsigned char)arg[0]) || !isfinite(v) || v < min ||
	    v > max) {
		fprintf(stderr, "%s: %s: '%s' is not a number in [%g, %g]\n",
			PROG, option, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

enum {
	OPT_USERS = 256, OPT_ITEMS, OPT_EVENTS, OPT_RANK, OPT_GROUPS,
	OPT_GENRES, OPT_ZIPF, OPT_NOISE, OPT_DRIFT, OPT_SEED, OPT_HEADER,
	OPT_COLUMNS, OPT_FORMAT
};

static const struct option long_options[] = {
	{ "users", required_argument, NULL, OPT_USERS },
	{ "items", required_argument, NULL, OPT_ITEMS },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "rank", required_argument, NULL, OPT_RANK },
	{ "groups", required_argument, NULL, OPT_GROUPS },
	{ "genres", required_argument, NULL, OPT_GENRES },
	{ "zipf", required_argument, NULL, OPT_ZIPF },
	{ "noise", required_argument, NULL, OPT_NOISE },
	{ "drift", required_argument, NULL, OPT_DRIFT },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "header", no_argument, NULL, OPT_HEADER },
	{ "columns", required_argument, NULL, OPT_COLUMNS },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* Fills OPT from the command line; returns 0, or -1 after a message. */
static int parse_options(int argc, char **argv, struct options *opt)
{
	int c, bad = 0;

	opterr = 0;	/* our messages, with our name rather than argv[0] */
	while ((c = getopt_long(argc, argv, ":ho:V", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_USERS:
			bad |= parse_integer("--users", optarg, 1, 100000000, &opt->users);
			break;
		case OPT_ITEMS:
			bad |= parse_integer("--items", optarg, 1, 100000000, &opt->items);
			break;
		case OPT_EVENTS:
			bad |= parse_integer("--events", optarg, 0, 1000000000000LL, &opt->events);
			break;
		case OPT_RANK:
			bad |= parse_integer("--rank", optarg, 1, 1000, &opt->rank);
			break;
		case OPT_GROUPS:
			bad |= parse_integer("--groups", optarg, 1, 1000000, &opt->groups);
			break;
		case OPT_GENRES:
			bad |= parse_integer("--genres", optarg, 1, 1000000, &opt->genres);
			break;
		case OPT_ZIPF:
			bad |= parse_number("--zipf", optarg, 0, 10, &opt->zipf);
			break;
		case OPT_NOISE:
			bad |= parse_number("--noise", optarg, 0, 100, &opt->noise);
			break;
		case OPT_DRIFT:
			bad |= parse_number("--drift", optarg, -100, 100, &opt->drift);
			break;
		case OPT_SEED:
			bad |= parse_integer("--seed", optarg, 0, LLONG_MAX, &opt->seed);
			break;
		case OPT_HEADER:
			opt->header = 1;
			break;
		case OPT_COLUMNS:
			bad |= parse_integer("--columns", optarg, 0, MAX_COLUMNS,
					     &opt->columns);
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "tsv") == 0) {
				opt->format = FORMAT_TSV;
			} else if (strcmp(optarg, "vw") == 0) {
				opt->format = FORMAT_VW;
			} else {
				fprintf(stderr, "%s: --format: '%s' is not tsv or vw\n",
					PROG, optarg);
				bad = -1;
			}
			break;
		case 'o':
			opt->output = strcmp(optarg, "-") == 0 ? NULL : optarg;
			break;
		case 'h':
			help();
			exit_after_text();
			break;
		case 'V':
			puts(PROG " " VERSION);
			exit_after_text();
			break;
		case ':':
			fprintf(stderr, "%s: option '%s' needs a value\n", PROG,
				argv[optind - 1]);
			short_usage();
			return -1;
		default:
			if (optopt)
				fprintf(stderr, "%s: unknown option '-%c'\n", PROG, optopt);
			else
				fprintf(stderr, "%s: unknown option '%s'\n", PROG,
					argv[optind - 1]);
			short_usage();
			return -1;
		}
	}
	if (bad)
		return -1;
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", PROG, argv[optind]);
		short_usage();
		return -1;
	}
	if (opt->drift != 0 && opt->rank < 2) {
		fprintf(stderr, "%s: --drift needs a --rank of at least 2\n", PROG);
		return -1;
	}
	if (opt->header && opt->format == FORMAT_VW) {
		fprintf(stderr, "%s: --header has no meaning with --format vw\n", PROG);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options opt = {
		.users = 1000, .items = 500, .events = 50000, .rank = 4,
		.groups = 8, .genres = 10, .seed = 1,
		.zipf = 1.0, .noise = 0.8, .drift = 0, .columns = 0,
		.format = FORMAT_TSV,
	};
	struct stat st;
	FILE *out = stdout;
	int created = 0, status;

	if (parse_options(argc, argv, &opt) < 0)
		return 2;
	if (opt.output) {
		/* Only a file of our own making is removed after a failure. */
		created = stat(opt.output, &st) != 0 && errno == ENOENT;
		if (!(out = fopen(opt.output, "w"))) {
			fprintf(stderr, "%s: cannot create '%s': %s\n", PROG,
				opt.output, strerror(errno));
			return 2;
		}
	}

	status = generate(&opt, out);
	errno = 0;
	if (status == 0 && (fflush(out) == EOF || ferror(out)))
		status = errno ? errno : EIO;
	if (out != stdout && fclose(out) == EOF && status == 0)
		status = errno ? errno : EIO;
	if (status == 0)
		return 0;

	if (created)
		remove(opt.output);	/* leave no partial stream behind */
	if (status < 0)
		fprintf(stderr, "%s: out of memory\n", PROG);
	else
		write_error(opt.output, status);
	return 2;
}
