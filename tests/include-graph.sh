#!/bin/bash
# include-graph.sh — the CI check of gate/'s architecture (ctest: lint.includes).
#
# gate/ is layered (gate/README.md): base < model < read < judge < out < run
# < the gate itself (gate/*.c at the top) < cmd < main.c.  Fails, printing
# each offending edge, when
#   1. a file includes a command's header (cmd_X.h) other than cmd_X.c, or
#      includes a .c file;
#   2. a command file uses a function defined in another command file (the
#      symbols of the built objects, when a build directory is given: a
#      header such as stackcli.h can hide that one command calls another);
#   3. a file includes a header of a higher layer, or of another folder of
#      the same layer (the direction of the architecture);
#   4. the module include graph has a cycle.  A module is x.c + x.h; a file
#      x_part.c (or a header x_part.h without its own .c) that includes x.h
#      belongs to module x (baseline_cmp.c, gate_merge.c, dump_int.h);
#   5. a file in gate/ is in no known folder, or a header name exists twice.
# usage: include-graph.sh [SOURCE_DIR [BUILD_DIR]]
set -u
src=${1:-${LG_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}}
build=${2:-${LG_BINARY_DIR:-}}
gate=$src/gate
fail=0

[ -d "$gate" ] || { echo "include-graph: no directory '$gate'" >&2; exit 2; }
cd "$gate" || exit 2

# The layers, lowest first.  "." is the gate itself (gate/*.c, gate/*.h).
layers=(base model read judge out run . cmd)
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done

files=$(find . -name '*.[ch]' | sed 's|^\./||' | sort)
declare -A where # file name -> folder
for f in $files; do
	d=$(dirname "$f") b=$(basename "$f")
	if [ -z "${rank[$d]+x}" ]; then
		echo "include-graph: $f is in no layer folder (${layers[*]})"
		fail=1
		continue
	fi
	if [ -n "${where[$b]+x}" ]; then
		echo "include-graph: two files named $b (${where[$b]}, $d)"
		fail=1
	fi
	where[$b]=$d
done
# main.c sits above every command.
rank_of() { if [ "$1" = main.c ] && [ "$2" = . ]; then echo 99; else echo "${rank[$2]}"; fi; }

# "file line header" for every #include "x" (file as a name: folders are layers).
edges=$(for f in $files; do
	awk -v f="$(basename "$f")" 'match($0, /^[ \t]*#[ \t]*include[ \t]*"[^"]+"/) {
		h = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", h); sub(/"$/, "", h)
		print f, FNR, h }' "$f"
done)

# 1. command headers and included .c files
while read -r file line hdr; do
	[ -n "$file" ] || continue
	case $hdr in
	*.c)
		echo "include-graph: $file:$line includes the source file '$hdr'"
		fail=1 ;;
	cmd_*.h)
		if [ "${hdr%.h}.c" != "$file" ] && [ "$hdr" != "$file" ]; then
			echo "include-graph: $file:$line includes another command's header '$hdr'"
			fail=1
		fi ;;
	esac
done <<<"$edges"

# 2. command files calling into each other (needs the objects)
objdir=${build:+$build/CMakeFiles/leakgate_core.dir/gate/cmd}
if [ -n "$objdir" ] && [ -d "$objdir" ] && command -v nm >/dev/null; then
	defs=$(for o in "$objdir"/cmd_*.c.o; do
		[ -e "cmd/$(basename "$o" .o)" ] || continue # a stale object of a removed file
		nm --defined-only -g "$o" | awk -v f="$(basename "$o" .o)" 'NF == 3 { print $3, f }'
	done)
	calls=$(for o in "$objdir"/cmd_*.c.o; do
		me=$(basename "$o" .o)
		[ -e "cmd/$me" ] || continue
		nm -u "$o" | awk '{ print $NF }' | while read -r sym; do
			awk -v s="$sym" -v me="$me" '$1 == s && $2 != me {
				printf "include-graph: %s calls %s, defined in the command file %s\n", me, s, $2 }' <<<"$defs"
		done
	done)
	if [ -n "$calls" ]; then
		echo "$calls"
		fail=1
	fi
else
	echo "include-graph: note: no build objects given; command-to-command calls not checked"
fi

# 3. direction: down the layers, or within one folder
up=0
while read -r file line hdr; do
	[ -n "$file" ] && [ -n "${where[$hdr]+x}" ] || continue # system or generated header
	fd=${where[$file]} hd=${where[$hdr]}
	[ "$fd" = "$hd" ] && continue
	rf=$(rank_of "$file" "$fd") rh=$(rank_of "$hdr" "$hd")
	if [ "$rh" -ge "$rf" ]; then
		echo "include-graph: $fd/$file:$line includes $hd/$hdr, a layer that is not below '$fd'"
		up=$((up + 1))
		fail=1
	fi
done <<<"$edges"

# 4. cycles in the module graph
module_of() { # file name -> module
	local stem=${1%.*} h
	if { [ "${1##*.}" = c ] && [ -z "${where[$stem.h]+x}" ]; } || { [ "${1##*.}" = h ] && [ -z "${where[$stem.c]+x}" ]; }; then
		for h in $(awk -v f="$1" '$1 == f { print $3 }' <<<"$edges"); do
			case $stem in "${h%.h}"_*) [ -n "${where[$h]+x}" ] && { echo "${h%.h}"; return; } ;; esac
		done
	fi
	echo "$stem"
}
declare -A mod
for f in "${!where[@]}"; do mod[$f]=$(module_of "$f"); done
cycles=$(while read -r file line hdr; do
	[ -n "$file" ] && [ -n "${where[$hdr]+x}" ] || continue
	from=${mod[$file]} to=${mod[$hdr]}
	[ "$from" != "$to" ] && echo "$from $to $file:$line"
done <<<"$edges" | sort -u | awk '
	{ if (!(($1, $2) in at)) { adj[$1] = adj[$1] " " $2; at[$1, $2] = $3 }; node[$1]; node[$2] }
	function visit(n,    i, k, m, next_) {
		color[n] = 1; stack[++depth] = n
		k = split(adj[n], m, " ")
		for (i = 1; i <= k; i++) {
			next_ = m[i]
			if (color[next_] == 1) {
				path = ""
				for (j = 1; j <= depth; j++) if (stack[j] == next_) break
				for (; j <= depth; j++) path = path stack[j] " -> "
				printf "include-graph: cycle %s%s (edge %s -> %s: %s)\n", path, next_, n, next_, at[n, next_]
				found = 1
			} else if (!color[next_]) visit(next_)
		}
		color[n] = 2; depth--
	}
	END { for (n in node) if (!color[n]) visit(n); exit found }')
if [ -n "$cycles" ]; then
	echo "$cycles"
	fail=1
fi

if [ $fail = 0 ]; then
	echo "include-graph: ok: ${#where[@]} files in ${#layers[@]} layers, every include points down, no command calls another, no include cycle"
fi
exit $fail
