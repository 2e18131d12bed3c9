/*
 * check_digest.c - unit tests for lib/digest.c (SHA-256, against the
 * examples of FIPS 180-4 and NIST's test vectors, in any split of the
 * input), for the reader's digest of each input, and for the model's
 * journal of learned inputs: its bound, its order and its round trip
 * through the model file.
 */
#include "internal.h"
#include "testutil.h"

static void hex(const unsigned char d[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

struct vector {
	const char *text;
	size_t repeat;		/* the text this many times */
	const char *want;
};

static const struct vector vectors[] = {
	{ "", 1,
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", 1,
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "a", 1000000,
	  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
};

/* Each vector fed in pieces of 1, 3, 63, 64, 65 and 1000 bytes. */
START_TEST(test_sha256_vectors)
{
	const struct vector *v = &vectors[_i];
	size_t len = strlen(v->text), total = len * v->repeat;
	char *all = malloc(total + 1);
	ck_assert_ptr_nonnull(all);
	for (size_t r = 0; r < v->repeat; r++)
		memcpy(all + r * len, v->text, len);
	static const size_t pieces[] = { 1, 3, 63, 64, 65, 1000, 100000 };
	/* each piece size, by the SHA extensions where the CPU has them and
	 * by the portable code */
	for (size_t p = 0; p < 2 * TU_ARRAY_LEN(pieces); p++) {
		rec_sha256_generic(p >= TU_ARRAY_LEN(pieces));
		struct rec_sha256 s;
		rec_sha256_init(&s);
		size_t piece = pieces[p % TU_ARRAY_LEN(pieces)];
		for (size_t at = 0; at < total; at += piece)
			rec_sha256_add(&s, all + at, total - at < piece
						 ? total - at : piece);
		unsigned char d[32];
		char got[65];
		rec_sha256_end(&s, d);
		hex(d, got);
		ck_assert_msg(strcmp(got, v->want) == 0,
			      "vector %d in pieces of %zu%s: %s", _i, piece,
			      p >= TU_ARRAY_LEN(pieces) ? " (portable)" : "",
			      got);
	}
	rec_sha256_generic(0);
	free(all);
}
END_TEST

/* The reader's digest of each input is the SHA-256 of its bytes, once the
 * input is read to its end, and none before. */
START_TEST(test_reader_digest)
{
	static const char a[] = "u1\ti1\t1\nu2\ti2\t0\n", b[] = "u3\ti3\t1\n";
	struct rec_mem_input in[2] = { { a, strlen(a), "a" },
				       { b, strlen(b), "b" } };
	struct rec_reader_options opt;
	rec_reader_options_init(&opt);
	rec_reader *r;
	ck_assert_int_eq(rec_reader_open_mem(&r, in, 2, &opt, NULL), 0);
	rec_reader_keep_digests(r);
	ck_assert_int_eq(rec_reader_inputs(r), 2);
	ck_assert_str_eq(rec_reader_input_name(r, 1), "b");
	unsigned char d[32], want[32];
	uint64_t bytes;
	ck_assert_int_eq(rec_reader_digest(r, 0, d, &bytes), 0);
	struct rec_row row;
	int n = 0;
	while (rec_reader_next(r, &row, NULL) == 1)
		n++;
	ck_assert_int_eq(n, 3);
	for (int i = 0; i < 2; i++) {
		struct rec_sha256 s;
		rec_sha256_init(&s);
		rec_sha256_add(&s, in[i].data, in[i].len);
		rec_sha256_end(&s, want);
		ck_assert_int_eq(rec_reader_digest(r, i, d, &bytes), 1);
		ck_assert_uint_eq(bytes, in[i].len);
		ck_assert_mem_eq(d, want, 32);
	}
	ck_assert_int_eq(rec_reader_digest(r, 2, d, &bytes), 0);
	rec_reader_free(r);
	/* not asked for: none kept, none given */
	ck_assert_int_eq(rec_reader_open_mem(&r, in, 2, &opt, NULL), 0);
	while (rec_reader_next(r, &row, NULL) == 1)
		;
	ck_assert_int_eq(rec_reader_digest(r, 0, d, &bytes), 0);
	rec_reader_free(r);
}
END_TEST

/* A file read from disk, plain and gzip, larger than the reader's
 * buffers: the digest is of every byte of the file as it is on disk. */
START_TEST(test_reader_digest_file)
{
	char *dir = tu_mkdir();
	size_t n = 0, cap = 1 << 20;
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	for (int i = 0; n + 64 < cap; i++)
		n += (size_t)snprintf(text + n, cap - n, "u%d\ti%d\t%d\n",
				      i % 977, i % 313, i % 2);
	char *plain = tu_write(dir, "plain.tsv", text, n);
	char *gz = tu_write_gz(dir, "packed.tsv.gz", text, n);
	const char *paths[2] = { plain, gz };
	for (int f = 0; f < 2; f++) {
		struct rec_reader_options opt;
		rec_reader_options_init(&opt);
		rec_reader *r;
		ck_assert_int_eq(rec_reader_open(&r, &paths[f], 1, &opt, NULL),
				 0);
		rec_reader_keep_digests(r);
		struct rec_row row;
		while (rec_reader_next(r, &row, NULL) == 1)
			;
		size_t len;
		unsigned char *bytes_on_disk = tu_read(paths[f], &len);
		struct rec_sha256 s;
		rec_sha256_init(&s);
		rec_sha256_add(&s, bytes_on_disk, len);
		unsigned char want[32], d[32];
		rec_sha256_end(&s, want);
		uint64_t nbytes;
		ck_assert_int_eq(rec_reader_digest(r, 0, d, &nbytes), 1);
		ck_assert_uint_eq(nbytes, len);
		ck_assert_mem_eq(d, want, 32);
		free(bytes_on_disk);
		rec_reader_free(r);
	}
	free(plain);
	free(gz);
	free(text);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

static rec_model *new_model(void)
{
	struct rec_params p;
	rec_params_init(&p, REC_TASK_BINARY);
	rec_model *m;
	ck_assert_int_eq(rec_model_create(&m, &p, NULL), 0);
	return m;
}

static void fake_digest(unsigned i, unsigned char d[32])
{
	memset(d, 0, 32);
	memcpy(d, &i, sizeof(i));
}

/* The journal keeps the newest REC_JOURNAL_MAX inputs; one learned again
 * becomes the newest; it survives a save and a load. */
START_TEST(test_journal)
{
	rec_model *m = new_model();
	unsigned char d[32];
	for (unsigned i = 0; i < REC_JOURNAL_MAX + 5; i++) {
		fake_digest(i, d);
		ck_assert_int_eq(rec_model_note_learned(m, d, i, 1000 + i), 0);
	}
	ck_assert_uint_eq(rec_model_journal_size(m), REC_JOURNAL_MAX);
	int64_t when;
	fake_digest(4, d);
	ck_assert_int_eq(rec_model_learned(m, d, 4, &when), 0);
	fake_digest(5, d);
	ck_assert_int_eq(rec_model_learned(m, d, 5, &when), 1);
	ck_assert_int_eq(when, 1005);
	ck_assert_int_eq(rec_model_learned(m, d, 6, &when), 0);	/* size */
	/* learned again: the newest, so the next entry drops 6, not 5 */
	ck_assert_int_eq(rec_model_note_learned(m, d, 5, 9999), 0);
	ck_assert_uint_eq(rec_model_journal_size(m), REC_JOURNAL_MAX);
	fake_digest(100000, d);
	ck_assert_int_eq(rec_model_note_learned(m, d, 1, 1), 0);
	fake_digest(5, d);
	ck_assert_int_eq(rec_model_learned(m, d, 5, &when), 1);
	ck_assert_int_eq(when, 9999);
	fake_digest(6, d);
	ck_assert_int_eq(rec_model_learned(m, d, 6, NULL), 0);

	void *img;
	size_t len;
	ck_assert_int_eq(rec_model_encode(m, 1, &img, &len, NULL), 0);
	rec_model *back;
	ck_assert_int_eq(rec_model_decode(&back, img, len, "mem", NULL), 0);
	ck_assert_uint_eq(rec_model_journal_size(back), REC_JOURNAL_MAX);
	fake_digest(5, d);
	ck_assert_int_eq(rec_model_learned(back, d, 5, &when), 1);
	ck_assert_int_eq(when, 9999);
	fake_digest(7, d);
	ck_assert_int_eq(rec_model_learned(back, d, 7, &when), 1);
	ck_assert_int_eq(when, 1007);
	free(img);
	rec_model_free(back);
	rec_model_free(m);
}
END_TEST

/* A model without a journal writes no JRNL chunk: its file is what it
 * was before journals existed. */
START_TEST(test_no_journal_no_chunk)
{
	rec_model *m = new_model();
	void *img;
	size_t len;
	ck_assert_int_eq(rec_model_encode(m, 1, &img, &len, NULL), 0);
	const unsigned char *p = img;
	for (size_t at = 20; at + 32 <= len;
	     at += 32 + (size_t)get64(p + at + 16))
		ck_assert_msg(memcmp(p + at, "JRNL", 4) != 0,
			      "a JRNL chunk without a journal");
	free(img);
	rec_model_free(m);
}
END_TEST

static Suite *digest_suite(void)
{
	Suite *s = suite_create("digest");
	TCase *tc = tcase_create("digest");
	tcase_add_loop_test(tc, test_sha256_vectors, 0,
			    (int)TU_ARRAY_LEN(vectors));
	tcase_add_test(tc, test_reader_digest);
	tcase_add_test(tc, test_reader_digest_file);
	tcase_add_test(tc, test_journal);
	tcase_add_test(tc, test_no_journal_no_chunk);
	suite_add_tcase(s, tc);
	return s;
}

TU_MAIN(digest_suite)
