#!/bin/sh
# Installs what berth and its tests need on a fresh Debian machine, as root. Safe to run twice.
set -eu
cd "$(dirname "$0")/.."
PKGS="crun runc conmon tini python3 iptables iproute2 busybox-static skopeo umoci docker-registry attr apache2-utils curl procps util-linux tar"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "berth: installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || true
  apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
# docker-registry is started by tests themselves; do not leave Debian's service running.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# Compile only when a source is newer than the last build (keeps a second run fast).
if [ ! -f dist/.built ] || [ -n "$(find src engine package.json tsconfig.json -newer dist/.built -name '*.ts' -o -newer dist/.built -name '*.json' 2>/dev/null | head -1)" ]; then
  npm run --silent build
  touch dist/.built
fi
