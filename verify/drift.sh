#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Drift check of the SPIN models: has the C code a model stands for changed
# since the model was last revisited?  Prints KTAP.
#
#   verify/drift.sh                   check every recorded hash
#   verify/drift.sh --update [M.pml]  rehash (only when the model was
#                                     revisited against the new code): every
#                                     model, or only the ones named
#
# Each model (verify/*.pml) lists in its header comment the C functions it
# models, one per line as " *   file.c:function ..." (anything may follow).
# verify/models.sha records, per line, "model file:function sha256" of the
# text of each function: from its definition line (the first line at
# column 0 that names "function(" and is followed by a "{" at column 0
# before any ";" ends a prototype) to the first "}" at column 0.  A name
# may also be a variable defined at column 0 by "name = {" ending its line
# (a table, such as an encoding's): its text runs to the first "}" at
# column 0.
#
# A test fails ("not ok") when a function's text hashes differently, when it
# cannot be found (renamed, moved or deleted: the model names the old one),
# or when a model's header list and verify/models.sha disagree.  The
# message names the model to revisit.
set -u
cd "$(dirname "$0")/.." || exit 1

SHA=verify/models.sha

# The text of function $2 in file $1, on stdout; status 1 if not found.
fn_text() {
	[ -f "$1" ] || return 1
	awk -v fn="$2" '
		BEGIN {
			re = "(^|[^A-Za-z0-9_])" fn "\\("
			data = "(^|[^A-Za-z0-9_])" fn "[ \t]*=[ \t]*\\{[ \t]*$"
		}
		!state && /^[A-Za-z_]/ && $0 ~ data {
			state = 2; n = 0; buf[n++] = $0; next
		}
		!state && /^[A-Za-z_]/ && $0 ~ re {
			state = 1; n = 0
		}
		state == 1 {
			buf[n++] = $0
			if ($0 ~ /^\{/) { state = 2; next }
			if ($0 ~ /;[ \t]*$/ || $0 ~ /^}/) { state = 0; next }
			next
		}
		state == 2 {
			buf[n++] = $0
			if ($0 ~ /^}/) {
				for (i = 0; i < n; i++) print buf[i]
				found = 1
				exit
			}
		}
		END { exit found ? 0 : 1 }
	' "$1"
}

fn_hash() {
	local text
	text=$(fn_text "$1" "$2") || return 1
	printf '%s\n' "$text" | sha256sum | cut -d' ' -f1
}

# "file:function" entries of a model's header list
model_list() {
	sed -n 's|^ \*[ \t]\+\([A-Za-z0-9_./-]\+\.[ch]\):\([A-Za-z_][A-Za-z0-9_]*\)\b.*|\1:\2|p' "verify/$1"
}

models() {
	local f
	for f in verify/*.pml; do
		[ -n "$(model_list "${f#verify/}")" ] && echo "${f#verify/}"
	done
}

if [ "${1:-}" = --update ]; then
	shift
	want=("$@")
	[ ${#want[@]} -eq 0 ] && mapfile -t want < <(models)
	tmp=$(mktemp) || exit 1
	trap 'rm -f "$tmp"' EXIT
	{
		echo "# model file:function sha256 -- written by verify/drift.sh --update;"
		echo "# rehash a model only after revisiting it against the C code."
	} >"$tmp"
	# keep the lines of the models not being updated (and still there)
	[ -f "$SHA" ] && grep -v '^#' "$SHA" | while read -r m e h; do
		keep=1
		[ -f "verify/$m" ] || keep=
		for w in "${want[@]}"; do [ "$m" = "$w" ] && keep=; done
		[ -n "$keep" ] && echo "$m $e $h"
	done >>"$tmp"
	bad=0
	for m in "${want[@]}"; do
		[ -f "verify/$m" ] || { echo "verify/$m: no such model" >&2; exit 1; }
		list=$(model_list "$m")
		[ -n "$list" ] || { echo "verify/$m lists no file:function" >&2; bad=1; }
		for e in $list; do
			if h=$(fn_hash "${e%%:*}" "${e#*:}"); then
				echo "$m $e $h" >>"$tmp"
			else
				echo "verify/$m: ${e#*:} not found in ${e%%:*}: fix the model's list" >&2
				bad=1
			fi
		done
	done
	[ $bad = 0 ] || exit 1
	{ head -2 "$tmp"; tail -n +3 "$tmp" | sort -s -k1,1; } >"$SHA"
	echo "$SHA: $(grep -vc '^#' "$SHA") functions hashed"
	exit 0
fi

if [ ! -f "$SHA" ]; then
	echo "KTAP version 1"
	echo "1..1"
	echo "# $SHA is missing: verify/drift.sh --update"
	echo "not ok 1 models.sha"
	exit 1
fi

mapfile -t lines < <(grep -v '^#' "$SHA" | grep .)
mapfile -t mods < <(models)
echo "KTAP version 1"
echo "1..$((${#lines[@]} + ${#mods[@]}))"
n=0
bad=0
for l in "${lines[@]}"; do
	n=$((n + 1))
	read -r m e h <<<"$l"
	f=${e%%:*}
	fn=${e#*:}
	if ! cur=$(fn_hash "$f" "$fn"); then
		echo "# $fn() is missing from $f (renamed or removed?): revisit verify/$m"
		echo "not ok $n $m:$e # missing"
		bad=1
	elif [ "$cur" != "$h" ]; then
		echo "# $f:$fn() changed since verify/$m was last checked against it:"
		echo "# revisit verify/$m, then verify/drift.sh --update $m"
		echo "not ok $n $m:$e"
		bad=1
	else
		echo "ok $n $m:$e"
	fi
done
for m in "${mods[@]}"; do
	n=$((n + 1))
	a=$(model_list "$m" | sort)
	b=$(grep -v '^#' "$SHA" | awk -v m="$m" '$1 == m { print $2 }' | sort)
	if [ "$a" = "$b" ]; then
		echo "ok $n $m-list-matches-models.sha"
	else
		diff <(echo "$a") <(echo "$b") | sed -n 's/^</# header only:/p; s/^>/# models.sha only:/p'
		echo "# verify/$m's header and $SHA disagree: verify/drift.sh --update $m"
		echo "not ok $n $m-list-matches-models.sha"
		bad=1
	fi
done
exit $bad
