# bash completion: each program's long options (read from its --help),
# the values of the options that take names, and files.
. "$TESTS/lib.sh"
if ! command -v bash > /dev/null 2>&1; then
	echo "skipped: no bash"
	exit 0
fi
scripts="$TESTS/../../scripts"
: > model-file.rec
complete_words() {	# WORD...: the completions of the last word
	PATH="$BIN:$scripts:$PATH" bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _recpipe
		printf "%s\n" "${COMPREPLY[@]}"' _ "$scripts/recpipe.bash" "$@" \
		> got || fail "completion of $*"
}
want() {	# WORD: among the completions
	grep -qx -- "$1" got || { cat got >&2; fail "no '$1' in the completions"; }
}
complete_words rec-train --mo;		want --model
complete_words rec-train --model e;	want ease
complete_words rec-train --task i;	want implicit
complete_words rec-update --rel;	want --relearn
complete_words rec-eval --prom;		want --prometheus; want --prometheus-label
complete_words rec-split --by;		want --by-time
complete_words rec-promote --roll;	want --rollback
complete_words rec-info --it;		want --items
complete_words rec-nightly --ga;	want --gate
complete_words rec-merge --ba;		want --base
complete_words rec-parallel-train --ssh;	want --sshlogin
complete_words rec-info model-f;	want model-file.rec
complete_words rec-train --nonsense
grep -q . got && { cat got >&2; fail "completions for an unknown option"; }
exit 0
