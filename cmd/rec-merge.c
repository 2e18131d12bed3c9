/*
 * rec-merge - one model from models trained on shards of the data, each
 * feature weighted by the events that taught it, so that training can run
 * on many machines.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

enum { OPT_BASE = OPT_FIRST_FREE };

static const struct cli_option options[] = {
	{ "output", 'o', "OUT", 'o', "write the merged model to OUT "
	  "(required; replaced atomically under its lock)" },
	{ "base", 'b', "BASE", OPT_BASE,
	  "the model every MODEL was updated from (a round of iterative "
	  "parameter mixing): count only what each learned beyond it; OUT "
	  "may be BASE" },
	{ "quiet", 'q', NULL, 'q', "no summary on stderr" },
	{ NULL, 0, NULL, 0, NULL },
};

static void help(FILE *f)
{
	fputs("Usage: rec-merge -o OUT [-b BASE] [-q] MODEL...\n"
	      "Merge models trained with the same parameters on shards of the "
	      "data into\nOUT: each feature's weight, factors and optimiser "
	      "sums are the means over\nthe models, weighted by the feature's "
	      "events in each; counts, catalogues,\nattribute tables and "
	      "journals are united.  EASE models unite their users'\n"
	      "histories and are refitted.  The same MODELs in the same order "
	      "give the\nsame OUT.  Models that differ in a parameter are "
	      "refused.\n\n", f);
	cli_help(f, options);
	cli_help_standard(f);
	fputs("\nIterative parameter mixing, one round:\n"
	      "  rec-update --relearn -m merged.rec -o shard1.rec part1.tsv  "
	      "# on each machine\n"
	      "  rec-merge -b merged.rec -o merged.rec shard*.rec\n"
	      "\nExit status: 0 on success, 2 on any error (OUT is then as it "
	      "was).\n", f);
}

int main(int argc, char **argv)
{
	cli_init("rec-merge");
	struct cli cli = { 0 };
	cli_add(&cli, options);
	const char *output = NULL, *base_path = NULL;
	int quiet = 0, c;
	while ((c = cli_next(&cli, argc, argv)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case OPT_BASE: base_path = optarg; break;
		case 'q': quiet = 1; break;
		default:
			standard_option(c, help);
		}
	}
	int n = argc - optind;
	char **paths = argv + optind;
	if (!output)
		usage_error("no output given (-o OUT)");
	if (n < 1)
		usage_error("no model to merge");
	if (strcmp(output, "-") == 0)
		usage_error("-o -: a model is written to a file, atomically");
	int stdin_models = base_path && strcmp(base_path, "-") == 0;
	for (int i = 0; i < n; i++)
		stdin_models += strcmp(paths[i], "-") == 0;
	if (stdin_models > 1)
		usage_error("only one model can come from standard input");
	check_output_not_input(output, paths, n);

	rec_model **in = calloc((size_t)n, sizeof(*in));
	if (!in)
		die("out of memory");
	struct rec_file_id id;
	for (int i = 0; i < n; i++)
		in[i] = load_model(paths[i], &id);
	char why[256];
	for (int i = 1; i < n; i++)
		if (rec_model_merge_difference(in[0], in[i], why, sizeof(why)))
			die("%s: %s in %s", paths[i], why, paths[0]);

	/* the base is read under the output's lock when it is the output,
	 * as rec-update reads the model it replaces */
	struct rec_file_id loaded = { 0 }, replaced;
	rec_model *base = NULL;
	if (base_path)
		base = load_model(base_path, &loaded);
	int lock = lock_output(output);
	if (base && strcmp(base_path, "-") != 0) {
		struct rec_file_id now = file_id_of(base_path);
		if (!rec_file_id_same(&now, &loaded)) {
			rec_model_free(base);
			base = load_model(base_path, &loaded);
		}
	}
	replaced = base && strcmp(output, base_path) == 0 ? loaded
							   : file_id_of(output);
	struct rec_error err = { 0 };
	rec_model *out;
	if (rec_model_merge(&out, in, (const char *const *)paths, n, base,
			    base_path, &err) != 0)
		die_error(&err);
	if (save_model(out, output, &replaced, &err) != 0)
		die_error(&err);
	if (lock >= 0)
		close(lock);
	if (!quiet) {
		struct rec_model_info info;
		rec_model_info(out, &info);
		warnx_("%d models merged (%llu features, %llu items, %llu "
		       "events learned); model written to %s", n,
		       (unsigned long long)info.features,
		       (unsigned long long)info.items,
		       (unsigned long long)info.events_learned, output);
	}
	rec_model_free(out);
	rec_model_free(base);
	for (int i = 0; i < n; i++)
		rec_model_free(in[i]);
	free(in);
	return EXIT_OK;
}
