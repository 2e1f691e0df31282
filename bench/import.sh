#!/usr/bin/env bash
# Import throughput (docs/benchmarks.md, "Image import"): the same image pulled from the same local CNCF
# Distribution by `skopeo copy` (to a dir: on the same disk) and by a Wharf import job (POST /v1/images/{id}/tasks),
# MB/s for both and their ratio. Each run uses a new image of random (incompressible) uncompressed tar layers, so
# neither side finds a blob it already has; the order alternates between runs. Every process it starts is
# stopped by PID on exit.
# --upstream-mbit N puts Distribution behind a link of N Mbit/s for both (shape_upstream, lib.sh; root and tc).
# Wharf's CPU seconds per import (its process, from /proc) are printed too.
# Usage: bench/import.sh [--no-build] [--runs N] [--mib M] [--upstream-mbit N]   (defaults: 3 runs of a 256 MiB image)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH=import-bench
. "$ROOT/bench/lib.sh"
BUILD=1; RUNS=3; MIB=256
upstream_option "$@"
runs_options "${REST[@]}"
bench_start skopeo curl jq python3

# --- Distribution (the upstream) and Wharf as `./wharf serve` starts it (launcher JVM defaults, auth on, default
# limits, access log on)
DPORT=$(free_port)
run_distribution distribution "$DPORT" || die "distribution did not start"
DIST=127.0.0.1:$DPORT
(( UPSTREAM_MBIT == 0 )) || shape_upstream "$DPORT" "$UPSTREAM_MBIT"

WPORT=$(free_port)
ADMIN_PASSWORD="bench-admin-$RANDOM$RANDOM"
# The upstream Distribution is on loopback, which the outbound policy refuses unless allowed.
serve_wharf "$WPORT" WHARF_OUTBOUND_ALLOW=127.0.0.0/8
WHARF=http://127.0.0.1:$WPORT
TOKEN=""
for _ in $(seq 1 100); do # the administrator is created just after /readyz answers
  TOKEN=$(curl -s -X POST "$WHARF/v2/users/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | jq -r '.token // empty')
  [[ -n $TOKEN ]] && break; sleep 0.1
done
[[ -n $TOKEN ]] || die "cannot log in to Wharf"
v1() { curl -s -X "$1" "$WHARF$2" -H "Authorization: Bearer $TOKEN" -H 'X-Hub-Id: admin' \
  -H 'Content-Type: application/json' ${3:+-d "$3"}; }


time_skopeo() { # RUN -> ns
  local t0 t1; t0=$(now_ns)
  skopeo copy --quiet --src-tls-verify=false "docker://$DIST/bench/app$1:1" "dir:$WORK/skopeo-$1"
  t1=$(now_ns); rm -rf "$WORK/skopeo-$1"; echo $(( t1 - t0 ))
}
time_wharf() { # RUN -> "wall_ns job_ns cpu_ticks"
  local source image job t0 t1 state body started completed c0
  source=$(v1 POST /v1/images/sources "{\"name\":\"bench $1\",\"type\":\"direct\",\"origin\":{\"type\":\"docker-registry\",\"details\":{\"target\":\"bench/app$1:1\",\"url\":\"http://$DIST\"}}}" | jq -r .data.id)
  image=$(v1 POST /v1/images "{\"source_id\":\"$source\"}" | jq -r .data.id)
  c0=$(cpu_ticks "$WHARF_PID"); t0=$(now_ns)
  job=$(v1 POST "/v1/images/$image/tasks" '{"action":"import"}' | jq -r .data.job.id)
  while :; do
    body=$(v1 GET "/v1/jobs/$job"); state=$(jq -r .data.state.current <<<"$body")
    [[ $state == completed || $state == error ]] && break
    sleep 0.05
  done
  t1=$(now_ns); c0=$(( $(cpu_ticks "$WHARF_PID") - c0 ))
  [[ $state == completed ]] || die "import failed: $(jq -r .data.state.error.message <<<"$body")"
  started=$(date -d "$(jq -r .data.events.started <<<"$body")" +%s%N)
  completed=$(date -d "$(jq -r .data.events.completed <<<"$body")" +%s%N)
  echo "$(( t1 - t0 )) $(( completed - started )) $c0"
}
mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.1f", b / 1e6 / (ns / 1e9) }'; }

echo "| run | bytes | skopeo copy s | skopeo MB/s | Wharf import s (request → seen done) | Wharf MB/s | job started → completed s | Wharf / skopeo | Wharf CPU s |"
echo "|---|---|---|---|---|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
  bytes=$(make_random_image "$WORK/layout-$run" "$run")
  # --preserve-digests: the layers go up as made, so both sides move the uncompressed bytes counted above (without
  # it skopeo gzips each one on the way, which also slows the set-up)
  skopeo copy --quiet --preserve-digests --dest-tls-verify=false "oci:$WORK/layout-$run:1" "docker://$DIST/bench/app$run:1"
  rm -rf "$WORK/layout-$run"
  if (( run % 2 )); then s_ns=$(time_skopeo "$run"); read -r w_ns j_ns w_cpu <<<"$(time_wharf "$run")"
  else read -r w_ns j_ns w_cpu <<<"$(time_wharf "$run")"; s_ns=$(time_skopeo "$run"); fi
  s=$(mbps "$bytes" "$s_ns"); w=$(mbps "$bytes" "$w_ns")
  printf '| %d | %d | %.2f | %s | %.2f | %s | %.2f | %.2fx | %.2f |\n' "$run" "$bytes" \
    "$(awk -v n="$s_ns" 'BEGIN{print n/1e9}')" "$s" "$(awk -v n="$w_ns" 'BEGIN{print n/1e9}')" "$w" \
    "$(awk -v n="$j_ns" 'BEGIN{print n/1e9}')" "$(awk -v a="$w" -v b="$s" 'BEGIN{print a/b}')" \
    "$(awk -v t="$w_cpu" -v hz="$TICKS" 'BEGIN{print t/hz}')"
done
