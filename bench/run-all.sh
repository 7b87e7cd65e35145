#!/bin/sh
# Runs every benchmark in bench/ one after another and collects what they print into
# bench/results/<UTC stamp>/ (gitignored): <name>.txt (stdout: the tables), <name>.log
# (stderr: progress), summary.md (exit status, duration, load average before and after
# each bench, git revision, node version).
#
#   sudo bench/run-all.sh [--no-build] [NAME...]     e.g. sudo bench/run-all.sh compose-up config
#
# A bench is a top-level bench/*.mjs or bench/*.ts that no other bench imports
# (watch-real.mjs is a half of watch-latency.mjs). .mjs runs with node, .ts with vite-node.
# Each bench runs with its defaults, plus the words of BENCH_ARGS_<name> (dashes as
# underscores), e.g. BENCH_ARGS_compose_up="--rounds 5"; one failing does not stop the others.
# Benches also read BENCH_RESULTS_DIR to store raw samples there when they know how.
set -u
cd "$(dirname "$0")/.."
build=1
if [ "${1:-}" = --no-build ]; then build=0; shift; fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="bench/results/$stamp"
mkdir -p "$out"
export BENCH_RESULTS_DIR="$PWD/$out"
summary="$out/summary.md"
{
  echo "# bench/run-all.sh $stamp"
  echo
  echo "- git: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet -- src engine 2>/dev/null || echo ' (src/engine with uncommitted changes)')"
  echo "- node: $(node --version), cpus: $(nproc), kernel: $(uname -r)"
  echo
  echo "| bench | exit | seconds | load before | load after |"
  echo "|---|---|---|---|---|"
} > "$summary"

if [ "$build" = 1 ]; then
  # tsc emits even when a file being edited elsewhere fails to typecheck; say so and go on
  npm run build > "$out/build.log" 2>&1 || echo "npm run build reported errors (see build.log); benches run on what it emitted" | tee -a "$summary" >&2
fi

benches=""
for f in bench/*.mjs bench/*.ts; do
  [ -e "$f" ] || continue
  base=$(basename "$f"); name=${base%.*}
  # a module another bench imports is a part, not a bench
  if grep -lE "(import|from).*['/]$base" bench/*.mjs bench/*.ts 2>/dev/null | grep -vqx "$f"; then continue; fi
  if [ $# -gt 0 ]; then
    keep=0; for want in "$@"; do [ "$want" = "$name" ] && keep=1; done
    [ "$keep" = 1 ] || continue
  fi
  benches="$benches $f"
done

for f in $benches; do
  base=$(basename "$f"); name=${base%.*}
  var="BENCH_ARGS_$(echo "$name" | tr -- '-.' '__')"
  eval "extra=\${$var:-}"
  # shellcheck disable=SC2086 # the extra words are meant to split
  case "$f" in
    *.ts) set -- npx vite-node "$f" ${extra:+--} $extra ;;
    *) set -- node "$f" $extra ;;
  esac
  before=$(cut -d' ' -f1 /proc/loadavg)
  start=$(date +%s)
  echo ">>> $name: $*" >&2
  "$@" > "$out/$name.txt" 2> "$out/$name.log"
  rc=$?
  echo "| $name | $rc | $(( $(date +%s) - start )) | $before | $(cut -d' ' -f1 /proc/loadavg) |" >> "$summary"
  echo "<<< $name: exit $rc" >&2
done
echo >&2
cat "$summary" >&2
echo "results in $out" >&2
