#!/usr/bin/env bash
# Where a skopeo push's time goes, as a ladder of servers that each do a little more of what a registry must do with
# an upload (docs/benchmarks-journal.md, "What run AD adds"). Every round pushes one new image shaped as the headline's
# (bench/headline.sh: one random MIB MiB layer and three of 1 MiB) with `skopeo copy` to each of, in an order that
# rotates per round:
#   null          bench/nullregistry.py, which discards the bytes (the client's ceiling)
#   null+file     the same, writing each upload to a file (page cache only)
#   null+sha256   ... and hashing it as it arrives
#   null+fsync    ... and fsyncing the file when the upload's PUT arrives (what a registry's commit needs)
#   distribution  CNCF Distribution without auth
#   wharf         Wharf as `./wharf serve` starts it (token auth on, default limits, access log on)
# and prints each server's median push time and MB/s. Before the measured rounds, WARMUP images (default 4) go to
# every server unmeasured: a fresh JVM compiles its push path during its first pushes, and Python and Go servers get
# the same treatment. The null registries and their files use WORK (same disk as the others). Every process it
# starts is stopped by PID on exit.
# Usage: bench/push-ladder.sh [--no-build] [--runs N] [--mib M] [--warmup W]   (defaults: 5 rounds of 128 MiB)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH=push-ladder
. "$ROOT/bench/lib.sh"
BUILD=1; RUNS=5; MIB=128; WARMUP=4
runs_options "$@"
bench_start skopeo curl python3

declare -A PORT
start_null() { # NAME [nullregistry options]
  local name=$1 t0; shift
  PORT[$name]=$(free_port)
  t0=$(now_ns)
  python3 "$ROOT/bench/nullregistry.py" "${PORT[$name]}" "$@" > "$WORK/$name.log" 2>&1 &
  PIDS+=("$!")
  wait_ready "$name" "$!" "http://127.0.0.1:${PORT[$name]}/v2/" "$t0" > /dev/null || die "$name did not start"
}
mkdir -p "$WORK/null-files"
start_null null
# --retain: the files stay, as a registry's blobs do. Removed at each PUT, they would hand their page cache to the next
# push in the rotation, and on this project's VM writing into fresh page cache can cost ten times the kernel time of
# writing into pages just freed (docs/benchmarks-journal.md, "What runs AV-BA add").
start_null null+file --keep "$WORK/null-files" --retain
start_null null+sha256 --keep "$WORK/null-files" --sha256 --retain
start_null null+fsync --keep "$WORK/null-files" --sha256 --fsync --retain
PORT[distribution]=$(free_port)
run_distribution distribution "${PORT[distribution]}" || die "distribution did not start"

PORT[wharf]=$(free_port)
ADMIN_PASSWORD="bench-admin-$RANDOM$RANDOM"
serve_wharf "${PORT[wharf]}"

SERVERS=(null null+file null+sha256 null+fsync distribution wharf)
push() { # SERVER LAYOUT NAME -> ns
  local server=$1 layout=$2 name=$3 creds=() t0 t1
  [[ $server == wharf ]] && creds=(--dest-creds "admin:$ADMIN_PASSWORD")
  t0=$(now_ns)
  # --preserve-digests, as bench/headline.sh pushes: without it skopeo gzips the uncompressed layers on the way, and
  # every rung would measure skopeo's compressor.
  skopeo copy --quiet --preserve-digests --dest-tls-verify=false "${creds[@]}" "oci:$layout:latest" \
    "docker://127.0.0.1:${PORT[$server]}/bench/$name:latest" || return 1
  t1=$(now_ns); echo $(( t1 - t0 ))
}
round() { # NAME SEED MEASURED
  local name=$1 seed=$2 measured=$3 i n=${#SERVERS[@]} server ns
  for i in $(seq 0 $(( n - 1 ))); do
    server=${SERVERS[$(( (i + seed) % n ))]}
    ns=$(push "$server" "$WORK/layout-$name" "$name") || die "push of $name to $server failed"
    [[ $measured == yes ]] && echo "$ns" >> "$WORK/ns-$server"
  done
  rm -rf "$WORK"/null-files/*
}

# Every image is made first and flushed to disk: writing one back while the servers fsync would slow them.
FULL_MIB=$MIB; WARMUP_MIB=$(( MIB / 4 > 1 ? MIB / 4 : 1 ))
for w in $(seq 1 "$WARMUP"); do make_large_image "$WORK/layout-warmup$w" "$WARMUP_MIB" 3 > /dev/null; done
for run in $(seq 1 "$RUNS"); do BYTES=$(make_large_image "$WORK/layout-app$run" "$FULL_MIB" 3); done
sync
for w in $(seq 1 "$WARMUP"); do round "warmup$w" "$(( 1000 + w ))" no; done
for run in $(seq 1 "$RUNS"); do round "app$run" "$run" yes; done

echo "skopeo pushes of $RUNS new images of $BYTES bytes each (4 layers and a config), after $WARMUP warm-up images of"
echo "$WARMUP_MIB MiB to every server; the order of the servers rotates per image. MB/s = 10^6 bytes/s."
echo
echo "| server | median ms | MB/s | pushes, sorted (ms) |"
echo "|---|---:|---:|---|"
for server in "${SERVERS[@]}"; do
  sort -n "$WORK/ns-$server" | awk -v s="$server" -v b="$BYTES" '
    { a[NR] = $1; all = all sprintf("%s%.0f", NR > 1 ? " " : "", $1 / 1e6) }
    END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
          printf "| %s | %.0f | %.1f | %s |\n", s, m / 1e6, b / 1e6 / (m / 1e9), all }'
done
