#!/usr/bin/env bash
# First contact: installs the dependencies, builds leakgate, and runs the
# gate on the bundled demo module (tests/demo), which has leaks and a
# deadlock on purpose.  The gate is expected to fail there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash tests/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default >/dev/null
echo
echo "== leakgate run ./... in tests/demo (it is meant to fail)"
cd tests/demo
set +e
"$root/build/leakgate" run --timeout 60s --junit "$root/build/demo-junit.xml" \
  --json "$root/build/demo-run.json" ./...
status=$?
set -e
echo
echo "leakgate exited with $status (1 = gate failed, as expected for the demo)"
echo "JUnit XML: $root/build/demo-junit.xml"
echo "JSON report: $root/build/demo-run.json"
[[ $status -eq 1 ]]
