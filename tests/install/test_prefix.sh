#!/usr/bin/env bash
# install.prefix: `cmake --install` into a temporary prefix, moved after the
# install (the tree must be relocatable), then checked with only the
# installed files: a man page per command, completions that load, the
# schemas, and the demo module gated by the installed binary, with the hook
# vendored by `leakgate hook vendor` instead of a replace into this checkout.
set -euo pipefail
src=${LG_SOURCE_DIR:?}
bin=${LG_BINARY_DIR:?}
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

tmp=$(mktemp -d "$bin/install-prefix.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s%N)
cmake --install "$bin" --prefix "$tmp/first" >/dev/null
mv "$tmp/first" "$tmp/prefix"
p=$tmp/prefix
lg=$p/bin/leakgate

[[ -x $lg ]] && ok "bin/leakgate installed" || { bad "no bin/leakgate"; exit 1; }
"$lg" --version | grep -q '(hook protocol ' && ok "--version names the hook protocol" ||
  bad "--version: $("$lg" --version)"

# A man page per command that `leakgate --help` lists, rendered without warnings.
commands=$("$lg" --help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 && /^  / {print $1}' | tr '\n' ' ')
[[ -n $commands ]] || bad "leakgate --help lists no commands"
for page in leakgate $(printf 'leakgate-%s ' $commands); do
  f=$p/share/man/man1/$page.1
  if [[ ! -f $f ]]; then bad "no man page $page(1)"; continue; fi
  if command -v groff >/dev/null; then
    warn=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$f" 2>&1)
    [[ -z $warn ]] || bad "$page(1): groff: $warn"
  fi
  # The man page and --help come from one doc: their exit codes agree.
  cmd=${page#leakgate}; cmd=${cmd#-}
  help_exit=$("$lg" $cmd --help | sed -n '/^exit codes: /,$p' | tr -s ' \n' ' ' | sed 's/^exit codes: //; s/ $//')
  man_exit=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH/p' "$f" | sed '1d;$d;/^\.PP/d' | tr -s ' \n' ' ' | sed 's/\\-/-/g; s/ $//')
  [[ $help_exit == "$man_exit" ]] || bad "$page: --help and man page differ in exit codes: '$help_exit' vs '$man_exit'"
done
ok "man pages: leakgate $commands"

for f in share/bash-completion/completions/leakgate share/zsh/site-functions/_leakgate \
         share/fish/vendor_completions.d/leakgate.fish share/leakgate/junit.xsd \
         share/leakgate/run-report.schema.json share/leakgate/hook-protocol.schema.json; do
  [[ -f $p/$f ]] || bad "missing $f"
done
got=$(bash -c 'source "$1"; COMP_WORDS=(leakgate run --ju); COMP_CWORD=2; _leakgate; echo "${COMPREPLY[*]}"' _ \
      "$p/share/bash-completion/completions/leakgate")
[[ $got == --junit ]] && ok "bash completion: run --ju -> --junit" || bad "bash completion gave '$got'"
if command -v zsh >/dev/null; then zsh -n "$p/share/zsh/site-functions/_leakgate" || bad "zsh -n"; fi
if command -v fish >/dev/null; then fish -n "$p/share/fish/vendor_completions.d/leakgate.fish" || bad "fish -n"; fi

# The binary must not need the checkout: nothing it reads names it.
if grep -q -F -- "$src/hook" <(strings -n 8 "$lg" | grep -v '\.[ch]$' | grep -v '^/.*\.c:' || true); then
  bad "the installed binary names the source tree's hook/"
fi

# The demo, from a copy outside the checkout, with the hook vendored.
go=${LG_GO:-go}
cp -r "$src/tests/demo" "$tmp/demo"
cd "$tmp/demo"
"$lg" hook vendor third_party/leakgatehook >"$tmp/vendor.out"
"$go" mod edit -replace=leakgate.dev/leakgatehook=./third_party/leakgatehook
grep -q 'replace leakgate.dev/leakgatehook => ./third_party/leakgatehook' go.mod &&
  ok "hook vendored, replace is relative" || bad "go.mod: $(cat go.mod)"
set +e
env -i HOME="$HOME" TMPDIR="$tmp" PATH="$p/bin:$(dirname "$(command -v "$go")"):/usr/bin:/bin" \
  LEAKGATE_CACHE="$tmp/cache" GOCACHE="$("$go" env GOCACHE)" GOMODCACHE="$("$go" env GOMODCACHE)" \
  GOFLAGS=-mod=mod GOTOOLCHAIN=local \
  leakgate run --timeout 60s --junit "$tmp/junit.xml" --json "$tmp/run.json" ./... >"$tmp/run.out" 2>&1
code=$?
set -e
[[ $code -eq 1 ]] && ok "demo: the gate failed (exit 1), as it should" || bad "demo: exit $code"
for want in 'worker' 'api' 'deadlock' 'textutil'; do
  grep -q -- "$want" "$tmp/run.out" || bad "demo output does not mention $want"
done
[[ -s $tmp/junit.xml && -s $tmp/run.json ]] || bad "demo: no JUnit/JSON report"
if command -v xmllint >/dev/null; then
  xmllint --noout --schema "$p/share/leakgate/junit.xsd" "$tmp/junit.xml" 2>/dev/null &&
    ok "demo JUnit valid against the installed share/leakgate/junit.xsd" || bad "JUnit not valid"
fi
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "install + demo took $((ms / 1000)).$(printf %03d $((ms % 1000)))s"
if ((fails)); then
  echo "--- demo output"; tail -40 "$tmp/run.out"
  echo "$fails check(s) failed"; exit 1
fi
echo "install.prefix: all checks passed"
