#!/usr/bin/env bash
# Pull-through mirror throughput (docs/benchmarks.md, "Pull-through mirror"): one local CNCF Distribution as the
# upstream and one Wharf with a mirror "up" of it. Per run, a new image of random (incompressible) uncompressed tar
# layers is pushed upstream, then pulled with `skopeo copy` to a dir (same disk for all):
#   direct  – straight from Distribution
#   cold    – through Wharf's mirror, nothing cached (Wharf fetches, tees to skopeo and stores)
#   warm    – through the mirror again, everything cached
#   local   – the same image pushed to a repository of Wharf's own, pulled back
# and prints MB/s with the ratios cold/direct and warm/local. direct and cold alternate their order between
# runs. Wharf runs with auth off (raw protocol, as the other throughput benches). Every process it starts is
# stopped by PID on exit.
# Usage: bench/mirror.sh [--no-build] [--runs N] [--mib M]   (defaults: 3 runs of a 128 MiB image)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH=mirror-bench
. "$ROOT/bench/lib.sh"
BUILD=1; RUNS=3; MIB=128
runs_options "$@"
bench_start skopeo curl python3

DPORT=$(free_port)
run_distribution distribution "$DPORT" || die "distribution did not start"
DIST=127.0.0.1:$DPORT

WPORT=$(free_port)
run_wharf wharf "$WPORT" WHARF_AUTH_ENABLED=false WHARF_OUTBOUND_ALLOW=127.0.0.0/8 \
  WHARF_MIRRORS_UPSTREAMS="up=http://$DIST" || die "wharf did not start"
WHARF=127.0.0.1:$WPORT


pull() { # SOURCE-REF NAME -> ns
  local t0 t1; t0=$(now_ns)
  skopeo copy --quiet --src-tls-verify=false "docker://$1" "dir:$WORK/out-$2"
  t1=$(now_ns); rm -rf "$WORK/out-$2"; echo $(( t1 - t0 ))
}
mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.1f", b / 1e6 / (ns / 1e9) }'; }

echo "| run | bytes | direct MB/s | cold via mirror MB/s | cold / direct | local MB/s | warm via mirror MB/s | warm / local |"
echo "|---|---|---|---|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
  bytes=$(make_random_image "$WORK/layout-$run" "$run")
  skopeo copy --quiet --dest-tls-verify=false "oci:$WORK/layout-$run:1" "docker://$DIST/bench/app$run:1"
  skopeo copy --quiet --dest-tls-verify=false "oci:$WORK/layout-$run:1" "docker://$WHARF/local/app$run:1"
  rm -rf "$WORK/layout-$run"
  if (( run % 2 )); then
    d_ns=$(pull "$DIST/bench/app$run:1" direct); c_ns=$(pull "$WHARF/up/bench/app$run:1" cold)
  else
    c_ns=$(pull "$WHARF/up/bench/app$run:1" cold); d_ns=$(pull "$DIST/bench/app$run:1" direct)
  fi
  sleep 2 # the mirror stores the last layer just after the client has it
  if (( run % 2 )); then
    l_ns=$(pull "$WHARF/local/app$run:1" local); w_ns=$(pull "$WHARF/up/bench/app$run:1" warm)
  else
    w_ns=$(pull "$WHARF/up/bench/app$run:1" warm); l_ns=$(pull "$WHARF/local/app$run:1" local)
  fi
  d=$(mbps "$bytes" "$d_ns"); c=$(mbps "$bytes" "$c_ns"); l=$(mbps "$bytes" "$l_ns"); w=$(mbps "$bytes" "$w_ns")
  printf '| %d | %d | %s | %s | %.2fx | %s | %s | %.2fx |\n' "$run" "$bytes" "$d" "$c" \
    "$(awk -v a="$c" -v b="$d" 'BEGIN{print a/b}')" "$l" "$w" "$(awk -v a="$w" -v b="$l" 'BEGIN{print a/b}')"
done
curl -s "http://$WHARF/metrics" | grep -E '^wharf_mirror_(hits|misses|upstream_bytes)_total' >&2 || true
