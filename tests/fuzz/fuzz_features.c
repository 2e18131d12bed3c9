/*
 * fuzz_features.c - fuzz target for attribute tables (rec_model_load_table)
 * and the feature lists they give.
 *
 * The first byte of an input chooses the settings: bit 0 CSV (the file is
 * named *.csv) or TSV, bit 1 gzip framing is not used (the bytes go as
 * they are), bit 2 a list separator '|', bit 3 the column "n" numeric,
 * bit 4 the table is for items rather than users.  The rest is the table
 * file.  A model that already holds a good table of the same side loads
 * it:
 *
 *   - a failure must be one of the documented codes, say where, and leave
 *     the model's table as it was;
 *   - a success must leave a table with at least the good one's ids, whose
 *     margins (for a few ids of each table) are finite, and a model that
 *     encodes, decodes and scores the same.
 *
 * Any broken rule aborts.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *write_file(const char *suffix, const void *p, size_t n)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/fuzz_features_XXXXXX%s", suffix);
	int fd = mkstemps(path, (int)strlen(suffix));
	CHECK(fd >= 0);
	CHECK(n == 0 || write(fd, p, n) == (ssize_t)n);
	close(fd);
	return path;
}

/* The margin of an event of user u and item i, with no event columns. */
static double margin_of(const rec_model *m, const char *u, const char *i)
{
	struct rec_row row;
	memset(&row, 0, sizeof(row));
	row.user = u;
	row.user_len = strlen(u);
	row.item = i;
	row.item_len = strlen(i);
	double s = 0;
	struct rec_error err = { 0 };
	CHECK(rec_model_margin_row(m, &row, &s, &err) == 0);
	CHECK(isfinite(s));
	return s;
}

static const char *const ids[] = { "a", "b", "1", "x", "", "\"a\"" };
#define NIDS (sizeof(ids) / sizeof(ids[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const unsigned opt = data[0];
	const int side = opt & 16 ? REC_ITEMS : REC_USERS;
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.bits = 12;
	p.factors = 2;
	p.list_sep = opt & 4 ? "|" : NULL;
	p.numeric = opt & 8 ? "n" : NULL;
	struct rec_error err = { 0 };
	rec_model *m;
	CHECK(rec_model_create(&m, &p, &err) == 0);

	/* a good table first, and one event so that rows exist */
	static const char good[] = "id\tn\tg\na\t1\tx\nb\t2\ty\n";
	char *path = write_file(".tsv", good, sizeof(good) - 1);
	int rc = rec_model_load_table(m, side, path, &err);
	unlink(path);
	CHECK(rc == 0);
	const size_t before = rec_model_table_size(m, side);
	CHECK(before == 2);
	static const char events[] = "a\ta\t1\nb\tb\t0\na\tb\t1\nb\ta\t0\n";
	struct rec_mem_input in = { events, sizeof(events) - 1, NULL };
	struct rec_reader_options ro = p.input;
	rec_model_reader_columns(m, &ro);
	ro.need = REC_NEED_USER | REC_NEED_ITEM | REC_NEED_LABEL;
	rec_reader *r;
	CHECK(rec_reader_open_mem(&r, &in, 1, &ro, &err) == 0);
	struct rec_update_options uo = { 0 };
	CHECK(rec_update(m, r, &uo, NULL, NULL, NULL, NULL, &err) == 0);
	rec_reader_free(r);

	path = write_file(opt & 1 ? ".csv" : ".tsv", data + 1, size - 1);
	memset(&err, 0, sizeof(err));
	rc = rec_model_load_table(m, side, path, &err);
	unlink(path);
	if (rc != 0) {
		CHECK(rc == REC_EIO || rc == REC_EINVAL || rc == REC_EDATA ||
		      rc == REC_ENOMEM);
		CHECK(err.code == rc);
		CHECK(err.msg[0] != '\0');
		CHECK(rec_model_table_size(m, side) == before);
		rec_model_free(m);
		return 0;
	}
	CHECK(rec_model_table_size(m, side) >= before);
	double s[NIDS];
	for (size_t i = 0; i < NIDS; i++)
		s[i] = side == REC_USERS ? margin_of(m, ids[i], "a")
					 : margin_of(m, "a", ids[i]);

	void *image;
	size_t len;
	CHECK(rec_model_encode(m, 0, &image, &len, &err) == 0);
	rec_model *d;
	CHECK(rec_model_decode(&d, image, len, "fuzz", &err) == 0);
	free(image);
	CHECK(rec_model_table_size(d, side) == rec_model_table_size(m, side));
	for (size_t i = 0; i < NIDS; i++) {
		double t = side == REC_USERS ? margin_of(d, ids[i], "a")
					     : margin_of(d, "a", ids[i]);
		CHECK(memcmp(&t, &s[i], sizeof(t)) == 0);
	}
	rec_model_free(d);
	rec_model_free(m);
	return 0;
}
