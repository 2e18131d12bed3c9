/*
 * rec-predict - score events with a model: each input line is copied with
 * the model's score appended.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char usage[] =
"Usage: rec-predict -m MODEL [OPTION]... [FILE]...\n"
"Copy each input line and append the model's score after a tab (a comma\n"
"for CSV): a probability for a logistic model, a value for a squared one.\n"
"With no FILE, or when FILE is -, read standard input.\n"
"\n"
"  -m, --model MODEL    the model file (required)\n"
"      --raw            append the raw margin instead of the prediction\n"
"\n"
"Input (the model's own column settings are the defaults):\n"
"      --user COL       user id column, number or header name\n"
"      --item COL       item id column\n"
"      --csv, --tsv     comma- or tab-separated\n"
"      --header         the first line of each file names the columns;\n"
"                       the first file's is copied with 'score' appended\n"
"      --strict         stop at the first bad row (default: skip it)\n"
"\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Users and items the model never saw contribute nothing of their own: an\n"
"unseen user gets the item's bias, an unseen item the user's.\n"
"\n"
"Exit status: 0 on success, 2 on any error.\n";

enum { OPT_RAW = OPT_FIRST_FREE };

static const struct option long_options[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "user", required_argument, NULL, OPT_USER },
	{ "item", required_argument, NULL, OPT_ITEM },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "tsv", no_argument, NULL, OPT_TSV },
	{ "header", no_argument, NULL, OPT_HEADER },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* The output is one table: the first file's header, if any, heads it. */
static int print_header(const rec_reader *reader, char sep)
{
	size_t len;
	const char *header = rec_reader_header(reader, &len);
	if (!header)
		return 0;
	fwrite(header, 1, len, stdout);
	printf("%cscore\n", sep);
	return 1;
}

int main(int argc, char **argv)
{
	cli_init("rec-predict");
	struct input_config in;
	input_config_init(&in);
	in.opt.csv = -2;	/* not given */
	const char *model_path = NULL;
	int raw = 0, c;
	while ((c = getopt_long(argc, argv, "m:hV", long_options, NULL)) != -1) {
		if (input_option(&in, c, optarg))
			continue;
		switch (c) {
		case 'm': model_path = optarg; break;
		case OPT_RAW: raw = 1; break;
		case 'h':
			fputs(usage, stdout);
			finish_stdout();
			return EXIT_OK;
		case 'V':
			print_version();
			break;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n",
				progname);
			return EXIT_ERROR;
		}
	}
	if (!model_path)
		usage_error("no model given (-m MODEL)");

	struct rec_error err = { 0 };
	rec_model *model;
	if (rec_model_load(&model, model_path, &err) != 0)
		die_error(&err);

	/* the model's schema, overridden by what was given here */
	struct rec_reader_options opt = rec_model_params(model)->input;
	opt.columns.label = NULL;
	opt.columns.time = NULL;
	opt.columns.weight = NULL;
	opt.columns.score = NULL;
	if (in.columns_given & (1 << (OPT_USER - OPT_USER)))
		opt.columns.user = in.opt.columns.user;
	if (in.columns_given & (1 << (OPT_ITEM - OPT_USER)))
		opt.columns.item = in.opt.columns.item;
	if (in.opt.csv != -2)
		opt.csv = in.opt.csv;
	if (in.opt.header)
		opt.header = 1;
	opt.need = REC_NEED_USER | REC_NEED_ITEM;

	rec_reader *reader;
	if (rec_reader_open(&reader, (const char *const *)argv + optind,
			    argc - optind, &opt, &err) != 0)
		die_error(&err);
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	struct bad_rows bad = { .strict = in.strict };
	struct rec_row row;
	int header_done = 0;
	int rc;
	while ((rc = rec_reader_next(reader, &row, &err)) != 0) {
		if (rc == REC_EBADROW) {
			if (bad_row_report(&err, &bad))
				exit(EXIT_ERROR);
			continue;
		}
		if (rc < 0)
			die_error(&err);
		char sep = rec_reader_is_csv(reader) ? ',' : '\t';
		if (!header_done)
			header_done = print_header(reader, sep);
		double margin = rec_model_margin(model, row.user, row.user_len,
						 row.item, row.item_len);
		double score = raw ? margin : rec_model_predict(model, margin);
		char num[40];
		num[0] = sep;
		int len = 1 + rec_format_score(num + 1, score);
		num[len++] = '\n';
		fwrite(row.raw, 1, row.raw_len, stdout);
		fwrite(num, 1, (size_t)len, stdout);
	}
	if (!header_done)
		print_header(reader, rec_reader_is_csv(reader) ? ',' : '\t');
	finish_stdout();
	bad_rows_summary(&bad);
	rec_reader_free(reader);
	rec_model_free(model);
	return EXIT_OK;
}
