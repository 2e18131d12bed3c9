/*
 * replay.c - run saved fuzz inputs through a fuzz target without libFuzzer.
 *
 * Linked with one tests/fuzz/fuzz_*.c, this main() feeds every input named
 * on the command line to LLVMFuzzerTestOneInput: a file is one input, a
 * directory gives its regular files (not its subdirectories), in name order
 * so that every run is the same.  A target reports a problem by aborting,
 * so reaching the end means every input passed.
 *
 * Exit status: 0 when all inputs were replayed; 2 when an argument cannot
 * be read, or a directory holds no input (an empty corpus is a mistake:
 * the test would pass without testing anything).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *progname = "replay";
static const char *volatile current;	/* the input being replayed */

/* A target that finds a problem aborts: say which input it was on. */
static void on_abort(int sig)
{
	static const char what[] = ": aborted on input '";
	if (current) {
		ssize_t rc = write(STDERR_FILENO, progname, strlen(progname));
		rc = write(STDERR_FILENO, what, sizeof(what) - 1);
		rc = write(STDERR_FILENO, current, strlen(current));
		rc = write(STDERR_FILENO, "'\n", 2);
		(void)rc;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						       noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* The whole of a file in a malloc'ed buffer (never NULL, even if empty). */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("'%s': cannot open: %s", path, strerror(errno));
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		die("out of memory");
	for (;;) {
		if (n == cap) {
			cap *= 2;
			uint8_t *b = realloc(buf, cap);
			if (!b)
				die("out of memory");
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		die("'%s': read error: %s", path, strerror(errno));
	fclose(f);
	/* a copy of exactly the input's size, so that ASan catches a target
	 * reading one byte too far */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact)
		die("out of memory");
	memcpy(exact, buf, n);
	free(buf);
	*len = n;
	return exact;
}

static void run_file(const char *path)
{
	size_t len;
	uint8_t *data = read_file(path, &len);
	current = path;
	LLVMFuzzerTestOneInput(data, len);
	current = NULL;
	free(data);
}

static int is_regular(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		die("'%s': cannot access: %s", path, strerror(errno));
	return S_ISREG(st.st_mode);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay the regular files directly in dir; returns how many. */
static unsigned long run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		die("'%s': cannot read directory: %s", dir, strerror(errno));
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;	/* ".", ".." and hidden files */
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			char **p = realloc(names, cap * sizeof(*names));
			if (!p)
				die("out of memory");
			names = p;
		}
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		names[n] = malloc(len);
		if (!names[n])
			die("out of memory");
		snprintf(names[n], len, "%s/%s", dir, e->d_name);
		n++;
		errno = 0;
	}
	if (errno)
		die("'%s': cannot read directory: %s", dir, strerror(errno));
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	unsigned long done = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_regular(names[i])) {
			run_file(names[i]);
			done++;
		}
		free(names[i]);
	}
	free(names);
	if (done == 0)
		die("'%s': no inputs in the corpus directory", dir);
	return done;
}

int main(int argc, char **argv)
{
	if (argc > 0 && argv[0][0]) {
		const char *slash = strrchr(argv[0], '/');
		progname = slash ? slash + 1 : argv[0];
	}
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIRECTORY...\n", progname);
		return 2;
	}
	signal(SIGABRT, on_abort);
	unsigned long total = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0)
			die("'%s': cannot access: %s", argv[i],
			    strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			total += run_dir(argv[i]);
		} else {
			run_file(argv[i]);
			total++;
		}
	}
	printf("%s: %lu inputs replayed\n", progname, total);
	if (fflush(stdout) != 0 || ferror(stdout))
		return 2;
	return 0;
}
