#!/bin/sh
# Brings up the example stack (examples/demo) on berth's own engine and shows it working.
# Run as root on Debian. Safe to run twice: the second run finds the stack up to date.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
berth() { node dist/src/cli/bin.js "$@"; }
IMAGE=berth-demo/busybox:latest
if ! berth image inspect "$IMAGE" >/dev/null 2>&1; then
  tar=$(mktemp /tmp/berth-busybox-XXXXXX.tar)
  sh scripts/busybox-rootfs.sh "$tar"
  berth image import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["sh"]' "$tar" "$IMAGE"
  rm -f "$tar"
fi
berth -f examples/demo/compose.yaml up -d --wait --progress plain
echo
berth -f examples/demo/compose.yaml ps
echo
echo "\$ curl http://127.0.0.1:8080/"
curl -fsS --max-time 5 http://127.0.0.1:8080/
echo "\$ curl http://127.0.0.1:8080/cgi-bin/api    (web → api by name → data written by migrate)"
curl -fsS --max-time 5 http://127.0.0.1:8080/cgi-bin/api
cat <<'MSG'

The demo stack is up. Try:
  node dist/src/cli/bin.js -f examples/demo/compose.yaml logs
  node dist/src/cli/bin.js -f examples/demo/compose.yaml plan
  node dist/src/cli/bin.js -f examples/demo/compose.yaml down -v
(or `npm link` once, then just `berth ...`)
MSG
