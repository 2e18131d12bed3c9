# bash completion for recpipe's programs: rec-train, rec-update,
# rec-predict, rec-eval, rec-info, rec-promote, rec-split, rec-merge,
# rec-nightly, rec-hourly and rec-parallel-train.  The long options come from each program's own --help, read
# once per shell, so they never fall out of step with the program; an
# option's values (tasks, model families, ...) and files complete too.
# Installed by `make install` under each program's name in bash-
# completion's directory; or: . scripts/recpipe.bash

# The long options of a program, from its --help, cached.
_recpipe_options()
{
	local prog=$1 var
	var="_recpipe_opts_${prog//-/_}"
	if [[ -z ${!var+set} ]]; then
		printf -v "$var" '%s' "$("$prog" --help 2>/dev/null |
			grep -oE -- '--[a-z][a-z0-9-]*' | sort -u | tr '\n' ' ')"
	fi
	printf '%s\n' "${!var}"
}

_recpipe()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	--task) mapfile -t COMPREPLY < <(compgen -W 'binary regression implicit' -- "$cur"); return ;;
	--model)
		if [[ ${COMP_WORDS[0]##*/} == rec-train ]]; then
			mapfile -t COMPREPLY < <(compgen -W 'fm ease' -- "$cur")
			return
		fi ;;
	--loss) mapfile -t COMPREPLY < <(compgen -W 'logistic squared bpr' -- "$cur"); return ;;
	--optimizer) mapfile -t COMPREPLY < <(compgen -W 'adagrad sgd ftrl' -- "$cur"); return ;;
	--interactions) mapfile -t COMPREPLY < <(compgen -W 'cross all' -- "$cur"); return ;;
	--freeze) mapfile -t COMPREPLY < <(compgen -W 'users items' -- "$cur"); return ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_recpipe_options "${COMP_WORDS[0]}")" -- "$cur")
		return
	fi
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

complete -o filenames -F _recpipe rec-train rec-update rec-predict rec-eval \
	rec-info rec-promote rec-split rec-merge rec-nightly rec-hourly \
	rec-parallel-train
