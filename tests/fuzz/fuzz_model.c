/*
 * fuzz_model.c - fuzz target for the model file decoder.
 *
 * Model files are guarded by CRC-32s and their chunks are zlib streams, so
 * random changes to a file rarely get past the first check.  To reach the
 * code behind the checks, an input is used in one of two ways:
 *
 *   - it starts with the model file magic: it is decoded as it is, and
 *     then once more with every checksum it holds set right;
 *   - otherwise it is a list of chunks, each
 *         u32 id, u32 flags, u32 length, then length bytes of content
 *     (little-endian; a short last chunk takes what is left), which is
 *     framed as a model file, header, compression and checksums included,
 *     and decoded.
 *
 * A decoded model must be sane: parameters that pass rec_params_check,
 * counters in range, finite scores (for fixed ids and for the first items
 * of its catalogue), and an encoding that decodes again to the same
 * parameters and scores.  Any broken rule aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rec.h"
#include "model_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode(const uint8_t *image, size_t len)
{
	struct rec_error err;
	memset(&err, 0, sizeof(err));
	rec_model *m = (rec_model *)(void *)&err;	/* must become NULL */
	int rc = rec_model_decode(&m, image, len, "fuzz", &err);
	if (rc) {
		CHECK(m == NULL);
		CHECK(rc == REC_EFORMAT || rc == REC_EVERSION ||
		      rc == REC_ENOMEM);
		CHECK(err.code == rc);
		CHECK(err.msg[0] != '\0');
		return;
	}
	CHECK(m != NULL);
	check_model(m);
	rec_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 8 && memcmp(data, magic, 8) == 0) {
		decode(data, size);
		uint8_t *fixed = fix_checksums(data, size);
		if (memcmp(fixed, data, size) != 0)
			decode(fixed, size);
		free(fixed);
	} else {
		size_t len;
		uint8_t *image = frame_chunks(data, size, &len);
		decode(image, len);
		free(image);
	}
	return 0;
}
