/*
 * features.c - side features: namespaces, attribute tables, and the
 * feature lists of the two sides of an event.
 *
 * An event's query side is its user id, its query feature columns and the
 * user's attributes; its item side is its item id, its item feature
 * columns and the item's attributes.  Each column is a namespace of its
 * own, named by the column, and a value's key is the hash of the value
 * under the namespace's seed.  The two ids keep the hashes of format 1
 * (rec_hash('u') and rec_hash('i')), so a model of ids alone is what it
 * always was.
 *
 * Lists are built as keys first (struct rec_kfeat), then given rows:
 * learning makes the rows it lacks, scoring drops them (a feature the
 * model never saw adds nothing).  Attribute tables and the catalogue keep
 * keys, never rows, so what they hold does not depend on when rows were
 * made, and train-then-update stays the same as one run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* ---- namespaces ---- */

static int space_find(const struct rec_schema *s, const char *name,
		      size_t len, uint32_t *index)
{
	for (size_t i = 0; i < s->nspaces; i++)
		if (strlen(s->spaces[i].name) == len &&
		    memcmp(s->spaces[i].name, name, len) == 0) {
			*index = (uint32_t)i;
			return 1;
		}
	return 0;
}

int rec_schema_add_space(struct rec_schema *s, const char *name, size_t len,
			 int side, int origin, int numeric, uint32_t *index)
{
	if (s->nspaces >= REC_MAX_SPACES)
		return REC_EINVAL;
	struct rec_space *sp = rec_grow_array(s->spaces, &s->cap,
					      s->nspaces + 1, 8, sizeof(*sp));
	if (!sp)
		return REC_ENOMEM;
	s->spaces = sp;
	char *copy = rec_malloc(len + 1);
	if (!copy)
		return REC_ENOMEM;
	memcpy(copy, name, len);
	copy[len] = '\0';
	s->spaces[s->nspaces] = (struct rec_space){
		.name = copy,
		.seed = rec_hash('n', name, len),
		.side = (unsigned char)side,
		.origin = (unsigned char)origin,
		.numeric = (unsigned char)numeric,
	};
	*index = (uint32_t)s->nspaces++;
	return 0;
}

static void table_free(struct rec_table *t)
{
	rec_idset_free(t->ids);
	rec_free(t->first);
	rec_free(t->count);
	rec_free(t->values);
	memset(t, 0, sizeof(*t));
}

void rec_schema_free(struct rec_schema *s)
{
	for (size_t i = 0; i < s->nspaces; i++)
		rec_free(s->spaces[i].name);
	rec_free(s->spaces);
	table_free(&s->tables[0]);
	table_free(&s->tables[1]);
	memset(s, 0, sizeof(*s));
}

/* The next entry of a comma list at *p: its start and length; 0 at the
 * end. */
static int list_next(const char **p, const char **entry, size_t *len)
{
	if (!*p || !**p)
		return 0;
	const char *comma = strchr(*p, ',');
	*entry = *p;
	*len = comma ? (size_t)(comma - *p) : strlen(*p);
	*p = comma ? comma + 1 : *p + *len;
	return 1;
}

static int list_has(const char *list, const char *name, size_t len)
{
	const char *e;
	size_t n;
	while (list_next(&list, &e, &n))
		if (n == len && memcmp(e, name, len) == 0)
			return 1;
	return 0;
}

/* The columns of one comma list as namespaces of a side. */
static int add_columns(rec_model *m, const char *list, const char *option,
		       int side, struct rec_error *err)
{
	struct rec_schema *s = &m->schema;
	const char *const whole = list;
	const char *e;
	size_t n;
	if (list && (!*list || list[strlen(list) - 1] == ','))
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"--%s: an empty column in '%s'", option, list);
	while (list_next(&list, &e, &n)) {
		uint32_t at;
		if (n == 0)
			return rec_fail(err, REC_EINVAL, NULL, 0,
					"--%s: an empty column in '%s'",
					option, whole);
		if (space_find(s, e, n, &at))
			return rec_fail(err, REC_EINVAL, NULL, 0,
					"--%s: column '%.*s' is given twice "
					"or is the name of the id columns' "
					"namespaces (user, item)", option,
					(int)n, e);
		if (s->ncolumns == REC_MAX_EXTRA)
			return rec_fail(err, REC_EINVAL, NULL, 0,
					"more than %d feature columns",
					REC_MAX_EXTRA);
		int numeric = list_has(m->params.numeric, e, n);
		int rc = rec_schema_add_space(s, e, n, side, REC_ORIGIN_EVENT,
					      numeric, &at);
		if (rc)
			return rec_fail(err, rc, NULL, 0, "out of memory");
		s->column_space[s->ncolumns++] = at;
	}
	return 0;
}

int rec_schema_init(rec_model *m, struct rec_error *err)
{
	struct rec_schema *s = &m->schema;
	uint32_t at;
	if (rec_schema_add_space(s, "user", 4, REC_SIDE_QUERY, REC_ORIGIN_ID,
				 0, &at) != 0 ||
	    rec_schema_add_space(s, "item", 4, REC_SIDE_ITEM, REC_ORIGIN_ID, 0,
				 &at) != 0)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	int rc = add_columns(m, m->params.features, "features",
			     REC_SIDE_QUERY, err);
	s->nquery = s->ncolumns;
	if (!rc)
		rc = add_columns(m, m->params.item_features, "item-features",
				 REC_SIDE_ITEM, err);
	if (rc)
		return rc;
	s->list_sep = m->params.list_sep ? m->params.list_sep[0] : 0;
	return s->ncolumns > 0 ? rec_schema_activate(m) : 0;
}

/* From now on every row knows its namespace: the rows made so far are
 * ids, users or items as the catalogue says. */
int rec_schema_activate(rec_model *m)
{
	if (m->feature_space)
		return 0;
	m->feature_space = rec_malloc_array(m->cap ? m->cap : 1,
					    sizeof(uint32_t));
	if (!m->feature_space)
		return REC_ENOMEM;
	for (size_t r = 0; r < m->features; r++)
		m->feature_space[r] = 0;
	for (size_t i = 0; i < m->catalogue.count; i++)
		m->feature_space[m->catalogue.items[i].feature] = 1;
	m->schema.active = 1;
	return 0;
}

int rec_model_check_features(const rec_model *m, struct rec_error *err)
{
	const char *list = m->params.numeric, *e;
	size_t n;
	if (list && (!*list || list[strlen(list) - 1] == ','))
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"--numeric: an empty column in '%s'", list);
	while (list_next(&list, &e, &n)) {
		uint32_t at;
		if (!space_find(&m->schema, e, n, &at) ||
		    m->schema.spaces[at].origin == REC_ORIGIN_ID)
			return rec_fail(err, REC_EINVAL, NULL, 0,
					"--numeric: '%.*s' is not a feature "
					"column or an attribute column",
					(int)n, e);
	}
	return 0;
}

void rec_model_reader_columns(const rec_model *m, struct rec_reader_options *o)
{
	const struct rec_schema *s = &m->schema;
	o->nextra = s->ncolumns;
	for (int i = 0; i < s->ncolumns; i++) {
		const struct rec_space *sp = &s->spaces[s->column_space[i]];
		o->extra[i] = sp->name;
		o->extra_numeric[i] = sp->numeric;
	}
	o->list_sep = s->list_sep;
}

/* ---- the features of one cell ---- */

/* The value of a numeric feature: sign(x) ln(1 + |x|), which keeps large
 * values (prices, counts) from swamping a step while small ones stay near
 * x, needs no statistics of the data (so updates stay exact), and maps 0
 * to 0. */
static float numeric_value(double x)
{
	double y = log1p(fabs(x));
	return (float)(x < 0 ? -y : y);
}

/*
 * The features of a cell of namespace space into out (room entries): none
 * for an empty cell, one for a number, one per value of a list, each of
 * value 1/sqrt(n), so that a list's features have the norm of one feature
 * (as LIBFFM normalises a row): a film of six genres does not outweigh
 * its id, and each genre of it still counts.  -1 when there is no room.
 * The reader has checked numbers and lists already.
 */
static int cell_kfeats(const rec_model *m, uint32_t space, const char *cell,
		       size_t len, double number, struct rec_kfeat *out,
		       int room)
{
	const struct rec_space *sp = &m->schema.spaces[space];
	if (len == 0)
		return 0;
	if (sp->numeric) {
		float x = numeric_value(number);
		if (x == 0)
			return 0;
		if (room < 1)
			return -1;
		out[0] = (struct rec_kfeat){
			rec_hash_seeded(sp->seed, "", 0) & m->key_mask, x,
			space };
		return 1;
	}
	const char sep = m->schema.list_sep;
	int n = 1;
	if (sep)
		for (size_t i = 0; i < len; i++)
			n += cell[i] == sep;
	if (n > room)
		return -1;
	float x = n > 1 ? (float)(1 / sqrt((double)n)) : 1.0f;
	size_t start = 0;
	for (int v = 0; v < n; v++) {
		size_t end = start;
		while (end < len && !(sep && cell[end] == sep))
			end++;
		out[v] = (struct rec_kfeat){
			rec_hash_seeded(sp->seed, cell + start, end - start) &
				m->key_mask,
			x, space };
		start = end + 1;
	}
	return n;
}

/* Whether a list cell has an empty value; NULL if not, else why. */
const char *rec_list_problem(char sep, const char *cell, size_t len)
{
	if (!sep || len == 0)
		return NULL;
	if (cell[0] == sep || cell[len - 1] == sep)
		return "a list starts or ends with the separator";
	for (size_t i = 1; i < len; i++)
		if (cell[i] == sep && cell[i - 1] == sep)
			return "a list has an empty value";
	return NULL;
}

/* ---- attribute tables ---- */

static const struct rec_table *table_of(const rec_model *m, int side)
{
	return m->schema.tables[side].ids ? &m->schema.tables[side] : NULL;
}

/* The features of an id in a side's table, or none. */
static int table_kfeats(const rec_model *m, int side, const char *id,
			size_t len, struct rec_kfeat *out, int room)
{
	const struct rec_table *t = table_of(m, side);
	size_t at;
	if (!t || !rec_idset_find(t->ids, id, len, &at))
		return 0;
	if ((int)t->count[at] > room)
		return -1;
	if (t->count[at])
		memcpy(out, t->values + t->first[at],
		       t->count[at] * sizeof(*out));
	return (int)t->count[at];
}

/* Room for one more id (the idset numbers it t's count). */
static int table_grow(struct rec_table *t, size_t need)
{
	if (need <= t->cap)
		return 0;
	size_t cap = rec_grow_cap(t->cap, need, 256);
	uint32_t *first = cap ? rec_realloc_array(t->first, cap,
						  sizeof(*first)) : NULL;
	if (!first)
		return REC_ENOMEM;
	t->first = first;
	uint32_t *count = rec_realloc_array(t->count, cap, sizeof(*count));
	if (!count)
		return REC_ENOMEM;
	t->count = count;
	t->cap = cap;
	return 0;
}

static int table_put_values(struct rec_table *t, const struct rec_kfeat *v,
			    size_t n)
{
	if (t->nvalues + n > UINT32_MAX)
		return REC_ENOMEM;
	if (n == 0)
		return 0;
	struct rec_kfeat *values = rec_grow_array(t->values, &t->values_cap,
						  t->nvalues + n, 1024,
						  sizeof(*values));
	if (!values)
		return REC_ENOMEM;
	t->values = values;
	memcpy(t->values + t->nvalues, v, n * sizeof(*v));
	t->nvalues += n;
	return 0;
}

/* Add an id and its features; 1 when the id was there already. */
int rec_table_add(struct rec_table *t, const char *id, size_t len,
		  const struct rec_kfeat *v, size_t n)
{
	if (!t->ids && rec_idset_create(&t->ids) != 0)
		return REC_ENOMEM;
	size_t at;
	if (rec_idset_find(t->ids, id, len, &at))
		return 1;
	if (table_grow(t, rec_idset_size(t->ids) + 1) != 0)
		return REC_ENOMEM;
	uint32_t first = (uint32_t)t->nvalues;
	if (table_put_values(t, v, n) != 0 ||
	    rec_idset_add(t->ids, id, len, &at) < 0)
		return REC_ENOMEM;
	t->first[at] = first;
	t->count[at] = (uint32_t)n;
	return 0;
}

int rec_table_drop(struct rec_table *t, const rec_idset *ids,
		   uint64_t *removed)
{
	*removed = 0;
	size_t n = t->ids ? rec_idset_size(t->ids) : 0, at;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *id = rec_idset_id(t->ids, i, &len);
		*removed += (uint64_t)rec_idset_find(ids, id, len, &at);
	}
	if (*removed == 0)
		return 0;
	/* the others into a new table, in their order */
	struct rec_table kept = { 0 };
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *id = rec_idset_id(t->ids, i, &len);
		if (rec_idset_find(ids, id, len, &at))
			continue;
		if (rec_table_add(&kept, id, len,
				  t->count[i] ? t->values + t->first[i] : NULL,
				  t->count[i]) < 0) {
			table_free(&kept);
			*removed = 0;
			return REC_ENOMEM;
		}
	}
	table_free(t);
	*t = kept;
	return 0;
}

/* A header line split into names: TSV by tabs, CSV by commas with RFC
 * 4180 quotes.  Returns the count, or -1 past max. */
static int split_header(const char *line, size_t len, int csv, char **names,
			size_t *lens, int max, char *buf)
{
	int n = 0;
	size_t i = 0, out = 0;
	for (;;) {
		if (n == max)
			return -1;
		names[n] = buf + out;
		size_t start = out;
		if (csv && i < len && line[i] == '"') {
			for (i++; i < len; i++) {
				if (line[i] == '"') {
					if (i + 1 < len && line[i + 1] == '"')
						i++;
					else {
						i++;
						break;
					}
				}
				buf[out++] = line[i];
			}
		}
		while (i < len && line[i] != (csv ? ',' : '\t'))
			buf[out++] = line[i++];
		lens[n++] = out - start;
		buf[out++] = '\0';
		if (i >= len)
			return n;
		i++;	/* the separator */
	}
}

struct table_load {
	rec_model *m;
	int side;
	const char *path;
	uint32_t space[REC_MAX_FIELDS];	/* of each column; [0] unused */
	int ncols;
	struct rec_table t;
	long *lines;		/* line of each id, for duplicates */
	size_t lines_cap;
};

static int table_error(struct table_load *L, struct rec_error *err, long line,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int table_error(struct table_load *L, struct rec_error *err, long line,
		       const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return rec_fail(err, REC_EDATA, L->path, line, "%s", msg);
}

/* The header: every column but the first a namespace of the side. */
static int table_header(struct table_load *L, rec_reader *r,
			struct rec_error *err)
{
	struct rec_schema *s = &L->m->schema;
	size_t hlen;
	const char *h = rec_reader_header(r, &hlen);
	char *buf = rec_malloc(hlen + 1);
	char **names = rec_malloc_array(REC_MAX_FIELDS, sizeof(*names));
	size_t *lens = rec_malloc_array(REC_MAX_FIELDS, sizeof(*lens));
	int rc = 0;
	if (!buf || !names || !lens) {
		rc = rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	int n = split_header(h, hlen, rec_reader_is_csv(r), names, lens,
			     REC_MAX_FIELDS, buf);
	if (n < 2) {
		rc = table_error(L, err, 1,
				 "an attribute table needs a header line "
				 "naming an id column and at least one "
				 "attribute column");
		goto out;
	}
	L->ncols = n;
	for (int j = 0; j < n && !rc; j++) {
		double v;
		if (lens[j] == 0)
			rc = table_error(L, err, 1, "column %d of the header "
					 "has no name", j + 1);
		else if (rec_parse_double(names[j], lens[j], &v) == 0)
			rc = table_error(L, err, 1,
					 "the header's column %d is the number "
					 "'%s': the first line is data, but an "
					 "attribute table starts with a header "
					 "line naming its columns", j + 1,
					 names[j]);
		for (int i = 0; i < j && !rc; i++)
			if (lens[i] == lens[j] &&
			    memcmp(names[i], names[j], lens[j]) == 0)
				rc = table_error(L, err, 1,
						 "column '%s' is named twice in "
						 "the header", names[j]);
	}
	for (int j = 1; j < n && !rc; j++) {
		uint32_t at;
		if (space_find(s, names[j], lens[j], &at)) {
			const struct rec_space *sp = &s->spaces[at];
			if (sp->origin == REC_ORIGIN_ID || sp->side != L->side)
				rc = table_error(L, err, 1,
						 "attribute column '%s' is "
						 "already a namespace of the "
						 "%s side: rename the column",
						 names[j],
						 sp->side == REC_SIDE_QUERY
							 ? "query" : "item");
			L->space[j] = at;
			continue;
		}
		int numeric = list_has(L->m->params.numeric, names[j],
				       lens[j]);
		int arc = rec_schema_add_space(s, names[j], lens[j], L->side,
					       REC_ORIGIN_TABLE, numeric,
					       &at);
		if (arc == REC_EINVAL)
			rc = table_error(L, err, 1, "more than %d namespaces",
					 REC_MAX_SPACES);
		else if (arc)
			rc = rec_fail(err, arc, NULL, 0, "out of memory");
		L->space[j] = at;
	}
out:
	rec_free(buf);
	rec_free(names);
	rec_free(lens);
	return rc;
}

/* One row of a table into L->t. */
static int table_row(struct table_load *L, const struct rec_row *row,
		     long line, struct rec_kfeat *buf, struct rec_error *err)
{
	const rec_model *m = L->m;
	int n = 0;
	for (int j = 1; j < row->nfields; j++) {
		const struct rec_space *sp = &m->schema.spaces[L->space[j]];
		const char *cell = row->fields[j];
		size_t len = row->field_lens[j];
		double x = 0;
		if (sp->numeric && len > 0 &&
		    (rec_parse_double(cell, len, &x) != 0 || !isfinite(x)))
			return table_error(L, err, line,
					   "numeric column '%s': '%.*s' is "
					   "not a finite number", sp->name,
					   len > 40 ? 40 : (int)len, cell);
		const char *why = sp->numeric ? NULL
			: rec_list_problem(m->schema.list_sep, cell, len);
		if (why)
			return table_error(L, err, line, "column '%s': %s",
					   sp->name, why);
		int k = cell_kfeats(m, L->space[j], cell, len, x, buf + n,
				    REC_MAX_SIDE - n);
		if (k < 0)
			return table_error(L, err, line,
					   "more than %d attributes on one "
					   "line", REC_MAX_SIDE);
		n += k;
	}
	size_t at_before = L->t.ids ? rec_idset_size(L->t.ids) : 0;
	int rc = rec_table_add(&L->t, row->user, row->user_len, buf,
			       (size_t)n);
	if (rc == 1) {
		size_t at;
		rec_idset_find(L->t.ids, row->user, row->user_len, &at);
		return table_error(L, err, line,
				   "id '%.*s' appears again (first on line "
				   "%ld); each id must have one line",
				   row->user_len > 40 ? 40 : (int)row->user_len,
				   row->user, L->lines[at]);
	}
	if (rc)
		return rec_fail(err, rc, NULL, 0, "out of memory");
	long *lines = rec_grow_array(L->lines, &L->lines_cap, at_before + 1,
				     256, sizeof(*lines));
	if (!lines)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	L->lines = lines;
	L->lines[at_before] = line;
	return 0;
}

/* The old table's ids that the new one lacks keep their rows. */
static int table_merge(struct rec_table *t, const struct rec_table *old)
{
	if (!old->ids)
		return 0;
	size_t n = rec_idset_size(old->ids);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *id = rec_idset_id(old->ids, i, &len);
		int rc = rec_table_add(t, id, len,
				       old->count[i] ? old->values +
							       old->first[i]
						     : NULL,
				       old->count[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int rec_model_load_table(rec_model *m, int side, const char *path,
			 struct rec_error *err)
{
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	opt.columns.user = "1";
	opt.columns.item = NULL;
	opt.columns.label = NULL;
	opt.need = REC_NEED_USER;
	opt.header = 1;
	opt.csv = -1;
	opt.user_role = side == REC_SIDE_ITEM ? "item" : "user";
	rec_reader *r;
	const char *files[1] = { path };
	int rc = rec_reader_open(&r, files, 1, &opt, err);
	if (rc)
		return rc;
	/* the namespaces it adds stay if the load fails: they are names
	 * only, and no row refers to them */
	struct table_load L = { .m = m, .side = side, .path = path };
	struct rec_kfeat *buf = rec_malloc_array(REC_MAX_SIDE, sizeof(*buf));
	if (!buf) {
		rc = rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	struct rec_row row;
	int first = 1;
	while ((rc = rec_reader_next(r, &row, err)) == 1) {
		if (first) {
			first = 0;
			if ((rc = table_header(&L, r, err)) != 0)
				goto out;
		}
		if ((rc = table_row(&L, &row, rec_reader_line(r), buf,
				    err)) != 0)
			goto out;
	}
	if (rc == REC_EBADROW) {
		rc = REC_EDATA;	/* a table's bad line is no row to skip */
		if (err)
			err->code = rc;
	}
	if (rc)
		goto out;
	if (first) {
		rc = rec_fail(err, REC_EDATA, path, 0,
			      "the attribute table has no rows");
		goto out;
	}
	if ((rc = rec_schema_activate(m)) != 0 ||
	    (rc = table_merge(&L.t, &m->schema.tables[side])) != 0) {
		rc = rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	table_free(&m->schema.tables[side]);
	m->schema.tables[side] = L.t;
	L.t = (struct rec_table){ 0 };
out:
	table_free(&L.t);
	rec_free(L.lines);
	rec_free(buf);
	rec_reader_free(r);
	return rc;
}

size_t rec_model_table_size(const rec_model *m, int side)
{
	const struct rec_table *t = table_of(m, side);
	return t ? rec_idset_size(t->ids) : 0;
}

/* ---- the two sides of an event ---- */

int rec_row_kfeats(const rec_model *m, const struct rec_row *row,
		   struct rec_kfeat *out, int n[3], struct rec_error *err)
{
	const struct rec_schema *s = &m->schema;
	struct rec_kfeat *q = out, *it = out + REC_MAX_SIDE;
	int nq = 0, ni = 0, k;
	q[nq++] = (struct rec_kfeat){
		rec_feature_key(m, REC_SPACE_USER, row->user, row->user_len),
		1, 0 };
	it[ni++] = (struct rec_kfeat){
		rec_feature_key(m, REC_SPACE_ITEM, row->item, row->item_len),
		1, 1 };
	int nitem_event = 0;
	for (int c = 0; c < s->ncolumns && c < row->nextra; c++) {
		int item_side = c >= s->nquery;
		struct rec_kfeat *to = item_side ? it + ni : q + nq;
		k = cell_kfeats(m, s->column_space[c], row->extra[c],
				row->extra_len[c], row->extra_num[c], to,
				REC_MAX_SIDE - (item_side ? ni : nq));
		if (k < 0)
			goto too_many;
		*(item_side ? &ni : &nq) += k;
		if (item_side)
			nitem_event += k;
	}
	k = table_kfeats(m, REC_SIDE_QUERY, row->user, row->user_len, q + nq,
			 REC_MAX_SIDE - nq);
	if (k < 0)
		goto too_many;
	nq += k;
	k = table_kfeats(m, REC_SIDE_ITEM, row->item, row->item_len, it + ni,
			 REC_MAX_SIDE - ni);
	if (k < 0)
		goto too_many;
	ni += k;
	n[0] = nq;
	n[1] = ni;
	n[2] = nitem_event;
	return 0;
too_many:
	return rec_fail(err, REC_EDATA, NULL, 0,
			"an event has more than %d features on one side",
			REC_MAX_SIDE);
}

int rec_model_row_feats(const rec_model *m, const struct rec_row *row,
			struct rec_feat *f, int *nu, int *ni,
			struct rec_error *err)
{
	struct rec_kfeat k[2 * REC_MAX_SIDE];
	int n[3];
	int rc = rec_row_kfeats(m, row, k, n, err);
	if (rc)
		return rc;
	*nu = rec_kfeats_find(m, k, n[0], f);
	*ni = rec_kfeats_find(m, k + REC_MAX_SIDE, n[1], f + *nu);
	return 0;
}

/* Add x to the entry of row in f[0..n) or append it; the new count. */
static int merge_feat(struct rec_feat *f, int n, uint32_t row, float x)
{
	for (int i = 0; i < n; i++)
		if (f[i].row == row) {
			f[i].x += x;
			return n;
		}
	f[n] = (struct rec_feat){ row, x };
	return n + 1;
}

int rec_kfeats_intern(rec_model *m, const struct rec_kfeat *k, int n,
		      struct rec_feat *out)
{
	for (int i = 0; i < n; i++)
		rec_map_prefetch(&m->feature_index, k[i].key);
	int count = 0;
	for (int i = 0; i < n; i++) {
		uint32_t row;
		if (rec_model_intern(m, k[i].key, k[i].space, &row) != 0)
			return -1;
		count = merge_feat(out, count, row, k[i].x);
	}
	return count;
}

int rec_kfeats_find(const rec_model *m, const struct rec_kfeat *k, int n,
		    struct rec_feat *out)
{
	for (int i = 0; i < n; i++)
		rec_map_prefetch(&m->feature_index, k[i].key);
	int count = 0;
	for (int i = 0; i < n; i++) {
		uint32_t row = rec_model_find(m, k[i].key);
		if (row != UINT32_MAX)
			count = merge_feat(out, count, row, k[i].x);
	}
	return count;
}

/* ---- the catalogue's feature lists ---- */

/* Drop the lists' dead entries once they are as many as the live ones. */
static int catalogue_compact(struct rec_catalogue *c)
{
	const size_t live = c->kfeats_live;
	if (c->nkfeats < 2 * live + 1024)
		return 0;
	struct rec_kfeat *k = rec_malloc_array(live ? live : 1, sizeof(*k));
	if (!k)
		return REC_ENOMEM;
	size_t at = 0;
	for (size_t i = 0; i < c->count; i++) {
		struct rec_item *it = &c->items[i];
		if (it->feats_count)
			memcpy(k + at, c->kfeats + it->feats_first,
			       it->feats_count * sizeof(*k));
		it->feats_first = (uint32_t)at;
		at += it->feats_count;
	}
	rec_free(c->kfeats);
	c->kfeats = k;
	c->nkfeats = at;
	c->kfeats_cap = live ? live : 1;
	return 0;
}

int rec_catalogue_set_kfeats(rec_model *m, uint32_t item,
			     const struct rec_kfeat *k, int n)
{
	struct rec_catalogue *c = &m->catalogue;
	struct rec_item *it = &c->items[item];
	if ((int)it->feats_count == n) {
		if (n > 0)
			memcpy(c->kfeats + it->feats_first, k,
			       (size_t)n * sizeof(*k));
		return 0;
	}
	if (catalogue_compact(c) != 0)
		return REC_ENOMEM;
	if (c->nkfeats + (size_t)n > UINT32_MAX)
		return REC_ENOMEM;
	struct rec_kfeat *kf = rec_grow_array(c->kfeats, &c->kfeats_cap,
					      c->nkfeats + (size_t)n, 1024,
					      sizeof(*kf));
	if (!kf)
		return REC_ENOMEM;
	c->kfeats = kf;
	if (n > 0)
		memcpy(c->kfeats + c->nkfeats, k, (size_t)n * sizeof(*k));
	c->kfeats_live += (size_t)n - it->feats_count;
	it->feats_first = (uint32_t)c->nkfeats;
	it->feats_count = (uint32_t)n;
	c->nkfeats += (size_t)n;
	return 0;
}

int rec_item_kfeats(const rec_model *m, const char *id, size_t len,
		    uint32_t item, struct rec_kfeat *out)
{
	int n = 0;
	out[n++] = (struct rec_kfeat){
		rec_feature_key(m, REC_SPACE_ITEM, id, len), 1, 1 };
	if (item != UINT32_MAX && m->catalogue.items[item].feats_count) {
		const struct rec_item *it = &m->catalogue.items[item];
		uint32_t c = it->feats_count < REC_MAX_SIDE - 1
			? it->feats_count : REC_MAX_SIDE - 1;
		memcpy(out + n, m->catalogue.kfeats + it->feats_first,
		       c * sizeof(*out));
		n += (int)c;
	}
	int k = table_kfeats(m, REC_SIDE_ITEM, id, len, out + n,
			     REC_MAX_SIDE - n);
	return k > 0 ? n + k : n;
}

int rec_user_kfeats(const rec_model *m, const char *id, size_t len,
		    struct rec_kfeat *out)
{
	out[0] = (struct rec_kfeat){
		rec_feature_key(m, REC_SPACE_USER, id, len), 1, 0 };
	int k = table_kfeats(m, REC_SIDE_QUERY, id, len, out + 1,
			     REC_MAX_SIDE - 1);
	return k > 0 ? 1 + k : 1;
}

int rec_catalogue_item_feats(const rec_model *m, uint32_t item,
			     struct rec_kfeat *scratch, struct rec_feat *out)
{
	const struct rec_item *it = &m->catalogue.items[item];
	int n = rec_item_kfeats(m, m->catalogue.names + it->name_off,
				it->name_len, item, scratch);
	return rec_kfeats_find(m, scratch, n, out);
}

/* ---- what a model holds, for rec-info ---- */

int rec_model_has_features(const rec_model *m)
{
	return m->schema.active;
}

int rec_model_margin_row(const rec_model *m, const struct rec_row *row,
			 double *margin, struct rec_error *err)
{
	if (!m->schema.active || m->ease) {
		*margin = rec_model_margin(m, row->user, row->user_len,
					   row->item, row->item_len);
		return 0;
	}
	struct rec_feat f[2 * REC_MAX_SIDE];
	int nu, ni;
	int rc = rec_model_row_feats(m, row, f, &nu, &ni, err);
	if (rc)
		return rc;
	*margin = rec_fm_margin(m, f, nu, f + nu, ni);
	return 0;
}

int rec_model_locate_row(const rec_model *m, const struct rec_row *row,
			 struct rec_located *loc, struct rec_error *err)
{
	if (m->schema.active || m->ease) {
		loc->done = 1;
		loc->rows[0] = loc->rows[1] = UINT32_MAX;
		return rec_model_margin_row(m, row, &loc->margin, err);
	}
	/* the lookups rec_model_margin makes; the rows are read later */
	loc->done = 0;
	loc->margin = 0;
	rec_model_find_pair(m, row->user, row->user_len, row->item,
			    row->item_len, loc->rows);
	return 0;
}

double rec_model_margin_located(const rec_model *m,
				const struct rec_located *loc)
{
	return loc->done ? loc->margin
			 : rec_model_margin_rows(m, loc->rows[0], loc->rows[1]);
}

/* Add value to the term of name, made if new; the count of terms. */
static int add_term(struct rec_term *t, int n, int max, const char *name,
		    double value)
{
	for (int i = 0; i < n; i++)
		if (t[i].name == name) {
			t[i].value += value;
			return n;
		}
	if (n < max)
		t[n++] = (struct rec_term){ name, value };
	return n;
}

int rec_model_explain_row(const rec_model *m, const struct rec_row *row,
			  struct rec_term *terms, int max, double *margin,
			  struct rec_error *err)
{
	if (m->ease)
		return rec_fail(err, REC_EINVAL, NULL, 0,
				"an EASE score is no sum of weights to explain");
	int rc = rec_model_margin_row(m, row, margin, err);
	if (rc)
		return rc;
	int n = max > 0 ? 1 : 0;
	if (n)
		terms[0] = (struct rec_term){ "bias", m->bias[0] };
	double linear = m->bias[0];
	if (!m->schema.active) {
		uint32_t rows[2];
		rec_model_find_pair(m, row->user, row->user_len, row->item,
				    row->item_len, rows);
		const uint32_t u = rows[0], i = rows[1];
		if (u != UINT32_MAX) {
			double w = m->rows[(size_t)u * m->stride];
			n = add_term(terms, n, max, "user", w);
			linear += w;
		}
		if (i != UINT32_MAX) {
			double w = m->rows[(size_t)i * m->stride];
			n = add_term(terms, n, max, "item", w);
			linear += w;
		}
	} else {
		struct rec_feat f[2 * REC_MAX_SIDE];
		int nu, ni;
		rc = rec_model_row_feats(m, row, f, &nu, &ni, err);
		if (rc)
			return rc;
		for (int k = 0; k < nu + ni; k++) {
			double w = (double)m->rows[(size_t)f[k].row * m->stride] *
				   f[k].x;
			uint32_t space = m->feature_space[f[k].row];
			n = add_term(terms, n, max, m->schema.spaces[space].name,
				     w);
			linear += w;
		}
	}
	return add_term(terms, n, max, "interactions", *margin - linear);
}

double rec_user_side(const rec_model *m, const char *id, size_t len, float *q)
{
	struct rec_kfeat k[REC_MAX_SIDE];
	struct rec_feat f[REC_MAX_SIDE];
	int n = rec_kfeats_find(m, k, rec_user_kfeats(m, id, len, k), f);
	return rec_fm_side(m, f, n, q);
}

double rec_item_side(const rec_model *m, const char *id, size_t len,
		     uint32_t item, float *q)
{
	struct rec_kfeat k[REC_MAX_SIDE];
	struct rec_feat f[REC_MAX_SIDE];
	int n = rec_kfeats_find(m, k, rec_item_kfeats(m, id, len, item, k), f);
	return rec_fm_side(m, f, n, q);
}

double rec_fm_margin_ids(const rec_model *m, const char *user,
			 size_t user_len, const char *item, size_t item_len)
{
	float qu[REC_MAX_FACTORS + 1], qi[REC_MAX_FACTORS + 1];
	double s = (double)m->bias[0] + rec_user_side(m, user, user_len, qu) +
		   rec_item_side(m, item, item_len,
				 rec_catalogue_find(m, item, item_len), qi);
	float dot = 0;
	for (int j = 0; j < m->params.factors; j++)
		dot += qu[j] * qi[j];
	return s + dot;
}

size_t rec_model_spaces(const rec_model *m)
{
	return m->schema.nspaces;
}

int rec_model_space(const rec_model *m, size_t i, struct rec_space_info *info)
{
	if (i >= m->schema.nspaces)
		return 0;
	const struct rec_space *sp = &m->schema.spaces[i];
	static const char *const origins[] = { "id", "event", "attribute" };
	info->name = sp->name;
	info->side = sp->side == REC_SIDE_QUERY ? "query" : "item";
	info->origin = origins[sp->origin];
	info->numeric = sp->numeric;
	info->features = 0;
	info->nonzero = 0;
	if (!m->feature_space) {
		/* ids only: the catalogue's rows are the items' */
		const struct rec_catalogue *c = &m->catalogue;
		uint64_t items_nonzero = 0, nonzero = 0;
		for (size_t a = 0; a < c->count; a++)
			items_nonzero +=
				m->rows[(size_t)c->items[a].feature *
					m->stride] != 0;
		for (size_t r = 0; r < m->features; r++)
			nonzero += m->rows[r * m->stride] != 0;
		info->features = i == 1 ? c->count : m->features - c->count;
		info->nonzero = i == 1 ? items_nonzero
				       : nonzero - items_nonzero;
		return 1;
	}
	for (size_t r = 0; r < m->features; r++) {
		if (m->feature_space[r] != (uint32_t)i)
			continue;
		info->features++;
		info->nonzero += m->rows[r * m->stride] != 0;
	}
	return 1;
}
