/*
 * check.h - the fuzz targets' assertion: abort() with a line saying which
 * rule broke, for the crash report (libFuzzer keeps the input that did
 * it).  Not assert(): it must hold in every build, NDEBUG or not.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#endif
