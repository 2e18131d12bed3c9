/*
 * check_features.c - unit tests for side features (lib/features.c and the
 * parts of lib/model.c and lib/modelfile.c they use): list cells,
 * attribute tables, namespaces and keys, the factorization machine over
 * feature lists, FTRL-Proximal, and the format 2 chunks of the model file.
 */
#include <math.h>
#include <zlib.h>

#include "internal.h"
#include "testutil.h"

#define NEED_ULI (REC_NEED_USER | REC_NEED_ITEM | REC_NEED_LABEL)

static rec_model *new_model(const struct rec_params *p)
{
	rec_model *m = NULL;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_model_create(&m, p, &err);
	ck_assert_msg(rc == 0, "rec_model_create: %d %s", rc, err.msg);
	ck_assert_ptr_nonnull(m);
	return m;
}

/* The index of a namespace by name, or -1. */
static int space_index(const rec_model *m, const char *name)
{
	for (size_t i = 0; i < m->schema.nspaces; i++)
		if (strcmp(m->schema.spaces[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The entry of namespace name in a keyed list, or NULL. */
static const struct rec_kfeat *kfeat_in(const rec_model *m,
					const struct rec_kfeat *k, int n,
					const char *name, int nth)
{
	int s = space_index(m, name);
	ck_assert_msg(s >= 0, "no namespace %s", name);
	for (int i = 0; i < n; i++)
		if (k[i].space == (uint32_t)s && nth-- == 0)
			return &k[i];
	return NULL;
}

/* The key of a value in a namespace, as the documentation gives it. */
static uint64_t key_of(const rec_model *m, const char *space,
		       const char *value)
{
	uint64_t seed = rec_hash('n', space, strlen(space));
	return rec_hash_seeded(seed, value, strlen(value)) & m->key_mask;
}

/* ---- list cells ---- */

static const struct {
	char sep;
	const char *cell;
	const char *why;	/* a part of the reason, or NULL: good */
} lists[] = {
	{ '|', "a", NULL },
	{ '|', "a|b", NULL },
	{ '|', "a|b|c", NULL },
	{ '|', "", NULL },		/* an empty cell: no feature, not bad */
	{ '|', "a||b", "empty value" },
	{ '|', "||", "starts or ends" },
	{ '|', "|", "starts or ends" },
	{ '|', "|a", "starts or ends" },
	{ '|', "a|", "starts or ends" },
	{ '|', "a|b||", "starts or ends" },
	{ '|', "a|b||c|d", "empty value" },
	{ ';', "a|b", NULL },		/* another separator's lists */
	{ ';', "a;;b", "empty value" },
	{ 0, "a||b", NULL },		/* no separator: one value */
	{ 0, "|", NULL },
	{ ',', "x,y,z,w", NULL },
};

START_TEST(test_list_problem)
{
	const char sep = lists[_i].sep, *cell = lists[_i].cell;
	const char *why = rec_list_problem(sep, cell, strlen(cell));
	if (!lists[_i].why) {
		ck_assert_msg(why == NULL, "'%s' (sep '%c'): %s", cell, sep,
			      why);
		return;
	}
	ck_assert_msg(why != NULL, "'%s' (sep '%c') passed", cell, sep);
	ck_assert_msg(strstr(why, lists[_i].why) != NULL,
		      "'%s': '%s' lacks '%s'", cell, why, lists[_i].why);
}
END_TEST

/* Only the len bytes given are looked at. */
START_TEST(test_list_problem_length)
{
	ck_assert_ptr_null(rec_list_problem('|', "a|b||", 3));
	ck_assert_ptr_nonnull(rec_list_problem('|', "a|b||", 4));
	ck_assert_ptr_null(rec_list_problem('|', "|a", 0));
}
END_TEST

/* ---- attribute tables ---- */

/* A model of ids with a list separator and numeric columns. */
static rec_model *table_model(const char *numeric)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.bits = 24;
	p.factors = 2;
	p.list_sep = "|";
	p.numeric = numeric;
	return new_model(&p);
}

static void load_ok(rec_model *m, int side, const char *path)
{
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_model_load_table(m, side, path, &err);
	ck_assert_msg(rc == 0, "rec_model_load_table %s: %d %s:%ld: %s", path,
		      rc, err.file, err.line, err.msg);
}

/* Load must fail with REC_EDATA at line; the message in err.  (err.code
 * is checked by the callers: see test_table_error_code.) */
static void load_bad(rec_model *m, int side, const char *path, long line,
		     struct rec_error *err)
{
	memset(err, 0, sizeof(*err));
	int rc = rec_model_load_table(m, side, path, err);
	ck_assert_msg(rc == REC_EDATA, "%s: code %d (%s)", path, rc,
		      err->msg);
	ck_assert_str_eq(err->file, path);
	ck_assert_msg(err->line == line, "%s: line %ld, wanted %ld (%s)",
		      path, err->line, line, err->msg);
}

/* The keyed query side of a user: the id and its attributes. */
static int user_side(const rec_model *m, const char *id,
		     struct rec_kfeat *k)
{
	return rec_user_kfeats(m, id, strlen(id), k);
}

START_TEST(test_table_good)
{
	char *dir = tu_mkdir();
	char *path = tu_write_str(dir, "u.tsv",
				  "id\tage\tregion\tgenres\n"
				  "u1\t3\tr1\ta|b|c\n"
				  "u2\t-2.5\tr2\t\n"
				  "u3\t0\t\tz\n"
				  "u4\t1e3\tr1\ta|b\n");
	rec_model *m = table_model("age");
	ck_assert_int_eq(rec_model_has_features(m), 0);
	ck_assert_uint_eq(rec_model_table_size(m, REC_USERS), 0);
	load_ok(m, REC_USERS, path);
	ck_assert_int_eq(rec_model_has_features(m), 1);
	ck_assert_uint_eq(rec_model_table_size(m, REC_USERS), 4);
	ck_assert_uint_eq(rec_model_table_size(m, REC_ITEMS), 0);
	/* the header's columns are namespaces of the query side */
	ck_assert_uint_eq(rec_model_spaces(m), 5);
	static const char *const names[] = { "user", "item", "age", "region",
					     "genres" };
	for (size_t i = 0; i < 5; i++) {
		struct rec_space_info info;
		ck_assert_int_eq(rec_model_space(m, i, &info), 1);
		ck_assert_str_eq(info.name, names[i]);
		ck_assert_str_eq(info.side, i == 1 ? "item" : "query");
		ck_assert_str_eq(info.origin, i < 2 ? "id" : "attribute");
		ck_assert_int_eq(info.numeric, i == 2);
	}
	struct rec_model_info mi;
	rec_model_info(m, &mi);
	ck_assert_uint_eq(mi.user_table, 4);
	ck_assert_uint_eq(mi.cold_items, 0);

	struct rec_kfeat k[REC_MAX_SIDE];
	/* u1: id, age 3 (ln 4), region, three genres of 1/sqrt(3) each */
	int n = user_side(m, "u1", k);
	ck_assert_int_eq(n, 6);
	ck_assert_uint_eq(k[0].key, rec_feature_key(m, REC_SPACE_USER, "u1", 2));
	ck_assert(k[0].x == 1.0f);
	ck_assert_uint_eq(k[0].space, 0);
	const struct rec_kfeat *f = kfeat_in(m, k, n, "age", 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_float_eq_tol(f->x, logf(4.0f), 1e-6f);
	ck_assert_uint_eq(f->key, key_of(m, "age", ""));
	f = kfeat_in(m, k, n, "region", 0);
	ck_assert_ptr_nonnull(f);
	ck_assert(f->x == 1.0f);
	ck_assert_uint_eq(f->key, key_of(m, "region", "r1"));
	static const char *const genres[] = { "a", "b", "c" };
	for (int g = 0; g < 3; g++) {
		f = kfeat_in(m, k, n, "genres", g);
		ck_assert_ptr_nonnull(f);
		ck_assert_float_eq_tol(f->x, 1 / sqrtf(3), 1e-7f);
		ck_assert_uint_eq(f->key, key_of(m, "genres", genres[g]));
	}
	ck_assert_ptr_null(kfeat_in(m, k, n, "genres", 3));
	/* u2: a negative number, an empty list: no genre */
	n = user_side(m, "u2", k);
	ck_assert_int_eq(n, 3);
	f = kfeat_in(m, k, n, "age", 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_float_eq_tol(f->x, -logf(3.5f), 1e-6f);
	ck_assert_ptr_null(kfeat_in(m, k, n, "genres", 0));
	/* u3: 0 adds nothing, nor does an empty cell; a list of one is 1 */
	n = user_side(m, "u3", k);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_null(kfeat_in(m, k, n, "age", 0));
	ck_assert_ptr_null(kfeat_in(m, k, n, "region", 0));
	f = kfeat_in(m, k, n, "genres", 0);
	ck_assert_ptr_nonnull(f);
	ck_assert(f->x == 1.0f);
	/* u4: an exponent; two genres of 1/sqrt(2) */
	n = user_side(m, "u4", k);
	ck_assert_int_eq(n, 5);
	f = kfeat_in(m, k, n, "age", 0);
	ck_assert_float_eq_tol(f->x, (float)log1p(1000.0), 1e-5f);
	ck_assert_float_eq_tol(kfeat_in(m, k, n, "genres", 1)->x,
			       1 / sqrtf(2), 1e-7f);
	/* an id without a row: the id alone */
	ck_assert_int_eq(user_side(m, "u5", k), 1);
	/* the same text as a number of the same namespace: one key */
	ck_assert_uint_eq(kfeat_in(m, k, user_side(m, "u1", k), "age", 0)->key,
			  key_of(m, "age", ""));

	rec_model_free(m);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_table_csv_gzip)
{
	char *dir = tu_mkdir();
	static const char csv[] = "id,brand,\"tags\"\n"
				  "i1,b1,\"x|y\"\n"
				  "\"i,2\",b2,z\n";
	char *path = tu_write_gz(dir, "items.csv.gz", csv, strlen(csv));
	rec_model *m = table_model(NULL);
	load_ok(m, REC_ITEMS, path);
	ck_assert_uint_eq(rec_model_table_size(m, REC_ITEMS), 2);
	struct rec_model_info mi;
	rec_model_info(m, &mi);
	ck_assert_uint_eq(mi.item_table, 2);
	ck_assert_uint_eq(mi.cold_items, 2);	/* no event met them */
	struct rec_kfeat k[REC_MAX_SIDE];
	int n = rec_item_kfeats(m, "i,2", 3, UINT32_MAX, k);
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(k[0].key, rec_feature_key(m, REC_SPACE_ITEM, "i,2", 3));
	ck_assert_uint_eq(k[0].space, 1);
	ck_assert_uint_eq(kfeat_in(m, k, n, "brand", 0)->key,
			  key_of(m, "brand", "b2"));
	n = rec_item_kfeats(m, "i1", 2, UINT32_MAX, k);
	ck_assert_int_eq(n, 4);
	ck_assert_uint_eq(kfeat_in(m, k, n, "tags", 1)->key,
			  key_of(m, "tags", "y"));
	struct rec_space_info info;
	ck_assert_int_eq(rec_model_space(m, 2, &info), 1);
	ck_assert_str_eq(info.side, "item");
	rec_model_free(m);
	free(path);
	free(dir);
}
END_TEST

/* Tables with a bad header or line; row: the reader finds the line bad
 * (the wrong number of columns, an empty id). */
static const struct {
	const char *text;
	long line;
	const char *says;
	int row;
} bad_tables[] = {
	{ "u1\t30\nu2\t40\n", 1, "the first line is data", 0 },
	{ "id\nu1\nu2\n", 1, "at least one attribute column", 0 },
	{ "id\tage\tage\nu1\t1\t2\n", 1, "named twice", 0 },
	{ "id\t\nu1\t1\n", 1, "no name", 0 },
	{ "id\tage\tregion\nu1\t1\n", 2, "expected 3 columns", 1 },
	{ "id\tage\nu1\t1\t2\n", 2, "expected 2 columns", 1 },
	{ "id\tage\nu1\t1\n\t2\n", 3, "empty", 1 },
	{ "id\tregion\nu1\ta||b\n", 2, "empty value", 0 },
	{ "id\tregion\nu1\ta|\n", 2, "starts or ends", 0 },
	{ "id\titem\nu1\tx\n", 1, "already a namespace", 0 },
};

START_TEST(test_table_errors)
{
	char *dir = tu_mkdir();
	rec_model *m = table_model("age");
	char *good = tu_write_str(dir, "good.tsv",
				  "id\tage\nu1\t30\nu2\t40\n");
	load_ok(m, REC_USERS, good);
	struct rec_kfeat before[REC_MAX_SIDE], k[REC_MAX_SIDE];
	int nbefore = user_side(m, "u1", before);
	ck_assert_int_eq(nbefore, 2);
	struct rec_error err;

	/* an id on two lines: both lines named */
	char *p = tu_write_str(dir, "dup.tsv",
			       "id\tage\nu1\t1\nu3\t2\nu4\t3\nu3\t4\n");
	load_bad(m, REC_USERS, p, 5, &err);
	ck_assert_int_eq(err.code, REC_EDATA);
	ck_assert_msg(strstr(err.msg, "'u3'") && strstr(err.msg, "line 3"),
		      "message '%s'", err.msg);
	free(p);
	/* numbers that are not finite numbers */
	static const char *const numbers[] = { "abc", "inf", "nan", "-inf",
					       "1e999", " 3", "3 ", "0x10",
					       "1,5" };
	for (size_t i = 0; i < TU_ARRAY_LEN(numbers); i++) {
		char text[64];
		snprintf(text, sizeof(text), "id\tage\nu1\t5\nu9\t%s\n",
			 numbers[i]);
		p = tu_write_str(dir, "num.tsv", text);
		load_bad(m, REC_USERS, p, 3, &err);
		ck_assert_int_eq(err.code, REC_EDATA);
		ck_assert_msg(strstr(err.msg, "age") &&
			      strstr(err.msg, "not a finite number"),
			      "'%s': message '%s'", numbers[i], err.msg);
		free(p);
	}
	/* the header: data, one column, a name twice, an empty name */
	for (size_t i = 0; i < TU_ARRAY_LEN(bad_tables); i++) {
		p = tu_write_str(dir, "bad.tsv", bad_tables[i].text);
		load_bad(m, REC_USERS, p, bad_tables[i].line, &err);
		if (!bad_tables[i].row)
			ck_assert_int_eq(err.code, REC_EDATA);
		ck_assert_msg(strstr(err.msg, bad_tables[i].says) != NULL,
			      "case %zu: message '%s' lacks '%s'", i, err.msg,
			      bad_tables[i].says);
		free(p);
	}
	/* no rows at all, and a missing file */
	p = tu_write_str(dir, "none.tsv", "id\tage\n");
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(rec_model_load_table(m, REC_USERS, p, &err), REC_EDATA);
	free(p);
	p = tu_path(dir, "missing.tsv");
	ck_assert_int_eq(rec_model_load_table(m, REC_USERS, p, &err), REC_EIO);
	free(p);
	/* after every failure the table is as it was */
	ck_assert_uint_eq(rec_model_table_size(m, REC_USERS), 2);
	ck_assert_int_eq(user_side(m, "u1", k), nbefore);
	ck_assert_mem_eq(k, before, (size_t)nbefore * sizeof(*k));
	ck_assert_int_eq(user_side(m, "u3", k), 1);
	rec_model_free(m);
	free(good);
	free(dir);
}
END_TEST

/*
 * When the reader finds a line of a table bad (the wrong number of
 * columns, an empty id), rec_model_load_table returns REC_EDATA and
 * err.code says the same, as rec.h promises.
 */
START_TEST(test_table_error_code)
{
	char *dir = tu_mkdir();
	rec_model *m = table_model("age");
	struct rec_error err;
	for (size_t i = 0; i < TU_ARRAY_LEN(bad_tables); i++) {
		char *p = tu_write_str(dir, "bad.tsv", bad_tables[i].text);
		load_bad(m, REC_USERS, p, bad_tables[i].line, &err);
		ck_assert_msg(err.code == REC_EDATA,
			      "case %zu: returned REC_EDATA, err.code %d", i,
			      err.code);
		free(p);
	}
	rec_model_free(m);
	free(dir);
}
END_TEST

/* A newer table's rows replace the old ones of its ids; the others stay. */
START_TEST(test_table_newer)
{
	char *dir = tu_mkdir();
	rec_model *m = table_model(NULL);
	char *a = tu_write_str(dir, "a.tsv",
			       "id\tregion\tlang\nu1\tr1\tl1\nu2\tr2\tl2\n");
	char *b = tu_write_str(dir, "b.tsv", "id\tregion\nu1\tr9\nu3\tr3\n");
	load_ok(m, REC_USERS, a);
	struct rec_kfeat k[REC_MAX_SIDE];
	ck_assert_int_eq(user_side(m, "u1", k), 3);
	load_ok(m, REC_USERS, b);
	ck_assert_uint_eq(rec_model_table_size(m, REC_USERS), 3);
	/* u1: b's row whole (no lang any more) */
	int n = user_side(m, "u1", k);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(kfeat_in(m, k, n, "region", 0)->key,
			  key_of(m, "region", "r9"));
	ck_assert_ptr_null(kfeat_in(m, k, n, "lang", 0));
	/* u2: a's row */
	n = user_side(m, "u2", k);
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(kfeat_in(m, k, n, "lang", 0)->key,
			  key_of(m, "lang", "l2"));
	/* u3: new */
	n = user_side(m, "u3", k);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(kfeat_in(m, k, n, "region", 0)->key,
			  key_of(m, "region", "r3"));
	rec_model_free(m);
	free(a);
	free(b);
	free(dir);
}
END_TEST

/* ---- namespaces and keys ---- */

START_TEST(test_keys_by_namespace)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.bits = 30;
	p.factors = 2;
	p.features = "age,city";
	p.item_features = "genre";
	rec_model *m = new_model(&p);
	ck_assert_int_eq(rec_model_has_features(m), 1);
	ck_assert_uint_eq(m->schema.nspaces, 5);
	ck_assert_int_eq(m->schema.ncolumns, 3);
	ck_assert_int_eq(m->schema.nquery, 2);
	/* one row whose every column holds "3" */
	struct rec_row row;
	memset(&row, 0, sizeof(row));
	row.user = "3";
	row.user_len = 1;
	row.item = "3";
	row.item_len = 1;
	row.nextra = 3;
	for (int i = 0; i < 3; i++) {
		row.extra[i] = "3";
		row.extra_len[i] = 1;
	}
	row.weight = 1;
	struct rec_kfeat k[2 * REC_MAX_SIDE];
	int n[3];
	struct rec_error err;
	ck_assert_int_eq(rec_row_kfeats(m, &row, k, n, &err), 0);
	ck_assert_int_eq(n[0], 3);
	ck_assert_int_eq(n[1], 2);
	const struct rec_kfeat *q = k, *it = k + REC_MAX_SIDE;
	/* the ids keep format 1's keys */
	ck_assert_uint_eq(q[0].key, rec_hash(REC_SPACE_USER, "3", 1) & m->key_mask);
	ck_assert_uint_eq(it[0].key, rec_hash(REC_SPACE_ITEM, "3", 1) & m->key_mask);
	ck_assert_uint_eq(q[1].key, key_of(m, "age", "3"));
	ck_assert_uint_eq(q[2].key, key_of(m, "city", "3"));
	ck_assert_uint_eq(it[1].key, key_of(m, "genre", "3"));
	ck_assert_uint_eq(q[1].space, 2);
	ck_assert_uint_eq(q[2].space, 3);
	ck_assert_uint_eq(it[1].space, 4);
	/* five namespaces, five keys for the same text */
	uint64_t keys[5] = { q[0].key, q[1].key, q[2].key, it[0].key,
			     it[1].key };
	for (int a = 0; a < 5; a++)
		for (int b = a + 1; b < 5; b++)
			ck_assert_msg(keys[a] != keys[b],
				      "keys %d and %d are the same", a, b);
	/* the seed follows the name: another model's "age" has the same */
	struct rec_params p2 = p;
	p2.features = "city,age";
	p2.item_features = NULL;
	rec_model *m2 = new_model(&p2);
	struct rec_row row2 = row;
	row2.nextra = 2;
	ck_assert_int_eq(rec_row_kfeats(m2, &row2, k, n, &err), 0);
	ck_assert_int_eq(n[0], 3);
	ck_assert_int_eq(n[1], 1);
	ck_assert_uint_eq(k[1].key, keys[2]);	/* city */
	ck_assert_uint_eq(k[2].key, keys[1]);	/* age */
	/* other text, other key; an empty cell no feature */
	row.extra[0] = "4";
	row.extra_len[2] = 0;
	ck_assert_int_eq(rec_row_kfeats(m, &row, k, n, &err), 0);
	ck_assert_int_eq(n[1], 1);
	ck_assert(k[1].key != keys[1]);
	ck_assert_uint_eq(k[1].key, key_of(m, "age", "4"));
	rec_model_free(m2);
	rec_model_free(m);
}
END_TEST

/* A feature column that names the user or item namespace, or one given
 * twice, is refused when the model is made. */
START_TEST(test_schema_refuses)
{
	static const struct {
		const char *features, *item_features;
	} bad[] = {
		{ "user", NULL }, { NULL, "item" }, { "a,a", NULL },
		{ "a", "a" }, { "a,,b", NULL }, { ",a", NULL },
		{ "item", NULL }, { NULL, "user" },
		/* a trailing comma is an empty column too */
		{ "a,", NULL }, { NULL, "b," },
	};
	for (size_t i = 0; i < TU_ARRAY_LEN(bad); i++) {
		struct rec_params p;
		rec_params_init(&p, REC_TASK_BINARY);
		p.features = bad[i].features;
		p.item_features = bad[i].item_features;
		rec_model *m = (rec_model *)(void *)&p;	/* must be reset */
		struct rec_error err;
		memset(&err, 0, sizeof(err));
		ck_assert_msg(rec_model_create(&m, &p, &err) == REC_EINVAL,
			      "case %zu accepted", i);
		ck_assert_ptr_null(m);
		ck_assert_msg(err.msg[0] != '\0', "case %zu: no message", i);
	}
	/* --numeric naming no column */
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.features = "a";
	p.numeric = "b";
	rec_model *m = new_model(&p);
	struct rec_error err;
	ck_assert_int_eq(rec_model_check_features(m, &err), REC_EINVAL);
	ck_assert_msg(strstr(err.msg, "'b'") != NULL, "message '%s'", err.msg);
	rec_model_free(m);
	p.numeric = "a";
	m = new_model(&p);
	ck_assert_int_eq(rec_model_check_features(m, &err), 0);
	ck_assert_int_eq(m->schema.spaces[2].numeric, 1);
	rec_model_free(m);
}
END_TEST

/* ---- the factorization machine over lists ---- */

/* A model with five rows of chosen weights and factors (k = 2). */
static rec_model *fm_model(enum rec_interactions inter, uint32_t *rows)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.bits = 20;
	p.factors = 2;
	p.interactions = inter;
	p.l2 = 0;
	p.l2_factors = 0;
	rec_model *m = new_model(&p);
	static const float w[5] = { 0.5f, -0.25f, 1.0f, 0.125f, -2.0f };
	static const float v[5][2] = {
		{ 1, 2 }, { -1, 0.5f }, { 0.5f, -3 }, { 2, 1 }, { -0.5f, 0.25f }
	};
	for (int r = 0; r < 5; r++) {
		ck_assert_int_eq(rec_model_intern(m, 100 + (uint64_t)r,
						  r < 2 ? 0 : 1, &rows[r]), 0);
		float *row = m->rows + (size_t)rows[r] * m->stride;
		row[0] = w[r];
		row[1] = v[r][0];
		row[2] = v[r][1];
	}
	m->bias[0] = 0.75f;
	return m;
}

START_TEST(test_fm_margin)
{
	const enum rec_interactions inter = _i ? REC_ALL : REC_CROSS;
	uint32_t r[5];
	rec_model *m = fm_model(inter, r);
	/* query side: rows 0 (x 1) and 1 (x 0.5); item side: rows 2 (x 1),
	 * 3 (x 2) and 4 (x -1) */
	struct rec_feat u[2] = { { r[0], 1 }, { r[1], 0.5f } };
	struct rec_feat i[3] = { { r[2], 1 }, { r[3], 2 }, { r[4], -1 } };
	/* by hand:
	 * linear: 0.75 + 0.5 - 0.125 + 1 + 0.25 + 2 = 4.375
	 * sum_u x v = (1, 2) + (-0.5, 0.25) = (0.5, 2.25)
	 * sum_i x v = (0.5, -3) + (4, 2) + (0.5, -0.25) = (5, -1.25)
	 * cross: 0.5 * 5 - 2.25 * 1.25 = -0.3125
	 * within U: 1 * 0.5 <(1, 2), (-1, 0.5)> = 0.5 * 0 = 0
	 * within I: 1 * 2 <(0.5, -3), (2, 1)> = 2 * -2 = -4
	 *         + 1 * -1 <(0.5, -3), (-0.5, 0.25)> = -1 * -1 = 1
	 *         + 2 * -1 <(2, 1), (-0.5, 0.25)> = -2 * -0.75 = 1.5
	 *  = -1.5 */
	const double cross = 4.375 - 0.3125, all = cross + 0 - 1.5;
	double s = rec_fm_margin(m, u, 2, i, 3);
	ck_assert_double_eq_tol(s, inter == REC_ALL ? all : cross, 1e-6);
	/* one side's sums */
	float q[2];
	double lin = rec_fm_side(m, i, 3, q);
	ck_assert_double_eq_tol(q[0], 5, 1e-6);
	ck_assert_double_eq_tol(q[1], -1.25, 1e-6);
	ck_assert_double_eq_tol(lin, inter == REC_ALL ? 3.25 - 1.5 : 3.25,
				1e-6);
	/* an empty item side: the bias and the query side only */
	s = rec_fm_margin(m, u, 2, i, 0);
	ck_assert_double_eq_tol(s, 0.75 + 0.375, 1e-6);
	/* one feature a side: the margin of the two ids, as format 1 */
	s = rec_fm_margin(m, u, 1, i, 1);
	ck_assert_double_eq_tol(s, rec_model_margin_rows(m, r[0], r[2]),
				1e-6);
	ck_assert_double_eq_tol(s, 0.75 + 0.5 + 1 + (0.5 - 6), 1e-6);
	rec_model_free(m);
}
END_TEST

/* A learning step moves the margin of its event towards the label, for
 * both kinds of interactions. */
START_TEST(test_fm_learn_direction)
{
	const enum rec_interactions inter = _i ? REC_ALL : REC_CROSS;
	uint32_t r[5];
	rec_model *m = fm_model(inter, r);
	struct rec_feat u[2] = { { r[0], 1 }, { r[1], 0.5f } };
	struct rec_feat i[3] = { { r[2], 1 }, { r[3], 2 }, { r[4], -1 } };
	double before = rec_fm_margin(m, u, 2, i, 3), margin = 0;
	rec_fm_learn(m, u, 2, i, 3, 0, 1, 1, &margin, 0);
	ck_assert_double_eq_tol(margin, before, 1e-9);
	double after = rec_fm_margin(m, u, 2, i, 3);
	ck_assert_msg(after < before, "label 0: %g -> %g", before, after);
	for (int s = 0; s < 200; s++)
		rec_fm_learn(m, u, 2, i, 3, 1, 1, 1, NULL, 0);
	ck_assert_msg(rec_fm_margin(m, u, 2, i, 3) > after,
		      "label 1 many times did not raise the margin");
	ck_assert_uint_eq(m->feature_events[r[0]], 201);
	rec_model_free(m);
}
END_TEST

/* ---- FTRL-Proximal ---- */

START_TEST(test_ftrl_l1)
{
	const int k = _i ? 2 : 0;
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.bits = 20;
	p.factors = k;
	p.optimizer = REC_OPT_FTRL;
	p.l1 = 1.5;
	p.l2 = 0.5;
	p.ftrl_alpha = 0.2;
	p.ftrl_beta = 1;
	ck_assert_ptr_null(rec_params_check(&p));
	rec_model *m = new_model(&p);
	ck_assert_uint_eq(m->stride, 2 * (1 + (size_t)k) + 1);
	uint32_t ru, ri;
	ck_assert_int_eq(rec_model_intern(m, 1, 0, &ru), 0);
	ck_assert_int_eq(rec_model_intern(m, 2, 1, &ri), 0);
	/* a new row: w, n and z all 0 */
	const float *row = m->rows + (size_t)ri * m->stride;
	ck_assert(row[0] == 0 && row[1 + k] == 0 && row[2 + 2 * k] == 0);
	struct rec_feat u = { ru, 1 }, it = { ri, 1 };
	int held = 0, moved = 0;
	float last_z = 0;
	for (int s = 0; s < 60; s++) {
		rec_fm_learn(m, &u, 1, &it, 1, 1, 1, 1, NULL, 0);
		const float w = row[0], n = row[1 + k], z = row[2 + 2 * k];
		/* label 1 every time: every gradient is negative */
		ck_assert_msg(z < last_z, "step %d: z %g after %g", s, z,
			      last_z);
		last_z = z;
		ck_assert(n > 0);
		if (fabsf(z) <= 1.5f) {
			ck_assert_msg(w == 0.0f, "step %d: w %g with z %g", s,
				      w, z);
			held++;
			continue;
		}
		/* the closed form: -(z - sign(z) l1) / ((beta + sqrt n) /
		 * alpha + l2) */
		double want = -(z + 1.5) / ((1 + sqrt(n)) / 0.2 + 0.5);
		ck_assert_double_eq_tol(w, want, 1e-5 * fabs(want));
		ck_assert(w > 0);
		moved++;
	}
	ck_assert_msg(held >= 2 && moved >= 10, "held %d, moved %d", held,
		      moved);
	/* l1 0: a weight moves at the first step */
	rec_model_free(m);
	p.l1 = 0;
	m = new_model(&p);
	ck_assert_int_eq(rec_model_intern(m, 1, 0, &ru), 0);
	ck_assert_int_eq(rec_model_intern(m, 2, 1, &ri), 0);
	u.row = ru;
	it.row = ri;
	rec_fm_learn(m, &u, 1, &it, 1, 1, 1, 1, NULL, 0);
	ck_assert(m->rows[(size_t)ri * m->stride] > 0);
	struct rec_model_info info;
	rec_model_info(m, &info);
	ck_assert_uint_eq(info.nonzero, 2);
	rec_model_free(m);
}
END_TEST

/* A large L1 keeps the weights of rare features at exactly 0, and
 * rec_model_info counts what is left. */
START_TEST(test_ftrl_nonzero_count)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.bits = 20;
	p.factors = 0;
	p.optimizer = REC_OPT_FTRL;
	p.l1 = 2;
	rec_model *m = new_model(&p);
	uint32_t rows[12];
	for (int r = 0; r < 12; r++)
		ck_assert_int_eq(rec_model_intern(m, 10 + (uint64_t)r,
						  r % 2, &rows[r]), 0);
	/* rows 0 and 1 in every event, the others once each */
	for (int e = 0; e < 40; e++) {
		struct rec_feat u[2] = { { rows[0], 1 },
					 { rows[2 + (e % 5) * 2], 1 } };
		struct rec_feat i[2] = { { rows[1], 1 },
					 { rows[3 + (e % 5) * 2], 1 } };
		rec_fm_learn(m, u, e < 5 ? 2 : 1, i, e < 5 ? 2 : 1, 1, 1, 1,
			     NULL, 0);
	}
	struct rec_model_info info;
	rec_model_info(m, &info);
	ck_assert_uint_eq(info.features, 12);
	ck_assert_uint_eq(info.nonzero, 2);
	ck_assert(m->rows[(size_t)rows[0] * m->stride] != 0);
	ck_assert(m->rows[(size_t)rows[5] * m->stride] == 0);
	rec_model_free(m);
}
END_TEST

/* ---- the model file, format 2 ---- */

static const char events_text[] =
	"user\titem\tlabel\tg\tc\tprice\n"
	"u1\ti1\t1\tg1\tc1|c2\t3.5\n"
	"u2\ti1\t0\tg2\tc1\t-1\n"
	"u1\ti2\t1\tg1\tc3\t0\n"
	"u3\ti3\t1\tg2\tc2|c3|c1\t12\n"
	"u2\ti2\t0\tg1\t\t2\n"
	"u4\ti1\t1\tg3\tc9\t7\n"
	"u3\ti2\t0\tg2\tc2\t\n"
	"u1\ti3\t1\tg1\tc1\t1\n";

/* A trained model with every kind of side feature: query and item
 * feature columns, a list column, a numeric column, attribute tables of
 * both sides (one numeric), all interactions and FTRL. */
static rec_model *features_model(const char *dir)
{
	char *ut = tu_write_str(dir, "users.tsv",
				"id\tage\tregion\nu1\t30\tr1|r2\nu2\t41\tr2\n"
				"u9\t22\tr3\n");
	char *it = tu_write_str(dir, "items.tsv",
				"id\tbrand\ni1\tb1\ni2\tb2\ncold\tb1\n");
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.bits = 20;
	p.factors = 3;
	p.optimizer = REC_OPT_FTRL;
	p.l1 = 0.01;
	p.ftrl_alpha = 0.3;
	p.ftrl_beta = 0.5;
	p.interactions = REC_ALL;
	p.passes = 1;
	p.holdout = 0;
	p.shuffle = 0;
	p.features = "g";
	p.item_features = "c,price";
	p.numeric = "price,age";
	p.list_sep = "|";
	p.input.header = 1;
	rec_model *m = new_model(&p);
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	load_ok(m, REC_USERS, ut);
	load_ok(m, REC_ITEMS, it);
	ck_assert_int_eq(rec_model_check_features(m, &err), 0);
	struct rec_reader_options opt = p.input;
	rec_model_reader_columns(m, &opt);
	opt.need = NEED_ULI;
	struct rec_mem_input in = { events_text, strlen(events_text), "ev" };
	rec_reader *r;
	ck_assert_int_eq(rec_reader_open_mem(&r, &in, 1, &opt, &err), 0);
	int rc = rec_train_stream(m, r, NULL, NULL, NULL, NULL, &err);
	ck_assert_msg(rc == 0, "rec_train_stream: %s", err.msg);
	ck_assert_uint_eq(rec_reader_bad_rows(r), 0);
	rec_reader_free(r);
	free(ut);
	free(it);
	return m;
}

static unsigned char *encode(const rec_model *m, size_t *len)
{
	void *img;
	struct rec_error err;
	int rc = rec_model_encode(m, 1700000000, &img, len, &err);
	ck_assert_msg(rc == 0, "rec_model_encode: %s", err.msg);
	return img;
}

static rec_model *decode_ok(const void *img, size_t len)
{
	rec_model *m = NULL;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_model_decode(&m, img, len, "mem", &err);
	ck_assert_msg(rc == 0, "rec_model_decode: %d %s", rc, err.msg);
	return m;
}

static void str_same(const char *a, const char *b)
{
	if (!a || !b)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

static void same_kfeats(const struct rec_kfeat *a, const struct rec_kfeat *b,
			size_t n)
{
	for (size_t j = 0; j < n; j++) {
		ck_assert_uint_eq(a[j].key, b[j].key);
		ck_assert(a[j].x == b[j].x);
		ck_assert_uint_eq(a[j].space, b[j].space);
	}
}

static void same_table(const struct rec_table *a, const struct rec_table *b)
{
	ck_assert_int_eq(a->ids != NULL, b->ids != NULL);
	if (!a->ids)
		return;
	size_t n = rec_idset_size(a->ids);
	ck_assert_uint_eq(n, rec_idset_size(b->ids));
	for (size_t i = 0; i < n; i++) {
		size_t la, lb;
		const char *ia = rec_idset_id(a->ids, i, &la);
		const char *ib = rec_idset_id(b->ids, i, &lb);
		ck_assert_uint_eq(la, lb);
		ck_assert(memcmp(ia, ib, la) == 0);
		ck_assert_uint_eq(a->count[i], b->count[i]);
		same_kfeats(a->values + a->first[i], b->values + b->first[i],
			    a->count[i]);
	}
}

/* Parameters, rows, namespaces, tables and the catalogue's features. */
static void same_features_model(const rec_model *a, const rec_model *b)
{
	const struct rec_params *p = &a->params, *q = &b->params;
	ck_assert_int_eq(p->optimizer, q->optimizer);
	ck_assert_int_eq(p->interactions, q->interactions);
	ck_assert_int_eq(p->factors, q->factors);
	ck_assert_int_eq(p->bits, q->bits);
	ck_assert(p->l1 == q->l1 && p->ftrl_alpha == q->ftrl_alpha &&
		  p->ftrl_beta == q->ftrl_beta && p->l2 == q->l2);
	str_same(p->features, q->features);
	str_same(p->item_features, q->item_features);
	str_same(p->numeric, q->numeric);
	str_same(p->list_sep, q->list_sep);
	ck_assert_uint_eq(a->stride, b->stride);
	ck_assert(a->bias[0] == b->bias[0] && a->bias[1] == b->bias[1]);
	ck_assert_uint_eq(a->features, b->features);
	ck_assert_mem_eq(a->rows, b->rows,
			 a->features * a->stride * sizeof(float));
	ck_assert_mem_eq(a->feature_keys, b->feature_keys,
			 a->features * sizeof(uint64_t));
	ck_assert_ptr_nonnull(a->feature_space);
	ck_assert_ptr_nonnull(b->feature_space);
	ck_assert_mem_eq(a->feature_space, b->feature_space,
			 a->features * sizeof(uint32_t));
	const struct rec_schema *s = &a->schema, *t = &b->schema;
	ck_assert_int_eq(s->active, t->active);
	ck_assert_uint_eq(s->nspaces, t->nspaces);
	for (size_t i = 0; i < s->nspaces; i++) {
		ck_assert_str_eq(s->spaces[i].name, t->spaces[i].name);
		ck_assert_uint_eq(s->spaces[i].seed, t->spaces[i].seed);
		ck_assert_int_eq(s->spaces[i].side, t->spaces[i].side);
		ck_assert_int_eq(s->spaces[i].origin, t->spaces[i].origin);
		ck_assert_int_eq(s->spaces[i].numeric, t->spaces[i].numeric);
	}
	ck_assert_int_eq(s->ncolumns, t->ncolumns);
	ck_assert_int_eq(s->nquery, t->nquery);
	ck_assert_mem_eq(s->column_space, t->column_space,
			 (size_t)s->ncolumns * sizeof(uint32_t));
	ck_assert_int_eq(s->list_sep, t->list_sep);
	same_table(&s->tables[0], &t->tables[0]);
	same_table(&s->tables[1], &t->tables[1]);
	const struct rec_catalogue *c = &a->catalogue, *d = &b->catalogue;
	ck_assert_uint_eq(c->count, d->count);
	for (size_t i = 0; i < c->count; i++) {
		const struct rec_item *x = &c->items[i], *y = &d->items[i];
		ck_assert_uint_eq(x->name_len, y->name_len);
		ck_assert(memcmp(c->names + x->name_off, d->names + y->name_off,
				 x->name_len) == 0);
		ck_assert_uint_eq(x->feature, y->feature);
		ck_assert_uint_eq(x->count, y->count);
		ck_assert_uint_eq(x->feats_count, y->feats_count);
		same_kfeats(c->kfeats + x->feats_first,
			    d->kfeats + y->feats_first, x->feats_count);
	}
}

START_TEST(test_roundtrip)
{
	char *dir = tu_mkdir();
	rec_model *m = features_model(dir);
	/* what was learned: every kind of namespace, items with lists */
	ck_assert_uint_eq(m->catalogue.count, 3);
	ck_assert_uint_eq(rec_model_table_size(m, REC_USERS), 3);
	ck_assert_uint_eq(rec_model_table_size(m, REC_ITEMS), 3);
	ck_assert_int_ge(space_index(m, "brand"), 0);
	ck_assert(m->schema.spaces[space_index(m, "price")].numeric);
	ck_assert(m->schema.spaces[space_index(m, "age")].numeric);
	ck_assert(!m->schema.spaces[space_index(m, "region")].numeric);
	/* i1's latest event (u4) had c9 and price 7: two features */
	uint32_t i1 = rec_catalogue_find(m, "i1", 2);
	ck_assert_uint_eq(m->catalogue.items[i1].feats_count, 2);
	struct rec_model_info info;
	rec_model_info(m, &info);
	ck_assert_uint_eq(info.cold_items, 1);

	size_t len;
	unsigned char *img = encode(m, &len);
	ck_assert_uint_eq(get32(img + 8), 2);	/* read version */
	/* nothing of format 5: written as format 4 wrote it */
	ck_assert_uint_eq(get32(img + 12), 4);
	rec_model *d = decode_ok(img, len);
	same_features_model(m, d);
	rec_model_info(d, &info);
	ck_assert_uint_eq(info.format_version, 2);
	ck_assert_uint_eq(info.cold_items, 1);
	/* and the decoded model writes the same bytes */
	size_t len2;
	unsigned char *img2 = encode(d, &len2);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(img, img2, len);
	/* the same scores */
	struct rec_reader_options opt = m->params.input;
	rec_model_reader_columns(m, &opt);
	opt.need = NEED_ULI;
	struct rec_mem_input in = { events_text, strlen(events_text), "ev" };
	rec_reader *r;
	struct rec_error err;
	ck_assert_int_eq(rec_reader_open_mem(&r, &in, 1, &opt, &err), 0);
	struct rec_row row;
	int rows = 0;
	while (rec_reader_next(r, &row, &err) == 1) {
		double a, b;
		ck_assert_int_eq(rec_model_margin_row(m, &row, &a, &err), 0);
		ck_assert_int_eq(rec_model_margin_row(d, &row, &b, &err), 0);
		ck_assert(a == b);
		rows++;
	}
	ck_assert_int_eq(rows, 8);
	rec_reader_free(r);
	free(img2);
	rec_model_free(d);
	free(img);
	rec_model_free(m);
	free(dir);
}
END_TEST

/* Read version 2 for a model with a format 2 parameter and no side
 * features; 1 for one of ids and format 1's parameters. */
START_TEST(test_read_version)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.bits = 16;
	rec_model *m = new_model(&p);
	size_t len;
	unsigned char *img = encode(m, &len);
	ck_assert_uint_eq(get32(img + 8), 1);
	free(img);
	rec_model_free(m);
	/* case 0: the optimizer ftrl alone (l1, ftrl_alpha and ftrl_beta at
	 * their defaults) needs read version 2 too: format 1 has no ftrl and
	 * its readers cannot read the longer WGHT rows */
	static const int which[] = { 0, 1, 2, 3 };
	for (size_t w = 0; w < TU_ARRAY_LEN(which); w++) {
		rec_params_init(&p, REC_TASK_BINARY);
		p.bits = 16;
		if (which[w] == 0) {
			p.optimizer = REC_OPT_FTRL;
		} else if (which[w] == 1) {
			p.interactions = REC_ALL;
		} else if (which[w] == 2) {
			p.features = "g";
		} else {
			p.optimizer = REC_OPT_FTRL;
			p.l1 = 0.5;
		}
		m = new_model(&p);
		img = encode(m, &len);
		ck_assert_msg(get32(img + 8) == 2, "case %d: read version %u",
			      which[w], get32(img + 8));
		rec_model *d = decode_ok(img, len);
		ck_assert_int_eq(d->params.optimizer, p.optimizer);
		ck_assert_int_eq(d->params.interactions, p.interactions);
		ck_assert_int_eq(rec_model_has_features(d), which[w] == 2);
		ck_assert(d->params.l1 == p.l1);
		rec_model_free(d);
		free(img);
		rec_model_free(m);
	}
}
END_TEST

/* ---- damaged format 2 chunks, resealed ---- */

struct chunk_copy {
	uint32_t id, flags;
	unsigned char *raw;
	size_t len;
};

enum { MAX_CHUNKS = 20 };

static uint32_t chunk_id(const char *s)
{
	return get32((const unsigned char *)s);
}

/* Split an image into its chunks, uncompressed. */
static int split(const unsigned char *img, size_t len, struct chunk_copy *ch)
{
	size_t pos = 20;
	int n = 0;
	while (pos < len) {
		ck_assert_int_lt(n, MAX_CHUNKS);
		const unsigned char *h = img + pos;
		uint64_t raw_len = get64(h + 8), stored_len = get64(h + 16);
		ch[n].id = get32(h);
		ch[n].flags = get32(h + 4);
		ch[n].len = (size_t)raw_len;
		ch[n].raw = malloc(raw_len ? raw_len : 1);
		ck_assert_ptr_nonnull(ch[n].raw);
		uLongf got = (uLongf)raw_len;
		ck_assert_int_eq(uncompress(ch[n].raw, &got, h + 32,
					    (uLong)stored_len), Z_OK);
		ck_assert_uint_eq(got, raw_len);
		pos += 32 + (size_t)stored_len;
		n++;
	}
	ck_assert_uint_eq(pos, len);
	return n;
}

/* A correctly sealed image of these chunks, read version 2. */
static unsigned char *join(const struct chunk_copy *ch, int n, size_t *len)
{
	size_t cap = 20;
	for (int k = 0; k < n; k++)
		cap += 32 + compressBound(ch[k].len);
	unsigned char *img = malloc(cap);
	ck_assert_ptr_nonnull(img);
	static const unsigned char magic[8] = { 0x89, 'R', 'E', 'C', '\r',
						'\n', 0x1a, '\n' };
	memcpy(img, magic, 8);
	set32(img + 8, 2);
	set32(img + 12, REC_FORMAT_VERSION);
	set32(img + 16, (uint32_t)crc32(0, img, 16));
	size_t pos = 20;
	for (int k = 0; k < n; k++) {
		unsigned char *h = img + pos;
		uLongf stored = compressBound(ch[k].len);
		ck_assert_int_eq(compress2(h + 32, &stored, ch[k].raw,
					   ch[k].len, 6), Z_OK);
		set32(h, ch[k].id);
		set32(h + 4, ch[k].flags);
		set64(h + 8, ch[k].len);
		set64(h + 16, stored);
		set32(h + 24, (uint32_t)crc32(0, h + 32, (uInt)stored));
		set32(h + 28, (uint32_t)crc32(0, h, 28));
		pos += 32 + stored;
	}
	*len = pos;
	return img;
}

static int find_chunk(const struct chunk_copy *ch, int n, const char *id)
{
	for (int k = 0; k < n; k++)
		if (ch[k].id == chunk_id(id))
			return k;
	ck_abort_msg("no chunk %s", id);
	return -1;
}

enum damage {
	D_NONE, D_NSPC_RANGE, D_NSPC_LAST, D_NSPC_LENGTH, D_CFEA_KEY,
	D_CFEA_KEY_MAX, D_CFEA_SPACE, D_CFEA_SIDE, D_CFEA_NAN, D_CFEA_COUNT,
	D_CFEA_TRAILING, D_UATT_KEY, D_UATT_SPACE_SIDE, D_UATT_DUP,
	D_SPCS_SIDE, D_SPCS_DUP_NAME, D_SPCS_EMPTY_NAME, D_IATT_MISSING_SPCS,
	D_COUNT
};
/* Whether the damaged file must still load (the edit stays within the
 * format). */
static const int loads[D_COUNT] = {
	[D_NONE] = 1, [D_NSPC_LAST] = 1, [D_CFEA_KEY_MAX] = 1,
};

/* Offset in a CFEA chunk of the first item's first feature. */
static size_t first_cfea(const struct chunk_copy *c)
{
	size_t at = 0;
	while (at + 4 <= c->len) {
		uint32_t n = get32(c->raw + at);
		if (n > 0)
			return at + 4;
		at += 4;
	}
	ck_abort_msg("no item with features in CFEA");
	return 0;
}

START_TEST(test_damaged_chunks)
{
	const enum damage what = (enum damage)_i;
	char *dir = tu_mkdir();
	rec_model *m = features_model(dir);
	const uint32_t nspaces = (uint32_t)m->schema.nspaces;
	const uint64_t bits_max = (uint64_t)1 << m->params.bits;
	size_t len;
	unsigned char *img = encode(m, &len);
	struct chunk_copy ch[MAX_CHUNKS];
	int n = split(img, len, ch);
	struct chunk_copy *c;
	size_t at;
	switch (what) {
	case D_NONE:
		break;
	case D_NSPC_RANGE:
		c = &ch[find_chunk(ch, n, "NSPC")];
		set32(c->raw + 4 * 3, nspaces);
		break;
	case D_NSPC_LAST:	/* in range: another namespace, no damage */
		c = &ch[find_chunk(ch, n, "NSPC")];
		set32(c->raw + 4 * 3, nspaces - 1);
		break;
	case D_NSPC_LENGTH:
		c = &ch[find_chunk(ch, n, "NSPC")];
		c->len -= 4;
		break;
	case D_CFEA_KEY:
		c = &ch[find_chunk(ch, n, "CFEA")];
		set64(c->raw + first_cfea(c), bits_max);
		break;
	case D_CFEA_KEY_MAX:
		c = &ch[find_chunk(ch, n, "CFEA")];
		set64(c->raw + first_cfea(c), bits_max - 1);
		break;
	case D_CFEA_SPACE:
		c = &ch[find_chunk(ch, n, "CFEA")];
		set32(c->raw + first_cfea(c) + 12, nspaces);
		break;
	case D_CFEA_SIDE:	/* the user namespace on the item side */
		c = &ch[find_chunk(ch, n, "CFEA")];
		set32(c->raw + first_cfea(c) + 12, 0);
		break;
	case D_CFEA_NAN:
		c = &ch[find_chunk(ch, n, "CFEA")];
		set32(c->raw + first_cfea(c) + 8, 0x7fc00000u);
		break;
	case D_CFEA_COUNT:
		c = &ch[find_chunk(ch, n, "CFEA")];
		set32(c->raw + first_cfea(c) - 4, 1000000);
		break;
	case D_CFEA_TRAILING:
		c = &ch[find_chunk(ch, n, "CFEA")];
		c->raw = realloc(c->raw, c->len + 4);
		ck_assert_ptr_nonnull(c->raw);
		set32(c->raw + c->len, 0);
		c->len += 4;
		break;
	case D_UATT_KEY:
		/* u64 ids, u32 length, the id, u32 count, then a key */
		c = &ch[find_chunk(ch, n, "UATT")];
		at = 8 + 4 + get32(c->raw + 8) + 4;
		set64(c->raw + at, bits_max + 5);
		break;
	case D_UATT_SPACE_SIDE:
		c = &ch[find_chunk(ch, n, "UATT")];
		at = 8 + 4 + get32(c->raw + 8) + 4;
		set32(c->raw + at + 12, 1);	/* the item namespace */
		break;
	case D_UATT_DUP:	/* the second id made the first's */
		c = &ch[find_chunk(ch, n, "UATT")];
		at = 8;
		{
			uint32_t l1 = get32(c->raw + at);
			const unsigned char *id1 = c->raw + at + 4;
			size_t next = at + 4 + l1;
			next += 4 + 16 * (size_t)get32(c->raw + next);
			ck_assert_uint_eq(get32(c->raw + next), l1);
			memcpy(c->raw + next + 4, id1, l1);
		}
		break;
	case D_SPCS_SIDE:
		c = &ch[find_chunk(ch, n, "SPCS")];
		c->raw[4] = 2;
		break;
	case D_SPCS_DUP_NAME:	/* an attribute named as a feature column */
		c = &ch[find_chunk(ch, n, "SPCS")];
		at = 4 + 2;
		ck_assert_uint_eq(get32(c->raw + at), 3);
		ck_assert(memcmp(c->raw + at + 4, "age", 3) == 0);
		set32(c->raw + at, 1);
		c->raw[at + 4] = 'g';
		{
			/* the rest of the name goes: shift the chunk */
			uint32_t old = (uint32_t)strlen(
				m->schema.spaces[space_index(m, "age")].name);
			size_t from = at + 4 + old, to = at + 4 + 1;
			memmove(c->raw + to, c->raw + from, c->len - from);
			c->len -= old - 1;
		}
		break;
	case D_SPCS_EMPTY_NAME:
		c = &ch[find_chunk(ch, n, "SPCS")];
		at = 4 + 2;
		{
			uint32_t old = get32(c->raw + at);
			set32(c->raw + at, 0);
			memmove(c->raw + at + 4, c->raw + at + 4 + old,
				c->len - (at + 4 + old));
			c->len -= old;
		}
		break;
	case D_IATT_MISSING_SPCS:	/* the tables' namespaces gone */
		c = &ch[find_chunk(ch, n, "SPCS")];
		set32(c->raw, 0);
		c->len = 4;
		break;
	default:
		ck_abort_msg("damage %d", what);
	}
	size_t blen;
	unsigned char *bad = join(ch, n, &blen);
	rec_model *d = (rec_model *)(void *)bad;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_model_decode(&d, bad, blen, "bad.rec", &err);
	if (loads[what]) {
		ck_assert_msg(rc == 0, "damage %d: refused: %s", what,
			      err.msg);
		if (what == D_NONE)
			same_features_model(m, d);
		rec_model_free(d);
	} else {
		ck_assert_msg(rc == REC_EFORMAT, "damage %d: code %d (%s)",
			      what, rc, err.msg);
		ck_assert_ptr_null(d);
		ck_assert_str_eq(err.file, "bad.rec");
		ck_assert_msg(strstr(err.msg, "damaged model file") != NULL,
			      "damage %d: message '%s'", what, err.msg);
	}
	for (int k = 0; k < n; k++)
		free(ch[k].raw);
	free(bad);
	free(img);
	rec_model_free(m);
	free(dir);
}
END_TEST

static Suite *features_suite(void)
{
	Suite *s = suite_create("features");
	TCase *tc = tcase_create("lists");
	tcase_add_loop_test(tc, test_list_problem, 0, TU_ARRAY_LEN(lists));
	tcase_add_test(tc, test_list_problem_length);
	suite_add_tcase(s, tc);
	tc = tcase_create("tables");
	tcase_add_test(tc, test_table_good);
	tcase_add_test(tc, test_table_csv_gzip);
	tcase_add_test(tc, test_table_errors);
	tcase_add_test(tc, test_table_error_code);
	tcase_add_test(tc, test_table_newer);
	suite_add_tcase(s, tc);
	tc = tcase_create("namespaces");
	tcase_add_test(tc, test_keys_by_namespace);
	tcase_add_test(tc, test_schema_refuses);
	suite_add_tcase(s, tc);
	tc = tcase_create("fm");
	tcase_add_loop_test(tc, test_fm_margin, 0, 2);
	tcase_add_loop_test(tc, test_fm_learn_direction, 0, 2);
	tcase_add_loop_test(tc, test_ftrl_l1, 0, 2);
	tcase_add_test(tc, test_ftrl_nonzero_count);
	suite_add_tcase(s, tc);
	tc = tcase_create("modelfile");
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_read_version);
	tcase_add_loop_test(tc, test_damaged_chunks, 0, D_COUNT);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(features_suite)
