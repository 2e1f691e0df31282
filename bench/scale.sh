#!/usr/bin/env bash
# Push and pull throughput through 1 Wharf node vs 2 nodes, on PostgreSQL + S3 (S3Proxy), from one run.
#
#   bench/scale.sh [--quick] [--no-build] [--rounds N] [--jar PATH] [--out FILE]
#
# Starts S3Proxy (target/s3proxy/s3proxy.jar, filesystem backend) and two Wharf nodes (target/wharf.jar) on free
# 127.0.0.1 ports, sharing one PostgreSQL schema (127.0.0.1:5432, db test, user postgres; created for the run and
# dropped at the end) and one bucket. No Docker, no proxy: the client (bench/ScaleBench.java) is the load
# balancer. Each round measures "1 node" (every request to node A), "2 nodes" (every request to the next node in
# turn, so an upload's PATCH and PUT usually land on different nodes) and "2 nodes, upload affinity" (an upload's
# PATCH and PUT go to the node its upload id hashes to, as with the nginx config in docs/operations.md), in an
# order that rotates each round, so drift in background load hits all alike; medians over rounds. Prints a
# Markdown table with the ratios to 1 node and the load average.
# Every process it starts is stopped by PID on exit.
#
#   --quick      one round, fewer and smaller images (smoke test)
#   --no-build   don't run ./mvnw package; use the existing jar
#   --rounds N   rounds per configuration (default 3)
#   --jar PATH   Wharf jar (default: target/wharf.jar)
#   --out FILE   also write the table to FILE (default: bench/out/scale-<time>.md)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=0
BUILD=1
ROUNDS=3
JAR="$ROOT/target/wharf.jar"
OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --no-build) BUILD=0 ;;
    --rounds) ROUNDS="$2"; shift ;;
    --jar) JAR="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
JAR=$(realpath -m "$JAR")
S3PROXY_JAR="$ROOT/target/s3proxy/s3proxy.jar"

if [[ $QUICK == 1 ]]; then
  ROUNDS=1; IMAGES=6; LAYERS=2; LAYER_KIB=2048; CLIENTS=4
else
  IMAGES=12; LAYERS=2; LAYER_KIB=6144; CLIENTS=6   # 6 MiB layers: one S3 part plus a tail each
fi
PG_HOST=127.0.0.1; PG_PORT=5432; PG_DB=test; PG_USER=postgres
SCHEMA="bench_scale_$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BUCKET=wharf-scale
STARTUP_TIMEOUT=120

BENCH=scale
. "$ROOT/bench/lib.sh"

command -v curl >/dev/null || die "curl not found"
command -v psql >/dev/null || die "psql not found (apt-get install -y postgresql-client)"
psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -qtAc 'SELECT 1' >/dev/null 2>&1 \
  || die "PostgreSQL does not answer on $PG_HOST:$PG_PORT (db $PG_DB, user $PG_USER)"
newest_jdk || exit 1
log "JDK: $JDK_HOME (major $JAVA_MAJOR)"

if [[ $BUILD == 1 ]]; then
  log "building Wharf (./mvnw -B -q -o package -DskipTests)"
  build_jar -o >/dev/null || die "build failed"
fi
[[ -f $JAR ]] || die "no jar at $JAR"
[[ -f $S3PROXY_JAR ]] || die "no S3Proxy at $S3PROXY_JAR (./mvnw package copies it there)"

drop_schema() {
  psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -qc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" \
    >/dev/null 2>&1 || true
}
BENCH_CLEANUP=drop_schema
bench_workdir scale
mkdir -p "$ROOT/bench/out"


# wait_for NAME PID URL: until URL answers at all (S3Proxy) or 200 (Wharf's /readyz)
wait_for() {
  local name=$1 pid=$2 url=$3 want=$4 code
  for _ in $(seq 1 $(( STARTUP_TIMEOUT * 10 ))); do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$WORK/$name.log" >&2; die "$name exited during startup"; }
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)
    if [[ $want == any && $code != 000 ]] || [[ $code == "$want" ]]; then return 0; fi
    sleep 0.1
  done
  die "$name not ready after ${STARTUP_TIMEOUT}s (see $WORK/$name.log)"
}

# --- S3Proxy: the jclouds filesystem backend treats each directory under basedir as a bucket.
S3_PORT=$(free_port)
mkdir -p "$WORK/s3/$BUCKET"
cat > "$WORK/s3proxy.properties" <<EOF
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench
s3proxy.credential=bench-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$WORK/s3
jclouds.identity=bench
jclouds.credential=bench-secret
EOF
"$JDK_HOME/bin/java" -Xmx512m -jar "$S3PROXY_JAR" --properties "$WORK/s3proxy.properties" > "$WORK/s3proxy.log" 2>&1 &
S3_PID=$!; PIDS+=("$S3_PID")
wait_for s3proxy "$S3_PID" "http://127.0.0.1:$S3_PORT/" any
log "S3Proxy on :$S3_PORT (pid $S3_PID)"

# --- two nodes, one configuration
SECRET=$(head -c32 /dev/urandom | base64)
declare -A NODE_URL NODE_PID
start_node() {
  local name=$1 port; port=$(free_port)
  mkdir -p "$WORK/$name-data" "$WORK/$name-cwd"
  ( cd "$WORK/$name-cwd" && \
    WHARF_ADDR=127.0.0.1:$port WHARF_DATA_DIR=$WORK/$name-data \
    WHARF_DB_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$PG_DB" WHARF_DB_USER=$PG_USER WHARF_DB_SCHEMA=$SCHEMA \
    WHARF_DB_POOL_SIZE=8 \
    WHARF_STORAGE_DRIVER=s3 WHARF_STORAGE_S3_ENDPOINT=http://127.0.0.1:$S3_PORT WHARF_STORAGE_S3_BUCKET=$BUCKET \
    WHARF_STORAGE_S3_PATH_STYLE=true WHARF_STORAGE_S3_ACCESS_KEY=bench WHARF_STORAGE_S3_SECRET_KEY=bench-secret \
    WHARF_SECRET_KEY=$SECRET WHARF_LOG_LEVEL=error WHARF_LOG_ACCESS=false WHARF_AUTH_ENABLED=false \
    WHARF_RATELIMIT_ENABLED=false \
    exec "$JDK_HOME/bin/java" ${WHARF_JAVA_OPTS:-} -jar "$JAR" serve ) > "$WORK/$name.log" 2>&1 &
  NODE_PID[$name]=$!; PIDS+=("${NODE_PID[$name]}")
  NODE_URL[$name]="http://127.0.0.1:$port"
  wait_for "$name" "${NODE_PID[$name]}" "${NODE_URL[$name]}/readyz" 200
  log "node $name ready on :$port (pid ${NODE_PID[$name]})"
}
start_node a   # first alone: it runs the Flyway migrations
start_node b


# --- rounds
declare -A R
run() { # CONFIG ROUND
  local cfg=$1 round=$2 nodes affinity=none
  if [[ $cfg == 1 ]]; then nodes=${NODE_URL[a]}; else nodes="${NODE_URL[a]},${NODE_URL[b]}"; fi
  [[ $cfg == 2a ]] && affinity=upload
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local a0 b0 s0; a0=$(cpu_ticks "${NODE_PID[a]}"); b0=$(cpu_ticks "${NODE_PID[b]}"); s0=$(cpu_ticks "$S3_PID")
  local out
  out=$("$JDK_HOME/bin/java" -Xmx2g "$ROOT/bench/ScaleBench.java" --nodes "$nodes" --repo "bench/n$cfg-r$round" \
        --clients "$CLIENTS" --images "$IMAGES" --layers "$LAYERS" --layer-kib "$LAYER_KIB" \
        --affinity "$affinity" --seed "$(( ${cfg%a} * 1000 + round + ${#cfg} * 100 ))" 2> >(tee -a "$WORK/client.log" >&2)) || die "client failed (config $cfg, round $round)"
  local a1 b1 s1; a1=$(cpu_ticks "${NODE_PID[a]}"); b1=$(cpu_ticks "${NODE_PID[b]}"); s1=$(cpu_ticks "$S3_PID")
  local k v
  while IFS='=' read -r k v; do [[ -n $k ]] && R[$cfg.$k]+=" $v"; done <<<"$out"
  R[$cfg.load]+=" $load"
  R[$cfg.cpu_a]+=" $(awk -v t=$(( a1 - a0 )) -v hz="$TICKS" 'BEGIN {printf "%.1f", t / hz}')"
  R[$cfg.cpu_b]+=" $(awk -v t=$(( b1 - b0 )) -v hz="$TICKS" 'BEGIN {printf "%.1f", t / hz}')"
  R[$cfg.cpu_s3]+=" $(awk -v t=$(( s1 - s0 )) -v hz="$TICKS" 'BEGIN {printf "%.1f", t / hz}')"
}
# Warm-up through both nodes (JIT, connection pools, S3Proxy), not measured.
log "warm-up through both nodes"
"$JDK_HOME/bin/java" -Xmx1g "$ROOT/bench/ScaleBench.java" --nodes "${NODE_URL[a]},${NODE_URL[b]}" --repo bench/warmup \
  --clients "$CLIENTS" --images "$(( IMAGES / 2 + 1 ))" --layers "$LAYERS" --layer-kib "$LAYER_KIB" --seed 999999 \
  >/dev/null 2>>"$WORK/client.log" || die "warm-up failed (see $WORK/client.log)"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
  case $(( round % 3 )) in
    1) order=(1 2 2a) ;; 2) order=(2 2a 1) ;; *) order=(2a 1 2) ;;
  esac
  for cfg in "${order[@]}"; do log "round $round: config $cfg"; run "$cfg" "$round"; done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

median_of() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR] = $1} END { if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v one="$1" -v two="$2" 'BEGIN { if (one + 0 == 0) print "n/a"; else printf "%.2f×", two / one }'; }

{
  echo "Load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER; 1-min load at the start of each run: 1 node:${R[1.load]}; 2 nodes:${R[2.load]}; 2 nodes, affinity:${R[2a.load]} ($(nproc) cores, shared with whatever else runs)."
  echo
  echo "$ROUNDS round(s) per configuration, medians; each run: $CLIENTS client threads, $IMAGES images of $LAYERS × $LAYER_KIB KiB layers (+ config), every blob POST + PATCH + PUT, then GET of every manifest and blob; PostgreSQL schema per run, S3Proxy (filesystem backend) on the same machine."
  echo
  echo "| Metric | 1 node | 2 nodes, round robin | ratio | 2 nodes, upload affinity | ratio |"
  echo "|---|---:|---:|---:|---:|---:|"
  for k in push_mbps push_images_per_s pull_mbps pull_requests_per_s; do
    one=$(median_of "${R[1.$k]:-}"); two=$(median_of "${R[2.$k]:-}"); aff=$(median_of "${R[2a.$k]:-}")
    label=$k
    case $k in
      push_mbps) label="Push, MB/s" ;; push_images_per_s) label="Push, images/s" ;;
      pull_mbps) label="Pull, MB/s" ;; pull_requests_per_s) label="Pull, requests/s" ;;
    esac
    echo "| $label | $one | $two | $(ratio "$one" "$two") | $aff | $(ratio "$one" "$aff") |"
  done
  echo
  echo "- per-run values, 1 node: push MB/s${R[1.push_mbps]}; pull MB/s${R[1.pull_mbps]}"
  echo "- per-run values, 2 nodes, round robin: push MB/s${R[2.push_mbps]}; pull MB/s${R[2.pull_mbps]}"
  echo "- per-run values, 2 nodes, upload affinity: push MB/s${R[2a.push_mbps]}; pull MB/s${R[2a.pull_mbps]}"
  echo "- CPU seconds per run (node A / node B / S3Proxy), 1 node:${R[1.cpu_a]} /${R[1.cpu_b]} /${R[1.cpu_s3]}; 2 nodes, round robin:${R[2.cpu_a]} /${R[2.cpu_b]} /${R[2.cpu_s3]}; 2 nodes, upload affinity:${R[2a.cpu_a]} /${R[2a.cpu_b]} /${R[2a.cpu_s3]}"
} > "$WORK/table.md"

[[ -n $OUT ]] || OUT="$ROOT/bench/out/scale-$(date +%Y%m%d-%H%M%S).md"
cp "$WORK/table.md" "$OUT"
cat "$WORK/table.md"
log "table written to $OUT"
