/*
 * rec-promote - make a new model the live one, atomically, keeping the one
 * it replaces for a rollback.
 *
 * The live model is replaced under its lock, the lock every rec-update of
 * it takes, so an update in progress finishes first and one that starts
 * later builds on the new model.  The previous model stays beside it as
 * LIVE.prev; --rollback swaps the two back.  Readers always find a whole
 * model at LIVE: every step is a rename or a hard link.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

enum { OPT_FORCE = OPT_FIRST_FREE, OPT_ROLLBACK };

static const struct cli_option options[] = {
	{ "force", 'f', NULL, OPT_FORCE,
	  "promote a model of another kind (task, model family or "
	  "columns) than the live one" },
	{ "rollback", 0, NULL, OPT_ROLLBACK,
	  "make LIVE.prev the live model again; the model it replaces "
	  "becomes LIVE.prev" },
	{ "quiet", 'q', NULL, 'q', "no message on success" },
	{ NULL, 0, NULL, 0, NULL },
};

static void help(FILE *f)
{
	fputs("Usage: rec-promote [-f] [-q] NEW LIVE\n"
	      "       rec-promote --rollback [-q] LIVE\n"
	      "Make the model NEW the live model LIVE: check that NEW loads and "
	      "is of the\nsame kind as LIVE (task, model family, columns), "
	      "take LIVE's lock (the one\nrec-update takes), keep the current "
	      "LIVE as LIVE.prev and rename NEW into\nplace, atomically.  "
	      "With --rollback, LIVE.prev and LIVE swap places.\n\n", f);
	cli_help(f, options);
	cli_help_standard(f);
	fputs("\nExit status: 0 on success, 2 on any error (LIVE is then as it "
	      "was).\n", f);
}

/* The path with a suffix, in a new string. */
static char *with_suffix(const char *path, const char *suffix)
{
	size_t n = strlen(path) + strlen(suffix) + 1;
	char *s = malloc(n);
	if (!s)
		die("out of memory");
	snprintf(s, n, "%s%s", path, suffix);
	return s;
}

/* The file a path names once links are followed (LIVE may be a link to
 * the model); the path itself when there is no file yet. */
static char *target_of(const char *path)
{
	char *real = realpath(path, NULL);
	if (real)
		return real;
	if (errno != ENOENT)
		die("%s: %s", path, strerror(errno));
	char *copy = strdup(path);
	if (!copy)
		die("out of memory");
	return copy;
}

/* Copy a file's bytes to a new file at to (mode 0666 & ~umask), synced. */
static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		die("%s: cannot open: %s", from, strerror(errno));
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (out < 0)
		die("%s: cannot create: %s", to, strerror(errno));
	static char buf[1 << 16];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			unlink(to);
			die("%s: read error: %s", from, strerror(errno));
		}
		if (n == 0)
			break;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				unlink(to);
				die("%s: write error: %s", to, strerror(errno));
			}
			done += w;
		}
	}
	if (fsync(out) != 0 || close(out) != 0) {
		unlink(to);
		die("%s: write error: %s", to, strerror(errno));
	}
	close(in);
}

/* Place a new name for the file at from (a hard link, or a copy where
 * links cannot be made) at to, replacing what is there atomically. */
static void keep_as(const char *from, const char *to)
{
	char suffix[64];
	snprintf(suffix, sizeof(suffix), ".tmp.%ld", (long)getpid());
	char *tmp = with_suffix(to, suffix);
	unlink(tmp);	/* a leftover of a run that died with this pid */
	if (link(from, tmp) != 0) {
		if (errno != EPERM && errno != EXDEV && errno != EMLINK &&
		    errno != ENOTSUP)
			die("%s: cannot link to %s: %s", from, tmp,
			    strerror(errno));
		copy_file(from, tmp);
	}
	if (rename(tmp, to) != 0) {
		int e = errno;
		unlink(tmp);
		die("%s: cannot rename to %s: %s", tmp, to, strerror(e));
	}
	free(tmp);
}

/* The directory of a path, synced so that the renames in it last. */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		die("out of memory");
	char *slash = strrchr(copy, '/');
	const char *dir = slash ? (slash == copy ? "/" : copy) : ".";
	if (slash && slash != copy)
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);	/* best effort: some file systems refuse */
		close(fd);
	}
	free(copy);
}

/* LIVE.prev as the user would name it: beside LIVE, unless LIVE is a
 * link, whose target it is beside. */
static const char *shown(const char *live, const char *prev)
{
	static char buf[PATH_MAX + 8];
	struct stat st;
	if (lstat(live, &st) == 0 && S_ISLNK(st.st_mode))
		return prev;
	snprintf(buf, sizeof(buf), "%s.prev", live);
	return buf;
}

static void promote(const char *new_path, const char *live, int force,
		    int quiet)
{
	/* every check before anything is allocated here: an error exits */
	struct rec_file_id new_id, live_id;	/* what was read */
	rec_model *fresh = load_model(new_path, &new_id);
	struct stat st;
	int have_live = stat(live, &st) == 0;
	if (have_live && !S_ISREG(st.st_mode)) {
		rec_model_free(fresh);
		die("%s: not a regular file", live);
	}
	if (have_live) {
		struct rec_file_id fresh_now = file_id_of(new_path);
		struct rec_file_id live_now = file_id_of(live);
		if (rec_file_id_same(&fresh_now, &live_now)) {
			rec_model_free(fresh);
			die("%s and %s are the same file", new_path, live);
		}
		rec_model *old = load_model(live, &live_id);
		char why[160];
		const char *differ = force ? NULL
			: model_kind_difference(fresh, old, why, sizeof(why));
		rec_model_free(old);
		if (differ) {
			rec_model_free(fresh);
			die("%s and %s differ in %s; --force promotes anyway",
			    new_path, live, differ);
		}
	}
	rec_model_free(fresh);
	char *target = target_of(live);
	char *prev = with_suffix(target, ".prev");
	int lock = lock_output(target);
	/* under the lock: an update that held it has saved by now, and the
	 * one that waits will load the new model */
	if (have_live)
		keep_as(target, prev);
	if (rename(new_path, target) != 0) {
		if (errno != EXDEV)
			die("%s: cannot rename to %s: %s", new_path, target,
			    strerror(errno));
		/* another file system: a copy beside LIVE, renamed in */
		keep_as(new_path, target);
		if (unlink(new_path) != 0)
			warnx_("%s: promoted as a copy; cannot remove it: %s",
			       new_path, strerror(errno));
	}
	sync_dir(target);
	if (lock >= 0)
		close(lock);
	if (!quiet)
		warnx_("%s is now %s%s%s", new_path, live,
		       have_live ? "; the model it replaced is " : "",
		       have_live ? shown(live, prev) : "");
	free(prev);
	free(target);
}

static void rollback(const char *live, int quiet)
{
	char *target = target_of(live);
	char *prev = with_suffix(target, ".prev");
	/* the model to go back to must be whole */
	struct rec_error err = { 0 };
	rec_model *back;
	if (rec_model_load(&back, prev, &err) != 0) {
		free(prev);
		free(target);
		die_error(&err);
	}
	rec_model_free(back);
	int lock = lock_output(target);
	struct stat st;
	if (stat(target, &st) == 0) {
		/* swap: the model rolled back from becomes LIVE.prev */
		char suffix[64];
		snprintf(suffix, sizeof(suffix), ".rollback.%ld",
			 (long)getpid());
		char *held = with_suffix(target, suffix);
		keep_as(target, held);
		if (rename(prev, target) != 0)
			die("%s: cannot rename to %s: %s", prev, target,
			    strerror(errno));
		if (rename(held, prev) != 0)
			die("%s: cannot rename to %s: %s", held, prev,
			    strerror(errno));
		free(held);
	} else if (rename(prev, target) != 0) {
		die("%s: cannot rename to %s: %s", prev, target,
		    strerror(errno));
	}
	sync_dir(target);
	if (lock >= 0)
		close(lock);
	if (!quiet)
		warnx_("%s is the previous model again; the one it replaced is "
		       "%s", live, shown(live, prev));
	free(prev);
	free(target);
}

int main(int argc, char **argv)
{
	cli_init("rec-promote");
	struct cli cli = { 0 };
	cli_add(&cli, options);
	int force = 0, back = 0, quiet = 0, c;
	while ((c = cli_next(&cli, argc, argv)) != -1) {
		switch (c) {
		case OPT_FORCE: force = 1; break;
		case OPT_ROLLBACK: back = 1; break;
		case 'q': quiet = 1; break;
		default:
			standard_option(c, help);
		}
	}
	int n = argc - optind;
	if (back) {
		if (force)
			usage_error("--force does not apply to --rollback");
		if (n != 1)
			usage_error("--rollback takes one model: LIVE");
		rollback(argv[optind], quiet);
	} else {
		if (n != 2)
			usage_error("two models are needed: NEW LIVE");
		if (strcmp(argv[optind], "-") == 0 ||
		    strcmp(argv[optind + 1], "-") == 0)
			usage_error("NEW and LIVE are files, not standard input");
		promote(argv[optind], argv[optind + 1], force, quiet);
	}
	return EXIT_OK;
}
