/*
 * error.c - error codes and the caller-owned error struct that carries the
 * details (file, line, message) of a failure.
 */
#include <stdio.h>

#include "internal.h"

const char *rec_strerror(int code)
{
	switch (code) {
	case REC_OK: return "success";
	case REC_EIO: return "input/output error";
	case REC_ENOMEM: return "out of memory";
	case REC_EBADROW: return "bad input row";
	case REC_EFORMAT: return "not a valid model file";
	case REC_EVERSION: return "model file format too new";
	case REC_EINVAL: return "invalid argument";
	case REC_EDATA: return "unusable data";
	case REC_ECHANGED: return "file replaced since it was loaded";
	}
	return "unknown error";
}

int rec_fail(struct rec_error *err, int code, const char *file, long line,
	     const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	err->line = line;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}
