# Two scorers of the same rows, with known AUCs: the generator of the
# coverage test (eval-coverage.t) and bench/coverage.sh.
#
# Each row is a positive with probability 1/2; its scores are
#   a = MUA * y + z + e_a,   b = MUB * y + z + e_b
# with z, e_a, e_b independent standard normal draws, z shared by both
# scorers (so their errors are correlated and the comparison is paired).
# Within a class each score has variance 2, so a scorer's AUC is
# P(N(MU, 4) > 0) = Phi(MU / 2).
#
# The uniform draws are Park and Miller's minimal standard generator,
# x = 16807 x mod (2^31 - 1), exact in awk's doubles, so that every awk
# gives the same rows for a seed; normals by Box and Muller.
# usage: awk -v SEED=S -v N=ROWS -v MUA=A -v MUB=B -v A=FILE -v B=FILE \
#        -f paired.awk
function uniform() {
	x = (16807 * x) % 2147483647
	return x / 2147483647
}
function normal(   u, v) {
	u = uniform()
	v = uniform()
	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v)
}
BEGIN {
	x = SEED % 2147483646 + 1
	for (i = 0; i < 10; i++)
		uniform()
	for (i = 1; i <= N; i++) {
		y = uniform() < 0.5
		z = normal()
		printf "r%d\tx\t%d\t%.6f\n", i, y, MUA * y + z + normal() > A
		printf "r%d\tx\t%d\t%.6f\n", i, y, MUB * y + z + normal() > B
	}
}
