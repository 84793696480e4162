#!/usr/bin/env bash
# install.deb: cpack builds the .deb and the .tar.gz from the build tree;
# the .deb is extracted into a fresh root (dpkg-deb -x: no package database
# touched) and its leakgate runs from there; its Depends are checked against
# the binary: every library the binary links directly (NEEDED) must be
# covered by a Depends entry, and every Depends entry must be a package
# that ships one of the libraries `ldd` resolves or one leakgate loads when
# it needs it (libcurl.so.4, on the first fetch: the extracted leakgate
# fetches a file:// URL to prove it finds it).
set -euo pipefail
bin=${LG_BINARY_DIR:?}
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
for tool in cpack dpkg-deb dpkg-shlibdeps ldd objdump; do
  command -v "$tool" >/dev/null || { echo "install.deb: $tool missing (tests/install-deps.sh)"; exit 1; }
done

tmp=$(mktemp -d "$bin/install-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
(cd "$tmp" && cpack --config "$bin/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.out" 2>&1) ||
  { cat "$tmp/cpack.out"; exit 1; }
deb=$(ls "$tmp"/pkg/*.deb)
tgz=$(ls "$tmp"/pkg/*.tar.gz)
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes) and $(basename "$tgz") ($(stat -c %s "$tgz") bytes) in $(( $(date +%s) - start ))s"

depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
dpkg-deb -x "$deb" "$tmp/root"
lg=$tmp/root/usr/bin/leakgate
out=$("$lg" --version) && [[ $out == "leakgate "* ]] && ok "extracted leakgate runs: $out" ||
  bad "extracted leakgate --version: $out"
for f in usr/share/man/man1/leakgate.1 usr/share/man/man1/leakgate-run.1 \
         usr/share/bash-completion/completions/leakgate usr/share/leakgate/junit.xsd; do
  [[ -f $tmp/root/$f ]] || bad "the .deb lacks /$f"
done
tar -tzf "$tgz" | grep '/bin/leakgate$' >/dev/null && ok "the .tar.gz holds bin/leakgate" || bad "tar.gz lacks bin/leakgate"

# The package owning a library file (usrmerge: try /lib and /usr/lib).
owner() {
  local f=$1 r
  for c in "$f" "$(readlink -f "$f")" "${f/#\/usr\/lib\//\/lib\/}" "${f/#\/lib\//\/usr\/lib\/}"; do
    r=$(dpkg -S "$c" 2>/dev/null | head -1 | cut -d: -f1) && [[ -n $r ]] && { echo "$r"; return; }
  done
}
declare -A dep_pkgs=() ldd_pkgs=()
IFS=',' read -ra entries <<<"$depends"
for e in "${entries[@]}"; do
  for alt in ${e//|/ }; do
    [[ $alt == \(* || $alt == *\) || $alt == '>='* ]] && continue
    dep_pkgs[$alt]=1
  done
done
while read -r lib path; do
  [[ -n $path ]] && ldd_pkgs[$(owner "$path")]=1
done < <(ldd "$lg" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3} $1 ~ /^\// {print $1, $1}')
for lib in $(objdump -p "$lg" | awk '$1 == "NEEDED" {print $2}'); do
  path=$(ldd "$lg" | awk -v l="$lib" '$1 == l {print $3}')
  pkg=$(owner "$path")
  if [[ -n ${dep_pkgs[$pkg]:-} ]]; then ok "NEEDED $lib ($pkg) is in Depends"; else bad "NEEDED $lib ($pkg) missing from Depends"; fi
done
# Loaded at run time (dlopen), so neither NEEDED nor in ldd: in Depends all the same.
for lib in libcurl.so.4; do
  # awk reads all of ldconfig's output: an early exit would kill ldconfig
  # with SIGPIPE, which pipefail and set -e turn into a silent stop
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|x86_64|64bit/ && !p {p = $NF} END {print p}')
  [[ -n $path ]] || path=$(ldconfig -p | awk -v l="$lib" '$1 == l && !p {p = $NF} END {print p}')
  pkg=$(owner "$path")
  ldd_pkgs[$pkg]=1
  if [[ -n $pkg && -n ${dep_pkgs[$pkg]:-} ]]; then ok "loaded $lib ($pkg) is in Depends"; else bad "loaded $lib (${pkg:-no package}) missing from Depends"; fi
done
printf 'goroutine 1 [running]:\nmain.main()\n\t/src/main.go:3 +0x1\n' >"$tmp/dump.txt"
out=$("$lg" stacks "file://$tmp/dump.txt" 2>&1) && [[ $out == *main.main* ]] &&
  ok "extracted leakgate loads libcurl and fetches a file:// URL" ||
  bad "extracted leakgate stacks file://: $out"
for pkg in "${!dep_pkgs[@]}"; do
  [[ -n ${ldd_pkgs[$pkg]:-} ]] || bad "Depends names $pkg, which ships none of ldd's libraries"
done
if ((fails)); then echo "$fails check(s) failed"; exit 1; fi
echo "install.deb: all checks passed"
