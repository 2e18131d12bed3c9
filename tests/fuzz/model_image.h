/*
 * model_image.h - what the fuzz targets that read model files share: a
 * CHECK that aborts, model file images with their checksums set right or
 * framed around a list of raw chunks (so that a fuzzer gets past the
 * CRC-32s and zlib), and the checks a decoded model must pass.
 *
 * Included by one target each; every function is static.
 */
#ifndef FUZZ_MODEL_IMAGE_H
#define FUZZ_MODEL_IMAGE_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "rec.h"

static const uint8_t magic[8] = { 0x89, 'R', 'E', 'C', '\r', '\n', 0x1a,
				  '\n' };

#define HEADER_SIZE 20
#define CHUNK_HEADER_SIZE 32

/* Ids to score: those rec-gen writes, and a few it never does. */
static const char *const users[] = { "u1", "u2", "u3", "u5", "1", "", "u" };
static const char *const items[] = { "i1", "i2", "i4", "i5", "2", "", "i" };
#define NUSERS (sizeof(users) / sizeof(users[0]))
#define NITEMS (sizeof(items) / sizeof(items[0]))

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void set_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void set_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t crc(const uint8_t *p, size_t n)
{
	return (uint32_t)crc32(0, p, (uInt)n);
}

/* A copy of a model file image with its checksums set right, as far as
 * its chunk headers can be followed. */
static uint8_t *fix_checksums(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size);
	CHECK(p != NULL);
	memcpy(p, data, size);
	if (size < HEADER_SIZE)
		return p;
	set_u32(p + 16, crc(p, 16));
	size_t pos = HEADER_SIZE;
	while (size - pos >= CHUNK_HEADER_SIZE) {
		uint8_t *h = p + pos;
		uint64_t stored = get_u64(h + 16);
		pos += CHUNK_HEADER_SIZE;
		if (stored > size - pos) {
			set_u32(h + 28, crc(h, 28));
			break;
		}
		set_u32(h + 24, crc(p + pos, (size_t)stored));
		set_u32(h + 28, crc(h, 28));
		pos += (size_t)stored;
	}
	return p;
}

/* A model file image framed around a list of chunks; see the top. */
static uint8_t *frame_chunks(const uint8_t *data, size_t size, size_t *len)
{
	size_t cap = HEADER_SIZE, n = 0;
	/* worst case per chunk: its header plus compressBound of its bytes */
	for (size_t pos = 0; pos < size;) {
		size_t clen = 0;
		if (size - pos >= 12) {
			clen = get_u32(data + pos + 8);
			pos += 12;
		} else {
			pos = size;
		}
		if (clen > size - pos)
			clen = size - pos;
		cap += CHUNK_HEADER_SIZE + compressBound((uLong)clen);
		pos += clen;
	}
	uint8_t *out = malloc(cap);
	CHECK(out != NULL);
	memcpy(out, magic, 8);
	set_u32(out + 8, REC_FORMAT_VERSION);
	set_u32(out + 12, REC_FORMAT_VERSION);
	set_u32(out + 16, crc(out, 16));
	n = HEADER_SIZE;
	for (size_t pos = 0; pos < size;) {
		uint8_t head[12] = { 0 };
		size_t hlen = size - pos < 12 ? size - pos : 12;
		memcpy(head, data + pos, hlen);
		pos += hlen;
		size_t clen = get_u32(head + 8);
		if (clen > size - pos)
			clen = size - pos;
		uint8_t *h = out + n;
		uLongf stored = (uLongf)(cap - n - CHUNK_HEADER_SIZE);
		CHECK(compress2(h + CHUNK_HEADER_SIZE, &stored, data + pos,
				(uLong)clen, 1) == Z_OK);
		memcpy(h, head, 8);	/* id, flags */
		set_u64(h + 8, clen);
		set_u64(h + 16, stored);
		set_u32(h + 24, crc(h + CHUNK_HEADER_SIZE, stored));
		set_u32(h + 28, crc(h, 28));
		n += CHUNK_HEADER_SIZE + stored;
		pos += clen;
	}
	*len = n;
	return out;
}

#define NCAT 8		/* catalogue items scored as well */
#define NSCORES (NUSERS * (NITEMS + NCAT))

/* The margin of a pair must be finite, and so must the prediction. */
static double score(const rec_model *m, const char *u, size_t ulen,
		    const char *it, size_t ilen)
{
	double s = rec_model_margin(m, u, ulen, it, ilen);
	CHECK(isfinite(s));
	double p = rec_model_predict(m, s);
	CHECK(!isnan(p));
	if (rec_model_params(m)->loss == REC_LOSS_LOGISTIC)
		CHECK(p >= 0 && p <= 1);
	return s;
}

/* Scores of fixed ids and of the first items of the catalogue. */
static void scores(const rec_model *m, double *out)
{
	size_t nitems = rec_model_items(m);
	for (size_t i = 0; i < NUSERS; i++) {
		for (size_t j = 0; j < NITEMS; j++)
			*out++ = score(m, users[i], strlen(users[i]),
				       items[j], strlen(items[j]));
		for (uint32_t j = 0; j < NCAT; j++) {
			size_t len;
			const char *id = rec_model_item(m, j, &len);
			if (j >= nitems) {
				CHECK(id == NULL && len == 0);
				*out++ = 0;
				continue;
			}
			CHECK(id != NULL && len > 0);
			*out++ = score(m, users[i], strlen(users[i]), id,
				       len);
		}
	}
}

static void check_columns(const struct rec_columns *c)
{
	const char *s[6] = { c->user, c->item, c->label, c->time, c->weight,
			     c->score };
	for (int i = 0; i < 6; i++)
		if (s[i])
			CHECK(s[i][0] != '\0');
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_model(rec_model *m)
{
	const struct rec_params *p = rec_model_params(m);
	CHECK(rec_params_check(p) == NULL);
	CHECK(p->input.task == p->task);
	CHECK(isfinite(p->input.positive));
	CHECK(p->input.csv >= -1 && p->input.csv <= 1);
	check_columns(&p->input.columns);

	struct rec_model_info info;
	rec_model_info(m, &info);
	CHECK(info.format_version >= 1 &&
	      info.format_version <= REC_FORMAT_VERSION);
	CHECK(info.writer_version >= info.format_version);
	CHECK(rec_model_items(m) == info.items);
	CHECK(isfinite(info.train_loss));
	CHECK(isfinite(info.holdout_loss));
	CHECK(info.passes_done >= 0);
	const int ease = p->model == REC_MODEL_EASE;
	CHECK(strcmp(info.family, ease ? "ease" : "fm") == 0);
	if (ease) {
		/* no feature rows: the users' histories and the item-item
		 * weights of at most every item, each user with an item */
		CHECK(info.features == 0);
		CHECK(info.ease_items <= info.items);
		CHECK(info.ease_pairs >= info.ease_users);
		CHECK(info.ease_lambda > 0);
	} else if (info.features == 0) {
		CHECK(info.items == 0);	/* an FM item has a feature row */
	}
	CHECK(p->bits >= 32 || info.features <= (uint64_t)1 << p->bits);

	double before[NSCORES], after[NSCORES];
	scores(m, before);

	/* what is encoded decodes again, to the same model */
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	void *image;
	size_t len;
	CHECK(rec_model_encode(m, 0, &image, &len, &err) == 0);
	rec_model *back;
	int rc = rec_model_decode(&back, image, len, "re-encoded", &err);
	if (rc) {
		fprintf(stderr, "fuzz_model: re-encoded model does not "
			"decode: %s\n", err.msg);
		abort();
	}
	free(image);
	struct rec_model_info info2;
	rec_model_info(back, &info2);
	CHECK(info2.features == info.features);
	CHECK(info2.items == info.items);
	CHECK(info2.events == info.events);
	CHECK(info2.updates == info.updates);
	CHECK(info2.passes_done == info.passes_done);
	CHECK(info2.created == info.created);
	if (ease)	/* rec_model_info fills these for EASE only */
		CHECK(info2.ease_items == info.ease_items &&
		      info2.ease_users == info.ease_users &&
		      info2.ease_pairs == info.ease_pairs &&
		      info2.ease_lambda == info.ease_lambda);
	const struct rec_params *q = rec_model_params(back);
	CHECK(q->task == p->task && q->loss == p->loss &&
	      q->optimizer == p->optimizer && q->bits == p->bits &&
	      q->factors == p->factors && q->seed == p->seed &&
	      q->passes == p->passes && q->shuffle == p->shuffle &&
	      q->patience == p->patience);
	CHECK(q->lr == p->lr && q->l2 == p->l2 &&
	      q->l2_factors == p->l2_factors && q->init_std == p->init_std &&
	      q->holdout == p->holdout);
	CHECK(q->input.csv == p->input.csv &&
	      q->input.header == p->input.header &&
	      q->input.has_positive == p->input.has_positive &&
	      q->input.positive == p->input.positive);
	CHECK(same_str(q->input.columns.user, p->input.columns.user) &&
	      same_str(q->input.columns.item, p->input.columns.item) &&
	      same_str(q->input.columns.label, p->input.columns.label) &&
	      same_str(q->input.columns.time, p->input.columns.time) &&
	      same_str(q->input.columns.weight, p->input.columns.weight));
	scores(back, after);
	CHECK(memcmp(before, after, sizeof(before)) == 0);
	rec_model_free(back);
}

#endif
