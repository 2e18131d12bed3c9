/*
 * testutil.h - helpers shared by the unit tests in tests/unit/.
 *
 * Each check_<module>.c is a program of its own: it builds one Check suite
 * and ends with TU_MAIN(that_suite).  The main made by TU_MAIN creates a
 * scratch directory before the tests run and removes it afterwards (in the
 * parent process, so even a failed or crashed test leaves nothing behind);
 * a test makes its own subdirectory in it with tu_mkdir().
 */
#ifndef REC_TESTUTIL_H
#define REC_TESTUTIL_H

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "rec.h"

#define TU_PATH_MAX 4096
#define TU_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * An assertion for hot loops.  Check's ck_assert* records the source line of
 * every assertion that passes, which costs a write each time in fork mode;
 * TU_CHECK only calls into Check when the condition fails.
 */
#define TU_CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

/* The scratch directory of this test program (set by TU_MAIN). */
static char tu_root[TU_PATH_MAX];

/* Little-endian fields of a model file, for tests that take one apart. */
static inline uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static inline void set32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline void set64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A fresh, empty directory under the scratch directory; malloc'ed path. */
static inline char *tu_mkdir(void)
{
	ck_assert_msg(tu_root[0] != '\0', "no scratch directory");
	size_t n = strlen(tu_root) + sizeof("/t.XXXXXX");
	char *dir = malloc(n);
	ck_assert_ptr_nonnull(dir);
	snprintf(dir, n, "%s/t.XXXXXX", tu_root);
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir,
		      strerror(errno));
	return dir;
}

/* dir/name in a malloc'ed string. */
static inline char *tu_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	ck_assert_ptr_nonnull(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Write len bytes to dir/name; returns the malloc'ed path. */
static inline char *tu_write(const char *dir, const char *name,
			     const void *data, size_t len)
{
	char *path = tu_path(dir, name);
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot create %s: %s", path,
		      strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* Write a NUL-terminated string to dir/name. */
static inline char *tu_write_str(const char *dir, const char *name,
				 const char *text)
{
	return tu_write(dir, name, text, strlen(text));
}

/* Write len bytes gzip-compressed to dir/name with zlib's gzwrite. */
static inline char *tu_write_gz(const char *dir, const char *name,
				const void *data, size_t len)
{
	char *path = tu_path(dir, name);
	gzFile gz = gzopen(path, "wb");
	ck_assert_msg(gz != NULL, "gzopen %s failed", path);
	ck_assert_int_eq(gzwrite(gz, data, (unsigned)len), (int)len);
	ck_assert_int_eq(gzclose(gz), Z_OK);
	return path;
}

/* Read a whole file into a malloc'ed buffer. */
static inline void *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
	size_t cap = 4096, n = 0;
	unsigned char *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
	}
	ck_assert_int_eq(ferror(f), 0);
	fclose(f);
	*len = n;
	return buf;
}

/* The number of entries in a directory, "." and ".." not counted. */
static inline int tu_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "opendir %s: %s", dir, strerror(errno));
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Remove a directory tree; no assertions, it runs outside any test. */
static inline void tu_rmtree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *e;
			while ((e = readdir(d)) != NULL) {
				if (strcmp(e->d_name, ".") == 0 ||
				    strcmp(e->d_name, "..") == 0)
					continue;
				size_t n = strlen(path) +
					   strlen(e->d_name) + 2;
				char *sub = malloc(n);
				if (!sub)
					continue;
				snprintf(sub, n, "%s/%s", path, e->d_name);
				tu_rmtree(sub);
				free(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static inline int tu_run(Suite *s)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(tu_root, sizeof(tu_root), "%s/recpipe-unit.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tu_root)) {
		fprintf(stderr, "cannot create %s: %s\n", tu_root,
			strerror(errno));
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tu_rmtree(tu_root);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The main of a test program running the suite made by make_suite(). */
#define TU_MAIN(make_suite) \
	int main(void) \
	{ \
		return tu_run(make_suite()); \
	}

#endif
