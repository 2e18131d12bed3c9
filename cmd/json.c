/*
 * json.c - the JSON writer of json.h.
 */
#include <assert.h>
#include <stdio.h>

#include "json.h"

static void put_escaped(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 32)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* The separator and key in front of every value. */
static void start_value(struct json *j, const char *key)
{
	assert(!key || j->depth > 0);
	if (!j->first)
		fputs(", ", stdout);
	if (key) {
		put_escaped(key);
		fputs(": ", stdout);
	}
	j->first = 0;
}

static void container_begin(struct json *j, const char *key, int c)
{
	start_value(j, key);
	putchar(c);
	j->depth++;
	j->first = 1;
}

static void container_end(struct json *j, int c)
{
	assert(j->depth > 0);
	putchar(c);
	j->first = 0;
	if (--j->depth == 0) {
		putchar('\n');
		j->first = 1;	/* the next document starts afresh */
	}
}

void json_object_begin(struct json *j, const char *key)
{
	container_begin(j, key, '{');
}

void json_object_end(struct json *j)
{
	container_end(j, '}');
}

void json_array_begin(struct json *j, const char *key)
{
	container_begin(j, key, '[');
}

void json_array_end(struct json *j)
{
	container_end(j, ']');
}

void json_string(struct json *j, const char *key, const char *s)
{
	start_value(j, key);
	if (s)
		put_escaped(s);
	else
		fputs("null", stdout);
}

void json_double(struct json *j, const char *key, double v)
{
	start_value(j, key);
	printf("%.17g", v);
}

void json_uint(struct json *j, const char *key, uint64_t v)
{
	start_value(j, key);
	printf("%llu", (unsigned long long)v);
}

void json_bool(struct json *j, const char *key, int v)
{
	start_value(j, key);
	fputs(v ? "true" : "false", stdout);
}

void json_null(struct json *j, const char *key)
{
	start_value(j, key);
	fputs("null", stdout);
}
