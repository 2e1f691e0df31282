#!/usr/bin/env bash
# Wharf vs CNCF Distribution, side by side on loopback, from one run. Two tables, in this order:
#  1. the headline (bench/headline.sh): Wharf as `./wharf serve` starts it (auth on, default limits, access
#     log on) vs Distribution without auth and with htpasswd, with real clients (skopeo, wrk/curl + token);
#  2. the pull-through mirror (bench/mirror.sh): cold pulls through a mirror vs straight from its upstream
#     (Distribution), warm pulls vs pulls of Wharf's own repository, skopeo, `./wharf serve` defaults;
#  3. the raw protocol: Wharf with auth and rate limits off vs Distribution without auth, driven by
#     bench/RegistryBench.java (push/pull) and wrk (manifest GET).
#
#   bench/run.sh [--quick] [--no-build] [--raw-only] [--no-mirror] [--push-4gib] [--only distribution|wharf]
#                [--jar PATH] [--out FILE]
#
# Starts Distribution (/usr/bin/docker-registry) and Wharf (target/wharf.jar) on free
# 127.0.0.1 ports with fresh temp data dirs, runs the same measurements against each,
# and prints Markdown tables of Wharf / Distribution ratios, ready for docs/benchmarks.md.
# Every process it starts is stopped by PID on exit.
#
#   --raw-only   skip the headline and mirror tables
#   --no-mirror  skip the mirror table
#   --push-4gib  the headline's memory phase also pushes a 4 GiB layer (needs ~9 GiB of /tmp)
#   --quick      smaller sizes and shorter wrk runs (smoke test, well under a minute of load)
#   --no-build   don't run ./mvnw package; use the existing jar
#   --only X     run only one server (the other column shows n/a)
#   --jar PATH   Wharf jar (default: target/wharf.jar)
#   --out FILE   also write the table to FILE (default: bench/out/results-<time>.md)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=0
RAW_ONLY=0
MIRROR=1
HUGE=""
BUILD=1
ONLY=""
JAR="$ROOT/target/wharf.jar"
OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --no-build) BUILD=0 ;;
    --raw-only) RAW_ONLY=1 ;;
    --no-mirror) MIRROR=0 ;;
    --push-4gib) HUGE=--push-4gib ;;
    --only) ONLY="$2"; shift ;;
    --jar) JAR="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

JAR=$(realpath -m "$JAR")

if [[ $QUICK == 1 ]]; then
  LARGE_MIB=32; LARGE_PUSHES=1; LARGE_PULLS=2
  SMALL_IMAGES=10; SMALL_REPS=1; SMALL_ROUNDS=2; SMALL_WARMUP=3
  WRK_WARMUP=2; WRK_SECS=4; WRK_CHUNKS=1
else
  LARGE_MIB=256; LARGE_PUSHES=3; LARGE_PULLS=5
  SMALL_IMAGES=50; SMALL_REPS=3; SMALL_ROUNDS=5; SMALL_WARMUP=10
  WRK_WARMUP=5; WRK_SECS=15; WRK_CHUNKS=3
fi
WRK_CONNS=32
WRK_THREADS=2
STARTUP_TIMEOUT=90   # seconds
IDLE_SETTLE=3        # seconds after ready before reading idle RSS

BENCH=bench
. "$ROOT/bench/lib.sh"

command -v wrk >/dev/null || die "wrk not found (apt-get install -y wrk)"
command -v curl >/dev/null || die "curl not found"
DIST_BIN=${DIST_BIN:-/usr/bin/docker-registry}
[[ -x $DIST_BIN ]] || die "$DIST_BIN not found (apt-get install -y docker-registry)"
newest_jdk || exit 1
log "JDK: $JDK_HOME (major $JAVA_MAJOR)"
bench_workdir bench
mkdir -p "$ROOT/bench/out"


rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo ""; }


declare -A R   # results: R[<server>.<key>]=value

# --- Distribution
start_distribution() {
  local port; port=$(free_port)
  if run_distribution distribution "$port"; then
    R[distribution.pid]=$DIST_PID; R[distribution.base]="http://127.0.0.1:$port"; R[distribution.startup_ms]=$DIST_MS
    log "distribution ready on :$port in ${DIST_MS} ms (pid $DIST_PID)"
  else
    R[distribution.failed]="did not start"
  fi
}

# --- Wharf
start_wharf() {
  if [[ $BUILD == 1 ]]; then
    log "building Wharf (./mvnw -B -q package -DskipTests)"
    if ! build_jar > "$WORK/build.log" 2>&1; then
      tail -30 "$WORK/build.log" >&2; R[wharf.failed]="build failed"; return
    fi
  fi
  if [[ ! -f $JAR ]]; then R[wharf.failed]="no jar at $JAR"; log "${R[wharf.failed]}"; return; fi
  local port; port=$(free_port)
  mkdir -p "$WORK/wharf-data" "$WORK/wharf-cwd"
  # Logging matched to the Distribution config (errors only, no access log). Run from an empty
  # directory so a stray ./wharf.yaml can't change the configuration.
  # The project's jar starts the way users start it, through ./wharf and its class cache; self-test first
  # records that cache (once per build), outside the timed start.
  local launch=("$JDK_HOME/bin/java" ${WHARF_JAVA_OPTS:-} -jar "$JAR" serve)
  if [[ $JAR == "$ROOT/target/wharf.jar" ]]; then
    WHARF_JAVA="$JDK_HOME/bin/java" "$ROOT/wharf" self-test > "$WORK/self-test.log" 2>&1 \
      || { tail -20 "$WORK/self-test.log" >&2; R[wharf.failed]="self-test failed"; return; }
    launch=("$ROOT/wharf" serve)
  fi
  local t0; t0=$(now_ns)
  ( cd "$WORK/wharf-cwd" && WHARF_ADDR=127.0.0.1:$port WHARF_DATA_DIR=$WORK/wharf-data \
      WHARF_LOG_LEVEL=error WHARF_LOG_ACCESS=false WHARF_AUTH_ENABLED=false WHARF_RATELIMIT_ENABLED=false \
      WHARF_JAVA="$JDK_HOME/bin/java" exec "${launch[@]}" ) > "$WORK/wharf.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  local ms
  if ms=$(wait_ready wharf "$pid" "http://127.0.0.1:$port${BENCH_WHARF_READY_PATH:-/readyz}" "$t0"); then
    R[wharf.pid]=$pid; R[wharf.base]="http://127.0.0.1:$port"; R[wharf.startup_ms]=$ms
    log "wharf ready on :$port in ${ms} ms (pid $pid)"
  else
    R[wharf.failed]="did not start"
  fi
}

# convert a wrk latency like 812.00us / 1.23ms / 2.01s to ms
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else printf "nan" }'
}

bench_client() { "$JDK_HOME/bin/java" -Xmx1g "$ROOT/bench/RegistryBench.java" "$@"; }

# check_alive SERVER WHEN: if the server process has gone, record how it ended
check_alive() {
  local s=$1 pid=${R[$1.pid]} rc
  kill -0 "$pid" 2>/dev/null && return 0
  rc=0; wait "$pid" 2>/dev/null || rc=$?
  local how="exit status $rc"
  (( rc > 128 )) && how="$how, i.e. killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null || echo '?'))"
  R[$s.failed]="process ended $2 ($how); last log lines: $(tail -3 "$WORK/$s.log" | tr '\n' ' ' | cut -c1-300)"
  log "$s: ${R[$s.failed]}"
  return 1
}

ok() { [[ -n ${R[$1.pid]:-} && -z ${R[$1.failed]:-} ]]; }

# run_client CMD ARGS...: one client run against every healthy server (the client interleaves them
# iteration by iteration); stores "server.key=value" output lines in R
run_client() {
  local cmd=$1; shift
  local bases=() names=() s out
  for s in "${SERVERS[@]}"; do
    ok "$s" || continue
    check_alive "$s" "before the $cmd phase" || continue
    bases+=("${R[$s.base]}"); names+=("$s")
  done
  (( ${#bases[@]} > 0 )) || return 0
  log "== $cmd: ${names[*]}"
  out=$(bench_client "$cmd" --base "$(IFS=,; echo "${bases[*]}")" --names "$(IFS=,; echo "${names[*]}")" "$@" \
        2> >(tee -a "$WORK/client.log" >&2)) || true
  local k v
  while IFS='=' read -r k v; do
    [[ $k == *.* ]] || continue
    if [[ $k == *.error ]]; then R[${k%.error}.failed]="$cmd: $v"; log "${k%.error} failed: $v"; else R[$k]=$v; fi
  done <<<"$out"
  for s in "${names[@]}"; do
    check_alive "$s" "during the $cmd phase" || continue
    if [[ -z ${R[$s.failed]:-} && ( $cmd == large && -z ${R[$s.large_push_mbps]:-} || $cmd == small && -z ${R[$s.manifest_repo]:-} ) ]]; then
      R[$s.failed]="$cmd: client produced no result (see client log)"
    fi
  done
}

wrk_url() { echo "${R[$1.base]}/v2/${R[$1.manifest_repo]}/manifests/${R[$1.manifest_tag]}"; }

wrk_warmup() {
  local s=$1
  printf '%s\n' 'wrk.method = "GET"' \
    'wrk.headers["Accept"] = "application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json"' \
    > "$WORK/manifest.lua"
  log "== $s: wrk warm-up ${WRK_WARMUP}s -t$WRK_THREADS -c$WRK_CONNS on $(wrk_url "$s")"
  wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${WRK_WARMUP}s" -s "$WORK/manifest.lua" "$(wrk_url "$s")" > /dev/null || true
  echo 0 > "$WORK/$s.rss_load"
  R[$s._reqs]=0; R[$s._secs]=0; R[$s._ticks]=0; R[$s._p50s]=""; R[$s._p99s]=""; R[$s.non2xx]=""
}

# wrk_chunk SERVER K: one measured wrk run of WRK_SECS/WRK_CHUNKS seconds, with RSS and CPU sampling
wrk_chunk() {
  local s=$1 k=$2 pid=${R[$1.pid]} secs=$(( WRK_SECS / WRK_CHUNKS ))
  local f="$WORK/$s.wrk.$k.txt"
  log "== $s: wrk chunk $k: ${secs}s -t$WRK_THREADS -c$WRK_CONNS --latency"
  # sample RSS while wrk runs; the loop ends when wrk does (and is bounded anyway)
  rm -f "$WORK/wrk.done"
  ( max=$(cat "$WORK/$s.rss_load"); for _ in $(seq 1 $(( (secs + 30) * 5 ))); do
      [[ -f $WORK/wrk.done ]] && break
      r=$(rss_kb "$pid"); [[ -n $r ]] && (( r > max )) && max=$r; echo "$max" > "$WORK/$s.rss_load"; sleep 0.2
    done ) &
  local sampler=$!; PIDS+=("$sampler")
  local c0; c0=$(cpu_ticks "$pid")
  wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${secs}s" --latency -s "$WORK/manifest.lua" "$(wrk_url "$s")" > "$f" || true
  local c1; c1=$(cpu_ticks "$pid")
  touch "$WORK/wrk.done"; wait "$sampler" 2>/dev/null || true; rm -f "$WORK/wrk.done"
  { echo "--- $s chunk $k"; cat "$f"; } | tee -a "$WORK/$s.wrk.txt" >&2
  local reqs dur
  reqs=$(awk '/requests in/ {print $1}' "$f")
  dur=$(awk '/requests in/ {d = $4; sub(/,$/, "", d); if (d ~ /ms$/) { sub(/ms$/, "", d); d /= 1000 } else if (d ~ /m$/) { sub(/m$/, "", d); d *= 60 } else sub(/s$/, "", d); print d}' "$f")
  if [[ -z $reqs || -z $dur ]]; then
    R[$s.failed]="wrk produced no result: $(head -3 "$f" | tr '\n' ' ')"; return 1
  fi
  R[$s._reqs]=$(( ${R[$s._reqs]} + reqs ))
  R[$s._secs]=$(awk -v a="${R[$s._secs]}" -v b="$dur" 'BEGIN {print a + b}')
  R[$s._ticks]=$(( ${R[$s._ticks]} + c1 - c0 ))
  R[$s._p50s]+=" $(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")"
  R[$s._p99s]+=" $(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")"
  local n2; n2=$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' "$f")
  [[ -n $n2 ]] && R[$s.non2xx]=$(( ${R[$s.non2xx]:-0} + n2 ))
  local se; se=$(grep -o 'Socket errors:.*' "$f" || true)
  [[ -n $se ]] && R[$s.sockerr]="chunk $k: $se"
  return 0
}

median_of() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR] = $1} END { if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

wrk_finish() {
  local s=$1
  R[$s.rps]=$(awk -v n="${R[$s._reqs]}" -v t="${R[$s._secs]}" 'BEGIN { if (t > 0) printf "%.0f", n / t }')
  R[$s.p50_ms]=$(median_of "${R[$s._p50s]}")
  R[$s.p99_ms]=$(median_of "${R[$s._p99s]}")
  R[$s.p99_chunks]=${R[$s._p99s]# }
  R[$s.rss_load_mb]=$(awk '{printf "%.0f", $1 / 1024}' "$WORK/$s.rss_load")
  R[$s.wrk_cpu_s]=$(awk -v t="${R[$s._ticks]}" -v hz="$TICKS" 'BEGIN {printf "%.1f", t / hz}')
  R[$s.req_per_cpu_s]=$(awk -v n="${R[$s._reqs]}" -v t="${R[$s._ticks]}" -v hz="$TICKS" 'BEGIN { if (t > 0) printf "%.0f", n / (t / hz); else print "n/a" }')
  log "$s: ${R[$s.rps]} req/s, p99 per chunk: ${R[$s.p99_chunks]} ms, non-2xx ${R[$s.non2xx]:-0}, RSS under load ${R[$s.rss_load_mb]} MB"
}

# The headline first, on its own servers (it stops them before the raw table's start).
if [[ $RAW_ONLY == 0 && $ONLY == "" && $JAR == "$ROOT/target/wharf.jar" ]]; then
  if [[ $BUILD == 1 ]]; then
    log "building Wharf (./mvnw -B -q package -DskipTests)"
    (cd "$ROOT" && JAVA_HOME=$JDK_HOME ./mvnw -B -q package -DskipTests) > "$WORK/build.log" 2>&1 \
      || { tail -30 "$WORK/build.log" >&2; die "build failed"; }
    BUILD=0
  fi
  "$ROOT/bench/headline.sh" --no-build $([[ $QUICK == 1 ]] && echo --quick) $HUGE --out "$WORK/headline.md" \
    || log "headline run failed; its table is missing"
  if [[ $MIRROR == 1 ]]; then
    "$ROOT/bench/mirror.sh" --no-build $([[ $QUICK == 1 ]] && echo --runs 1 --mib 32) > "$WORK/mirror.md" \
      || { log "mirror run failed; its table is missing"; rm -f "$WORK/mirror.md"; }
  fi
fi

SERVERS=()
[[ $ONLY == "" || $ONLY == distribution ]] && SERVERS+=(distribution)
[[ $ONLY == "" || $ONLY == wharf ]] && SERVERS+=(wharf)

# start one at a time so startup times are not contended
for s in "${SERVERS[@]}"; do "start_$s"; done
sleep "$IDLE_SETTLE"
for s in "${SERVERS[@]}"; do
  [[ -n ${R[$s.pid]:-} ]] || continue
  R[$s.rss_idle_mb]=$(awk '{printf "%.0f", $1 / 1024}' <<<"$(rss_kb "${R[$s.pid]}")")
  log "$s idle RSS ${R[$s.rss_idle_mb]} MB"
done
# The large and small phases run every iteration against each server back to back, alternating
# which goes first, and the wrk runs alternate too, so slow drift in background load on the
# machine hits both columns alike. Servers are never loaded at the same time.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
run_client large --repo bench/large --size-mib "$LARGE_MIB" --pushes "$LARGE_PUSHES" --pulls "$LARGE_PULLS" --tmp "$WORK"
run_client small --repo bench/small --images "$SMALL_IMAGES" --reps "$SMALL_REPS" --rounds "$SMALL_ROUNDS" --warmup "$SMALL_WARMUP"
# wrk: warm both up, then alternate WRK_CHUNKS measured chunks between the servers
WRK_ON=()
for s in "${SERVERS[@]}"; do
  ok "$s" && check_alive "$s" "before the wrk phase" && [[ -n ${R[$s.manifest_repo]:-} ]] || continue
  wrk_warmup "$s"; WRK_ON+=("$s")
done
for k in $(seq 1 "$WRK_CHUNKS"); do
  order=("${WRK_ON[@]}")
  if (( k % 2 == 1 && ${#order[@]} == 2 )); then order=("${order[1]}" "${order[0]}"); fi
  for s in "${order[@]}"; do
    ok "$s" && check_alive "$s" "during the wrk phase" || continue
    wrk_chunk "$s" "$k" || true
  done
done
for s in "${WRK_ON[@]}"; do
  ok "$s" && check_alive "$s" "during the wrk phase" || continue
  wrk_finish "$s"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
for s in "${SERVERS[@]}"; do
  [[ -n ${R[$s.pid]:-} ]] && kill -0 "${R[$s.pid]}" 2>/dev/null || continue
  R[$s.cpu_total_s]=$(awk -v t="$(cpu_ticks "${R[$s.pid]}")" -v hz="$TICKS" 'BEGIN {printf "%.1f", t / hz}')
done

# --- table
val() { local v=${R[$1.$2]:-}; [[ $v =~ ^[0-9.]+$ ]] && echo "$v" || echo "n/a"; }
ratio() {
  local d=${R[distribution.$1]:-} w=${R[wharf.$1]:-}
  if [[ $d =~ ^[0-9.]+$ && $w =~ ^[0-9.]+$ ]]; then
    awk -v d="$d" -v w="$w" 'BEGIN { if (d + 0 == 0) print "n/a"; else printf "%.2f×", w / d }'
  else echo "n/a"; fi
}
# check KEY OP LIMIT on a ratio or a Wharf value
meets() {
  local v=$1 op=$2 lim=$3
  v=${v%×}
  [[ $v == n/a || -z $v ]] && { echo "pending"; return; }
  awk -v v="$v" -v l="$lim" -v op="$op" 'BEGIN { ok = (op == ">=") ? (v >= l) : (v <= l); print ok ? "yes" : "**no**" }'
}

MODE=$([[ $QUICK == 1 ]] && echo "quick" || echo "full")
{
  echo "Load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER (2 cores; anything else running skews both columns)."
  echo
  echo "Mode: $MODE — large blob $LARGE_MIB MiB × $LARGE_PUSHES push / × $LARGE_PULLS pull (median), $SMALL_IMAGES concurrent small images × $SMALL_REPS push batch(es) (median), $SMALL_ROUNDS small-pull rounds, wrk -t$WRK_THREADS -c$WRK_CONNS ${WRK_SECS}s per server in $WRK_CHUNKS alternating chunk(s) (after ${WRK_WARMUP}s warm-up); p50/p99 = median over chunks."
  echo
  echo "| Metric | Distribution | Wharf | Wharf / Distribution | Target | Met |"
  echo "|---|---:|---:|---:|---|---|"
  row() { # label key target-desc check-kind(ratio|wharf) op limit
    local r; r=$(ratio "$2")
    local m
    if [[ $4 == ratio ]]; then m=$(meets "$r" "$5" "$6"); elif [[ $4 == wharf ]]; then m=$(meets "$(val wharf "$2")" "$5" "$6"); else m=""; fi
    echo "| $1 | $(val distribution "$2") | $(val wharf "$2") | $r | $3 | $m |"
  }
  row "Large blob push, MB/s (${LARGE_MIB} MiB, POST+PATCH+PUT)" large_push_mbps "≥ 1.0×" ratio ">=" 1.0
  row "Small images push, MB/s ($SMALL_IMAGES concurrent)" small_push_mbps "≥ 1.0×" ratio ">=" 1.0
  row "Small images push, images/s" small_push_images_per_s "" - - -
  row "Large blob pull, MB/s (GET ${LARGE_MIB} MiB)" large_pull_mbps "≥ 1.0×" ratio ">=" 1.0
  row "Small blobs pull, MB/s (concurrent)" small_pull_mbps "≥ 1.0×" ratio ">=" 1.0
  row "Manifest GET, req/s (wrk)" rps "≥ 1.5×" ratio ">=" 1.5
  row "Manifest GET, requests per server CPU-second" req_per_cpu_s "" - - -
  row "Manifest GET p50, ms" p50_ms "" - - -
  row "Manifest GET p99, ms" p99_ms "Wharf ≤ 5 ms" wharf "<=" 5
  row "Idle RSS, MB" rss_idle_mb "Wharf ≤ 200 MB" wharf "<=" 200
  row "RSS under load (peak during wrk), MB" rss_load_mb "" - - -
  row "Startup to first 200, ms" startup_ms "" - - -
  row "Server CPU time, whole run, s" cpu_total_s "" - - -
  echo
  for s in distribution wharf; do
    if [[ -n ${R[$s.failed]:-} ]]; then echo "- $s: ${R[$s.failed]}"; fi
    if [[ -n ${R[$s.non2xx]:-} ]]; then echo "- $s: wrk saw ${R[$s.non2xx]} non-2xx/3xx responses (results invalid)"; fi
    if [[ -n ${R[$s.sockerr]:-} ]]; then echo "- $s: wrk ${R[$s.sockerr]}"; fi
    if [[ -n ${R[$s.p99_chunks]:-} ]]; then echo "- $s: manifest GET p99 per wrk chunk (ms): ${R[$s.p99_chunks]}"; fi
  done
} > "$WORK/table.md"

[[ -n $OUT ]] || OUT="$ROOT/bench/out/results-$(date +%Y%m%d-%H%M%S).md"
{
  if [[ -f $WORK/headline.md ]]; then
    echo "### Default path: \`./wharf serve\` vs Distribution, real clients"
    echo
    cat "$WORK/headline.md"
    echo
  fi
  if [[ -f $WORK/mirror.md ]]; then
    echo "### Pull-through mirror: cold pull vs the upstream, warm pull vs a local pull (skopeo)"
    echo
    cat "$WORK/mirror.md"
    echo
  fi
  echo "### Raw protocol: Wharf with auth and rate limits off vs Distribution without auth"
  echo
  cat "$WORK/table.md"
} > "$WORK/tables.md"
mv "$WORK/tables.md" "$WORK/table.md"
cp "$WORK/table.md" "$OUT"
for s in distribution wharf; do
  for f in "$WORK/$s.log" "$WORK/client.log" "$WORK/$s.wrk.txt"; do
    [[ -f $f ]] && cp "$f" "$ROOT/bench/out/" || true
  done
done
cat "$WORK/table.md"
log "table written to $OUT (server/client logs in bench/out/)"
