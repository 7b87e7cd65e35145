#!/bin/sh
# Brings up the example stack (examples/demo) and shows it working. Safe to run twice.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
node dist/src/cli/bin.js -f examples/demo/compose.yaml config
