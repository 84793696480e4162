#!/bin/bash
# include-graph-selftest.sh — proves lint.includes can fail (ctest:
# lint.includes.selftest): on a copy of gate/, an include that points up a
# layer, one across two folders of the same layer, a cycle and a file
# outside the layer folders must each be reported, and the untouched copy
# must pass.
# usage: include-graph-selftest.sh SOURCE_DIR
set -u
src=${1:?usage: include-graph-selftest.sh SOURCE_DIR}
check=$src/tests/include-graph.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

fresh() { rm -rf "$tmp/gate"; cp -r "$src/gate" "$tmp/gate"; }
expect() { # name, pattern of the report
	local out
	if out=$(bash "$check" "$tmp" 2>&1); then
		echo "selftest: $1: include-graph.sh passed, want a failure"
		fail=1
	elif ! grep -q -- "$2" <<<"$out"; then
		echo "selftest: $1: no line matching '$2' in:"
		echo "$out"
		fail=1
	else
		echo "selftest: $1: reported"
	fi
}

fresh
if ! bash "$check" "$tmp" >/dev/null; then
	echo "selftest: the untouched copy of gate/ fails"
	fail=1
fi

fresh
sed -i '0,/#include "util.h"/s//#include "util.h"\n#include "runner.h"/' "$tmp/gate/base/arena.c"
expect "upward include" 'base/arena.c:[0-9]* includes run/runner.h, a layer that is not below'

fresh
echo '#include "junit.h"' >>"$tmp/gate/run/shard.h"
echo '#include "shard.h"' >>"$tmp/gate/out/junit.h"
expect "cycle" 'cycle'

fresh
touch "$tmp/gate/stray.c"
mkdir "$tmp/gate/misc" && touch "$tmp/gate/misc/x.c"
expect "file outside the layers" 'misc/x.c is in no layer folder'

exit $fail
