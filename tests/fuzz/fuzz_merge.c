/*
 * fuzz_merge.c - fuzz target for merging models (rec_model_merge, as
 * rec-merge runs it).
 *
 * The first byte of an input chooses the merge:
 *
 *   bit 0      a base model: the first part is the base
 *   bits 1-2   n - 1, the models merged (1 to 4)
 *   bit 3      copies: one part gives every model merged (in[] holds the
 *              same model n times)
 *
 * The rest is the parts, each a model (the base, if any, then the models
 * merged): every part but the last is a u32 length (little-endian) and
 * that many bytes, the last takes what is left; an input with too few
 * parts is skipped.  A part that starts with the model file magic is
 * decoded as it is, and if that fails, with its checksums set right; any
 * other part is a list of raw chunks framed as a model file, as
 * fuzz_model reads its input (see model_image.h).  A part that does not
 * decode ends the input: fuzz_model tests the decoder.
 *
 * When every part decodes, the models are merged:
 *
 *   - a refusal must be REC_EINVAL or REC_ENOMEM, set no model and say
 *     why; a pair of models that rec_model_merge_difference tells apart,
 *     or a model saved without the optimiser's state, must be refused;
 *   - a merged model must encode and decode again, pass fuzz_model's
 *     checks, score as it did before the round trip, hold at least every
 *     model's items and feature rows, and count the events of all (with a
 *     base: the base's and what each model added to it, held at
 *     UINT64_MAX);
 *   - copies of one factorization machine must merge to its parameters:
 *     the same scores, bit for bit;
 *   - the models merged must be as they were (the same encoding).
 *
 * Any broken rule aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rec.h"
#include "model_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MODELS 4

static const char *const names[MAX_MODELS] = { "a", "b", "c", "d" };

/* The model in one part, or NULL when it does not decode. */
static rec_model *decode_part(const uint8_t *p, size_t n)
{
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	rec_model *m = NULL;
	int rc;
	if (n >= 8 && memcmp(p, magic, 8) == 0) {
		rc = rec_model_decode(&m, p, n, "part", &err);
		if (rc) {
			uint8_t *fixed = fix_checksums(p, n);
			if (memcmp(fixed, p, n) != 0)
				rc = rec_model_decode(&m, fixed, n, "part",
						      &err);
			free(fixed);
		}
	} else {
		size_t len;
		uint8_t *image = frame_chunks(p, n, &len);
		rc = rec_model_decode(&m, image, len, "part", &err);
		free(image);
	}
	if (rc) {
		CHECK(m == NULL);
		CHECK(rc == REC_EFORMAT || rc == REC_EVERSION ||
		      rc == REC_ENOMEM);
		return NULL;
	}
	CHECK(m != NULL);
	return m;
}

/* The image of m with save time 0, for comparing models. */
static void *image_of(const rec_model *m, size_t *len)
{
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	void *image;
	CHECK(rec_model_encode(m, 0, &image, len, &err) == 0);
	return image;
}

/* Whether the merge must be refused: models that differ, or a model
 * without the optimiser's state. */
static int must_refuse(rec_model *const *in, int n, const rec_model *base)
{
	char why[256];
	for (int i = 0; i <= n; i++) {
		const rec_model *m = i < n ? in[i] : base;
		if (!m)
			continue;
		struct rec_model_info info;
		rec_model_info(m, &info);
		if (!info.optimiser_state)
			return 1;
		if (rec_model_merge_difference(in[0], m, why, sizeof(why))) {
			CHECK(why[0] != '\0');
			return 1;
		}
	}
	return 0;
}

/* a + b, held at UINT64_MAX as the merge holds its counts */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

static void check_merged(rec_model *out, rec_model *const *in, int n,
			 const rec_model *base, int copies)
{
	/* saved and loaded again: a sane model that scores the same */
	size_t len;
	void *image = image_of(out, &len);
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	rec_model *back;
	int rc = rec_model_decode(&back, image, len, "merged", &err);
	if (rc) {
		fprintf(stderr, "fuzz_merge: merged model does not decode: "
			"%s\n", err.msg);
		abort();
	}
	free(image);
	check_model(back);
	static double before[NSCORES], after[NSCORES];
	scores(out, before);
	scores(back, after);
	CHECK(memcmp(before, after, sizeof(before)) == 0);
	rec_model_free(back);

	/* everything of every model, and the counts added up */
	struct rec_model_info o, b;
	rec_model_info(out, &o);
	uint64_t events = 0, updates = 0;
	if (base) {
		rec_model_info(base, &b);
		events = b.events;
		updates = b.updates;
	}
	for (int i = 0; i < n; i++) {
		struct rec_model_info m;
		rec_model_info(in[i], &m);
		CHECK(o.items >= m.items);
		CHECK(o.features >= m.features);
		events = sat_add(events, m.events - (base ? b.events : 0));
		updates = sat_add(updates, m.updates - (base ? b.updates : 0));
	}
	CHECK(o.events == events);
	CHECK(o.updates == updates);

	/* copies of one factorization machine: its parameters */
	if (copies && rec_model_params(in[0])->model != REC_MODEL_EASE) {
		scores(in[0], after);
		CHECK(memcmp(before, after, sizeof(before)) == 0);
	}
}

/* Merge the decoded parts, and check what comes out. */
static void merge(rec_model *const *part, int has_base, int n, int copies)
{
	const rec_model *base = has_base ? part[0] : NULL;
	rec_model *in[MAX_MODELS];
	for (int i = 0; i < n; i++)
		in[i] = part[has_base + (copies ? 0 : i)];

	/* the models' images, to see that the merge leaves them alone */
	void *image[MAX_MODELS];
	size_t len[MAX_MODELS];
	for (int i = 0; i < n; i++)
		image[i] = image_of(in[i], &len[i]);

	struct rec_error err;
	memset(&err, 0, sizeof(err));
	rec_model *out = (rec_model *)(void *)&err;	/* must become NULL */
	int rc = rec_model_merge(&out, in, names, n, base, "base", &err);
	if (rc) {
		CHECK(out == NULL);
		CHECK(rc == REC_EINVAL || rc == REC_ENOMEM);
		CHECK(err.code == rc);
		CHECK(err.msg[0] != '\0');
	} else {
		CHECK(out != NULL);
		CHECK(!must_refuse(in, n, base));
		check_merged(out, in, n, base, copies);
		rec_model_free(out);
	}
	if (must_refuse(in, n, base))
		CHECK(rc == REC_EINVAL);

	for (int i = 0; i < n; i++) {
		size_t now_len;
		void *now = image_of(in[i], &now_len);
		CHECK(now_len == len[i] && memcmp(now, image[i], now_len) == 0);
		free(now);
		free(image[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const unsigned opt = data[0];
	const int has_base = opt & 1, n = 1 + (opt >> 1 & 3);
	const int copies = (opt & 8) != 0;
	const int nparts = has_base + (copies ? 1 : n);
	rec_model *part[1 + MAX_MODELS] = { NULL };
	size_t pos = 1;
	int got = 0;
	for (; got < nparts; got++) {
		size_t len = size - pos;
		if (got < nparts - 1) {
			if (size - pos < 4)
				break;
			len = get_u32(data + pos);
			pos += 4;
			if (len > size - pos)
				len = size - pos;
		}
		part[got] = decode_part(data + pos, len);
		pos += len;
		if (!part[got])
			break;
	}
	if (got == nparts)
		merge(part, has_base, n, copies);
	for (int i = 0; i < got; i++)
		rec_model_free(part[i]);
	return 0;
}
