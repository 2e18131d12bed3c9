/*
 * options.c - a program's options assembled from tables: its own, the
 * shared input options and the rows of librec's parameter table.  One
 * list gives getopt_long its table, and --help its lines.
 */
#include <limits.h>
#include <stdlib.h>

#include "common.h"

/* The input options; their codes are OPT_USER and up (common.h). */
static const struct cli_option input_options[] = {
	{ "user", 0, "COL", OPT_USER,
	  "user id column, number or header name" },
	{ "item", 0, "COL", OPT_ITEM, "item id column" },
	{ "label", 0, "COL", OPT_LABEL, "label column" },
	{ "time", 0, "COL", OPT_TIME, "time column" },
	{ "weight", 0, "COL", OPT_WEIGHT,
	  "event weight column (without one, every weight is 1)" },
	{ "score", 0, "COL", OPT_SCORE,
	  "score column (default: the last column)" },
	{ "csv", 0, NULL, OPT_CSV,
	  "comma-separated (default: CSV for *.csv, TSV otherwise)" },
	{ "tsv", 0, NULL, OPT_TSV, "tab-separated" },
	{ "header", 0, NULL, OPT_HEADER,
	  "the first line of each file names the columns (implied when a "
	  "column is given by name); a first line whose label, time, weight "
	  "or score column, given by number, holds a number is refused as "
	  "data" },
	{ "no-header", 0, NULL, OPT_NO_HEADER,
	  "no line is a header, even when the model was trained with one; "
	  "the columns must then be given by number" },
	{ "task", 0, "TASK", OPT_TASK,
	  "binary (labels 0/1 or -1/1), regression, or implicit (rec-train: "
	  "every row a positive)" },
	{ "positive", 0, "X", OPT_POSITIVE,
	  "a label >= X is positive (1), others 0" },
	{ "soft-labels", 0, NULL, OPT_SOFT_LABELS,
	  "--task binary: each label is a probability in [0, 1] (a soft "
	  "label, such as a teacher model's score), taken as it is" },
	{ "strict", 0, NULL, OPT_STRICT,
	  "stop at the first bad row (default: skip it)" },
	{ "user-attributes", 0, "FILE", OPT_USER_ATTRIBUTES,
	  "a table of user attributes: TSV or CSV (by file name), a header "
	  "line, the user id first, every other column a feature named by "
	  "its header; the model keeps it, and a newer one's rows replace "
	  "the old ones of the same ids" },
	{ "item-attributes", 0, "FILE", OPT_ITEM_ATTRIBUTES,
	  "the same for items; an item only in this table (nobody touched "
	  "it yet) can be recommended from its attributes" },
	{ "max-bad-rows", 0, "F", OPT_MAX_BAD_ROWS,
	  "exit 2 when more than the fraction F (0 to 1, default 0.1) of the "
	  "rows read are bad: checked at the end, and from 1000 rows on as "
	  "they are read" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cli_option standard_options[] = {
	{ "help", 'h', NULL, 'h', "show this help and exit" },
	{ "version", 'V', NULL, 'V', "show the version and exit" },
	{ NULL, 0, NULL, 0, NULL },
};

static void add_one(struct cli *c, const char *name, int short_name,
		    int has_arg, int id)
{
	if (c->n + 1 >= sizeof(c->longopts) / sizeof(c->longopts[0]))
		die("too many options (internal limit)");
	if (name) {
		c->longopts[c->n++] = (struct option){ name, has_arg, NULL, id };
		c->longopts[c->n] = (struct option){ NULL, 0, NULL, 0 };
	}
	if (short_name) {
		size_t at = strlen(c->shortopts);
		if (at + 3 >= sizeof(c->shortopts))
			die("too many options (internal limit)");
		c->shortopts[at++] = (char)short_name;
		if (has_arg)
			c->shortopts[at++] = ':';
		c->shortopts[at] = '\0';
		c->short_id[(unsigned char)short_name] = id;
	}
}

void cli_add(struct cli *c, const struct cli_option *list)
{
	for (; list->name || list->short_name; list++)
		add_one(c, list->name, list->short_name,
			list->arg ? required_argument : no_argument, list->id);
}

void cli_add_input(struct cli *c, unsigned which)
{
	for (const struct cli_option *o = input_options; o->name; o++)
		if (which & INPUT_BIT(o->id))
			add_one(c, o->name, 0,
				o->arg ? required_argument : no_argument,
				o->id);
}

static int param_id(size_t row, int negative)
{
	return OPT_PARAM + 2 * (int)row + negative;
}

void cli_add_params(struct cli *c, int flags)
{
	for (size_t i = 0; i < rec_param_count; i++) {
		const struct rec_param *d = &rec_param_table[i];
		if (!d->option || !(d->flags & flags))
			continue;
		add_one(c, d->option, d->short_option,
			d->arg ? required_argument : no_argument,
			param_id(i, 0));
		if (d->negative_option)
			add_one(c, d->negative_option, 0, no_argument,
				param_id(i, 1));
	}
}

int cli_next(struct cli *c, int argc, char **argv)
{
	if (!c->standard_added) {
		cli_add(c, standard_options);
		c->standard_added = 1;
	}
	char shortopts[sizeof(c->shortopts) + 8];
	snprintf(shortopts, sizeof(shortopts), "%shV", c->shortopts);
	int ch = getopt_long(argc, argv, shortopts, c->longopts, NULL);
	/* a short form stands for its long option */
	if (ch > 0 && ch < 128 && c->short_id[ch])
		return c->short_id[ch];
	return ch;
}

/* ---- help ---- */

/* The row an option's value goes to: its own, or the one it sets. */
static const struct rec_param *value_row(const struct rec_param *d)
{
	return d->sets ? rec_param_find(d->sets, strlen(d->sets)) : d;
}


#define HELP_WIDTH 79
#define HELP_INDENT 23

/* The length of the word at s; a range such as "[0, 256]" is one word. */
static size_t word_length(const char *s)
{
	int depth = 0;
	size_t w = 0;
	for (; s[w] && (s[w] != ' ' || depth > 0); w++)
		if ((s[w] == '(' || s[w] == '[') &&
		    (s[w + 1] == '-' ? s[w + 2] >= '0' && s[w + 2] <= '9'
				     : s[w + 1] >= '0' && s[w + 1] <= '9'))
			depth++;
		else if ((s[w] == ')' || s[w] == ']') && depth > 0)
			depth--;
	return w;
}

/* Text from column col (where the cursor is), wrapped at word boundaries
 * to lines that start at column indent. */
static void wrap(FILE *f, const char *text, int col, int indent)
{
	for (const char *s = text; *s;) {
		size_t w = word_length(s);
		if (col > indent && col + 1 + (int)w > HELP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col < indent) {
			fprintf(f, "%*s", indent - col, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(s, 1, w, f);
		col += (int)w;
		s += w;
		s += strspn(s, " ");
	}
	fputc('\n', f);
}

/* "  -k, --factors K" then text, wrapped. */
static void help_line(FILE *f, int short_name, const char *name,
		      const char *arg, const char *text)
{
	int col;
	if (short_name && name)
		col = fprintf(f, "  -%c, --%s%s%s", short_name, name,
			      arg ? " " : "", arg ? arg : "");
	else if (short_name)
		col = fprintf(f, "  -%c%s%s", short_name, arg ? " " : "",
			      arg ? arg : "");
	else
		col = fprintf(f, "      --%s%s%s", name, arg ? " " : "",
			      arg ? arg : "");
	if (col >= HELP_INDENT - 1) {
		fputc(' ', f);
		col++;
	}
	wrap(f, text, col, HELP_INDENT);
}

void cli_help_text(FILE *f, const char *text)
{
	wrap(f, text, 0, 0);
}

void cli_help(FILE *f, const struct cli_option *list)
{
	for (; list->name || list->short_name; list++)
		help_line(f, list->short_name, list->name, list->arg,
			  list->help);
}

void cli_help_input(FILE *f, unsigned which)
{
	for (const struct cli_option *o = input_options; o->name; o++)
		if (which & INPUT_BIT(o->id))
			help_line(f, 0, o->name, o->arg, o->help);
}

void cli_help_standard(FILE *f)
{
	cli_help(f, standard_options);
}

/* A parameter's value as --help shows a default. */
static void value_text(const struct rec_param *d, double x, char *buf,
		       size_t len)
{
	if (d->type == REC_PARAM_ENUM)
		snprintf(buf, len, "%s", d->names[(int)(x - d->min)]);
	else
		snprintf(buf, len, "%g", x);
}

/* " (range; default X, implicit Y)" for rec-train's help. */
static void param_notes(const struct rec_param *d, int defaults, char *buf,
			size_t len)
{
	const char *const *task_names = rec_param_find("task", 4)->names;
	buf[0] = '\0';
	char range[96];
	int ranged = d->type == REC_PARAM_INT || d->type == REC_PARAM_DOUBLE;
	if (ranged)
		rec_param_range(d, range, sizeof(range));
	int has_default = defaults && d->type != REC_PARAM_FLAG &&
			  d->type != REC_PARAM_STRING;
	if (!ranged && !has_default)
		return;
	size_t at = (size_t)snprintf(buf, len, " (%s%s", ranged ? range : "",
			      ranged && has_default ? "; " : "");
	if (has_default) {
		char v[48];
		value_text(d, d->def[0], v, sizeof(v));
		at += (size_t)snprintf(buf + at, len - at, "default %s", v);
		for (int t = 1; t < 3 && at < len; t++)
			if (d->def[t] != d->def[0]) {
				value_text(d, d->def[t], v, sizeof(v));
				at += (size_t)snprintf(buf + at, len - at,
						       ", %s %s",
						       task_names[t], v);
			}
	}
	if (at < len)
		snprintf(buf + at, len - at, ")");
}

void cli_help_params(FILE *f, int flags, int defaults)
{
	for (size_t i = 0; i < rec_param_count; i++) {
		const struct rec_param *d = &rec_param_table[i];
		if (!d->option || !(d->flags & flags))
			continue;
		char text[512], notes[160];
		param_notes(value_row(d), defaults, notes, sizeof(notes));
		snprintf(text, sizeof(text), "%s%s", d->help, notes);
		help_line(f, d->short_option, d->option, d->arg, text);
		if (d->negative_option)
			help_line(f, 0, d->negative_option, NULL,
				  "the opposite");
	}
}

/* ---- parameter options ---- */

/* The row of a parameter option's code, and whether it is the "off" form;
 * NULL when c is no parameter option. */
static const struct rec_param *param_of(int c, int *negative)
{
	*negative = 0;
	if (c < OPT_PARAM || c >= param_id(rec_param_count, 0))
		return NULL;
	*negative = (c - OPT_PARAM) % 2;
	return &rec_param_table[(c - OPT_PARAM) / 2];
}

/* Refuse a value that is not in the parameter's range, by option name. */
static void check_value(const struct rec_param *d, const char *arg)
{
	const struct rec_param *v = value_row(d);
	struct rec_params scratch;
	rec_params_init(&scratch, REC_TASK_BINARY);
	if (rec_param_parse(&scratch, v, arg) == 0)
		return;
	if (v->type == REC_PARAM_STRING)
		usage_error("--%s: an empty value", d->option);
	char range[96];
	if (v->type == REC_PARAM_U64)
		snprintf(range, sizeof(range), "[0, %ld]", LONG_MAX);
	else
		rec_param_range(v, range, sizeof(range));
	usage_error("--%s: '%s' is not %s%s", d->option, arg,
		    v->type == REC_PARAM_ENUM ? ""
		    : v->type == REC_PARAM_DOUBLE ? "a number in "
		    : "an integer in ", range);
}

/* The option of a code as given: "--lr 0.1", "--no-shuffle". */
static void given_text(int c, const char *arg, char *buf, size_t len)
{
	int negative;
	const struct rec_param *d = param_of(c, &negative);
	snprintf(buf, len, "--%s%s%s",
		 negative ? d->negative_option : d->option,
		 d->arg ? " " : "", d->arg ? arg : "");
}

/* Whether an option given twice sets its parameter to the same value. */
static int same_value(const struct rec_param *d, const char *a,
		      const char *b)
{
	const struct rec_param *v = value_row(d);
	struct rec_params pa, pb;
	rec_params_init(&pa, REC_TASK_BINARY);
	rec_params_init(&pb, REC_TASK_BINARY);
	if (rec_param_parse(&pa, v, a) != 0 || rec_param_parse(&pb, v, b) != 0)
		return 0;
	struct rec_param_value va, vb;
	rec_param_get(&pa, v, &va);
	rec_param_get(&pb, v, &vb);
	if (v->type == REC_PARAM_STRING)
		return strcmp(va.str, vb.str) == 0;
	return va.num == vb.num && va.u64 == vb.u64;
}

/* Refuse a second option for the same parameter with another value. */
static void check_repeat(const struct param_args *pa, int c, const char *arg)
{
	int negative;
	const struct rec_param *d = param_of(c, &negative);
	for (int i = 0; i < pa->n; i++) {
		int neg2;
		const struct rec_param *e = param_of(pa->given[i].code, &neg2);
		if (value_row(e) != value_row(d) && e != d)
			continue;
		if (pa->given[i].code == c &&
		    (!d->arg || same_value(d, pa->given[i].arg, arg)))
			continue;
		char was[128], now[128];
		given_text(pa->given[i].code, pa->given[i].arg, was,
			   sizeof(was));
		given_text(c, arg, now, sizeof(now));
		usage_error("%s and %s contradict each other", was, now);
	}
}

int time_span(const char *arg, double *seconds)
{
	static const struct { char unit; double seconds; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 604800 },
	};
	size_t len = strlen(arg);
	if (len < 2)
		return 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (arg[len - 1] != units[i].unit)
			continue;
		double x;
		if (rec_parse_double(arg, len - 1, &x) != 0 || !(x > 0))
			return -1;
		*seconds = x * units[i].seconds;
		return 1;
	}
	return 0;
}

/* A time span as the number of seconds it names, as text; NULL when arg
 * has no unit, to be parsed as it is. */
static const char *span_seconds(const char *opt, const char *arg)
{
	double x;
	int rc = time_span(arg, &x);
	if (rc < 0)
		usage_error("--%s: '%s' is not a time span (a number, or one "
			    "with s, m, h, d or w)", opt, arg);
	if (rc == 0)
		return NULL;
	/* kept here for the program's life, as argv's strings are */
	static char texts[16][32];
	static int used;
	if (used == 16)
		usage_error("too many time spans");
	snprintf(texts[used], sizeof(texts[used]), "%.17g", x);
	return texts[used++];
}

int param_option(struct param_args *pa, int c, const char *arg)
{
	int negative;
	const struct rec_param *d = param_of(c, &negative);
	if (!d)
		return 0;
	if (arg && (d->flags & REC_PARAM_SPAN)) {
		const char *seconds = span_seconds(d->option, arg);
		if (seconds)
			arg = seconds;
	}
	if (!(d->flags & pa->flags))
		usage_error("--%s is fixed when a model is trained; train a "
			    "new model with rec-train",
			    negative ? d->negative_option : d->option);
	if (d->arg)
		check_value(d, arg);
	check_repeat(pa, c, arg);
	if ((size_t)pa->n == sizeof(pa->given) / sizeof(pa->given[0]))
		usage_error("too many options");
	pa->given[pa->n].code = c;
	pa->given[pa->n++].arg = arg;
	return 1;
}

const char *param_given_without(const struct param_args *pa, int flags)
{
	for (int i = 0; i < pa->n; i++) {
		int negative;
		const struct rec_param *d = param_of(pa->given[i].code,
						     &negative);
		if (!(value_row(d)->flags & flags))
			return negative ? d->negative_option : d->option;
	}
	return NULL;
}

int param_given(const struct param_args *pa, const char *key)
{
	for (int i = 0; i < pa->n; i++) {
		int negative;
		const struct rec_param *d = param_of(pa->given[i].code,
						     &negative);
		if (strcmp(d->key, key) == 0 ||
		    (d->sets && strcmp(d->sets, key) == 0))
			return 1;
	}
	return 0;
}

/* A row whose option gives another row's value: that row's own option
 * puts it back to its default, its option to 1 (its non-default unit). */
static void apply_linked(struct rec_params *p, const struct rec_param *d,
			 int own)
{
	for (size_t i = 0; i < rec_param_count; i++) {
		const struct rec_param *e = &rec_param_table[i];
		if (own && e->sets && strcmp(e->sets, d->key) == 0)
			rec_param_parse(p, e, e->names[0]);
	}
	if (!own)
		rec_param_parse(p, d, d->names[1]);
}

void param_apply(const struct param_args *pa, struct rec_params *p)
{
	for (int i = 0; i < pa->n; i++) {
		int negative;
		const struct rec_param *d = param_of(pa->given[i].code,
						     &negative);
		const char *arg = pa->given[i].arg;
		if (!d->arg)
			arg = negative ? "0" : "1";
		if (rec_param_parse(p, value_row(d), arg) != 0)
			die("--%s: '%s' refused", d->option, arg);
		apply_linked(p, d->sets ? d : value_row(d), !d->sets);
	}
}
