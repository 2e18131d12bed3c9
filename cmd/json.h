/*
 * json.h - a small JSON writer for the programs' --json output.
 *
 * Everything goes to stdout through stdio, on one line: members and
 * elements are separated by ", ", a key from its value by ": ", and the
 * newline comes when the outermost object or array is closed.  A value is
 * written with a key inside an object and with key NULL inside an array
 * or at the top.  Write errors are left to finish_stdout(), as for the
 * rest of the output.
 *
 *	struct json j = JSON_INIT;
 *	json_object_begin(&j, NULL);
 *	json_uint(&j, "users", 12);
 *	json_double(&j, "mrr", 0.25);
 *	json_object_end(&j);		prints {"users": 12, "mrr": 0.25}
 */
#ifndef REC_CMD_JSON_H
#define REC_CMD_JSON_H

#include <stdint.h>

struct json {
	int depth;		/* open objects and arrays */
	int first;		/* nothing written yet in the innermost one */
};
#define JSON_INIT { 0, 1 }

void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);

/* s is escaped: quote, backslash and control characters (as \u00XX);
 * other bytes, UTF-8 included, are written as they are.  NULL: null. */
void json_string(struct json *j, const char *key, const char *s);
/* As "%.17g": the exact double back when read, and a whole number looks
 * like one.  The C locale is assumed (the programs never set another). */
void json_double(struct json *j, const char *key, double v);
/* Exact at any size, where a double would round past 2^53. */
void json_uint(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);

#endif
