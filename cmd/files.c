/*
 * files.c - the model files the programs replace: which file a path names,
 * the lock that serialises the programs that replace it, and the check
 * that it is still the file that was loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

/*
 * A file replaced by rename gets a new inode, but a file system reuses the
 * numbers of deleted files at once, so an inode alone could name a newer
 * file by chance: the time of its last change (to the nanosecond) and its
 * size tell the two apart.
 */
static struct file_id id_of_stat(const struct stat *st)
{
	return (struct file_id){ 1, st->st_dev, st->st_ino, st->st_size,
				 st->st_ctim.tv_sec, st->st_ctim.tv_nsec };
}

struct file_id file_id_of(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return (struct file_id){ 0 };
	return id_of_stat(&st);
}

int same_file(struct file_id a, struct file_id b)
{
	return a.exists == b.exists &&
	       (!a.exists || (a.dev == b.dev && a.ino == b.ino &&
			      a.size == b.size && a.ctime == b.ctime &&
			      a.ctime_ns == b.ctime_ns));
}

/*
 * The lock is on PATH.lock beside the file that path names once symbolic
 * links are followed, so that every program replacing that file, by
 * whatever link it was named, takes turns on the same lock.  The lock file
 * is never removed: removing it would let a waiting program lock a file
 * that a new one no longer sees.
 */
int lock_output(const char *path)
{
	/* a device or a pipe is written straight, not replaced: nothing to
	 * take turns on, and no lock file to leave in /dev */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return -1;
	char *real = realpath(path, NULL);	/* NULL: no file yet */
	const char *target = real ? real : path;
	size_t n = strlen(target) + sizeof(".lock");
	char *lock = malloc(n);
	if (!lock)
		die("out of memory");
	snprintf(lock, n, "%s.lock", target);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		die("%s: cannot open lock file: %s", lock, strerror(errno));
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR)
			die("%s: cannot lock: %s", lock, strerror(errno));
	free(lock);
	free(real);
	return fd;
}

rec_model *load_model(const char *path, struct file_id *id)
{
	struct rec_error err = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0)
		die("%s: cannot read: %s", path, strerror(errno));
	*id = id_of_stat(&st);
	rec_model *m;
	if (rec_model_load_fd(&m, fd, path, &err) != 0)
		die_error(&err);
	close(fd);
	return m;
}

void check_still(const char *path, struct file_id expected)
{
	if (same_file(file_id_of(path), expected))
		return;
	die(expected.exists
	    ? "'%s' was replaced since this program read it; not overwritten"
	    : "'%s' was created since this program started; not overwritten",
	    path);
}
