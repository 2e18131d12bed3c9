/*
 * files.c - the model files the programs replace: which file a path names,
 * the lock that serialises the programs that replace it, and the check
 * that it is still the file that was loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

struct rec_file_id file_id_of(const char *path)
{
	struct rec_file_id id;
	struct rec_error err = { 0 };
	if (rec_file_id_of_path(path, &id, &err) != 0)
		die_error(&err);
	return id;
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

void check_model_not_stdin_input(const char *model, char *const *files,
				  int nfiles)
{
	if (strcmp(model, "-") != 0)
		return;
	int stdin_input = nfiles == 0;
	for (int i = 0; i < nfiles; i++)
		stdin_input |= strcmp(files[i], "-") == 0;
	if (stdin_input)
		usage_error("-m -: the model and the events cannot both come "
			    "from standard input");
}

rec_model *load_model(const char *path, struct rec_file_id *id)
{
	struct rec_error err = { 0 };
	rec_model *m;
	memset(id, 0, sizeof(*id));
	if (strcmp(path, "-") == 0) {
		/* standard input: no file to replace later */
		if (rec_model_load(&m, path, &err) != 0)
			die_error(&err);
		return m;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("%s: cannot open: %s", path, strerror(errno));
	/* the id of the bytes read: no rename between can fool it */
	if (rec_file_id_of_fd(fd, id, &err) != 0 ||
	    rec_model_load_fd(&m, fd, path, &err) != 0)
		die_error(&err);
	close(fd);
	return m;
}

/* The temporary files of outputs not yet committed, removed at exit so
 * that a run that dies leaves no half-written output. */
static struct text_output *pending[8];

static void remove_pending(void)
{
	for (size_t i = 0; i < sizeof(pending) / sizeof(pending[0]); i++)
		if (pending[i] && pending[i]->tmp)
			unlink(pending[i]->tmp);
}

void text_output_open(struct text_output *o, const char *path)
{
	static int registered;
	size_t slot = 0;
	while (slot < sizeof(pending) / sizeof(pending[0]) && pending[slot])
		slot++;
	if (slot == sizeof(pending) / sizeof(pending[0]))
		die("too many outputs");
	if (!registered && atexit(remove_pending) == 0)
		registered = 1;
	o->path = path;
	size_t n = strlen(path) + 32;
	o->tmp = malloc(n);
	if (!o->tmp)
		die("out of memory");
	snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
	o->f = fopen(o->tmp, "w");
	if (!o->f)
		die("%s: cannot create: %s", o->tmp, strerror(errno));
	pending[slot] = o;
}

void text_output_commit(struct text_output *o, int mode)
{
	if (fflush(o->f) != 0 || fsync(fileno(o->f)) != 0 ||
	    fclose(o->f) != 0)
		die("%s: write error: %s", o->tmp, strerror(errno));
	if (mode)
		chmod(o->tmp, (mode_t)mode);
	if (rename(o->tmp, o->path) != 0)
		die("%s: cannot rename to %s: %s", o->tmp, o->path,
		    strerror(errno));
	free(o->tmp);
	o->tmp = NULL;
	/* the struct may be gone by the time the program exits */
	for (size_t i = 0; i < sizeof(pending) / sizeof(pending[0]); i++)
		if (pending[i] == o)
			pending[i] = NULL;
}

static const char *task_name(enum rec_task t)
{
	return t == REC_TASK_BINARY ? "binary"
	       : t == REC_TASK_REGRESSION ? "regression" : "implicit";
}

static int same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Why two models are not of the same kind, or NULL: what a job scoring
 * or updating one in place of the other relies on (rec-promote, and
 * rec-predict --reload). */
const char *model_kind_difference(const rec_model *a, const rec_model *b,
				  char *why, size_t len)
{
	const struct rec_params *p = rec_model_params(a);
	const struct rec_params *q = rec_model_params(b);
	if (p->task != q->task)
		snprintf(why, len, "task %s against %s", task_name(p->task),
			 task_name(q->task));
	else if (p->model != q->model)
		snprintf(why, len, "model family %s against %s",
			 p->model == REC_MODEL_EASE ? "ease" : "fm",
			 q->model == REC_MODEL_EASE ? "ease" : "fm");
	else if (!same_text(p->input.columns.user, q->input.columns.user) ||
		 !same_text(p->input.columns.item, q->input.columns.item) ||
		 !same_text(p->input.columns.label, q->input.columns.label) ||
		 !same_text(p->input.columns.time, q->input.columns.time) ||
		 !same_text(p->input.columns.weight, q->input.columns.weight) ||
		 p->input.csv != q->input.csv ||
		 p->input.header != q->input.header ||
		 p->input.has_positive != q->input.has_positive ||
		 (p->input.has_positive &&
		  p->input.positive != q->input.positive) ||
		 p->input.soft_labels != q->input.soft_labels)
		snprintf(why, len, "columns (user, item, label, time, weight, "
			 "format, positive threshold or soft labels)");
	else if (!same_text(p->features, q->features) ||
		 !same_text(p->item_features, q->item_features) ||
		 !same_text(p->numeric, q->numeric) ||
		 !same_text(p->list_sep, q->list_sep))
		snprintf(why, len, "feature columns");
	else
		return NULL;
	return why;
}
