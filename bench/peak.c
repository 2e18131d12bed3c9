/*
 * peak.c - the machine's single-precision peak, measured: each thread runs
 * independent chains of fused multiply-adds on the widest vectors the CPU
 * has (AVX-512, else AVX2), enough chains to cover the latency, and the
 * best of several runs is reported in GFLOP/s.
 * usage: peak [THREADS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHAINS 24
#define ROUNDS 20000000L

typedef float v16 __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

__attribute__((target("avx512f,fma"), optimize("fp-contract=fast")))
static float fma512(long rounds)
{
	v16 acc[CHAINS], a = { 0 }, b = { 0 };
	for (int j = 0; j < 16; j++) {
		a[j] = 1.0000001f;
		b[j] = 1e-7f;
	}
	for (int i = 0; i < CHAINS; i++)
		acc[i] = a * (float)i;
	for (long r = 0; r < rounds; r++) {
#pragma GCC unroll 24
		for (int i = 0; i < CHAINS; i++)
			acc[i] = acc[i] * a + b;
	}
	float s = 0;
	for (int i = 0; i < CHAINS; i++)
		s += acc[i][0];
	return s;
}

__attribute__((target("avx2,fma"), optimize("fp-contract=fast")))
static float fma256(long rounds)
{
	v8 acc[CHAINS], a = { 0 }, b = { 0 };
	for (int j = 0; j < 8; j++) {
		a[j] = 1.0000001f;
		b[j] = 1e-7f;
	}
	for (int i = 0; i < CHAINS; i++)
		acc[i] = a * (float)i;
	for (long r = 0; r < rounds; r++) {
#pragma GCC unroll 24
		for (int i = 0; i < CHAINS; i++)
			acc[i] = acc[i] * a + b;
	}
	float s = 0;
	for (int i = 0; i < CHAINS; i++)
		s += acc[i][0];
	return s;
}

static int wide;
static volatile float sink;

static void *work(void *arg)
{
	long rounds = *(long *)arg;
	sink = wide ? fma512(rounds) : fma256(rounds);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 1;
	if (threads < 1 || threads > 64)
		threads = 1;
	__builtin_cpu_init();
	wide = __builtin_cpu_supports("avx512f");
	if (!wide && !__builtin_cpu_supports("avx2")) {
		fprintf(stderr, "peak: needs AVX2 or AVX-512\n");
		return 2;
	}
	long rounds = ROUNDS / (wide ? 2 : 1);
	double flops = 2.0 * CHAINS * (wide ? 16 : 8) * (double)rounds * threads;
	double best = 0;
	for (int run = 0; run < 5; run++) {
		pthread_t tid[64];
		double t0 = now();
		for (int i = 0; i < threads; i++)
			pthread_create(&tid[i], NULL, work, &rounds);
		for (int i = 0; i < threads; i++)
			pthread_join(tid[i], NULL);
		double g = flops / (now() - t0) / 1e9;
		if (g > best)
			best = g;
	}
	printf("%.1f GFLOP/s peak, %d thread%s, %s FMA\n", best, threads,
	       threads == 1 ? "" : "s", wide ? "AVX-512" : "AVX2");
	return 0;
}
