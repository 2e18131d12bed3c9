/*
 * params.c - the hyper-parameters as one table.
 *
 * Each row says everything the code needs about one parameter: its key in
 * the model file, its type and field, its range, its default for each task,
 * whether an update may change it, and its command-line option and help.
 * Defaults, checks, the model file's key/value list, rec-info and the
 * programs' options all follow from the table: a new parameter is a new
 * row plus the code that uses it.
 */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "codec.h"
#include "internal.h"

static const char *const task_names[] = { "binary", "regression", "implicit",
					  NULL };
static const char *const loss_names[] = { "logistic", "squared", "bpr", NULL };
static const char *const optimizer_names[] = { "adagrad", "sgd", "ftrl",
					       NULL };
static const char *const interaction_names[] = { "cross", "all", NULL };
static const char *const model_names[] = { "fm", "ease", NULL };
static const char *const unit_names[] = { "events", "time", NULL };
static const char *const format_names[] = { "by file name", "tsv", "csv",
					    NULL };

static int implicit_only(const struct rec_params *p)
{
	return p->task == REC_TASK_IMPLICIT;
}

static int has_positive(const struct rec_params *p)
{
	return p->input.has_positive;
}

static int has_soft_labels(const struct rec_params *p)
{
	return p->input.soft_labels;
}

static int is_ftrl(const struct rec_params *p)
{
	return p->optimizer == REC_OPT_FTRL;
}

static int never(const struct rec_params *p)
{
	(void)p;
	return 0;
}

/* A column given by name implies a header line, whatever the flag says. */
static double header_in_effect(const struct rec_params *p)
{
	const struct rec_columns *c = &p->input.columns;
	const char *cols[] = { c->user, c->item, c->label, c->time, c->weight };
	int named = 0;
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (cols[i] && strspn(cols[i], "0123456789") != strlen(cols[i]))
			named = 1;
	/* so do feature columns: a name has letters, a list of numbers
	 * only digits and commas */
	const char *lists[] = { p->features, p->item_features };
	for (size_t i = 0; i < 2; i++)
		if (lists[i] && strspn(lists[i], "0123456789,") !=
				strlen(lists[i]))
			named = 1;
	return p->input.header || named;
}

#define FIELD(f) offsetof(struct rec_params, f)
#define SAME(x) { x, x, x }
#define TRAIN REC_PARAM_TRAIN
#define UPDATE REC_PARAM_UPDATE
#define INPUT REC_PARAM_INPUT
#define MIN_OPEN REC_PARAM_MIN_OPEN
#define MAX_OPEN REC_PARAM_MAX_OPEN
#define V2 REC_PARAM_V2
#define V4 REC_PARAM_V4
#define SCHEMA REC_PARAM_SCHEMA
#define RUN REC_PARAM_RUN

/*
 * The order of the rows is the order of the keys in the model file, and
 * of the parameters in rec-info.  Rows with INPUT are the column schema,
 * set by the programs' input options rather than an option of their own.
 */
const struct rec_param rec_param_table[] = {
	{ .key = "task", .type = REC_PARAM_ENUM, .offset = FIELD(task),
	  .flags = INPUT, .names = task_names, .max = 2,
	  .def = { REC_TASK_BINARY, REC_TASK_REGRESSION, REC_TASK_IMPLICIT } },
	{ .key = "loss", .type = REC_PARAM_ENUM, .offset = FIELD(loss),
	  .flags = TRAIN, .names = loss_names, .max = 2,
	  .def = { REC_LOSS_LOGISTIC, REC_LOSS_SQUARED, REC_LOSS_BPR },
	  .option = "loss", .arg = "L",
	  .help = "logistic (binary), squared (regression) or bpr "
		  "(pairwise, implicit); logistic also works for implicit: "
		  "negatives get label 0" },
	{ .key = "optimizer", .type = REC_PARAM_ENUM,
	  .offset = FIELD(optimizer), .flags = TRAIN,
	  .names = optimizer_names, .max = 2, .def = SAME(REC_OPT_ADAGRAD),
	  .option = "optimizer", .arg = "O",
	  .help = "adagrad, sgd or ftrl (FTRL-Proximal on the weights, "
		  "AdaGrad on the factors)" },
	{ .key = "bits", .type = REC_PARAM_INT, .offset = FIELD(bits),
	  .flags = TRAIN, .min = 1, .max = 32, .def = SAME(24),
	  .option = "bits", .short_option = 'b', .arg = "N",
	  .help = "hash features into 2^N rows" },
	{ .key = "factors", .type = REC_PARAM_INT, .offset = FIELD(factors),
	  .flags = TRAIN, .min = 0, .max = REC_MAX_FACTORS, .def = { 8, 8, 64 },
	  .option = "factors", .short_option = 'k', .arg = "K",
	  .help = "factor length; 0 is logistic/linear regression" },
	{ .key = "lr", .type = REC_PARAM_DOUBLE, .offset = FIELD(lr),
	  .what = "learning rate",
	  .flags = TRAIN | UPDATE | MIN_OPEN, .min = 0, .max = 1e3,
	  .def = SAME(0.05), .option = "lr", .arg = "X",
	  .help = "learning rate" },
	{ .key = "l2", .type = REC_PARAM_DOUBLE, .offset = FIELD(l2),
	  .flags = TRAIN | UPDATE, .min = 0, .max = 1e6, .def = { 1, 1, 3 },
	  .option = "l2", .arg = "X",
	  .help = "L2 penalty per weight, l2/2 w^2, spread over the feature's "
		  "events" },
	{ .key = "l2_factors", .type = REC_PARAM_DOUBLE,
	  .offset = FIELD(l2_factors), .what = "factor l2",
	  .flags = TRAIN | UPDATE, .min = 0, .max = 1e3, .def = { 1, 1, 3 },
	  .option = "l2-factors", .arg = "X", .help = "the same for factors" },
	{ .key = "init_std", .type = REC_PARAM_DOUBLE, .offset = FIELD(init_std),
	  .what = "initial factor scale",
	  .flags = TRAIN, .min = 0, .max = 10, .def = SAME(0.01),
	  .option = "init-std", .arg = "X",
	  .help = "scale of the initial factors" },
	{ .key = "seed", .type = REC_PARAM_U64, .offset = FIELD(seed),
	  .flags = TRAIN, .min = 0, .max = 9223372036854775807.0,
	  .def = SAME(1), .option = "seed", .arg = "N",
	  .help = "random seed" },
	{ .key = "passes", .type = REC_PARAM_INT, .offset = FIELD(passes),
	  .flags = TRAIN | RUN, .min = 1, .max = 100000, .def = SAME(10),
	  .option = "passes", .short_option = 'p', .arg = "N",
	  .help = "passes over the events" },
	{ .key = "shuffle", .type = REC_PARAM_FLAG, .offset = FIELD(shuffle),
	  .flags = TRAIN | RUN, .max = 1, .def = SAME(1), .option = "shuffle",
	  .negative_option = "no-shuffle",
	  .help = "shuffle the events before each pass (default: when there "
		  "is more than one pass)" },
	{ .key = "holdout", .type = REC_PARAM_DOUBLE, .offset = FIELD(holdout),
	  .flags = TRAIN | RUN | MAX_OPEN, .min = 0, .max = 1, .def = { 0.1, 0.1, 0 },
	  .option = "holdout", .arg = "F",
	  .help = "fraction held out to measure each pass and stop early; "
		  "0 turns it off" },
	{ .key = "patience", .type = REC_PARAM_INT, .offset = FIELD(patience),
	  .flags = TRAIN | RUN, .min = 1, .max = 100000, .def = SAME(1),
	  .option = "patience", .arg = "N",
	  .help = "stop after N passes without improvement" },
	{ .key = "half_life", .type = REC_PARAM_DOUBLE,
	  .offset = FIELD(half_life), .what = "half-life",
	  .flags = UPDATE, .min = 0, .max = 1e18, .def = SAME(0),
	  .option = "half-life", .arg = "N",
	  .help = "forget: the optimiser's memory of a feature halves every N "
		  "events (0 turns forgetting off)" },
	{ .key = "half_life_time", .type = REC_PARAM_ENUM,
	  .offset = FIELD(half_life_time), .what = "half-life unit",
	  .info = "half_life_unit",
	  .flags = UPDATE | REC_PARAM_SPAN, .names = unit_names, .max = 1,
	  .def = SAME(0), .option = "half-life-time", .arg = "T",
	  .sets = "half_life",
	  .help = "forget in units of the time column (--time) instead; T "
		  "with s, m, h, d or w (2h, 7d) is in seconds, for a time "
		  "column of unix seconds" },
	{ .key = "negatives", .type = REC_PARAM_INT, .offset = FIELD(negatives),
	  .flags = TRAIN, .min = 1, .max = 1000, .def = SAME(4),
	  .shown = implicit_only, .option = "negatives", .arg = "N",
	  .help = "implicit: negatives sampled per positive" },
	{ .key = "sample_alpha", .type = REC_PARAM_DOUBLE,
	  .offset = FIELD(sample_alpha), .what = "sample alpha",
	  .flags = TRAIN, .min = 0, .max = 10, .def = { 0, 0, 0.3 },
	  .shown = implicit_only, .option = "sample-alpha", .arg = "A",
	  .help = "implicit: draw negatives with probability in proportion to "
		  "item count^A (0 is uniform over the catalogue)" },
	{ .key = "hard_negatives", .type = REC_PARAM_FLAG,
	  .offset = FIELD(hard_negatives), .what = "hard negatives",
	  .flags = TRAIN, .max = 1, .def = SAME(0), .shown = implicit_only,
	  .option = "hard-negatives",
	  .help = "implicit, BPR: learn against the best-scored of the "
		  "negatives drawn (dynamic negative sampling)" },
	{ .key = "l2_shared", .type = REC_PARAM_DOUBLE,
	  .offset = FIELD(l2_shared), .what = "shared-feature l2 share",
	  .flags = TRAIN | UPDATE | V2, .min = 0, .max = 1,
	  .def = SAME(0.02), .option = "l2-shared",
	  .arg = "F",
	  .help = "side features (not the ids): each event carries at least "
		  "the share F of their L2, so that one met in thousands of "
		  "events (a genre, an age group) stays regularised at every "
		  "step" },
	{ .key = "l1", .type = REC_PARAM_DOUBLE, .offset = FIELD(l1),
	  .flags = TRAIN | UPDATE | V2, .min = 0, .max = 1e3, .def = SAME(0),
	  .shown = is_ftrl, .option = "l1", .arg = "X",
	  .help = "ftrl: L1 penalty on the weights, which holds many of them "
		  "at exactly zero (rec-info counts the others; each keeps "
		  "its FTRL state, which exact updates need)" },
	{ .key = "ftrl_alpha", .type = REC_PARAM_DOUBLE,
	  .offset = FIELD(ftrl_alpha), .what = "ftrl alpha",
	  .flags = TRAIN | UPDATE | MIN_OPEN | V2, .min = 0, .max = 1e3,
	  .def = SAME(0.1), .shown = is_ftrl, .option = "ftrl-alpha",
	  .arg = "X", .help = "ftrl: the weights' learning rate alpha" },
	{ .key = "ftrl_beta", .type = REC_PARAM_DOUBLE,
	  .offset = FIELD(ftrl_beta), .what = "ftrl beta",
	  .flags = TRAIN | UPDATE | V2, .min = 0, .max = 1e3, .def = SAME(1),
	  .shown = is_ftrl, .option = "ftrl-beta", .arg = "X",
	  .help = "ftrl: beta, which damps the first steps of a weight" },
	{ .key = "features", .type = REC_PARAM_STRING,
	  .offset = FIELD(features), .info = "feature_columns", .flags = TRAIN | SCHEMA | V2,
	  .option = "features", .arg = "COLS",
	  .help = "more categorical columns of the event, query side (user, "
		  "context): numbers or header names" },
	{ .key = "item_features", .type = REC_PARAM_STRING,
	  .offset = FIELD(item_features), .what = "item features",
	  .info = "item_feature_columns",
	  .flags = TRAIN | SCHEMA | V2, .option = "item-features", .arg = "COLS",
	  .help = "item-side columns of the event; the catalogue keeps each "
		  "item's latest values" },
	{ .key = "numeric", .type = REC_PARAM_STRING, .offset = FIELD(numeric),
	  .info = "numeric_columns",
	  .flags = TRAIN | SCHEMA | V2, .option = "numeric", .arg = "COLS",
	  .help = "of those columns and the attribute tables' ones: real "
		  "numbers x, one feature of value sign(x) ln(1 + |x|)" },
	{ .key = "list_sep", .type = REC_PARAM_STRING,
	  .offset = FIELD(list_sep), .what = "list separator",
	  .flags = TRAIN | SCHEMA | V2, .option = "list-sep", .arg = "C",
	  .help = "a categorical cell holds values parted by C, each a "
		  "feature of value 1/sqrt(n)" },
	{ .key = "interactions", .type = REC_PARAM_ENUM,
	  .offset = FIELD(interactions), .flags = TRAIN | SCHEMA | V2,
	  .names = interaction_names, .max = 1, .def = SAME(REC_CROSS),
	  .option = "interactions", .arg = "I",
	  .help = "cross: query-side x item-side pairs of features only; "
		  "all: every pair, a full factorization machine" },
	{ .key = "model", .type = REC_PARAM_ENUM, .offset = FIELD(model),
	  .flags = TRAIN | V2, .names = model_names, .max = 1,
	  .def = SAME(REC_MODEL_FM), .option = "model", .arg = "M",
	  .help = "fm: the factorization machine; ease: a closed-form "
		  "item-item model for --task implicit, lambda from --l2 "
		  "(default 400), exact on update" },
	{ .key = "max_items", .type = REC_PARAM_INT, .offset = FIELD(max_items),
	  .what = "max items", .flags = TRAIN | UPDATE | V2, .min = 0,
	  .max = 1 << 20, .def = SAME(20000), .option = "max-items",
	  .arg = "N",
	  .help = "ease: the N most met items make the item-item part (its "
		  "memory is 4 N^2 bytes), the others are scored by "
		  "popularity; 0: every item" },
	{ .key = "column.user", .type = REC_PARAM_STRING,
	  .offset = FIELD(input.columns.user), .info = "column_user",
	  .flags = INPUT },
	{ .key = "column.item", .type = REC_PARAM_STRING,
	  .offset = FIELD(input.columns.item), .info = "column_item",
	  .flags = INPUT },
	{ .key = "column.label", .type = REC_PARAM_STRING,
	  .offset = FIELD(input.columns.label), .info = "column_label",
	  .flags = INPUT },
	{ .key = "column.time", .type = REC_PARAM_STRING,
	  .offset = FIELD(input.columns.time), .info = "column_time",
	  .flags = INPUT },
	{ .key = "column.weight", .type = REC_PARAM_STRING,
	  .offset = FIELD(input.columns.weight), .info = "column_weight",
	  .flags = INPUT },
	{ .key = "input.csv", .type = REC_PARAM_ENUM,
	  .offset = FIELD(input.csv), .what = "input format", .info = "format",
	  .flags = INPUT, .names = format_names, .min = -1, .max = 1,
	  .def = SAME(-1) },
	{ .key = "input.header", .type = REC_PARAM_FLAG,
	  .offset = FIELD(input.header), .what = "input header",
	  .info = "header", .flags = INPUT, .max = 1,
	  .shown_value = header_in_effect },
	{ .key = "input.has_positive", .type = REC_PARAM_FLAG,
	  .offset = FIELD(input.has_positive), .what = "input positive flag",
	  .flags = INPUT, .max = 1, .shown = never },
	{ .key = "input.positive", .type = REC_PARAM_DOUBLE,
	  .offset = FIELD(input.positive), .what = "positive threshold",
	  .info = "positive", .flags = INPUT, .min = -1e300, .max = 1e300,
	  .shown = has_positive },
	{ .key = "input.soft_labels", .type = REC_PARAM_FLAG,
	  .offset = FIELD(input.soft_labels), .what = "soft labels",
	  .info = "soft_labels", .flags = INPUT | V4, .max = 1,
	  .shown = has_soft_labels },
};

const size_t rec_param_count =
	sizeof(rec_param_table) / sizeof(rec_param_table[0]);

_Static_assert(sizeof(rec_param_table) / sizeof(rec_param_table[0]) <=
	       REC_MAX_PARAMS, "REC_MAX_PARAMS too small");

/* Every int-like field is an int or an enum stored as one. */
_Static_assert(sizeof(enum rec_task) == sizeof(int), "enum size");
_Static_assert(sizeof(enum rec_loss) == sizeof(int), "enum size");
_Static_assert(sizeof(enum rec_optimizer) == sizeof(int), "enum size");
_Static_assert(sizeof(enum rec_interactions) == sizeof(int), "enum size");
_Static_assert(sizeof(enum rec_model_family) == sizeof(int), "enum size");

const struct rec_param *rec_param_find(const char *key, size_t len)
{
	for (size_t i = 0; i < rec_param_count; i++) {
		const char *k = rec_param_table[i].key;
		if (strlen(k) == len && memcmp(k, key, len) == 0)
			return &rec_param_table[i];
	}
	return NULL;
}

static void *field(struct rec_params *p, const struct rec_param *d)
{
	return (char *)p + d->offset;
}

static const void *cfield(const struct rec_params *p, const struct rec_param *d)
{
	return (const char *)p + d->offset;
}

/* Bytes a field of this type takes. */
static size_t field_size(enum rec_param_type t)
{
	switch (t) {
	case REC_PARAM_U64: return sizeof(uint64_t);
	case REC_PARAM_DOUBLE: return sizeof(double);
	case REC_PARAM_STRING: return sizeof(const char *);
	default: return sizeof(int);
	}
}

void rec_param_get(const struct rec_params *p, const struct rec_param *d,
		   struct rec_param_value *v)
{
	const void *f = cfield(p, d);
	memset(v, 0, sizeof(*v));
	switch (d->type) {
	case REC_PARAM_U64:
		memcpy(&v->u64, f, sizeof(v->u64));
		v->num = (double)v->u64;
		break;
	case REC_PARAM_DOUBLE:
		memcpy(&v->num, f, sizeof(v->num));
		break;
	case REC_PARAM_STRING:
		memcpy(&v->str, f, sizeof(v->str));
		break;
	default: {
		int i;
		memcpy(&i, f, sizeof(i));
		v->num = i;
		v->u64 = (uint64_t)(int64_t)i;
		if (d->type == REC_PARAM_ENUM && i >= (int)d->min &&
		    i <= (int)d->max)
			v->str = d->names[i - (int)d->min];
	}
	}
}

/* Store a number already known to fit the field. */
static void set_number(struct rec_params *p, const struct rec_param *d,
		       double x, uint64_t u)
{
	void *f = field(p, d);
	if (d->type == REC_PARAM_DOUBLE) {
		memcpy(f, &x, sizeof(x));
	} else if (d->type == REC_PARAM_U64) {
		memcpy(f, &u, sizeof(u));
	} else {
		int i = (int)x;
		memcpy(f, &i, sizeof(i));
	}
}

int rec_param_in_range(const struct rec_param *d, double x)
{
	if (d->type == REC_PARAM_STRING)
		return 1;
	if (isnan(x) || x < d->min || x > d->max)
		return 0;
	if ((d->flags & REC_PARAM_MIN_OPEN) && x == d->min)
		return 0;
	if ((d->flags & REC_PARAM_MAX_OPEN) && x == d->max)
		return 0;
	if (d->type != REC_PARAM_DOUBLE && x != floor(x))
		return 0;
	return 1;
}

const char *rec_param_what(const struct rec_param *d)
{
	return d->what ? d->what : d->key;
}

void rec_param_range(const struct rec_param *d, char *buf, size_t len)
{
	if (d->type == REC_PARAM_INT) {	/* whole numbers in full */
		snprintf(buf, len, "%c%.0f, %.0f%c",
			 d->flags & REC_PARAM_MIN_OPEN ? '(' : '[', d->min,
			 d->max, d->flags & REC_PARAM_MAX_OPEN ? ')' : ']');
		return;
	}
	if (d->type != REC_PARAM_ENUM) {
		snprintf(buf, len, "%c%g, %g%c",
			 d->flags & REC_PARAM_MIN_OPEN ? '(' : '[', d->min,
			 d->max, d->flags & REC_PARAM_MAX_OPEN ? ')' : ']');
		return;
	}
	size_t at = 0;
	buf[0] = '\0';
	for (int i = 0; d->names[i] && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s",
				       i == 0 ? "" : d->names[i + 1] ? ", "
								 : " or ",
				       d->names[i]);
}

int rec_param_parse(struct rec_params *p, const struct rec_param *d,
		    const char *text)
{
	if (!text || (d->type == REC_PARAM_STRING &&
		      (d->flags & REC_PARAM_INPUT)))
		return REC_EINVAL;
	if (d->type == REC_PARAM_STRING) {
		if (!*text)
			return REC_EINVAL;
		memcpy(field(p, d), &text, sizeof(text));
		return 0;
	}
	if (d->type == REC_PARAM_ENUM) {
		for (int i = 0; d->names[i]; i++)
			if (strcmp(text, d->names[i]) == 0) {
				set_number(p, d, d->min + i, 0);
				return 0;
			}
		return REC_EINVAL;
	}
	if (d->type == REC_PARAM_U64 || d->type == REC_PARAM_INT ||
	    d->type == REC_PARAM_FLAG) {
		long v;
		if (rec_parse_long(text, strlen(text), (long)d->min,
				   d->max >= (double)LONG_MAX ? LONG_MAX
							      : (long)d->max,
				   &v) != 0)
			return REC_EINVAL;
		set_number(p, d, (double)v, (uint64_t)v);
		return 0;
	}
	double x;
	if (rec_parse_double(text, strlen(text), &x) != 0 ||
	    !rec_param_in_range(d, x))
		return REC_EINVAL;
	set_number(p, d, x, 0);
	return 0;
}

void rec_param_copy(struct rec_params *to, const struct rec_params *from,
		    const struct rec_param *d)
{
	memcpy(field(to, d), cfield(from, d), field_size(d->type));
}

static int task_index(enum rec_task task)
{
	return task == REC_TASK_REGRESSION ? 1
		: task == REC_TASK_IMPLICIT ? 2 : 0;
}

void rec_params_init(struct rec_params *p, enum rec_task task)
{
	memset(p, 0, sizeof(*p));
	rec_reader_options_init(&p->input);
	for (size_t i = 0; i < rec_param_count; i++) {
		const struct rec_param *d = &rec_param_table[i];
		if (d->type != REC_PARAM_STRING && !(d->flags & REC_PARAM_INPUT))
			set_number(p, d, d->def[task_index(task)],
				   (uint64_t)d->def[task_index(task)]);
	}
	p->task = task;
	p->input.task = task;
}

/* Whether an FTRL setting is away from the default the table gives it. */
static int ftrl_settings_given(const struct rec_params *p)
{
	static const char *const keys[] = { "l1", "ftrl_alpha", "ftrl_beta" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!rec_param_is_default(p, rec_param_find(keys[i],
							    strlen(keys[i]))))
			return 1;
	return 0;
}

int rec_param_applies(const struct rec_params *p, const struct rec_param *d)
{
	if (d->flags & REC_PARAM_INPUT)
		return 1;
	if (p->model != REC_MODEL_EASE)
		return strcmp(d->key, "max_items") != 0;
	static const char *const ease[] = { "model", "l2", "max_items" };
	for (size_t i = 0; i < sizeof(ease) / sizeof(ease[0]); i++)
		if (strcmp(d->key, ease[i]) == 0)
			return 1;
	return 0;
}

const char *rec_params_check(const struct rec_params *p)
{
	/* per thread, so that checking is safe in threaded callers */
	static _Thread_local char why[160];
	for (size_t i = 0; i < rec_param_count; i++) {
		const struct rec_param *d = &rec_param_table[i];
		struct rec_param_value v;
		rec_param_get(p, d, &v);
		if (d->type == REC_PARAM_U64 || d->type == REC_PARAM_STRING ||
		    rec_param_in_range(d, v.num))
			continue;
		char range[96];
		rec_param_range(d, range, sizeof(range));
		snprintf(why, sizeof(why), "%s must be %s%s",
			 rec_param_what(d),
			 d->type == REC_PARAM_ENUM ? "" : "in ", range);
		return why;
	}
	if (p->task == REC_TASK_REGRESSION && p->loss != REC_LOSS_SQUARED)
		return "task regression needs the squared loss";
	if (p->task == REC_TASK_BINARY && p->loss == REC_LOSS_BPR)
		return "the bpr loss needs task implicit";
	if (p->task == REC_TASK_IMPLICIT && p->loss == REC_LOSS_SQUARED)
		return "task implicit needs the bpr or logistic loss";
	if (p->hard_negatives && p->loss != REC_LOSS_BPR)
		return "hard negatives need the bpr loss";
	if (p->optimizer != REC_OPT_FTRL && ftrl_settings_given(p))
		return "l1, ftrl alpha and ftrl beta need the ftrl optimizer "
		       "(--optimizer ftrl)";
	if (p->input.soft_labels && p->task != REC_TASK_BINARY)
		return "soft labels need task binary";
	if (p->input.soft_labels && p->loss != REC_LOSS_LOGISTIC)
		return "soft labels need the logistic loss";
	if (p->input.soft_labels && p->input.has_positive)
		return "soft labels take the label as it is: a positive "
		       "threshold does not apply";
	if (p->list_sep && strlen(p->list_sep) != 1)
		return "the list separator must be one byte";
	if (p->model != REC_MODEL_EASE) {
		/* EASE's lambda ranges further: an FM's stays where format
		 * 1 and 2 readers accept it */
		if (p->l2 > REC_FM_L2_MAX)
			return "l2 must be in [0, 1000] (model fm; up to 1e6 "
			       "for model ease)";
		for (size_t i = 0; i < rec_param_count; i++) {
			const struct rec_param *d = &rec_param_table[i];
			if (rec_param_applies(p, d) ||
			    rec_param_is_default(p, d))
				continue;
			snprintf(why, sizeof(why), "%s applies to model ease "
				 "only", rec_param_what(d));
			return why;
		}
	}
	if (p->model == REC_MODEL_EASE) {
		if (p->task != REC_TASK_IMPLICIT)
			return "model ease needs task implicit (it ranks "
			       "items; --task binary and regression need "
			       "--model fm)";
		if (!(p->l2 > 0))
			return "model ease needs an l2 above 0";
		/* the FM's settings away from their defaults would be
		 * ignored: say so instead */
		for (size_t i = 0; i < rec_param_count; i++) {
			const struct rec_param *d = &rec_param_table[i];
			if (rec_param_applies(p, d) ||
			    rec_param_is_default(p, d))
				continue;
			snprintf(why, sizeof(why), "%s does not apply to "
				 "model ease", rec_param_what(d));
			return why;
		}
		if (p->input.columns.weight)
			return "model ease counts who met what, once each: "
			       "a weight column does not apply";
	}
	if (p->list_sep && strchr("\t\r\n\"", p->list_sep[0]))
		return "the list separator cannot be a tab, newline or quote";
	return NULL;
}

int rec_param_is_default(const struct rec_params *p, const struct rec_param *d)
{
	struct rec_params def;
	rec_params_init(&def, p->task);
	struct rec_param_value a, b;
	rec_param_get(p, d, &a);
	rec_param_get(&def, d, &b);
	if (d->type == REC_PARAM_STRING)
		return a.str == b.str ||
		       (a.str && b.str && strcmp(a.str, b.str) == 0);
	return memcmp(cfield(p, d), cfield(&def, d), field_size(d->type)) == 0;
}

int rec_params_version(const struct rec_params *p)
{
	/* an optimiser format 1 does not know: format 1 would refuse the
	 * file as damaged rather than ask for an upgrade */
	for (size_t i = 0; i < rec_param_count; i++)
		if ((rec_param_table[i].flags & REC_PARAM_V4) &&
		    !rec_param_is_default(p, &rec_param_table[i]))
			return 4;
	if (p->optimizer == REC_OPT_FTRL)
		return 2;
	for (size_t i = 0; i < rec_param_count; i++)
		if ((rec_param_table[i].flags & REC_PARAM_V2) &&
		    !rec_param_is_default(p, &rec_param_table[i]))
			return 2;
	return 1;
}

/* ---- the model file's key/value list ---- */

/* The type byte of a value in the file. */
static char file_type(const struct rec_param *d, const struct rec_params *p)
{
	if (d->type == REC_PARAM_DOUBLE)
		return 'f';
	if (d->type != REC_PARAM_STRING)
		return 'i';
	const char *s;
	memcpy(&s, cfield(p, d), sizeof(s));
	return s ? 's' : 'n';
}

void rec_params_encode(const struct rec_params *p, struct rec_buf *b)
{
	uint32_t n = 0;
	const int later = REC_PARAM_V2 | REC_PARAM_V4;
	for (size_t i = 0; i < rec_param_count; i++)
		n += !(rec_param_table[i].flags & later) ||
		     !rec_param_is_default(p, &rec_param_table[i]);
	rec_buf_put_u32(b, n);
	for (size_t i = 0; i < rec_param_count; i++) {
		const struct rec_param *d = &rec_param_table[i];
		if ((d->flags & later) && rec_param_is_default(p, d))
			continue;
		char type = file_type(d, p);
		struct rec_param_value v;
		rec_param_get(p, d, &v);
		rec_buf_put_u8(b, (unsigned)strlen(d->key));
		rec_buf_put(b, d->key, strlen(d->key));
		rec_buf_put_u8(b, (unsigned char)type);
		if (type == 'f')
			rec_buf_put_f64(b, v.num);
		else if (type == 'i')
			rec_buf_put_u64(b, v.u64);
		else if (type == 's') {
			rec_buf_put_u32(b, (uint32_t)strlen(v.str));
			rec_buf_put(b, v.str, strlen(v.str));
		}
	}
}

static int decode_failed(char *why, size_t why_len, const char *what,
			 const char *key)
{
	snprintf(why, why_len, "%s%s%s", what, key ? " " : "", key ? key : "");
	return REC_EFORMAT;
}

/* One value of a known key into p; a string into its slot. */
static int decode_value(struct rec_cursor *c, const struct rec_param *d,
			unsigned type, struct rec_params *p, char **slot,
			char *why, size_t why_len)
{
	if (d->type == REC_PARAM_STRING) {
		if (type != 's' && type != 'n')
			return decode_failed(why, why_len, "wrong type for",
					     d->key);
		char *s = NULL;
		if (type == 's') {
			uint32_t len = rec_get_u32(c);
			const unsigned char *text = rec_take(c, len);
			if (!text || len == 0 || memchr(text, 0, len))
				return decode_failed(why, why_len,
						     "bad column name", NULL);
			s = rec_malloc((size_t)len + 1);
			if (!s)
				return REC_ENOMEM;
			memcpy(s, text, len);
			s[len] = '\0';
		}
		rec_free(*slot);
		*slot = s;
		memcpy(field(p, d), &s, sizeof(s));
		return 0;
	}
	if (type != (d->type == REC_PARAM_DOUBLE ? 'f' : 'i'))
		return decode_failed(why, why_len, "wrong type for", d->key);
	if (d->type == REC_PARAM_DOUBLE) {
		set_number(p, d, rec_get_f64(c), 0);
		return 0;
	}
	int64_t v = (int64_t)rec_get_u64(c);
	/* the range itself is rec_params_check's: here only what fits */
	if (d->type != REC_PARAM_U64 && !c->bad &&
	    (v < INT_MIN || v > INT_MAX)) {
		snprintf(why, why_len, "parameter %s out of range", d->key);
		return REC_EFORMAT;
	}
	set_number(p, d, (double)v, (uint64_t)v);
	return 0;
}

/* Skip the value of a key this version does not know. */
static int skip_value(struct rec_cursor *c, unsigned type, char *why,
		      size_t why_len)
{
	if (type == 'i' || type == 'f')
		rec_take(c, 8);
	else if (type == 's')
		rec_take(c, rec_get_u32(c));
	else if (type != 'n')
		return decode_failed(why, why_len, "unknown parameter type",
				     NULL);
	return 0;
}

/* Keys a file lacks take the default of the task it names. */
static void fill_defaults(struct rec_params *p, const unsigned char *seen)
{
	struct rec_params def;
	rec_params_init(&def, p->task);
	for (size_t i = 0; i < rec_param_count; i++)
		if (!seen[i])
			rec_param_copy(p, &def, &rec_param_table[i]);
}

int rec_params_decode(struct rec_cursor *c, struct rec_params *p,
		      char **strings, char *why, size_t why_len)
{
	unsigned char seen[REC_MAX_PARAMS] = { 0 };
	rec_params_init(p, REC_TASK_BINARY);
	uint32_t n = rec_get_u32(c);
	for (uint32_t i = 0; i < n && !c->bad; i++) {
		unsigned klen = rec_get_u8(c);
		const unsigned char *key = rec_take(c, klen);
		unsigned type = rec_get_u8(c);
		if (c->bad)
			break;
		const struct rec_param *d = rec_param_find((const char *)key,
							   klen);
		int rc = d ? decode_value(c, d, type, p,
					  &strings[d - rec_param_table],
					  why, why_len)
			   : skip_value(c, type, why, why_len);
		if (rc)
			return rc;
		if (d)
			seen[d - rec_param_table] = 1;
	}
	if (c->bad || rec_left(c) != 0)
		return decode_failed(why, why_len, "parameter list damaged",
				     NULL);
	fill_defaults(p, seen);
	p->input.task = p->task;
	const char *bad = rec_params_check(p);
	if (bad) {
		snprintf(why, why_len, "bad parameters: %s", bad);
		return REC_EFORMAT;
	}
	return 0;
}
