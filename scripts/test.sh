#!/bin/sh
# The whole test suite: unit tests, then end-to-end tests on the real engine (root).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
npx vitest run "$@"
