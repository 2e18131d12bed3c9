/*
 * rec-split - events split into a training and a test file, the ways
 * evaluations split them: at random, by a global cut in time, each user's
 * last events, or whole users.
 *
 * Rows are copied as they came, in input order, to one file or the other
 * (a header line, when there is one, to both).  --random and --users
 * decide each row as it comes and stream; --by-time and --last need every
 * row's time first, so they hold the rows in memory and say how much.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

enum { OPT_TRAIN = OPT_FIRST_FREE, OPT_TEST, OPT_RANDOM, OPT_BY_TIME,
       OPT_LAST, OPT_USERS, OPT_SEED };

static const struct cli_option options[] = {
	{ "train", 0, "FILE", OPT_TRAIN, "write the training rows to FILE" },
	{ "test", 0, "FILE", OPT_TEST, "write the test rows to FILE" },
	{ "random", 0, "F", OPT_RANDOM,
	  "each row to the test file with probability F (streams)" },
	{ "by-time", 0, "F", OPT_BY_TIME,
	  "the latest fraction F of the rows by time (--time COL) to the "
	  "test file: a global cut in time (holds the rows)" },
	{ "last", 0, "N", OPT_LAST,
	  "each user's last N rows by time to the test file, for users with "
	  "more than N (leave-last-out; holds the rows)" },
	{ "users", 0, "F", OPT_USERS,
	  "all the rows of a fraction F of the users to the test file "
	  "(streams)" },
	{ "seed", 0, "S", OPT_SEED,
	  "the seed of --random and --users (default 1)" },
	{ "quiet", 'q', NULL, 'q', "no summary on stderr" },
	{ NULL, 0, NULL, 0, NULL },
};

#define SPLIT_INPUT (INPUT_BIT(OPT_USER) | INPUT_BIT(OPT_TIME) | INPUT_FORMAT)

static void help(FILE *f)
{
	fputs("Usage: rec-split --train FILE --test FILE METHOD [OPTION]... "
	      "[FILE]...\n"
	      "Split events into a training and a test file, rows copied as "
	      "they came, in\ninput order (a header line to both).  METHOD is "
	      "one of --random F,\n--by-time F, --last N or --users F.\n"
	      "With no FILE, or when FILE is -, read standard input.\n\n", f);
	cli_help(f, options);
	fputs("\nInput (default columns: user 1, no time):\n", f);
	cli_help_input(f, SPLIT_INPUT);
	fputc('\n', f);
	cli_help_standard(f);
	fputs("\nExit status: 0 on success, 2 on any error (no output file is "
	      "then left).\n", f);
}

/* A 64-bit mix (splitmix64's finaliser): the same value on every
 * machine, so that a split is reproduced exactly. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* A uniform number in [0, 1) from 64 bits. */
static double unit(uint64_t x)
{
	return (double)(x >> 11) * 0x1.0p-53;
}

static uint64_t hash_id(uint64_t seed, const char *s, size_t len)
{
	uint64_t h = mix(seed ^ 0x9e3779b97f4a7c15ull);
	for (size_t i = 0; i < len; i++)
		h = mix(h ^ (unsigned char)s[i]);
	return mix(h ^ len);
}

static void output_line(struct text_output *o, const char *s, size_t len)
{
	if (fwrite(s, 1, len, o->f) != len || putc('\n', o->f) == EOF)
		die("%s: write error: %s", o->tmp, strerror(errno));
}

/* The rows held for the methods that need them all. */
struct held {
	char *text;		/* the rows' bytes, one after another */
	size_t len, cap;
	struct held_row {
		size_t at, len;	/* in text */
		double time;
		size_t user;	/* index among the users met */
		size_t order;	/* input order */
		int test;
	} *rows;
	size_t n, rows_cap;
};

static void hold(struct held *h, const struct rec_row *row, size_t user)
{
	if (h->len + row->raw_len > h->cap) {
		size_t cap = h->cap ? h->cap : 1 << 20;
		while (cap < h->len + row->raw_len)
			cap *= 2;
		char *t = realloc(h->text, cap);
		if (!t)
			die("out of memory holding the rows (%zu MB so far)",
			    h->len >> 20);
		h->text = t;
		h->cap = cap;
	}
	if (h->n == h->rows_cap) {
		size_t cap = h->rows_cap ? 2 * h->rows_cap : 4096;
		struct held_row *r = realloc(h->rows, cap * sizeof(*r));
		if (!r)
			die("out of memory holding the rows");
		h->rows = r;
		h->rows_cap = cap;
	}
	memcpy(h->text + h->len, row->raw, row->raw_len);
	h->rows[h->n] = (struct held_row){ h->len, row->raw_len, row->time,
					   user, h->n, 0 };
	h->len += row->raw_len;
	h->n++;
}

/* Later time last; ties in input order. */
static int by_time(const void *a, const void *b)
{
	const struct held_row *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* By user, then by time. */
static int by_user_time(const void *a, const void *b)
{
	const struct held_row *x = a, *y = b;
	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	return by_time(a, b);
}

static int by_order(const void *a, const void *b)
{
	const struct held_row *x = a, *y = b;
	return x->order < y->order ? -1 : x->order > y->order;
}

int main(int argc, char **argv)
{
	cli_init("rec-split");
	struct cli cli = { 0 };
	cli_add(&cli, options);
	cli_add_input(&cli, SPLIT_INPUT);
	struct input_config in;
	input_config_init(&in);
	const char *train_path = NULL, *test_path = NULL;
	int method = 0, quiet = 0, seed_given = 0, c;
	double fraction = 0;
	long last = 0;
	uint64_t seed = 1;
	while ((c = cli_next(&cli, argc, argv)) != -1) {
		if (input_option(&in, c, optarg))
			continue;
		switch (c) {
		case OPT_TRAIN: train_path = optarg; break;
		case OPT_TEST: test_path = optarg; break;
		case OPT_RANDOM:
		case OPT_BY_TIME:
		case OPT_USERS:
		case OPT_LAST:
			if (method && method != c)
				usage_error("one method: --random, --by-time, "
					    "--last or --users");
			method = c;
			if (c == OPT_LAST)
				last = opt_long("--last", optarg, 1, 1000000);
			else
				fraction = opt_double(c == OPT_RANDOM ? "--random"
						      : c == OPT_USERS ? "--users"
						      : "--by-time",
						      optarg, 0, 1);
			break;
		case OPT_SEED:
			seed = (uint64_t)opt_long("--seed", optarg, 0, LONG_MAX);
			seed_given = 1;
			break;
		case 'q': quiet = 1; break;
		default:
			standard_option(c, help);
		}
	}
	if (!method)
		usage_error("no method: --random F, --by-time F, --last N or "
			    "--users F");
	if (!train_path || !test_path)
		usage_error("--train FILE and --test FILE are both needed");
	if (strcmp(train_path, test_path) == 0)
		usage_error("--train and --test name the same file");
	const int timed = method == OPT_BY_TIME || method == OPT_LAST;
	if (timed && seed_given)
		usage_error("--seed applies to --random and --users; --%s "
			    "draws nothing", method == OPT_LAST ? "last"
							       : "by-time");
	if (timed && !in.opt.columns.time)
		usage_error("--%s orders rows by time: give the time column "
			    "(--time COL)", method == OPT_LAST ? "last"
								: "by-time");
	check_output_not_input(train_path, argv + optind, argc - optind);
	check_output_not_input(test_path, argv + optind, argc - optind);

	in.opt.columns.item = NULL;
	in.opt.columns.label = NULL;
	in.opt.columns.weight = NULL;
	in.opt.need = REC_NEED_USER;
	if (!timed)
		in.opt.columns.time = NULL;
	struct rec_error err = { 0 };
	rec_reader *reader;
	if (rec_reader_open(&reader, (const char *const *)argv + optind,
			    argc - optind, &in.opt, &err) != 0)
		die_error(&err);
	struct text_output train, test;
	unsigned long long train_rows = 0, test_rows = 0;
	text_output_open(&train, train_path);
	text_output_open(&test, test_path);

	struct bad_rows bad; bad_rows_init(&bad, in.strict, reader);
	watch_progress(reader, quiet);
	struct held held = { 0 };
	rec_idset *users = NULL;
	if (method == OPT_LAST && rec_idset_create(&users) != 0)
		die("out of memory");
	struct rec_row row;
	int rc, header_done = 0;
	unsigned long long n = 0;
	while ((rc = rec_reader_next_good(reader, &row, bad_row_report, &bad,
					  &err)) != 0) {
		if (rc < 0)
			stop_reading(rc, &err);
		size_t hlen;
		const char *header = rec_reader_header(reader, &hlen);
		if (header && !header_done) {
			output_line(&train, header, hlen);
			output_line(&test, header, hlen);
			header_done = 1;
		}
		if (method == OPT_RANDOM || method == OPT_USERS) {
			double u = method == OPT_RANDOM
				? unit(mix(seed * 0x9e3779b97f4a7c15ull + n))
				: unit(hash_id(seed, row.user, row.user_len));
			int to_test = u < fraction;
			output_line(to_test ? &test : &train, row.raw,
				    row.raw_len);
			++*(to_test ? &test_rows : &train_rows);
		} else {
			size_t user = 0;
			if (users && rec_idset_add(users, row.user,
						   row.user_len, &user) < 0)
				die("out of memory");
			hold(&held, &row, user);
		}
		n++;
	}
	bad_rows_summary(&bad);
	rec_reader_free(reader);
	if (timed && held.n) {
		if (method == OPT_BY_TIME) {
			qsort(held.rows, held.n, sizeof(*held.rows), by_time);
			/* the latest F of the rows, ties in input order */
			size_t ntest = (size_t)(fraction * (double)held.n + 0.5);
			for (size_t i = held.n - ntest; i < held.n; i++)
				held.rows[i].test = 1;
		} else {
			qsort(held.rows, held.n, sizeof(*held.rows),
			      by_user_time);
			for (size_t a = 0, b; a < held.n; a = b) {
				for (b = a; b < held.n &&
					    held.rows[b].user == held.rows[a].user;
				     b++)
					;
				if (b - a > (size_t)last)
					for (size_t i = b - (size_t)last; i < b; i++)
						held.rows[i].test = 1;
			}
		}
		qsort(held.rows, held.n, sizeof(*held.rows), by_order);
		for (size_t i = 0; i < held.n; i++) {
			int to_test = held.rows[i].test;
			output_line(to_test ? &test : &train,
				    held.text + held.rows[i].at,
				    held.rows[i].len);
			++*(to_test ? &test_rows : &train_rows);
		}
	}
	text_output_commit(&train, 0);
	text_output_commit(&test, 0);
	if (!quiet) {
		if (timed)
			warnx_("%llu rows held in memory (%.1f MB)", n,
			       (double)(held.len + held.n *
					sizeof(*held.rows)) / 1e6);
		warnx_("%llu rows to %s, %llu to %s", train_rows, train_path,
		       test_rows, test_path);
	}
	free(held.text);
	free(held.rows);
	rec_idset_free(users);
	return EXIT_OK;
}
