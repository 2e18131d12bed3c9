/*
 * rec-info - what a model file holds.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common.h"
#include "json.h"

enum { OPT_JSON = OPT_FIRST_FREE, OPT_ITEMS };

static const struct cli_option options[] = {
	{ "json", 0, NULL, OPT_JSON, "one JSON object per model" },
	{ "items", 0, NULL, OPT_ITEMS,
	  "the item catalogue instead: each item's id, events, latest "
	  "time and (EASE) users, in the order met" },
	{ NULL, 0, NULL, 0, NULL },
};

static void help(FILE *f)
{
	fputs("Usage: rec-info [--json] [--items] MODEL...\n"
	      "Show what a model file holds: format version, hyper-parameters, "
	      "column\nsettings, events learned, losses, feature rows, "
	      "catalogue size and size\non disk.  The file is fully checked, "
	      "as by every program that loads it.\n\n", f);
	cli_help(f, options);
	cli_help_standard(f);
	fputs("\nExit status: 0 on success, 2 if any model cannot be read.\n",
	      f);
}

/* Output is a list of fields written as text or JSON alike. */
struct out {
	int json;
	struct json j;
};

static void field_str(struct out *o, const char *key, const char *v)
{
	if (o->json)
		json_string(&o->j, key, v);
	else
		printf("%-18s %s\n", key, v ? v : "-");
}

static void field_num(struct out *o, const char *key, double v)
{
	char buf[64];
	if (o->json) {
		json_double(&o->j, key, v);
	} else {
		snprintf(buf, sizeof(buf), "%.10g", v);
		field_str(o, key, buf);
	}
}

static void field_uint(struct out *o, const char *key, uint64_t v)
{
	char buf[32];
	if (o->json) {
		json_uint(&o->j, key, v);
	} else {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
		field_str(o, key, buf);
	}
}

static void field_bool(struct out *o, const char *key, int v)
{
	if (o->json)
		json_bool(&o->j, key, v);
	else
		field_str(o, key, v ? "yes" : "no");
}

/* One hyper-parameter, as its table row says. */
static void field_param(struct out *o, const struct rec_params *p,
			const struct rec_param *d)
{
	if ((d->shown && !d->shown(p)) || !rec_param_applies(p, d))
		return;
	const char *name = d->info ? d->info : d->key;
	struct rec_param_value v;
	rec_param_get(p, d, &v);
	if (d->shown_value)
		v.num = d->shown_value(p);
	switch (d->type) {
	case REC_PARAM_ENUM:
	case REC_PARAM_STRING:
		field_str(o, name, v.str);
		break;
	case REC_PARAM_FLAG:
		field_bool(o, name, v.num != 0);
		break;
	case REC_PARAM_U64:
		field_uint(o, name, v.u64);	/* exact, past 2^53 */
		break;
	default:
		field_num(o, name, v.num);
	}
}

static void field_time(struct out *o, const char *key, int64_t t)
{
	char buf[32];
	if (utc_time(t, buf))
		field_str(o, key, buf);
	else
		field_num(o, key, (double)t);
}

/* Each namespace: side, origin, kind, feature rows and non-zero
 * weights. */
static void namespaces(struct out *o, const rec_model *m)
{
	struct rec_space_info sp;
	if (o->json) {
		json_array_begin(&o->j, "namespaces");
		for (size_t i = 0; rec_model_space(m, i, &sp); i++) {
			json_object_begin(&o->j, NULL);
			json_string(&o->j, "name", sp.name);
			json_string(&o->j, "side", sp.side);
			json_string(&o->j, "origin", sp.origin);
			json_bool(&o->j, "numeric", sp.numeric);
			json_uint(&o->j, "features", sp.features);
			json_uint(&o->j, "nonzero", sp.nonzero);
			json_object_end(&o->j);
		}
		json_array_end(&o->j);
		return;
	}
	for (size_t i = 0; rec_model_space(m, i, &sp); i++)
		printf("%-18s %s (%s side, %s%s): %llu features, %llu "
		       "non-zero\n", i == 0 ? "namespaces" : "", sp.name,
		       sp.side, sp.origin, sp.numeric ? ", numeric" : "",
		       (unsigned long long)sp.features,
		       (unsigned long long)sp.nonzero);
}

/* What a factorization machine has learned. */
static void show_fm(struct out *o, const rec_model *m,
		    const struct rec_model_info *info)
{
	field_num(o, "passes_done", info->passes_done);
	field_num(o, "train_loss", info->train_loss);
	if (info->holdout_loss >= 0)
		field_num(o, "holdout_loss", info->holdout_loss);
	struct rec_progressive pv;
	rec_model_progressive(m, &pv);
	field_num(o, "progressive_events", (double)pv.events);
	if (pv.events > 0)
		field_num(o, "progressive_loss", pv.loss);
	field_num(o, "features", (double)info->features);
	field_num(o, "weights_nonzero", (double)info->nonzero);
	field_num(o, "items", (double)info->items);
	if (rec_model_has_features(m)) {
		field_num(o, "user_table_ids", (double)info->user_table);
		field_num(o, "item_table_ids", (double)info->item_table);
		field_num(o, "cold_items", (double)info->cold_items);
	}
	namespaces(o, m);
}

static void show(const char *path, const rec_model *m, int json)
{
	const struct rec_params *p = rec_model_params(m);
	struct rec_model_info info;
	rec_model_info(m, &info);
	struct stat st;
	double size = stat(path, &st) == 0 ? (double)st.st_size : 0;
	struct out o = { json, JSON_INIT };
	if (json)
		json_object_begin(&o.j, NULL);
	field_str(&o, "file", path);
	field_num(&o, "format_version", info.format_version);
	field_num(&o, "writer_version", info.writer_version);
	field_num(&o, "size_bytes", size);
	/* bits of each weight and factor: 16 and 8 keep no optimiser
	 * state, so such a model is for scoring only */
	field_num(&o, "precision", info.precision);
	if (p->model != REC_MODEL_EASE)
		field_bool(&o, "optimiser_state", info.optimiser_state);
	for (size_t i = 0; i < rec_param_count; i++)
		field_param(&o, p, &rec_param_table[i]);
	/* events: the training steps, under the name older versions gave
	 * them (scripts read it) */
	field_num(&o, "events", (double)info.events);
	if (info.events_learned_known)
		field_uint(&o, "events_learned", info.events_learned);
	else if (json)
		json_null(&o.j, "events_learned");
	else
		field_str(&o, "events_learned", "unknown");
	field_uint(&o, "training_steps", info.events);
	field_num(&o, "training_runs", (double)info.updates);
	field_num(&o, "learned_inputs", (double)rec_model_journal_size(m));
	if (p->model == REC_MODEL_EASE) {
		/* what EASE keeps: histories, G (from them) and P */
		field_num(&o, "users", (double)info.ease_users);
		field_num(&o, "user_item_pairs", (double)info.ease_pairs);
		field_num(&o, "items", (double)info.items);
		field_num(&o, "item_item_items", (double)info.ease_items);
		field_num(&o, "gram_nonzero", (double)info.ease_gram_nonzero);
	} else {
		show_fm(&o, m, &info);
	}
	field_time(&o, "created", info.created);
	field_time(&o, "saved", info.saved);
	if (json)
		json_object_end(&o.j);
}

/*
 * The catalogue: a TSV table (item, events, last_time, and users for an
 * EASE model) with a header line, or one JSON object with the file and an
 * array of items.
 */
static void show_items(const char *path, const rec_model *m, int json)
{
	const int ease = rec_model_params(m)->model == REC_MODEL_EASE;
	size_t n = rec_model_items(m);
	struct json j = JSON_INIT;
	if (json) {
		json_object_begin(&j, NULL);
		json_string(&j, "file", path);
		json_array_begin(&j, "items");
	} else {
		printf("item\tevents\tlast_time%s\n", ease ? "\tusers" : "");
	}
	for (uint32_t i = 0; i < n; i++) {
		size_t len;
		const char *id = rec_model_item(m, i, &len);
		struct rec_item_stats st;
		if (rec_model_item_stats(m, i, &st) != 0)
			break;
		/* times are whole seconds, often past 1e9: in full */
		char t[40];
		if (st.last_time == (double)(int64_t)st.last_time &&
		    fabs(st.last_time) < 9007199254740992.0)
			snprintf(t, sizeof(t), "%lld",
				 (long long)st.last_time);
		else
			snprintf(t, sizeof(t), "%.17g", st.last_time);
		if (!json) {
			printf("%.*s\t%llu\t%s", (int)len, id,
			       (unsigned long long)st.events, t);
			if (ease)
				printf("\t%llu", (unsigned long long)st.users);
			putchar('\n');
			check_stdout();
			continue;
		}
		char *copy = strndup(id, len);
		if (!copy)
			die("out of memory");
		json_object_begin(&j, NULL);
		json_string(&j, "item", copy);
		json_uint(&j, "events", st.events);
		json_double(&j, "last_time", st.last_time);
		if (ease)
			json_uint(&j, "users", st.users);
		json_object_end(&j);
		free(copy);
	}
	if (json) {
		json_array_end(&j);
		json_object_end(&j);
	}
}

int main(int argc, char **argv)
{
	cli_init("rec-info");
	int json = 0, items = 0, c;
	struct cli cli = { 0 };
	cli_add(&cli, options);
	while ((c = cli_next(&cli, argc, argv)) != -1) {
		switch (c) {
		case OPT_JSON: json = 1; break;
		case OPT_ITEMS: items = 1; break;
		default:
			standard_option(c, help);
		}
	}
	if (optind == argc)
		usage_error("no model given");
	int status = EXIT_OK;
	for (int i = optind; i < argc; i++) {
		struct rec_error err = { 0 };
		rec_model *m;
		if (rec_model_load(&m, argv[i], &err) != 0) {
			print_error(&err);
			status = EXIT_ERROR;
			continue;
		}
		if (i > optind && !json)
			putchar('\n');
		if (items)
			show_items(argv[i], m, json);
		else
			show(argv[i], m, json);
		rec_model_free(m);
	}
	finish_stdout();
	return status;
}
