/*
 * check_modelfile.c - unit tests for lib/modelfile.c: encoding, decoding,
 * saving and loading model files, and refusing every damaged, truncated,
 * foreign or newer one.
 *
 * The format (see the comment at the top of lib/modelfile.c):
 *   header: 8-byte magic, u32 read version, u32 write version, u32 CRC-32
 *           of bytes 0..15
 *   chunks: u32 id, u32 flags, u64 raw length, u64 stored length, u32 CRC-32
 *           of the stored bytes, u32 CRC-32 of the 28 header bytes before
 *           it, then the stored (zlib) bytes; the last chunk is "END ".
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <math.h>
#include <time.h>
#include <zlib.h>

#include "internal.h"
#include "testutil.h"

/* ---- chunk ids ---- */

static uint32_t chunk_id(const char *s)
{
	return get32((const unsigned char *)s);
}

/* ---- models to save ---- */

#define NEED_ULI (REC_NEED_USER | REC_NEED_ITEM | REC_NEED_LABEL)

/*
 * A trained model from a small event file.  tiny: 3 users x 3 items, k = 2.
 * Otherwise: more ids, a time column, a holdout, named columns and other
 * non-default input options, so that every field has something to keep.
 */
static rec_model *trained_model(int tiny, enum rec_task task)
{
	char *dir = tu_mkdir();
	char text[8192];
	size_t len = 0;
	if (!tiny)
		len += (size_t)snprintf(text, sizeof(text),
					"who\twhat\tstars\twhen\n");
	int users = tiny ? 3 : 12, items = tiny ? 3 : 9;
	for (int u = 0; u < users; u++)
		for (int i = 0; i < items; i++) {
			int y = (u + i) % 3 == 0;
			if (tiny)
				len += (size_t)snprintf(text + len,
							sizeof(text) - len,
							"u%d\ti%d\t%d\n", u, i,
							y);
			else
				len += (size_t)snprintf(text + len,
							sizeof(text) - len,
							"u%d\ti%d\t%d\t%d.5\n",
							u, i, y ? 5 : 2,
							1000 + u * 10 + i);
		}
	char *path = tu_write(dir, "e.tsv", text, len);
	struct rec_params p;
	rec_params_init(&p, task);
	p.bits = tiny ? 12 : 18;
	p.factors = tiny ? 2 : 5;
	p.passes = 3;
	p.seed = 99;
	p.holdout = tiny ? 0 : 0.3;
	if (!tiny) {
		p.optimizer = REC_OPT_SGD;
		p.lr = 0.02;
		p.patience = 7;
		p.input.columns.user = "who";
		p.input.columns.item = "what";
		p.input.columns.label = "stars";
		p.input.columns.time = "when";
		p.input.header = 1;
		p.input.csv = 0;
		if (task == REC_TASK_BINARY) {
			p.input.has_positive = 1;
			p.input.positive = 3.5;
		}
	}
	rec_model *m;
	struct rec_error err;
	ck_assert_int_eq(rec_model_create(&m, &p, &err), 0);
	struct rec_reader_options opt = p.input;
	opt.need = NEED_ULI;
	const char *files[1] = { path };
	rec_reader *r;
	ck_assert_int_eq(rec_reader_open(&r, files, 1, &opt, &err), 0);
	rec_dataset *d;
	int rc = rec_dataset_read(&d, m, r, NULL, NULL, &err);
	ck_assert_msg(rc == 0, "rec_dataset_read: %s", err.msg);
	ck_assert_int_eq(rec_reader_bad_rows(r), 0);
	ck_assert_int_eq(rec_train(m, d, NULL, NULL, &err), 0);
	rec_dataset_free(d);
	rec_reader_free(r);
	free(path);
	free(dir);
	return m;
}

static unsigned char *encode(rec_model *m, size_t *len)
{
	void *img;
	struct rec_error err;
	int rc = rec_model_encode(m, m->counters.saved, &img, len, &err);
	ck_assert_msg(rc == 0, "rec_model_encode: %s", err.msg);
	ck_assert_ptr_nonnull(img);
	ck_assert_uint_gt(*len, 20);
	return img;
}

static rec_model *decode_ok(const void *img, size_t len)
{
	rec_model *m = NULL;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int rc = rec_model_decode(&m, img, len, "mem", &err);
	ck_assert_msg(rc == 0, "rec_model_decode: %d %s", rc, err.msg);
	ck_assert_ptr_nonnull(m);
	return m;
}

/* decode must refuse: returns the code and leaves the message in *err. */
static int decode_bad(const void *img, size_t len, struct rec_error *err)
{
	/* an exact-size copy, so a read past the end is a sanitizer error */
	unsigned char *copy = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(copy);
	if (len)
		memcpy(copy, img, len);
	rec_model *m = (rec_model *)(void *)copy;	/* must be reset */
	memset(err, 0, sizeof(*err));
	int rc = rec_model_decode(&m, copy, len, "bad.rec", err);
	free(copy);
	TU_CHECK(rc == REC_EFORMAT || rc == REC_EVERSION,
		 "damaged image of %zu bytes gave %d (%s)", len, rc, err->msg);
	TU_CHECK(m == NULL, "a model came back with code %d", rc);
	TU_CHECK(err->code == rc, "err.code %d, rc %d", err->code, rc);
	TU_CHECK(strcmp(err->file, "bad.rec") == 0, "err.file '%s'",
		 err->file);
	return rc;
}

static void str_eq_or_null(const char *a, const char *b)
{
	if (!a || !b)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

/* a and b the same model: parameters, counters, weights, catalogue, and
 * the margin of every pair (unseen ids too). */
static void assert_same_model(const rec_model *a, const rec_model *b)
{
	const struct rec_params *p = rec_model_params(a);
	const struct rec_params *q = rec_model_params(b);
	ck_assert_int_eq(p->task, q->task);
	ck_assert_int_eq(p->loss, q->loss);
	ck_assert_int_eq(p->optimizer, q->optimizer);
	ck_assert_int_eq(p->bits, q->bits);
	ck_assert_int_eq(p->factors, q->factors);
	ck_assert(p->lr == q->lr);
	ck_assert(p->l2 == q->l2);
	ck_assert(p->l2_factors == q->l2_factors);
	ck_assert(p->init_std == q->init_std);
	ck_assert_uint_eq(p->seed, q->seed);
	ck_assert_int_eq(p->passes, q->passes);
	ck_assert_int_eq(p->shuffle, q->shuffle);
	ck_assert(p->holdout == q->holdout);
	ck_assert_int_eq(p->patience, q->patience);
	str_eq_or_null(p->input.columns.user, q->input.columns.user);
	str_eq_or_null(p->input.columns.item, q->input.columns.item);
	str_eq_or_null(p->input.columns.label, q->input.columns.label);
	str_eq_or_null(p->input.columns.time, q->input.columns.time);
	str_eq_or_null(p->input.columns.weight, q->input.columns.weight);
	ck_assert_int_eq(p->input.csv, q->input.csv);
	ck_assert_int_eq(p->input.header, q->input.header);
	ck_assert_int_eq(p->input.task, q->input.task);
	ck_assert_int_eq(p->input.has_positive, q->input.has_positive);
	ck_assert(p->input.positive == q->input.positive);

	struct rec_model_info ia, ib;
	rec_model_info(a, &ia);
	rec_model_info(b, &ib);
	/* the format version is the file's, not the model's: not compared */
	ck_assert_uint_eq(ia.features, ib.features);
	ck_assert_uint_eq(ia.items, ib.items);
	ck_assert_uint_eq(ia.events, ib.events);
	ck_assert_uint_eq(ia.updates, ib.updates);
	ck_assert(memcmp(&ia.train_loss, &ib.train_loss, 8) == 0);
	ck_assert(memcmp(&ia.holdout_loss, &ib.holdout_loss, 8) == 0);
	ck_assert_int_eq(ia.passes_done, ib.passes_done);
	ck_assert_int_eq(ia.created, ib.created);
	ck_assert_int_eq(ia.saved, ib.saved);

	ck_assert_mem_eq(a->rng.s, b->rng.s, sizeof(a->rng.s));
	ck_assert_mem_eq(a->bias, b->bias, sizeof(a->bias));
	ck_assert_uint_eq(a->features, b->features);
	if (a->features) {
		ck_assert_mem_eq(a->feature_keys, b->feature_keys,
				 a->features * sizeof(uint64_t));
		ck_assert_mem_eq(a->rows, b->rows,
				 a->features * a->stride * sizeof(float));
	}
	const struct rec_catalogue *ca = &a->catalogue, *cb = &b->catalogue;
	ck_assert_uint_eq(ca->count, cb->count);
	for (size_t i = 0; i < ca->count; i++) {
		const struct rec_item *x = &ca->items[i], *y = &cb->items[i];
		ck_assert_uint_eq(x->name_len, y->name_len);
		ck_assert_mem_eq(ca->names + x->name_off,
				 cb->names + y->name_off, x->name_len);
		ck_assert_uint_eq(x->feature, y->feature);
		ck_assert_uint_eq(x->count, y->count);
		ck_assert(x->last_time == y->last_time);
	}

	for (int u = -1; u < 13; u++)
		for (int i = -1; i < 10; i++) {
			char user[16], item[16];
			snprintf(user, sizeof(user), "u%d", u);
			snprintf(item, sizeof(item), "i%d", i);
			double ma = rec_model_margin(a, user, strlen(user),
						     item, strlen(item));
			double mb = rec_model_margin(b, user, strlen(user),
						     item, strlen(item));
			TU_CHECK(memcmp(&ma, &mb, sizeof(ma)) == 0,
				 "margin of %s %s: %a and %a", user, item,
				 ma, mb);
		}
}

/* ---- round trips ---- */

static const struct {
	int tiny;
	enum rec_task task;
} round_trips[] = {
	{ 1, REC_TASK_BINARY },
	{ 0, REC_TASK_BINARY },
	{ 0, REC_TASK_REGRESSION },
};

START_TEST(test_round_trip)
{
	rec_model *m = trained_model(round_trips[_i].tiny,
				     round_trips[_i].task);
	size_t len;
	unsigned char *img = encode(m, &len);
	/* the header as the format says */
	static const unsigned char magic[8] = { 0x89, 'R', 'E', 'C', '\r',
						'\n', 0x1a, '\n' };
	ck_assert_mem_eq(img, magic, 8);
	/* ids only: the read version stays 1, so that format 1 readers
	 * load it; at precision 32 the file is what a format 4 writer
	 * made, write version included */
	ck_assert_uint_eq(get32(img + 8), 1);
	ck_assert_uint_eq(get32(img + 12), 4);
	ck_assert_uint_eq(get32(img + 16), crc32(0, img, 16));

	rec_model *d = decode_ok(img, len);
	assert_same_model(m, d);
	struct rec_model_info info;
	rec_model_info(d, &info);
	ck_assert_uint_eq(info.format_version, 1);	/* ids only */
	ck_assert_uint_eq(info.writer_version, 4);
	ck_assert_uint_eq(info.updates, 1);
	if (!round_trips[_i].tiny)
		ck_assert(info.holdout_loss >= 0);
	ck_assert_uint_eq(info.items, round_trips[_i].tiny ? 3 : 9);

	/* encoding the decoded model gives the same file (the clock aside:
	 * try again if the second changed in between) */
	int compared = 0;
	for (int attempt = 0; attempt < 3 && !compared; attempt++) {
		size_t len2;
		unsigned char *img2 = encode(d, &len2);
		if (d->counters.saved == m->counters.saved) {
			ck_assert_uint_eq(len2, len);
			ck_assert_mem_eq(img2, img, len);
			compared = 1;
		} else {
			free(img);
			img = encode(m, &len);
		}
		free(img2);
	}
	ck_assert(compared);
	/* the decoded model can go on learning */
	uint32_t u = rec_model_find(d, rec_feature_key(d, REC_SPACE_USER,
						       "u1", 2));
	uint32_t i = rec_model_find(d, rec_feature_key(d, REC_SPACE_ITEM,
						       "i1", 2));
	ck_assert(u != UINT32_MAX && i != UINT32_MAX);
	double before = rec_model_margin_rows(d, u, i);
	float target = round_trips[_i].task == REC_TASK_BINARY ? 1
		: (float)before + 5;
	for (int n = 0; n < 20; n++)
		rec_model_learn(d, u, i, target, 1);
	ck_assert(rec_model_margin_rows(d, u, i) > before);
	free(img);
	rec_model_free(d);
	rec_model_free(m);
}
END_TEST

START_TEST(test_round_trip_empty_model)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	p.factors = 0;
	p.input.columns.label = NULL;
	rec_model *m;
	ck_assert_int_eq(rec_model_create(&m, &p, NULL), 0);
	size_t len;
	unsigned char *img = encode(m, &len);
	rec_model *d = decode_ok(img, len);
	assert_same_model(m, d);
	ck_assert_ptr_null(rec_model_params(d)->input.columns.label);
	free(img);
	rec_model_free(d);
	rec_model_free(m);
}
END_TEST

START_TEST(test_save_load)
{
	char *dir = tu_mkdir();
	char *path = tu_path(dir, "model.rec");
	rec_model *m = trained_model(0, REC_TASK_BINARY);
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(rec_model_save(m, path, &err), 0);
	ck_assert_int_eq(tu_count_entries(dir), 1);	/* no temp file */
	rec_model *l = NULL;
	ck_assert_int_eq(rec_model_load(&l, path, &err), 0);
	assert_same_model(m, l);

	/* the file is the encoded image */
	size_t flen;
	unsigned char *file = tu_read(path, &flen);
	rec_model *d = decode_ok(file, flen);
	assert_same_model(m, d);
	rec_model_free(d);
	free(file);

	/* save over an existing file, from a model of another shape */
	rec_model *t = trained_model(1, REC_TASK_BINARY);
	ck_assert_int_eq(rec_model_save(t, path, &err), 0);
	ck_assert_int_eq(tu_count_entries(dir), 1);
	rec_model_free(l);
	ck_assert_int_eq(rec_model_load(&l, path, &err), 0);
	assert_same_model(t, l);
	rec_model_free(l);
	rec_model_free(t);

	/* a relative path, in the current directory */
	char cwd[TU_PATH_MAX];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(rec_model_save(m, "rel.rec", &err), 0);
	ck_assert_int_eq(rec_model_load(&l, "rel.rec", &err), 0);
	ck_assert_int_eq(chdir(cwd), 0);
	assert_same_model(m, l);
	ck_assert_int_eq(tu_count_entries(dir), 2);
	rec_model_free(l);
	rec_model_free(m);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_load_errors)
{
	char *dir = tu_mkdir();
	char *missing = tu_path(dir, "missing.rec");
	rec_model *m = (rec_model *)(void *)dir;
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(rec_model_load(&m, missing, &err), REC_EIO);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(err.code, REC_EIO);
	ck_assert_str_eq(err.file, missing);

	/* an empty file, a text file, a directory */
	char *empty = tu_write_str(dir, "empty.rec", "");
	ck_assert_int_eq(rec_model_load(&m, empty, &err), REC_EFORMAT);
	ck_assert_ptr_null(m);
	ck_assert_str_eq(err.file, empty);
	char *text = tu_write_str(dir, "e.tsv", "u1\ti1\t1\nu2\ti2\t0\n");
	ck_assert_int_eq(rec_model_load(&m, text, &err), REC_EFORMAT);
	ck_assert_str_eq(err.msg, "not a recpipe model file");
	ck_assert_int_ne(rec_model_load(&m, dir, &err), 0);
	ck_assert_ptr_null(m);
	free(missing);
	free(empty);
	free(text);
	free(dir);
}
END_TEST

START_TEST(test_save_errors)
{
	char *dir = tu_mkdir();
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	struct rec_error err;
	memset(&err, 0, sizeof(err));

	/* a missing directory */
	char *path = tu_path(dir, "missing/model.rec");
	ck_assert_int_eq(rec_model_save(m, path, &err), REC_EIO);
	ck_assert_int_eq(err.code, REC_EIO);
	ck_assert_str_eq(err.file, path);
	ck_assert_int_eq(tu_count_entries(dir), 0);
	free(path);

	/* the target is a directory: the rename fails, the temporary file
	 * written next to it must not stay */
	path = tu_path(dir, "taken");
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(rec_model_save(m, path, &err), REC_EIO);
	ck_assert_str_eq(err.file, path);
	ck_assert_int_eq(tu_count_entries(dir), 1);
	ck_assert_int_eq(tu_count_entries(path), 0);
	free(path);

	/* a failed save leaves the old file as it was */
	path = tu_path(dir, "model.rec");
	char *old = tu_write_str(dir, "model.rec", "old contents");
	ck_assert_int_eq(chmod(dir, 0555), 0);
	int rc = rec_model_save(m, path, &err);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	if (geteuid() != 0) {	/* root writes anyway */
		ck_assert_int_eq(rc, REC_EIO);
		size_t len;
		char *back = tu_read(path, &len);
		ck_assert_uint_eq(len, strlen("old contents"));
		ck_assert_mem_eq(back, "old contents", len);
		free(back);
		ck_assert_int_eq(tu_count_entries(dir), 2);
	}
	free(old);
	free(path);
	rec_model_free(m);
	free(dir);
}
END_TEST

/* Older format versions are checked by tests/cli/formats-v1.t, which loads
 * every model file kept in testdata/. */

/* ---- damaged images ---- */

/* Every precision's file: 32, 16 and 8. */
static const int flip_precisions[] = { 32, 16, 8 };

START_TEST(test_byte_flips)
{
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	struct rec_error e;
	ck_assert_int_eq(rec_model_set_precision(m, flip_precisions[_i], &e),
			 0);
	size_t len;
	unsigned char *img = encode(m, &len);
	/* tiny: keeps 2 * len decodes quick */
	ck_assert_uint_lt(len, 2000);
	static const unsigned char masks[] = { 0xff, 0x01, 0x80 };
	unsigned char *copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	for (size_t k = 0; k < TU_ARRAY_LEN(masks); k++)
		for (size_t i = 0; i < len; i++) {
			memcpy(copy, img, len);
			copy[i] ^= masks[k];
			struct rec_error err;
			int rc = decode_bad(copy, len, &err);
			TU_CHECK(rc == REC_EFORMAT || rc == REC_EVERSION,
				 "flip of byte %zu ^ 0x%02x: %d", i, masks[k],
				 rc);
			if (i < 8)
				TU_CHECK(strcmp(err.msg, "not a recpipe model "
						"file") == 0, "byte %zu: %s", i,
					 err.msg);
		}
	free(copy);
	free(img);
	rec_model_free(m);
}
END_TEST

START_TEST(test_truncations)
{
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	size_t len;
	unsigned char *img = encode(m, &len);
	for (size_t n = 0; n < len; n++) {
		struct rec_error err;
		decode_bad(img, n, &err);
	}
	/* and one byte too many */
	unsigned char *longer = malloc(len + 1);
	ck_assert_ptr_nonnull(longer);
	memcpy(longer, img, len);
	longer[len] = 0;
	struct rec_error err;
	ck_assert_int_eq(decode_bad(longer, len + 1, &err), REC_EFORMAT);
	/* the full image is fine */
	rec_model *d = decode_ok(img, len);
	rec_model_free(d);
	free(longer);
	free(img);
	rec_model_free(m);
}
END_TEST

/* Set the versions and reseal the header with its CRC. */
static void set_versions(unsigned char *img, uint32_t read, uint32_t write)
{
	set32(img + 8, read);
	set32(img + 12, write);
	set32(img + 16, (uint32_t)crc32(0, img, 16));
}

START_TEST(test_versions)
{
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	size_t len;
	unsigned char *img = encode(m, &len);
	unsigned char *copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	struct rec_error err;

	/* a newer read version: refused as too new, whatever follows */
	static const uint32_t newer[] = { REC_FORMAT_VERSION + 1, 77,
					  UINT32_MAX };
	for (size_t k = 0; k < TU_ARRAY_LEN(newer); k++) {
		memcpy(copy, img, len);
		set_versions(copy, newer[k], newer[k]);
		ck_assert_int_eq(decode_bad(copy, len, &err), REC_EVERSION);
		char want[32];
		snprintf(want, sizeof(want), "version %u", (unsigned)newer[k]);
		ck_assert_msg(strstr(err.msg, want) != NULL, "message '%s'",
			      err.msg);
		/* even with the body gone */
		ck_assert_int_eq(decode_bad(copy, 20, &err), REC_EVERSION);
	}
	/* a newer write version with read version 1: readable */
	memcpy(copy, img, len);
	set_versions(copy, 1, REC_FORMAT_VERSION + 5);
	rec_model *d = decode_ok(copy, len);
	assert_same_model(m, d);
	/* and the versions of the file are reported as they are */
	struct rec_model_info info;
	rec_model_info(d, &info);
	ck_assert_uint_eq(info.format_version, 1);
	ck_assert_uint_eq(info.writer_version, REC_FORMAT_VERSION + 5);
	rec_model_free(d);
	/* nonsense versions */
	memcpy(copy, img, len);
	set_versions(copy, 0, 1);
	ck_assert_int_eq(decode_bad(copy, len, &err), REC_EFORMAT);
	memcpy(copy, img, len);
	set_versions(copy, 1, 0);
	ck_assert_int_eq(decode_bad(copy, len, &err), REC_EFORMAT);
	/* the version changed without its CRC */
	memcpy(copy, img, len);
	set32(copy + 8, REC_FORMAT_VERSION + 1);
	ck_assert_int_eq(decode_bad(copy, len, &err), REC_EFORMAT);
	free(copy);
	free(img);
	rec_model_free(m);
}
END_TEST

START_TEST(test_wrong_magic)
{
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	size_t len;
	unsigned char *img = encode(m, &len);
	struct rec_error err;
	for (size_t i = 0; i < 8; i++) {
		img[i] ^= 0x20;
		ck_assert_int_eq(decode_bad(img, len, &err), REC_EFORMAT);
		ck_assert_str_eq(err.msg, "not a recpipe model file");
		img[i] ^= 0x20;
	}
	static const char *const foreign[] = {
		"", "\x89PNG\r\n\x1a\n0000000000000000000000000000",
		"u1\ti1\t1\n", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
	};
	for (size_t k = 0; k < TU_ARRAY_LEN(foreign); k++) {
		ck_assert_int_eq(decode_bad(foreign[k], strlen(foreign[k]),
					    &err), REC_EFORMAT);
		ck_assert_str_eq(err.msg, "not a recpipe model file");
	}
	free(img);
	rec_model_free(m);
}
END_TEST

/* ---- chunk surgery: well-sealed files with bad contents ---- */

struct chunk_copy {
	uint32_t id, flags;
	unsigned char *raw;
	size_t len;
};

enum { MAX_CHUNKS = 16 };

/* Split an image into its chunks, uncompressed. */
static int split(const unsigned char *img, size_t len, struct chunk_copy *ch)
{
	size_t pos = 20;
	int n = 0;
	while (pos < len) {
		ck_assert_int_lt(n, MAX_CHUNKS);
		ck_assert_uint_le(pos + 32, len);
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
	ck_assert_uint_eq(ch[n - 1].id, chunk_id("END "));
	return n;
}

/* A correctly sealed image of these chunks. */
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
	set_versions(img, REC_FORMAT_VERSION, REC_FORMAT_VERSION);
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

static void free_chunks(struct chunk_copy *ch, int n)
{
	for (int k = 0; k < n; k++)
		free(ch[k].raw);
}

static int find_chunk(const struct chunk_copy *ch, int n, const char *id)
{
	for (int k = 0; k < n; k++)
		if (ch[k].id == chunk_id(id))
			return k;
	ck_abort_msg("no chunk %s", id);
	return -1;
}

/* The offset of a parameter's value in the PARA chunk. */
static size_t param_value(const struct chunk_copy *para, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i + klen + 2 < para->len; i++)
		if (para->raw[i] == klen &&
		    memcmp(para->raw + i + 1, key, klen) == 0)
			return i + 1 + klen + 1;	/* after the type */
	ck_abort_msg("no parameter %s", key);
	return 0;
}

enum surgery {
	S_NONE, S_OPTIONAL_CHUNK, S_REQUIRED_CHUNK, S_DUPLICATE, S_MISSING,
	S_CHUNK_AFTER_END, S_BITS, S_PASSES_NEGATIVE, S_TRAIN_LOSS_NAN,
	S_RNG_ZERO, S_FEATURE_DUP, S_FEATURE_COUNT, S_WEIGHT_NAN,
	S_ACCUMULATOR_NEGATIVE, S_STRIDE, S_ITEM_FEATURE, S_ITEM_TRAILING,
	S_RAW_LEN,
};

static const struct {
	enum surgery what;
	int code;		/* 0: must decode */
	const char *msg;	/* part of the message */
} surgeries[] = {
	{ S_NONE, 0, NULL },
	{ S_OPTIONAL_CHUNK, 0, NULL },
	{ S_REQUIRED_CHUNK, REC_EVERSION, "upgrade recpipe" },
	{ S_DUPLICATE, REC_EFORMAT, "a chunk appears twice" },
	{ S_MISSING, REC_EFORMAT, "a required chunk is missing" },
	{ S_CHUNK_AFTER_END, REC_EFORMAT, "data after the end chunk" },
	{ S_BITS, REC_EFORMAT, "bits must be in [1, 32]" },
	{ S_PASSES_NEGATIVE, REC_EFORMAT, "counters" },
	{ S_TRAIN_LOSS_NAN, REC_EFORMAT, "counters" },
	{ S_RNG_ZERO, REC_EFORMAT, "random generator state" },
	{ S_FEATURE_DUP, REC_EFORMAT, "feature table" },
	{ S_FEATURE_COUNT, REC_EFORMAT, "feature table" },
	{ S_WEIGHT_NAN, REC_EFORMAT, "weights" },
	{ S_ACCUMULATOR_NEGATIVE, REC_EFORMAT, "weights" },
	{ S_STRIDE, REC_EFORMAT, "weights" },
	{ S_ITEM_FEATURE, REC_EFORMAT, "item catalogue" },
	{ S_ITEM_TRAILING, REC_EFORMAT, "item catalogue" },
	{ S_RAW_LEN, REC_EFORMAT, "compressed data" },
};

START_TEST(test_sealed_damage)
{
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	size_t len;
	unsigned char *img = encode(m, &len);
	struct chunk_copy ch[MAX_CHUNKS + 2];
	int n = split(img, len, ch);
	ck_assert_int_eq(n, 8);
	const int k = m->params.factors;
	static unsigned char extra[3] = { 'x', 'y', 'z' };
	unsigned char *grown = NULL;
	size_t raw_len_fix = 0;

	switch (surgeries[_i].what) {
	case S_NONE:
		break;
	case S_OPTIONAL_CHUNK:
	case S_REQUIRED_CHUNK:
		/* an unknown chunk before END */
		ch[n] = ch[n - 1];
		ch[n - 1] = (struct chunk_copy){ chunk_id("XTRA"),
			surgeries[_i].what == S_REQUIRED_CHUNK ? 1u : 0u,
			NULL, 0 };
		ch[n - 1].raw = malloc(sizeof(extra));
		memcpy(ch[n - 1].raw, extra, sizeof(extra));
		ch[n - 1].len = sizeof(extra);
		n++;
		break;
	case S_DUPLICATE: {
		int w = find_chunk(ch, n, "WGHT");
		ch[n] = ch[n - 1];
		ch[n - 1] = ch[w];
		ch[n - 1].raw = malloc(ch[w].len);
		memcpy(ch[n - 1].raw, ch[w].raw, ch[w].len);
		n++;
		break;
	}
	case S_MISSING: {
		int c = find_chunk(ch, n, "CATL");
		free(ch[c].raw);
		memmove(&ch[c], &ch[c + 1], (size_t)(n - c - 1) * sizeof(*ch));
		n--;
		break;
	}
	case S_CHUNK_AFTER_END:
		ch[n] = (struct chunk_copy){ chunk_id("XTRA"), 0, NULL, 0 };
		ch[n].raw = malloc(1);
		n++;
		break;
	case S_BITS: {
		struct chunk_copy *p = &ch[find_chunk(ch, n, "PARA")];
		set64(p->raw + param_value(p, "bits"), 0);
		break;
	}
	case S_PASSES_NEGATIVE:
		set64(ch[find_chunk(ch, n, "CNTR")].raw + 16, UINT64_MAX);
		break;
	case S_TRAIN_LOSS_NAN: {
		double nan = NAN;
		uint64_t u;
		memcpy(&u, &nan, 8);
		set64(ch[find_chunk(ch, n, "CNTR")].raw + 24, u);
		break;
	}
	case S_RNG_ZERO:
		memset(ch[find_chunk(ch, n, "RNGS")].raw, 0, 32);
		break;
	case S_FEATURE_DUP: {
		unsigned char *f = ch[find_chunk(ch, n, "FEAT")].raw;
		ck_assert_uint_ge(get64(f), 2);
		memcpy(f + 16, f + 8, 8);
		break;
	}
	case S_FEATURE_COUNT: {
		unsigned char *f = ch[find_chunk(ch, n, "FEAT")].raw;
		set64(f, get64(f) + 1);
		break;
	}
	case S_WEIGHT_NAN: {
		float nan = NAN;
		uint32_t u;
		memcpy(&u, &nan, 4);
		/* stride, bias, its accumulator, then row 0: w, k factors */
		set32(ch[find_chunk(ch, n, "WGHT")].raw + 12 + 4, u);
		break;
	}
	case S_ACCUMULATOR_NEGATIVE: {
		float neg = -1;
		uint32_t u;
		memcpy(&u, &neg, 4);
		set32(ch[find_chunk(ch, n, "WGHT")].raw + 12 +
		      4 * (size_t)(1 + k), u);
		break;
	}
	case S_STRIDE: {
		unsigned char *w = ch[find_chunk(ch, n, "WGHT")].raw;
		set32(w, get32(w) + 2);
		break;
	}
	case S_ITEM_FEATURE: {
		/* count, then the first item: u32 feature */
		unsigned char *c = ch[find_chunk(ch, n, "CATL")].raw;
		set32(c + 8, (uint32_t)m->features);
		break;
	}
	case S_ITEM_TRAILING: {
		struct chunk_copy *c = &ch[find_chunk(ch, n, "CATL")];
		grown = malloc(c->len + 1);
		memcpy(grown, c->raw, c->len);
		grown[c->len] = 0;
		free(c->raw);
		c->raw = grown;
		c->len++;
		break;
	}
	case S_RAW_LEN:
		raw_len_fix = 1;
		break;
	}

	size_t dlen;
	unsigned char *damaged = join(ch, n, &dlen);
	if (raw_len_fix) {
		/* claim one raw byte more than the stream holds, resealed */
		unsigned char *h = damaged + 20;
		set64(h + 8, get64(h + 8) + 1);
		set32(h + 28, (uint32_t)crc32(0, h, 28));
	}
	if (surgeries[_i].code == 0) {
		rec_model *d = decode_ok(damaged, dlen);
		assert_same_model(m, d);
		rec_model_free(d);
	} else {
		struct rec_error err;
		ck_assert_int_eq(decode_bad(damaged, dlen, &err),
				 surgeries[_i].code);
		ck_assert_msg(strstr(err.msg, surgeries[_i].msg) != NULL,
			      "message '%s', want '%s'", err.msg,
			      surgeries[_i].msg);
		if (surgeries[_i].code == REC_EFORMAT)
			ck_assert_msg(strncmp(err.msg, "damaged model file: ",
					      20) == 0, "message '%s'",
				      err.msg);
	}
	free(damaged);
	free_chunks(ch, n);
	free(img);
	rec_model_free(m);
}
END_TEST

/* ---- precision 16 and 8 ---- */

static const struct {
	int bits;
	int tiny;
	double margin_tol;	/* the most a margin may move */
} precisions[] = {
	{ 16, 1, 1e-3 }, { 16, 0, 1e-3 }, { 8, 1, 2e-2 }, { 8, 0, 2e-2 },
};

/*
 * A model saved at 16 or 8: read version 5, smaller, each weight and
 * factor within half a step of its value (a half's, or 1/127 of the row's
 * largest magnitude), margins close, no optimiser state (the accumulators
 * as rec_model_reset_optimizer sets them), and saved again at the same
 * precision the very same bytes.
 */
START_TEST(test_precision_round_trip)
{
	const int bits = precisions[_i].bits;
	rec_model *m = trained_model(precisions[_i].tiny, REC_TASK_BINARY);
	size_t len32;
	unsigned char *img32 = encode(m, &len32);
	struct rec_error err;
	ck_assert_int_eq(rec_model_set_precision(m, bits, &err), 0);
	size_t len;
	unsigned char *img = encode(m, &len);
	ck_assert_uint_eq(get32(img + 8), 5);
	ck_assert_uint_eq(get32(img + 12), REC_FORMAT_VERSION);
	ck_assert_uint_lt(len, len32);
	rec_model *d = decode_ok(img, len);
	struct rec_model_info info;
	rec_model_info(d, &info);
	ck_assert_int_eq(info.precision, bits);
	ck_assert_int_eq(info.optimiser_state, 0);
	ck_assert_uint_eq(info.format_version, 5);
	ck_assert_uint_eq(info.writer_version, REC_FORMAT_VERSION);
	ck_assert_uint_eq(info.features, m->features);
	ck_assert(d->bias[0] == m->bias[0]);

	const size_t w = 1 + (size_t)m->params.factors;
	const float acc = m->params.optimizer == REC_OPT_SGD ? 0 : 0.01f;
	for (size_t r = 0; r < m->features; r++) {
		const float *a = m->rows + r * m->stride;
		const float *b = d->rows + r * d->stride;
		float range = 0;
		for (size_t j = 0; j < w; j++)
			range = fmaxf(range, fabsf(a[j]));
		for (size_t j = 0; j < w; j++) {
			double tol = bits == 16
				? fabs(a[j]) * 0x1p-11 + 0x1p-25
				: range / 254.0 + range * 0x1p-23;
			TU_CHECK(fabs((double)a[j] - b[j]) <= tol,
				 "row %zu value %zu: %a back as %a", r, j,
				 (double)a[j], (double)b[j]);
			TU_CHECK(b[w + j] == acc, "accumulator %a", b[w + j]);
		}
	}
	for (int u = -1; u < 13; u++)
		for (int i = -1; i < 10; i++) {
			char user[16], item[16];
			snprintf(user, sizeof(user), "u%d", u);
			snprintf(item, sizeof(item), "i%d", i);
			double ma = rec_model_margin(m, user, strlen(user),
						     item, strlen(item));
			double mb = rec_model_margin(d, user, strlen(user),
						     item, strlen(item));
			TU_CHECK(fabs(ma - mb) <= precisions[_i].margin_tol,
				 "margin of %s %s: %g and %g", user, item, ma,
				 mb);
		}

	/* saved again at its own precision: the same bytes */
	size_t len2;
	unsigned char *img2 = encode(d, &len2);
	ck_assert_uint_eq(len2, len);
	ck_assert_mem_eq(img2, img, len);
	free(img2);
	/* and after one more load */
	rec_model *d2 = decode_ok(img, len);
	img2 = encode(d2, &len2);
	ck_assert_mem_eq(img2, img, len);
	free(img2);
	rec_model_free(d2);

	/* the model saved at 32 after all is as before: precision is a
	 * property of the save only */
	ck_assert_int_eq(rec_model_set_precision(m, 32, &err), 0);
	img2 = encode(m, &len2);
	ck_assert_uint_eq(len2, len32);
	ck_assert_mem_eq(img2, img32, len32);
	free(img2);

	free(img32);
	free(img);
	rec_model_free(d);
	rec_model_free(m);
}
END_TEST

/* A model loaded at 16 or 8 does not learn, nor go back to 32, until
 * its optimiser is reset; an EASE model stays at 32. */
START_TEST(test_precision_refusals)
{
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	struct rec_error err;
	ck_assert_int_eq(rec_model_set_precision(m, 12, &err), REC_EINVAL);
	ck_assert_int_eq(rec_model_set_precision(m, 16, &err), 0);
	size_t len;
	unsigned char *img = encode(m, &len);
	rec_model *d = decode_ok(img, len);

	char *dir = tu_mkdir();
	char *path = tu_write_str(dir, "more.tsv", "u1\ti1\t1\nu2\ti2\t0\n");
	struct rec_reader_options opt = d->params.input;
	opt.need = NEED_ULI;
	const char *files[1] = { path };
	rec_reader *r;
	ck_assert_int_eq(rec_reader_open(&r, files, 1, &opt, &err), 0);
	struct rec_update_options uo;
	memset(&uo, 0, sizeof(uo));
	ck_assert_int_eq(rec_update(d, r, &uo, NULL, NULL, NULL, NULL, &err),
			 REC_EINVAL);
	ck_assert_msg(strstr(err.msg, "precision 16") != NULL, "'%s'",
		      err.msg);
	ck_assert_uint_eq(d->counters.events, m->counters.events);
	rec_dataset *ds = NULL;
	ck_assert_int_eq(rec_dataset_read(&ds, d, r, NULL, NULL, &err),
			 REC_EINVAL);
	ck_assert_ptr_null(ds);
	rec_reader_free(r);
	/* scoring alone is fine */
	ck_assert_int_eq(rec_reader_open(&r, files, 1, &opt, &err), 0);
	uo.test_only = 1;
	ck_assert_int_eq(rec_update(d, r, &uo, NULL, NULL, NULL, NULL, &err),
			 0);
	rec_reader_free(r);

	ck_assert_int_eq(rec_model_set_precision(d, 32, &err), REC_EINVAL);
	ck_assert_int_eq(rec_model_set_precision(d, 8, &err), 0);
	rec_model_reset_optimizer(d);
	ck_assert_int_eq(rec_model_set_precision(d, 32, &err), 0);
	struct rec_model_info info;
	rec_model_info(d, &info);
	ck_assert_int_eq(info.optimiser_state, 1);
	ck_assert_int_eq(rec_reader_open(&r, files, 1, &opt, &err), 0);
	uo.test_only = 0;
	ck_assert_int_eq(rec_update(d, r, &uo, NULL, NULL, NULL, NULL, &err),
			 0);
	rec_reader_free(r);

	/* EASE */
	struct rec_params p;
	rec_params_init(&p, REC_TASK_IMPLICIT);
	p.model = REC_MODEL_EASE;
	p.l2 = 10;
	rec_model *e;
	ck_assert_int_eq(rec_model_create(&e, &p, &err), 0);
	ck_assert_int_eq(rec_model_set_precision(e, 16, &err), REC_EINVAL);
	ck_assert_int_eq(rec_model_set_precision(e, 32, &err), 0);
	rec_model_free(e);

	free(path);
	free(dir);
	free(img);
	rec_model_free(d);
	rec_model_free(m);
}
END_TEST

/*
 * The default is unchanged: the model file of format 4 kept in testdata,
 * loaded and saved again with its own save time, is the same file, chunk
 * for chunk (the contents compared inflated, so that another zlib's
 * deflate cannot make a difference), header and write version included.
 */
START_TEST(test_v4_file_written_again)
{
	size_t len;
	unsigned char *file = tu_read("testdata/model-v4.rec", &len);
	ck_assert_ptr_nonnull(file);
	rec_model *m = decode_ok(file, len);
	size_t len2;
	unsigned char *img = encode(m, &len2);
	ck_assert_mem_eq(img, file, 20);
	struct chunk_copy a[MAX_CHUNKS], b[MAX_CHUNKS];
	int na = split(file, len, a), nb = split(img, len2, b);
	ck_assert_int_eq(na, nb);
	for (int k = 0; k < na; k++) {
		ck_assert_uint_eq(a[k].id, b[k].id);
		ck_assert_uint_eq(a[k].flags, b[k].flags);
		ck_assert_uint_eq(a[k].len, b[k].len);
		ck_assert_mem_eq(a[k].raw, b[k].raw, a[k].len);
	}
	free_chunks(a, na);
	free_chunks(b, nb);
	free(img);
	free(file);
	rec_model_free(m);
}
END_TEST

/* Well-sealed files at precision 16 or 8 with bad quantised contents. */
enum qsurgery {
	Q_NONE, Q_PRECISION, Q_WIDTH, Q_W0_NAN, Q_HALF_INF, Q_HALF_NAN,
	Q_RANGE_NAN, Q_RANGE_INF, Q_RANGE_NEGATIVE, Q_RANGE_HUGE,
	Q_MINUS_128, Q_NO_TOP, Q_ZERO_RANGE, Q_SHORT, Q_LONG, Q_BOTH,
	Q_NEITHER, Q_OLD_VERSION,
};

static const struct {
	enum qsurgery what;
	int bits;
	const char *msg;	/* NULL: must decode */
} qsurgeries[] = {
	{ Q_NONE, 16, NULL },
	{ Q_NONE, 8, NULL },
	{ Q_PRECISION, 16, "weights at precision 16 or 8" },
	{ Q_PRECISION, 8, "weights at precision 16 or 8" },
	{ Q_WIDTH, 16, "weights at precision 16 or 8" },
	{ Q_W0_NAN, 8, "weights at precision 16 or 8" },
	{ Q_HALF_INF, 16, "an infinity or a NaN" },
	{ Q_HALF_NAN, 16, "an infinity or a NaN" },
	{ Q_RANGE_NAN, 8, "a bad range" },
	{ Q_RANGE_INF, 8, "a bad range" },
	{ Q_RANGE_NEGATIVE, 8, "a bad range" },
	{ Q_RANGE_HUGE, 8, "a bad range" },
	{ Q_MINUS_128, 8, "weights at precision 8" },
	{ Q_NO_TOP, 8, "weights at precision 8" },
	{ Q_ZERO_RANGE, 8, "weights at precision 8" },
	{ Q_SHORT, 16, "size does not match" },
	{ Q_SHORT, 8, "size does not match" },
	{ Q_LONG, 8, "size does not match" },
	{ Q_BOTH, 16, "a chunk appears twice" },
	{ Q_NEITHER, 8, "a required chunk is missing" },
	{ Q_OLD_VERSION, 16, "read version below 5" },
};

START_TEST(test_precision_damage)
{
	const int bits = qsurgeries[_i].bits;
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	size_t len32;
	unsigned char *img32 = encode(m, &len32);
	struct chunk_copy w32[MAX_CHUNKS];
	int n32 = split(img32, len32, w32);
	struct rec_error err;
	ck_assert_int_eq(rec_model_set_precision(m, bits, &err), 0);
	size_t len;
	unsigned char *img = encode(m, &len);
	struct chunk_copy ch[MAX_CHUNKS + 2];
	int n = split(img, len, ch);
	struct chunk_copy *q = &ch[find_chunk(ch, n, "QWGT")];
	unsigned char *row = q->raw + 12;	/* row 0 */
	const size_t width = 1 + (size_t)m->params.factors;
	unsigned char *grown = NULL;
	float f;
	uint32_t u;

	switch (qsurgeries[_i].what) {
	case Q_NONE:
		break;
	case Q_PRECISION:
		set32(q->raw, bits == 16 ? 8 : 12);
		break;
	case Q_WIDTH:
		set32(q->raw + 4, (uint32_t)width + 1);
		break;
	case Q_W0_NAN:
		f = NAN;
		memcpy(&u, &f, 4);
		set32(q->raw + 8, u);
		break;
	case Q_HALF_INF:
		row[2] = 0x00;
		row[3] = 0x7c;
		break;
	case Q_HALF_NAN:
		row[0] = 0x01;
		row[1] = 0xfe;
		break;
	case Q_RANGE_NAN:
	case Q_RANGE_INF:
	case Q_RANGE_NEGATIVE:
	case Q_RANGE_HUGE:
		f = qsurgeries[_i].what == Q_RANGE_NAN ? NAN
			: qsurgeries[_i].what == Q_RANGE_INF ? INFINITY
			: qsurgeries[_i].what == Q_RANGE_NEGATIVE ? -0.5f
			: 2e9f;
		memcpy(&u, &f, 4);
		set32(row, u);
		break;
	case Q_MINUS_128:
		row[4 + width - 1] = 0x80;
		break;
	case Q_NO_TOP:
		for (size_t j = 0; j < width; j++) {
			if (row[4 + j] == 127)
				row[4 + j] = 126;
			else if (row[4 + j] == (unsigned char)-127)
				row[4 + j] = (unsigned char)-126;
		}
		break;
	case Q_ZERO_RANGE:
		set32(row, 0);
		break;
	case Q_SHORT:
		q->len--;
		break;
	case Q_LONG:
		grown = malloc(q->len + 4 + width);
		memcpy(grown, q->raw, q->len);
		memcpy(grown + q->len, row, 4 + width);
		free(q->raw);
		q->raw = grown;
		q->len += 4 + width;
		break;
	case Q_BOTH:
		/* WGHT of the same model beside QWGT */
		ch[n] = ch[n - 1];
		ch[n - 1] = w32[find_chunk(w32, n32, "WGHT")];
		ch[n - 1].raw = malloc(ch[n - 1].len);
		memcpy(ch[n - 1].raw, w32[find_chunk(w32, n32, "WGHT")].raw,
		       ch[n - 1].len);
		n++;
		break;
	case Q_NEITHER: {
		int c = find_chunk(ch, n, "QWGT");
		free(ch[c].raw);
		memmove(&ch[c], &ch[c + 1], (size_t)(n - c - 1) * sizeof(*ch));
		n--;
		break;
	}
	case Q_OLD_VERSION:
		break;
	}
	size_t dlen;
	unsigned char *damaged = join(ch, n, &dlen);
	if (qsurgeries[_i].what == Q_OLD_VERSION)
		set_versions(damaged, 4, 4);
	if (!qsurgeries[_i].msg) {
		rec_model *d = decode_ok(damaged, dlen);
		struct rec_model_info info;
		rec_model_info(d, &info);
		ck_assert_int_eq(info.precision, bits);
		rec_model_free(d);
	} else {
		ck_assert_int_eq(decode_bad(damaged, dlen, &err), REC_EFORMAT);
		ck_assert_msg(strstr(err.msg, qsurgeries[_i].msg) != NULL,
			      "message '%s', want '%s'", err.msg,
			      qsurgeries[_i].msg);
	}
	free(damaged);
	free_chunks(ch, n);
	free_chunks(w32, n32);
	free(img);
	free(img32);
	rec_model_free(m);
}
END_TEST

/* ---- encoding is a function of the model and the time ---- */

START_TEST(test_encode_deterministic)
{
	rec_model *m = trained_model(0, REC_TASK_BINARY);
	int64_t saved = m->counters.saved;
	void *a, *b, *c;
	size_t alen, blen, clen;
	struct rec_error err;
	ck_assert_int_eq(rec_model_encode(m, 1700000000, &a, &alen, &err), 0);
	ck_assert_int_eq(rec_model_encode(m, 1700000000, &b, &blen, &err), 0);
	ck_assert_uint_eq(alen, blen);
	ck_assert_mem_eq(a, b, alen);
	/* the model is not touched: its save time is what it was */
	ck_assert_int_eq(m->counters.saved, saved);

	/* another time: the same chunks but the counters, whose save time
	 * is the one given */
	ck_assert_int_eq(rec_model_encode(m, 1800000000, &c, &clen, &err), 0);
	struct chunk_copy x[MAX_CHUNKS], y[MAX_CHUNKS];
	int nx = split(a, alen, x), ny = split(c, clen, y);
	ck_assert_int_eq(nx, ny);
	for (int k = 0; k < nx; k++) {
		ck_assert_uint_eq(x[k].id, y[k].id);
		ck_assert_uint_eq(x[k].flags, y[k].flags);
		ck_assert_uint_eq(x[k].len, y[k].len);
		if (x[k].id == chunk_id("CNTR")) {
			/* events, updates, passes, 2 losses, created, saved */
			ck_assert_uint_eq(get64(x[k].raw + 48), 1700000000);
			ck_assert_uint_eq(get64(y[k].raw + 48), 1800000000);
			set64(y[k].raw + 48, 1700000000);
		}
		ck_assert_mem_eq(x[k].raw, y[k].raw, x[k].len);
	}
	rec_model *d = decode_ok(c, clen);
	struct rec_model_info info;
	rec_model_info(d, &info);
	ck_assert_int_eq(info.saved, 1800000000);
	rec_model_free(d);
	free_chunks(x, nx);
	free_chunks(y, ny);
	free(a);
	free(b);
	free(c);
	rec_model_free(m);
}
END_TEST

/* ---- save and load ---- */

/* A model with forgetting stamps, so that every chunk is written. */
static rec_model *stamped_model(void)
{
	rec_model *m = trained_model(0, REC_TASK_REGRESSION);
	m->feature_stamp = rec_malloc_array(m->features, sizeof(double));
	ck_assert_ptr_nonnull(m->feature_stamp);
	for (size_t i = 0; i < m->features; i++)
		m->feature_stamp[i] = 1000.5 + (double)i;
	m->bias_stamp = 2000.25;
	return m;
}

START_TEST(test_save_load_round_trip)
{
	char *dir = tu_mkdir();
	char *path = tu_path(dir, "model.rec");
	rec_model *m = stamped_model();
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	int64_t t0 = (int64_t)time(NULL);
	ck_assert_int_eq(rec_model_save(m, path, &err), 0);
	int64_t t1 = (int64_t)time(NULL);
	/* the save time is recorded on the model and in the file */
	ck_assert_int_ge(m->counters.saved, t0);
	ck_assert_int_le(m->counters.saved, t1);
	ck_assert_int_eq(tu_count_entries(dir), 1);

	rec_model *l = NULL;
	ck_assert_int_eq(rec_model_load(&l, path, &err), 0);
	assert_same_model(m, l);
	ck_assert_ptr_nonnull(l->feature_stamp);
	ck_assert_mem_eq(l->feature_stamp, m->feature_stamp,
			 m->features * sizeof(double));
	ck_assert(l->bias_stamp == m->bias_stamp);

	/* the file is the image encoding gives for that time */
	size_t flen, ilen;
	unsigned char *file = tu_read(path, &flen);
	void *img;
	ck_assert_int_eq(rec_model_encode(m, m->counters.saved, &img, &ilen,
					  &err), 0);
	ck_assert_uint_eq(flen, ilen);
	ck_assert_mem_eq(file, img, flen);
	/* and what was loaded encodes to it again */
	void *again;
	size_t alen;
	ck_assert_int_eq(rec_model_encode(l, l->counters.saved, &again, &alen,
					  &err), 0);
	ck_assert_uint_eq(alen, flen);
	ck_assert_mem_eq(again, file, flen);
	free(again);
	free(img);
	free(file);
	rec_model_free(l);
	rec_model_free(m);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_load_fd)
{
	char *dir = tu_mkdir();
	char *path = tu_path(dir, "model.rec");
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(rec_model_save(m, path, &err), 0);

	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	/* read from the start whatever the offset, and the offset kept */
	char skip[5];
	ck_assert_int_eq(read(fd, skip, sizeof(skip)), (ssize_t)sizeof(skip));
	rec_model *l = NULL;
	ck_assert_int_eq(rec_model_load_fd(&l, fd, "the model", &err), 0);
	assert_same_model(m, l);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), (off_t)sizeof(skip));
	rec_model_free(l);
	/* the fd is still open, and can load again */
	ck_assert_int_ne(fcntl(fd, F_GETFD), -1);
	ck_assert_int_eq(rec_model_load_fd(&l, fd, "the model", &err), 0);
	assert_same_model(m, l);
	rec_model_free(l);
	ck_assert_int_eq(close(fd), 0);

	/* damage is reported under the name given */
	char *text = tu_write_str(dir, "e.tsv", "u1\ti1\t1\n");
	fd = open(text, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	l = (rec_model *)(void *)dir;	/* must become NULL */
	ck_assert_int_eq(rec_model_load_fd(&l, fd, "events", &err),
			 REC_EFORMAT);
	ck_assert_ptr_null(l);
	ck_assert_str_eq(err.file, "events");
	ck_assert_str_eq(err.msg, "not a recpipe model file");
	close(fd);

	/* an empty pipe holds no model; a directory is not one */
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	close(p[1]);
	ck_assert_int_eq(rec_model_load_fd(&l, p[0], "pipe", &err),
			 REC_EFORMAT);
	ck_assert_ptr_null(l);
	ck_assert_str_eq(err.msg, "not a recpipe model file");
	close(p[0]);
	fd = open(dir, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(rec_model_load_fd(&l, fd, "dir", &err), REC_EFORMAT);
	ck_assert_ptr_null(l);
	close(fd);
	/* a closed fd */
	ck_assert_int_ne(rec_model_load_fd(&l, fd, "closed", &err), 0);
	ck_assert_ptr_null(l);

	rec_model_free(m);
	free(text);
	free(path);
	free(dir);
}
END_TEST

/* The mode of a saved model is 0666 less the umask, which the save leaves
 * as it was. */
static const mode_t umasks[] = { 022, 077, 0, 027, 002 };

START_TEST(test_save_mode_follows_umask)
{
	char *dir = tu_mkdir();
	char *path = tu_path(dir, "model.rec");
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	mode_t old = umask(umasks[_i]);
	for (int pass = 0; pass < 2; pass++) {	/* new, then replaced */
		ck_assert_int_eq(rec_model_save(m, path, &err), 0);
		struct stat st;
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0666 & ~umasks[_i]);
		ck_assert_uint_eq(umask(umasks[_i]), umasks[_i]);
	}
	ck_assert_int_eq(tu_count_entries(dir), 1);
	umask(old);
	rec_model_free(m);
	free(path);
	free(dir);
}
END_TEST

/* ---- every chunk: missing or twice ---- */

static const struct {
	const char *id;
	const char *missing;	/* NULL: decodes without it */
	const char *twice;
} chunk_rules[] = {
	{ "PARA", "a required chunk is missing", "a chunk appears twice" },
	{ "CNTR", "a required chunk is missing", "a chunk appears twice" },
	{ "RNGS", "a required chunk is missing", "a chunk appears twice" },
	{ "FEAT", "a required chunk is missing", "a chunk appears twice" },
	{ "WGHT", "a required chunk is missing", "a chunk appears twice" },
	{ "CATL", "a required chunk is missing", "a chunk appears twice" },
	{ "STMP", NULL, "a chunk appears twice" },
	{ "LRND", NULL, "a chunk appears twice" },
	/* without its end a file is cut short; after it nothing may come */
	{ "END ", "truncated file", "data after the end chunk" },
};

/* Decode the chunks; want NULL: must decode to m (stamps aside), else
 * must be refused as damaged with want in the message. */
static void expect_chunks(const rec_model *m, const struct chunk_copy *ch,
			  int n, const char *want)
{
	size_t len;
	unsigned char *img = join(ch, n, &len);
	if (!want) {
		rec_model *d = decode_ok(img, len);
		assert_same_model(m, d);
		rec_model_free(d);
	} else {
		struct rec_error err;
		ck_assert_int_eq(decode_bad(img, len, &err), REC_EFORMAT);
		ck_assert_msg(strstr(err.msg, want) != NULL,
			      "message '%s', want '%s'", err.msg, want);
	}
	free(img);
}

START_TEST(test_chunk_missing_or_twice)
{
	rec_model *m = stamped_model();
	size_t len;
	unsigned char *img = encode(m, &len);
	struct chunk_copy ch[MAX_CHUNKS + 2];
	int n = split(img, len, ch);
	ck_assert_int_eq(n, 9);	/* every chunk there is */
	int c = find_chunk(ch, n, chunk_rules[_i].id);

	/* missing */
	struct chunk_copy less[MAX_CHUNKS];
	int nless = 0;
	for (int k = 0; k < n; k++)
		if (k != c)
			less[nless++] = ch[k];
	expect_chunks(m, less, nless, chunk_rules[_i].missing);

	/* twice: again right after itself */
	struct chunk_copy more[MAX_CHUNKS + 1];
	int nmore = 0;
	for (int k = 0; k < n; k++) {
		more[nmore++] = ch[k];
		if (k == c)
			more[nmore++] = ch[k];
	}
	expect_chunks(m, more, nmore, chunk_rules[_i].twice);
	/* and twice apart: again just before the end */
	if (c != n - 1) {
		nmore = 0;
		for (int k = 0; k < n - 1; k++)
			more[nmore++] = ch[k];
		more[nmore++] = ch[c];
		more[nmore++] = ch[n - 1];
		expect_chunks(m, more, nmore, chunk_rules[_i].twice);
	}
	free_chunks(ch, n);
	free(img);
	rec_model_free(m);
}
END_TEST

/*
 * LRND, the events learned each once: kept across encode and decode; a
 * file without it (an older writer's) gives an unknown count, which is
 * then not written; a count above the training steps is damage.
 */
START_TEST(test_learned_counter)
{
	rec_model *m = trained_model(0, REC_TASK_BINARY);
	struct rec_model_info info;
	rec_model_info(m, &info);
	ck_assert_int_eq(info.events_learned_known, 1);
	ck_assert_uint_gt(info.events_learned, 0);
	ck_assert_uint_ge(info.events, info.events_learned);
	size_t len;
	unsigned char *img = encode(m, &len);
	rec_model *d = decode_ok(img, len);
	struct rec_model_info back;
	rec_model_info(d, &back);
	ck_assert_int_eq(back.events_learned_known, 1);
	ck_assert_uint_eq(back.events_learned, info.events_learned);
	rec_model_free(d);

	struct chunk_copy ch[MAX_CHUNKS + 2];
	int n = split(img, len, ch);
	int c = find_chunk(ch, n, "LRND");
	ck_assert_int_ge(c, 0);
	ck_assert_uint_eq(ch[c].len, 8);
	ck_assert_uint_eq(ch[c].flags, 0);	/* optional */
	/* without it: unknown, and not written again */
	struct chunk_copy less[MAX_CHUNKS];
	int nless = 0;
	for (int k = 0; k < n; k++)
		if (k != c)
			less[nless++] = ch[k];
	size_t olen;
	unsigned char *old = join(less, nless, &olen);
	d = decode_ok(old, olen);
	rec_model_info(d, &back);
	ck_assert_int_eq(back.events_learned_known, 0);
	ck_assert_uint_eq(back.events_learned, 0);
	ck_assert_uint_eq(back.events, info.events);
	size_t alen;
	unsigned char *again = encode(d, &alen);
	struct chunk_copy ach[MAX_CHUNKS + 2];
	int an = split(again, alen, ach);
	for (int k = 0; k < an; k++)
		ck_assert_uint_ne(ach[k].id, ch[c].id);
	free_chunks(ach, an);
	free(again);
	rec_model_free(d);
	free(old);
	/* more events learned than steps taken */
	uint64_t too_many = info.events + 1;
	for (int b = 0; b < 8; b++)
		ch[c].raw[b] = (unsigned char)(too_many >> (8 * b));
	unsigned char *bad = join(ch, n, &olen);
	struct rec_error err;
	ck_assert_int_eq(decode_bad(bad, olen, &err), REC_EFORMAT);
	ck_assert_msg(strstr(err.msg, "events learned") != NULL, "%s",
		      err.msg);
	free(bad);
	free_chunks(ch, n);
	free(img);
	rec_model_free(m);
}
END_TEST

/* ---- models from pipes and stdin ---- */

/* A child that writes len bytes of img to fd and exits; its pid. */
static pid_t writer_child(int fd, const void *img, size_t len)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const char *q = img;
		while (len > 0) {
			ssize_t n = write(fd, q, len);
			if (n <= 0)
				_exit(1);
			q += n;
			len -= (size_t)n;
		}
		_exit(0);
	}
	return pid;
}

static void wait_ok(pid_t pid)
{
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child failed: status %d", status);
}

START_TEST(test_load_pipe)
{
	/* the wide model is larger than a pipe's buffer */
	rec_model *m = trained_model(0, REC_TASK_BINARY);
	size_t len;
	unsigned char *img = encode(m, &len);
	struct rec_error err;
	memset(&err, 0, sizeof(err));

	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = writer_child(p[1], img, len);
	close(p[1]);
	rec_model *l = NULL;
	int rc = rec_model_load_fd(&l, p[0], "pipe", &err);
	ck_assert_msg(rc == 0, "pipe: %s", err.msg);
	assert_same_model(m, l);
	rec_model_free(l);
	close(p[0]);
	wait_ok(pid);

	/* "-" is stdin */
	ck_assert_int_eq(pipe(p), 0);
	pid = writer_child(p[1], img, len);
	close(p[1]);
	ck_assert_int_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	rc = rec_model_load(&l, "-", &err);
	ck_assert_msg(rc == 0, "stdin: %s", err.msg);
	assert_same_model(m, l);
	rec_model_free(l);
	wait_ok(pid);
	/* stdin at its end: nothing there */
	rc = rec_model_load(&l, "-", &err);
	ck_assert_int_eq(rc, REC_EFORMAT);
	ck_assert_str_eq(err.file, "stdin");

	/* a truncated stream is damage, as a truncated file is */
	ck_assert_int_eq(pipe(p), 0);
	pid = writer_child(p[1], img, len / 2);
	close(p[1]);
	ck_assert_int_eq(rec_model_load_fd(&l, p[0], "half", &err),
			 REC_EFORMAT);
	ck_assert_ptr_null(l);
	close(p[0]);
	wait_ok(pid);

	free(img);
	rec_model_free(m);
}
END_TEST

/* A save into a FIFO goes straight to its reader; /dev/null stays what it
 * is. */
START_TEST(test_save_fifo_and_device)
{
	char *dir = tu_mkdir();
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	struct rec_error err;
	memset(&err, 0, sizeof(err));

	char *fifo = tu_path(dir, "fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(rec_model_save(m, fifo, NULL) == 0 ? 0 : 1);
	rec_model *l = NULL;
	int rc = rec_model_load(&l, fifo, &err);
	ck_assert_msg(rc == 0, "fifo: %s", err.msg);
	m->counters.saved = l->counters.saved;	/* set in the child's copy */
	assert_same_model(m, l);
	rec_model_free(l);
	wait_ok(pid);
	struct stat st;
	ck_assert_int_eq(lstat(fifo, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	ck_assert_int_eq(tu_count_entries(dir), 1);	/* no temporary */

	ck_assert_int_eq(stat("/dev/null", &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_int_eq(rec_model_save(m, "/dev/null", &err), 0);
	struct stat after;
	ck_assert_int_eq(stat("/dev/null", &after), 0);
	ck_assert(S_ISCHR(after.st_mode));
	ck_assert_uint_eq(after.st_ino, st.st_ino);
	ck_assert_uint_eq(after.st_rdev, st.st_rdev);
	/* and through a link to it */
	char *link = tu_path(dir, "null.rec");
	ck_assert_int_eq(symlink("/dev/null", link), 0);
	ck_assert_int_eq(rec_model_save(m, link, &err), 0);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(tu_count_entries(dir), 2);

	/* a full device is a write error */
	if (stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode)) {
		ck_assert_int_eq(rec_model_save(m, "/dev/full", &err), REC_EIO);
		ck_assert_msg(strstr(err.msg, strerror(ENOSPC)) != NULL,
			      "message '%s'", err.msg);
	}
	free(link);
	free(fifo);
	rec_model_free(m);
	free(dir);
}
END_TEST

/* ---- what an in-place save keeps ---- */

START_TEST(test_save_keeps_mode)
{
	char *dir = tu_mkdir();
	char *path = tu_path(dir, "model.rec");
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	mode_t old_umask = umask(022);
	static const mode_t modes[] = { 0600, 0640, 0444, 0660 };
	for (size_t i = 0; i < TU_ARRAY_LEN(modes); i++) {
		ck_assert_int_eq(rec_model_save(m, path, &err), 0);
		ck_assert_int_eq(chmod(path, modes[i]), 0);
		struct stat before, st;
		ck_assert_int_eq(stat(path, &before), 0);
		ck_assert_int_eq(rec_model_save(m, path, &err), 0);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, modes[i]);
		ck_assert_uint_eq(st.st_uid, before.st_uid);
		ck_assert_uint_eq(st.st_gid, before.st_gid);
		ck_assert_uint_ne(st.st_ino, before.st_ino);	/* replaced */
		ck_assert_int_eq(chmod(path, 0644), 0);
	}
	/* as root, the owner and group too */
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(path, 12345, 23456), 0);
		ck_assert_int_eq(chmod(path, 0600), 0);
		ck_assert_int_eq(rec_model_save(m, path, &err), 0);
		struct stat st;
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_uint_eq(st.st_uid, 12345);
		ck_assert_uint_eq(st.st_gid, 23456);
		ck_assert_uint_eq(st.st_mode & 07777, 0600);
	}
	ck_assert_int_eq(tu_count_entries(dir), 1);
	umask(old_umask);
	rec_model_free(m);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_save_through_symlink)
{
	char *dir = tu_mkdir();
	char *sub = tu_path(dir, "models");
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	char *target = tu_path(sub, "real.rec");
	char *link = tu_path(dir, "link.rec");
	char *link2 = tu_path(dir, "link2.rec");
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	struct rec_error err;
	memset(&err, 0, sizeof(err));

	/* a dangling link (relative, as ln -s makes them): the target is
	 * created */
	ck_assert_int_eq(symlink("models/real.rec", link), 0);
	ck_assert_int_eq(symlink("link.rec", link2), 0);
	ck_assert_int_eq(rec_model_save(m, link2, &err), 0);
	struct stat st;
	ck_assert_int_eq(lstat(target, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(chmod(target, 0600), 0);
	ino_t first = st.st_ino;

	/* an existing target is replaced, the links stay links */
	m->counters.events += 7;
	ck_assert_int_eq(rec_model_save(m, link, &err), 0);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(lstat(link2, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(lstat(target, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_ne(st.st_ino, first);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	rec_model *l = NULL;
	ck_assert_int_eq(rec_model_load(&l, target, &err), 0);
	ck_assert_uint_eq(l->counters.events, m->counters.events);
	rec_model_free(l);
	ck_assert_int_eq(tu_count_entries(dir), 3);
	ck_assert_int_eq(tu_count_entries(sub), 1);

	/* a loop of links is an error, and nothing is written */
	char *loop = tu_path(dir, "loop.rec");
	ck_assert_int_eq(symlink("loop.rec", loop), 0);
	ck_assert_int_eq(rec_model_save(m, loop, &err), REC_EIO);
	ck_assert_int_eq(tu_count_entries(dir), 4);

	free(loop);
	rec_model_free(m);
	free(link2);
	free(link);
	free(target);
	free(sub);
	free(dir);
}
END_TEST

/* Past RLIMIT_FSIZE, with SIGXFSZ ignored: a clean REC_EIO, the old file
 * as it was, no temporary file. */
START_TEST(test_save_file_size_limit)
{
	char *dir = tu_mkdir();
	char *path = tu_write_str(dir, "model.rec", "old contents");
	rec_model *m = trained_model(0, REC_TASK_BINARY);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = { 1000, 1000 };
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		struct rec_error err;
		int rc = rec_model_save(m, path, &err);
		_exit(rc == REC_EIO && strstr(err.msg, strerror(EFBIG)) ? 0
		      : 1);
	}
	wait_ok(pid);
	size_t len;
	char *back = tu_read(path, &len);
	ck_assert_uint_eq(len, strlen("old contents"));
	ck_assert_mem_eq(back, "old contents", len);
	free(back);
	ck_assert_int_eq(tu_count_entries(dir), 1);
	rec_model_free(m);
	free(path);
	free(dir);
}
END_TEST

/* ---- saves checked against the file that was loaded ---- */

START_TEST(test_save_checked)
{
	char *dir = tu_mkdir();
	char *path = tu_path(dir, "live.rec");
	char *nightly = tu_path(dir, "nightly.rec");
	rec_model *m = trained_model(1, REC_TASK_BINARY);
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(rec_model_save(m, path, &err), 0);

	/* loaded, unchanged: the checked save goes through */
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	struct rec_file_id id;
	ck_assert_int_eq(rec_file_id_of_fd(fd, &id, &err), 0);
	ck_assert_int_eq(id.exists, 1);
	rec_model *l = NULL;
	ck_assert_int_eq(rec_model_load_fd(&l, fd, path, &err), 0);
	close(fd);
	struct rec_file_id by_path;
	ck_assert_int_eq(rec_file_id_of_path(path, &by_path, &err), 0);
	ck_assert_uint_eq(by_path.dev, id.dev);
	ck_assert_uint_eq(by_path.ino, id.ino);
	ck_assert_int_eq(rec_model_save_checked(l, path, &id, &err), 0);
	ck_assert_int_eq(rec_file_id_of_path(path, &id, &err), 0);

	/* a promotion renames another model over it: refused, the promoted
	 * model intact, no temporary file */
	char *other = tu_write_str(dir, "nightly.rec", "the nightly model");
	ck_assert_int_eq(rename(nightly, path), 0);
	ck_assert_int_eq(rec_model_save_checked(l, path, &id, &err),
			 REC_ECHANGED);
	ck_assert_int_eq(err.code, REC_ECHANGED);
	ck_assert_str_eq(err.file, path);
	ck_assert_str_eq(err.msg, "was replaced since it was loaded");
	size_t len;
	char *back = tu_read(path, &len);
	ck_assert_uint_eq(len, strlen("the nightly model"));
	ck_assert_mem_eq(back, "the nightly model", len);
	free(back);
	ck_assert_int_eq(tu_count_entries(dir), 1);
	/* removed since */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rec_model_save_checked(l, path, &id, &err),
			 REC_ECHANGED);
	ck_assert_int_eq(tu_count_entries(dir), 0);

	/* expected: no file */
	struct rec_file_id none;
	ck_assert_int_eq(rec_file_id_of_path(path, &none, &err), 0);
	ck_assert_int_eq(none.exists, 0);
	ck_assert_int_eq(rec_model_save_checked(l, path, &none, &err), 0);
	ck_assert_int_eq(rec_model_save_checked(l, path, &none, &err),
			 REC_ECHANGED);
	ck_assert_int_eq(tu_count_entries(dir), 1);
	ck_assert_str_eq(rec_strerror(REC_ECHANGED),
			 "file replaced since it was loaded");

	free(other);
	rec_model_free(l);
	rec_model_free(m);
	free(nightly);
	free(path);
	free(dir);
}
END_TEST

static Suite *modelfile_suite(void)
{
	Suite *s = suite_create("modelfile");
	TCase *tc = tcase_create("good");
	tcase_add_loop_test(tc, test_round_trip, 0,
			    (int)TU_ARRAY_LEN(round_trips));
	tcase_add_test(tc, test_round_trip_empty_model);
	tcase_add_test(tc, test_save_load);
	tcase_add_test(tc, test_encode_deterministic);
	tcase_add_test(tc, test_save_load_round_trip);
	tcase_add_test(tc, test_learned_counter);
	tcase_add_test(tc, test_load_fd);
	tcase_add_loop_test(tc, test_save_mode_follows_umask, 0,
			    (int)TU_ARRAY_LEN(umasks));
	tcase_add_test(tc, test_load_pipe);
	tcase_add_test(tc, test_save_fifo_and_device);
	tcase_add_test(tc, test_save_keeps_mode);
	tcase_add_test(tc, test_save_through_symlink);
	tcase_add_test(tc, test_save_file_size_limit);
	tcase_add_test(tc, test_save_checked);
	tcase_add_loop_test(tc, test_precision_round_trip, 0,
			    (int)TU_ARRAY_LEN(precisions));
	tcase_add_test(tc, test_precision_refusals);
	tcase_add_test(tc, test_v4_file_written_again);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_save_errors);
	tcase_add_loop_test(tc, test_byte_flips, 0,
			    (int)TU_ARRAY_LEN(flip_precisions));
	tcase_add_loop_test(tc, test_precision_damage, 0,
			    (int)TU_ARRAY_LEN(qsurgeries));
	tcase_add_test(tc, test_truncations);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_wrong_magic);
	tcase_add_loop_test(tc, test_sealed_damage, 0,
			    (int)TU_ARRAY_LEN(surgeries));
	tcase_add_loop_test(tc, test_chunk_missing_or_twice, 0,
			    (int)TU_ARRAY_LEN(chunk_rules));
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(modelfile_suite)
