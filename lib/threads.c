/*
 * threads.c - running a job on several threads, for the parts of the
 * library that share out work whose result does not depend on how it is
 * shared (top-k's users, the bootstrap's resamples).
 */
#include <pthread.h>

#include "internal.h"

void rec_run_jobs(void *(*job)(void *), void *args, size_t arg_size, int n)
{
	unsigned char *arg = args;
	pthread_t tid[REC_MAX_THREADS];
	int started = 0;
	for (int i = 1; i < n && i < REC_MAX_THREADS; i++) {
		if (pthread_create(&tid[i], NULL, job,
				   arg + (size_t)i * arg_size) != 0)
			break;
		started = i;
	}
	job(arg);
	for (int i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
	/* the jobs of threads that could not start */
	for (int i = started + 1; i < n; i++)
		job(arg + (size_t)i * arg_size);
}
