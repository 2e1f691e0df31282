#!/usr/bin/env bash
# The headline benchmark: Wharf as `./wharf serve` starts it (token auth on, default limits, access log on, the
# launcher's JVM settings) against CNCF Distribution as people run it, without auth and with htpasswd auth, using
# real clients: skopeo for whole-image push and pull, wrk with a token (Wharf: a bearer token from /token;
# Distribution htpasswd: Basic) for manifest GETs, curl with the same credentials for blob GETs.
#
#   bench/headline.sh [--quick] [--no-build] [--no-memory] [--no-docker] [--push-4gib] [--only PHASES] [--reps N]
#                     [--settle SECS] [--no-ceiling] [--out FILE]
#
#   --quick      small sizes, short wrk runs, no 1 GiB memory phase (a smoke test of the harness)
#   --no-build   use the existing target/wharf.jar
#   --no-memory  skip the 1 GiB layer push/pull that measures Wharf's RSS (it needs ~3 GiB of /tmp)
#   --no-docker  skip `docker push` (it needs root and dockerd: a private daemon of the run's own is started)
#   --push-4gib  in the memory phase, also push a 4 GiB layer to Wharf (needs ~9 GiB of /tmp; about 1-2 min)
#   --only PHASES  run only these measured phases, comma-separated from push,docker,pull,blob,wrk,memory
#                (e.g. --only wrk,memory). Phases left out print "n/a" in the table, and the "RSS peak over all
#                phases" row covers only the phases that ran (the table says which). When pull, blob or wrk run
#                without push, one image is pushed to each server first as setup, unmeasured and unsampled.
#   --reps N     repetitions per server of each push/pull phase (default 3; 1 with --quick)
#   --settle SECS  after the measured wrk chunks, load each server SECS more seconds unmeasured, then measure one
#                more chunk: a secondary row of the node once its JIT has compiled the path (default 30; 0 skips it;
#                0 with --quick). The target rows stay the chunks right after the 5 s warm-up, as issue 14 asks.
#   --no-ceiling skip the clients' ceiling: after the measured pushes, the same skopeo (and docker) pushes go to
#                bench/nullregistry.py, a registry that discards what it is sent, and a secondary line under the
#                table gives its MB/s and each server's share of it (what the client can send here at all)
#   --out FILE   also write the Markdown table to FILE
#
# Every server runs from a fresh temp data dir on a free 127.0.0.1 port; every process started is stopped by
# PID on exit. The three servers run side by side, but only one is loaded at a time, in an order that rotates
# per repetition, so slow drift in the machine's background load hits every column alike.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=0; BUILD=1; MEMORY=1; DOCKER=1; CEILING=1; HUGE=0; OUT=""; ONLY=""; REPS_ARG=""; SETTLE_ARG=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1; MEMORY=0 ;;
    --no-build) BUILD=0 ;;
    --no-memory) MEMORY=0 ;;
    --no-docker) DOCKER=0 ;;
    --push-4gib) HUGE=1 ;;
    --no-ceiling) CEILING=0 ;;
    --only) ONLY="$2"; shift ;;
    --reps) REPS_ARG="$2"; [[ $REPS_ARG =~ ^[1-9][0-9]*$ ]] || { echo "--reps takes a positive number" >&2; exit 2; }; shift ;;
    --settle) SETTLE_ARG="$2"; [[ $SETTLE_ARG =~ ^[0-9]+$ ]] || { echo "--settle takes a number of seconds" >&2; exit 2; }; shift ;;
    --out) OUT="$2"; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ $QUICK == 1 ]]; then
  LAYER_MIB=32; REPS=1; BLOB_GETS=3; WRK_WARMUP=2; WRK_SECS=4; WRK_CHUNKS=1; STARTS=1; SETTLE=0
else
  LAYER_MIB=128; REPS=3; BLOB_GETS=15; WRK_WARMUP=5; WRK_SECS=15; WRK_CHUNKS=3; STARTS=3; SETTLE=30
fi
[[ -n $REPS_ARG ]] && REPS=$REPS_ARG
[[ -n $SETTLE_ARG ]] && SETTLE=$SETTLE_ARG
MEM_MIB=1024
ALL_PHASES="push docker pull blob wrk memory"
if [[ -n $ONLY ]]; then
  for p in ${ONLY//,/ }; do
    [[ " $ALL_PHASES " == *" $p "* ]] || { echo "unknown phase in --only: $p (phases: ${ALL_PHASES// /,})" >&2; exit 2; }
  done
  PHASES=" ${ONLY//,/ } "
else
  PHASES=" $ALL_PHASES "
fi
[[ $DOCKER == 0 ]] && PHASES=${PHASES/ docker / }
[[ $MEMORY == 0 ]] && PHASES=${PHASES/ memory / }
runs() { [[ $PHASES == *" $1 "* ]]; }
SMALL_LAYERS=3      # 1 MiB each, next to the large one
WRK_CONNS=32; WRK_THREADS=2
ADMIN_PASSWORD="bench-admin-$RANDOM$RANDOM"
OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json

BENCH=headline
. "$ROOT/bench/lib.sh"
for c in wrk curl skopeo htpasswd; do command -v "$c" >/dev/null || die "$c not found"; done
DIST_BIN=${DIST_BIN:-/usr/bin/docker-registry}
[[ -x $DIST_BIN ]] || die "$DIST_BIN not found"
newest_jdk || exit 1
bench_workdir headline
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
declare -A R

# --- images: an OCI layout with one large random layer and a few small ones ------------------------------
make_image() { make_large_image "$1" "$2" "$SMALL_LAYERS"; } # DIR LARGE_MIB

# --- servers ---------------------------------------------------------------------------------------------
start_distribution() { # NAME AUTH(none|htpasswd)
  local name=$1 port; port=$(free_port)
  local auth=""
  if [[ $2 == htpasswd ]]; then
    htpasswd -Bbn admin "$ADMIN_PASSWORD" > "$WORK/$name.htpasswd"
    auth="auth:
  htpasswd:
    realm: bench
    path: $WORK/$name.htpasswd"
  fi
  # Distribution as it ships: access log on, like Wharf's in this table.
  DIST_ACCESS_LOG=on DIST_EXTRA=$auth run_distribution "$name" "$port" "200 401" || die "$name did not start"
  R[$name.startup_ms]=$DIST_MS; R[$name.pid]=$DIST_PID; R[$name.host]="127.0.0.1:$port"
  if [[ $2 == htpasswd ]]; then R[$name.creds]="admin:$ADMIN_PASSWORD"; else R[$name.creds]=""; fi
  log "$name ready on :$port in ${R[$name.startup_ms]} ms"
}

start_wharf() {
  if [[ $BUILD == 1 ]]; then
    log "building Wharf"
    (cd "$ROOT" && JAVA_HOME=$JDK_HOME ./mvnw -B -q package -DskipTests) > "$WORK/build.log" 2>&1 \
      || { tail -30 "$WORK/build.log" >&2; die "build failed"; }
  fi
  # The class cache is recorded once per build by a training run; keep that out of the timed start.
  WHARF_JAVA="$JDK_HOME/bin/java" "$ROOT/wharf" self-test > "$WORK/self-test.log" 2>&1 \
    || { tail -20 "$WORK/self-test.log" >&2; die "self-test failed"; }
  # Start-up is timed over STARTS starts, each on a fresh data directory (the first start of a new node), and the
  # median reported: one sample swings by a second on this machine (e.g. right after the training run, while its
  # class cache is still being written out). Every sample is printed; the last node started is the one measured.
  local port pid t0 i ms starts=""
  for i in $(seq 1 "$STARTS"); do
    port=$(free_port)
    rm -rf "$WORK/wharf-data"; mkdir -p "$WORK/wharf-data" "$WORK/wharf-cwd"
    t0=$(now_ns)
    # Exactly `./wharf serve` with an address, a data dir and a known admin password; nothing else changed
    # (run from an empty directory so no stray wharf.yaml applies).
    ( cd "$WORK/wharf-cwd" && WHARF_ADDR=127.0.0.1:$port WHARF_DATA_DIR=$WORK/wharf-data \
        WHARF_ADMIN_PASSWORD=$ADMIN_PASSWORD WHARF_JAVA="$JDK_HOME/bin/java" exec "$ROOT/wharf" serve ) \
        > "$WORK/wharf.log" 2>&1 &
    pid=$!; PIDS+=("$pid")
    ms=$(wait_ready wharf "$pid" "http://127.0.0.1:$port/v2/" "$t0" "200 401") || die "wharf did not start"
    starts+=" $ms"
    if (( i < STARTS )); then
      kill "$pid"; for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      sleep 1
    fi
  done
  R[wharf.startup_ms]=$(median "$starts"); R[wharf._startup]=$starts
  R[wharf.pid]=$pid; R[wharf.host]="127.0.0.1:$port"; R[wharf.creds]="admin:$ADMIN_PASSWORD"
  log "wharf ready on :$port; start-up median ${R[wharf.startup_ms]} ms of$starts"
}

# --- docker push: a private dockerd of the run's own (start_dockerd, lib.sh) ---------------------------------
# An image for dockerd: one layer (a tar of one LARGE_MIB random file and SMALL_LAYERS 1 MiB ones; docker only
# takes real tar layers), imported as bench/docker-K. Prints the layer's size in bytes.
make_docker_image() { # K LARGE_MIB
  local d="$WORK/docker-src-$1"; mkdir -p "$d"
  head -c "$(($2 * 1024 * 1024))" /dev/urandom > "$d/large"
  for i in $(seq 1 "$SMALL_LAYERS"); do head -c $((1024 * 1024)) /dev/urandom > "$d/small-$i"; done
  tar -C "$d" -cf "$WORK/docker-$1.tar" .
  docker import "$WORK/docker-$1.tar" "bench/docker-$1:latest" > /dev/null || die "docker import failed"
  stat -c %s "$WORK/docker-$1.tar"; rm -rf "$d" "$WORK/docker-$1.tar"
}
docker_login() { # SERVER
  [[ -n ${R[$1.creds]} ]] || return 0
  printf '%s' "${R[$1.creds]#*:}" | docker login -u "${R[$1.creds]%%:*}" --password-stdin "${R[$1.host]}" \
    >> "$WORK/docker.log" 2>&1 || die "$1: docker login failed (see docker.log)"
}
docker_push_once() { # SERVER K BYTES -> MB/s
  local ref="${R[$1.host]}/bench/docker-$2:latest" t0
  docker tag "bench/docker-$2:latest" "$ref"
  t0=$(now_ns)
  # docker gzips the layer on the way (as every docker push does), so this includes the client's compression.
  docker push -q "$ref" >> "$WORK/docker.log" 2>&1 || { log "$1: docker push failed (see docker.log)"; tail -5 "$WORK/docker.log" >&2; echo n/a; return; }
  awk -v b="$3" -v t="$(secs_since "$t0")" 'BEGIN {printf "%.1f", b / 1e6 / t}'
}

# --- RSS sampling ----------------------------------------------------------------------------------------
sample_start() { # SERVER PHASE: samples RSS every 100 ms into R[...] via a file
  local pid=${R[$1.pid]} f="$WORK/rss.$1.$2"
  [[ -f $f ]] || echo 0 > "$f"
  rm -f "$WORK/sampling.stop"
  ( max=$(cat "$f"); while [[ ! -f $WORK/sampling.stop ]]; do
      r=$(rss_kb "$pid"); (( r > max )) && { max=$r; echo "$max" > "$f"; }; sleep 0.1; done ) &
  SAMPLER=$!
}
sample_stop() { touch "$WORK/sampling.stop"; wait "$SAMPLER" 2>/dev/null || true; rm -f "$WORK/sampling.stop"; }
rss_mb() { awk '{printf "%.0f", $1 / 1024}' "$WORK/rss.$1.$2" 2>/dev/null || echo n/a; }

# --- measurements ----------------------------------------------------------------------------------------
creds_flag() { [[ -n ${R[$1.creds]} ]] && echo "--$2-creds=${R[$1.creds]}" || echo "--$2-no-creds"; }

secs_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN {printf "%.3f", (b - a) / 1e9}'; }
median() { tr ' ' '\n' <<<"$1" | { grep -v '^$' || true; } | sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else printf "%.3f", (a[NR/2]+a[NR/2+1])/2}'; }

push_once() { # SERVER LAYOUT BYTES REPO -> MB/s
  local s=$1 t0; t0=$(now_ns)
  # --preserve-digests: the layers go up as they are; without it skopeo gzips uncompressed layers on the way and
  # the run would measure skopeo's compressor, not the registries.
  skopeo copy -q --preserve-digests --dest-tls-verify=false "$(creds_flag "$s" dest)" "oci:$2:latest" "docker://${R[$s.host]}/$4:latest" \
    >> "$WORK/skopeo.log" 2>&1 || { log "$s: skopeo push failed (see skopeo.log)"; tail -5 "$WORK/skopeo.log" >&2; echo n/a; return; }
  awk -v b="$3" -v t="$(secs_since "$t0")" 'BEGIN {printf "%.1f", b / 1e6 / t}'
}

pull_once() { # SERVER BYTES REPO -> MB/s
  local s=$1 dest="$WORK/pulled-$1" t0
  rm -rf "$dest"; t0=$(now_ns)
  skopeo copy -q --src-tls-verify=false "$(creds_flag "$s" src)" "docker://${R[$s.host]}/$3:latest" "dir:$dest" \
    >> "$WORK/skopeo.log" 2>&1 || { log "$s: skopeo pull failed"; tail -5 "$WORK/skopeo.log" >&2; echo n/a; return; }
  local mbps; mbps=$(awk -v b="$2" -v t="$(secs_since "$t0")" 'BEGIN {printf "%.1f", b / 1e6 / t}')
  rm -rf "$dest"; echo "$mbps"
}

# The Authorization header a client sends for pulls of REPO: Wharf a bearer token from its /token (as docker,
# containerd and skopeo do), Distribution htpasswd Basic, Distribution without auth none.
auth_header() { # SERVER REPO
  local s=$1
  case $s in
    wharf) local tok; tok=$(curl -sf -u "${R[wharf.creds]}" \
             "http://${R[wharf.host]}/token?service=wharf&scope=repository:$2:pull" | sed 's/.*"token":"\([^"]*\)".*/\1/')
           echo "Authorization: Bearer $tok" ;;
    distribution-htpasswd) echo "Authorization: Basic $(printf '%s' "${R[$s.creds]}" | base64 -w0)" ;;
    *) echo "" ;;
  esac
}

blob_get_once() { # SERVER REPO DIGEST HEADER -> MB/s
  local out
  out=$(curl -s -o /dev/null -w '%{http_code} %{size_download} %{time_total}' ${4:+-H "$4"} \
        "http://${R[$1.host]}/v2/$2/blobs/$3") || { echo n/a; return; }
  awk '$1 == 200 {printf "%.1f", $2 / 1e6 / $3; exit} {print "n/a"}' <<<"$out"
}

wrk_run() { # SERVER URL HEADER SECS -> prints wrk output
  local h=$3
  { echo 'wrk.method = "GET"'
    echo "wrk.headers[\"Accept\"] = \"$OCI_MANIFEST\""
    [[ -n $h ]] && echo "wrk.headers[\"Authorization\"] = \"${h#Authorization: }\""
  } > "$WORK/wrk.$1.lua"
  wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$4s" --latency -s "$WORK/wrk.$1.lua" "$2"
}

to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) {sub(/us$/,"",v); printf "%.2f", v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); printf "%.2f", v} else if (v ~ /s$/) {sub(/s$/,"",v); printf "%.2f", v*1000} else print "n/a" }'; }
# wrk's requests per second over its own measured duration, and its p99 in ms, from its --latency output FILE.
# (wrk_rps fails, like the division it does, when FILE holds no "requests in" line.)
wrk_rps() { awk '/requests in/ {n=$1; d=$4; sub(/,$/,"",d); sub(/s$/,"",d)} END {printf "%.0f", n / d}' "$1"; }
wrk_p99() { to_ms "$(awk '$1 == "99%" {print $2}' "$1")"; }

# --- run -------------------------------------------------------------------------------------------------
SERVERS=(distribution distribution-htpasswd wharf)
start_distribution distribution none
start_distribution distribution-htpasswd htpasswd
start_wharf
sleep 3
for s in "${SERVERS[@]}"; do R[$s.rss_idle]=$(awk '{printf "%.0f", $1/1024}' <<<"$(rss_kb "${R[$s.pid]}")"); done
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# A new image per repetition: skopeo remembers where it has seen a blob and would mount it instead of uploading.
log "making $REPS images of ${LAYER_MIB} MiB + ${SMALL_LAYERS}×1 MiB"
for k in $(seq 0 "$REPS"); do make_image "$WORK/image-$k" "$LAYER_MIB" > "$WORK/image-$k.bytes"; done
# Flushed before any push (as bench/push-ladder.sh does): otherwise the kernel writes these ~550 MB back 30 s after
# they were made, in the middle of whichever server's push runs then, while that server fsyncs its own upload.
sync
BYTES=$(cat "$WORK/image-1.bytes")
BIG_DIGEST=$(cat "$WORK/image-1/large.digest")

rotate() { local k=$1 n=${#SERVERS[@]} i; for i in $(seq 0 $((n - 1))); do echo "${SERVERS[$(( (i + k) % n ))]}"; done; }

# Runs `COMMAND SERVER K` for every repetition K against every server in rotated order, sampling RSS as PHASE and
# collecting the MB/s it prints under KEY.
rotated() { # PHASE KEY LABEL COMMAND
  local phase=$1 key=$2 label=$3 cmd=$4 k s m
  for k in $(seq 1 "$REPS"); do
    for s in $(rotate "$k"); do
      sample_start "$s" "$phase"; m=$("$cmd" "$s" "$k"); sample_stop
      R[$s._$key]+=" $m"; log "$s $label $k: $m MB/s"
    done
  done
}
push_k() { push_once "$1" "$WORK/image-$2" "$(cat "$WORK/image-$2.bytes")" "bench/push-$2"; }
docker_push_k() { docker_push_once "$1" "$2" "${R[docker.bytes.$2]}"; }
pull_k() { pull_once "$1" "$BYTES" "bench/push-1"; }
if runs push; then
  # A warm-up push per server first, as wrk gets a warm-up: a registry serves pushes for weeks, and a JVM's first
  # push after start also pays for compiling its byte path. It is not in the median; the table prints it apart.
  for s in "${SERVERS[@]}"; do
    sample_start "$s" push; R[$s.push_first]=$(push_k "$s" 0); sample_stop; log "$s first push: ${R[$s.push_first]} MB/s"
  done
  rotated push push push push_k
elif runs pull || runs blob || runs wrk; then
  log "setup (not measured): one image pushed to each server for the phases that read it"
  for s in "${SERVERS[@]}"; do [[ $(push_k "$s" 1) != n/a ]] || die "$s: setup push failed"; done
fi
if runs docker && docker_available; then
  log "starting a private dockerd; making $REPS docker images"
  start_dockerd
  for s in "${SERVERS[@]}"; do docker_login "$s"; done
  for k in $(seq 1 "$REPS"); do R[docker.bytes.$k]=$(make_docker_image "$k" "$LAYER_MIB"); done
  sync # the images in dockerd's data root, for the same reason as the skopeo images above
  rotated push dpush "docker push" docker_push_k
fi
# Secondary: the clients' ceiling. The same pushes again, to a registry that discards the bytes (no hashing, no
# disk, no auth): what skopeo and docker can send on this machine at all, whatever the server does. It tells a
# push ratio the servers decide from one the client decides. Not a target, not a column of the table.
if [[ $CEILING == 1 ]] && { runs push || runs docker; }; then
  port=$(free_port); t0=$(now_ns)
  python3 "$ROOT/bench/nullregistry.py" "$port" > "$WORK/nullregistry.log" 2>&1 &
  R[null.pid]=$!; PIDS+=("${R[null.pid]}"); R[null.host]="127.0.0.1:$port"; R[null.creds]=""
  wait_ready nullregistry "${R[null.pid]}" "http://${R[null.host]}/v2/" "$t0" > /dev/null || die "the null registry did not start"
  if runs push; then
    for k in $(seq 1 "$REPS"); do m=$(push_k null "$k"); R[null._push]+=" $m"; log "null registry push $k: $m MB/s"; done
  fi
  if runs docker && [[ -n ${R[docker.bytes.1]:-} ]]; then
    for k in $(seq 1 "$REPS"); do m=$(docker_push_k null "$k"); R[null._dpush]+=" $m"; log "null registry docker push $k: $m MB/s"; done
  fi
  kill "${R[null.pid]}" 2>/dev/null || true
  R[null.push]=$(median "${R[null._push]:-}"); R[null.dpush]=$(median "${R[null._dpush]:-}")
fi
runs pull && rotated pull pull pull pull_k
for s in "${SERVERS[@]}"; do R[$s.auth]=$(auth_header "$s" bench/push-1); done
runs blob && for k in $(seq 1 "$BLOB_GETS"); do
  for s in $(rotate "$k"); do
    sample_start "$s" blob; m=$(blob_get_once "$s" bench/push-1 "sha256:$BIG_DIGEST" "${R[$s.auth]}"); sample_stop
    R[$s._blob]+=" $m"
  done
done
runs wrk && for s in "${SERVERS[@]}"; do
  url="http://${R[$s.host]}/v2/bench/push-1/manifests/latest"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $OCI_MANIFEST" ${R[$s.auth]:+-H "${R[$s.auth]}"} "$url")
  [[ $code == 200 ]] || die "$s: manifest GET with its credentials answered $code"
  wrk_run "$s" "$url" "${R[$s.auth]}" "$WRK_WARMUP" > /dev/null
done
runs wrk && for k in $(seq 1 "$WRK_CHUNKS"); do
  for s in $(rotate "$k"); do
    # a fresh token per chunk: tokens live 5 minutes, as clients fetch them
    R[$s.auth]=$(auth_header "$s" bench/push-1)
    sample_start "$s" wrk
    wrk_run "$s" "http://${R[$s.host]}/v2/bench/push-1/manifests/latest" "${R[$s.auth]}" \
      $((WRK_SECS / WRK_CHUNKS)) > "$WORK/wrk.$s.$k.txt" || true
    sample_stop
    R[$s._rps]+=" $(wrk_rps "$WORK/wrk.$s.$k.txt")"
    R[$s._p50]+=" $(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/wrk.$s.$k.txt")")"
    R[$s._p99]+=" $(wrk_p99 "$WORK/wrk.$s.$k.txt")"
    n2=$(awk -F': *' '/Non-2xx or 3xx/ {print $2}' "$WORK/wrk.$s.$k.txt"); [[ -n $n2 ]] && R[$s.non2xx]=$(( ${R[$s.non2xx]:-0} + n2 ))
    log "$s wrk $k: $(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.$s.$k.txt") req/s, p99 $(awk '$1 == "99%" {print $2}' "$WORK/wrk.$s.$k.txt")"
  done
done
# Secondary: the same load once the node has had SETTLE more seconds of it. A JVM compiles the manifest path while
# the chunks above run (on a slow machine C2 needed ~20 s of this load), so those chunks measure a warming node;
# this one measures a warm one. Not a target row, and not sampled for RSS.
runs wrk && (( SETTLE > 0 )) && for s in "${SERVERS[@]}"; do
  R[$s.auth]=$(auth_header "$s" bench/push-1)
  url="http://${R[$s.host]}/v2/bench/push-1/manifests/latest"
  wrk_run "$s" "$url" "${R[$s.auth]}" "$SETTLE" > /dev/null || true
  R[$s.auth]=$(auth_header "$s" bench/push-1)
  wrk_run "$s" "$url" "${R[$s.auth]}" $((WRK_SECS / WRK_CHUNKS)) > "$WORK/wrk.$s.settled.txt" || true
  R[$s.rps_settled]=$(wrk_rps "$WORK/wrk.$s.settled.txt" 2>/dev/null || echo n/a) # secondary: a failed chunk is n/a
  R[$s.p99_settled]=$(wrk_p99 "$WORK/wrk.$s.settled.txt")
  log "$s wrk after ${SETTLE}s more: ${R[$s.rps_settled]} req/s, p99 ${R[$s.p99_settled]} ms"
done
if runs memory; then
  log "memory phase: a ${MEM_MIB} MiB layer pushed to and pulled from Wharf"
  rm -rf "$WORK"/image-*
  MEM_BYTES=$(make_image "$WORK/big" "$MEM_MIB")
  sample_start wharf mem; R[wharf.mem_push]=$(push_once wharf "$WORK/big" "$MEM_BYTES" bench/big)
  R[wharf.mem_pull]=$(pull_once wharf "$MEM_BYTES" bench/big); sample_stop
  rm -rf "$WORK/big"
  if [[ $HUGE == 1 ]]; then
    log "memory phase: a 4096 MiB layer pushed to Wharf"
    HUGE_BYTES=$(make_image "$WORK/huge" 4096)
    sample_start wharf huge; R[wharf.huge_push]=$(push_once wharf "$WORK/huge" "$HUGE_BYTES" bench/huge); sample_stop
    rm -rf "$WORK/huge"
  fi
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
for s in "${SERVERS[@]}"; do
  kill -0 "${R[$s.pid]}" 2>/dev/null || R[$s.failed]="process ended during the run; see its log"
  for k in push dpush pull blob rps p50 p99; do R[$s.$k]=$(median "${R[$s._$k]:-}"); done
done

# --- table -----------------------------------------------------------------------------------------------
ratio() { awk -v w="${R[wharf.$2]}" -v d="${R[$1.$2]}" 'BEGIN { if (w+0 > 0 && d+0 > 0) printf "%.2f×", w / d; else print "n/a" }'; }
meets() { awk -v v="${1%×}" -v l="$3" -v op="$2" 'BEGIN { if (v == "n/a" || v == "") {print "n/a"; exit}; ok = (op == ">=") ? (v >= l) : (v <= l); print ok ? "yes" : "**no**" }'; }
row() { # LABEL KEY TARGET-KIND OP LIMIT
  local r1 r2 m=""
  r1=$(ratio distribution "$2"); r2=$(ratio distribution-htpasswd "$2")
  case $3 in
    ratio) m=$(meets "$r1" "$4" "$5") ;;
    wharf) m=$(meets "${R[wharf.$2]}" "$4" "$5") ;;
  esac
  echo "| $1 | ${R[distribution.$2]} | ${R[distribution-htpasswd.$2]} | ${R[wharf.$2]} | $r1 | $r2 | $6 | $m |"
}
{
  echo "Load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER (2 cores)."
  [[ -n $ONLY ]] && echo "Only these phases ran (--only): ${ONLY}; every other row is n/a, and the RSS peak covers only these."
  echo "Images: one ${LAYER_MIB} MiB + ${SMALL_LAYERS} × 1 MiB random layers ($BYTES bytes); one warm-up push then $REPS skopeo pushes (a new image each time) and pulls per server (median); $BLOB_GETS curl GETs of the large layer (median); wrk -t$WRK_THREADS -c$WRK_CONNS, ${WRK_SECS}s in $WRK_CHUNKS chunk(s) after ${WRK_WARMUP}s warm-up (median of chunks)$( (( SETTLE > 0 )) && runs wrk && echo ", then ${SETTLE}s more per server and one more chunk (the secondary rows)"); Wharf start-up: median of $STARTS starts, each on a fresh data directory. MB/s = 10^6 bytes/s."
  echo
  echo "| | Distribution, no auth | Distribution, htpasswd | Wharf \`./wharf serve\` | Wharf / Dist. no auth | Wharf / Dist. htpasswd | target | met |"
  echo "|---|---:|---:|---:|---:|---:|---|---|"
  row "skopeo push, MB/s" push ratio ">=" 1.2 "≥ 1.2×"
  [[ -n ${R[wharf.push_first]:-} ]] && row "skopeo first push after start (the warm-up, not in the median), MB/s" push_first - - - ""
  [[ -n ${R[wharf._dpush]:-} ]] && row "docker push, MB/s (private dockerd; includes docker's gzip)" dpush ratio ">=" 1.2 "≥ 1.2×"
  row "skopeo pull, MB/s" pull - - - ""
  row "blob GET with credentials, MB/s (curl)" blob ratio ">=" 1.0 "≥ 1.0×"
  row "manifest GET with credentials, req/s (wrk)" rps ratio ">=" 3.0 "≥ 3×"
  row "manifest GET p50, ms" p50 - - - ""
  row "manifest GET p99, ms" p99 wharf "<=" 10 "Wharf ≤ 10 ms"
  if [[ -n ${R[wharf.rps_settled]:-} ]]; then
    row "manifest GET req/s after ${SETTLE} s more load (secondary: a warm node, not the target)" rps_settled - - - ""
    row "manifest GET p99 after ${SETTLE} s more load, ms (secondary)" p99_settled - - - ""
  fi
  for s in "${SERVERS[@]}"; do
    for p in push pull blob wrk; do R[$s.rss_$p]=$(rss_mb "$s" "$p"); done
    R[$s.rss_peak]=$(printf '%s\n' "${R[$s.rss_push]}" "${R[$s.rss_pull]}" "${R[$s.rss_blob]}" "${R[$s.rss_wrk]}" \
      | { grep -E '^[0-9]+$' || true; } | sort -g | tail -1)
  done
  row "RSS idle, MB" rss_idle - - - ""
  row "RSS peak during wrk, MB" rss_wrk wharf "<=" 256 "Wharf ≤ 256 MB"
  row "RSS peak over all phases (push, pull, blob GET, wrk), MB" rss_peak wharf "<=" 256 "Wharf ≤ 256 MB"
  row "start-up to first answer on /v2/, ms" startup_ms wharf "<=" 2000 "Wharf < 2 s"
  if runs memory; then
    echo
    echo "Memory phase (Wharf only): a ${MEM_MIB} MiB layer pushed (${R[wharf.mem_push]} MB/s) and pulled (${R[wharf.mem_pull]} MB/s) with skopeo; peak RSS $(rss_mb wharf mem) MB (target ≤ 256 MB: $(meets "$(rss_mb wharf mem)" "<=" 256))."
    [[ $HUGE == 1 ]] && echo "A 4096 MiB layer pushed with skopeo: ${R[wharf.huge_push]} MB/s (n/a = failed); peak RSS $(rss_mb wharf huge) MB (target ≤ 256 MB: $(meets "$(rss_mb wharf huge)" "<=" 256))."
  fi
  if [[ -n ${R[null.push]:-}${R[null.dpush]:-} ]]; then
    share() { awk -v s="${R[$1.$2]}" -v c="${R[null.$2]}" 'BEGIN { if (s+0 > 0 && c+0 > 0) printf "%.0f %%", 100 * s / c; else print "n/a" }'; }
    echo
    line="Clients' ceiling (secondary, not a target): the same pushes to bench/nullregistry.py, which discards the bytes (no hashing, no disk):"
    [[ -n ${R[null._push]:-} ]] && line+=" skopeo push ${R[null.push]} MB/s (runs${R[null._push]}); Wharf's median is $(share wharf push) of it, Distribution's without auth $(share distribution push);"
    [[ -n ${R[null._dpush]:-} ]] && line+=" docker push ${R[null.dpush]} MB/s (runs${R[null._dpush]}); Wharf $(share wharf dpush), Distribution without auth $(share distribution dpush);"
    echo "${line%;}."
  fi
  for s in "${SERVERS[@]}"; do
    [[ -n ${R[$s.failed]:-} ]] && echo "- $s: ${R[$s.failed]}"
    [[ -n ${R[$s.non2xx]:-} ]] && echo "- $s: wrk saw ${R[$s.non2xx]} non-2xx responses (its numbers are invalid)"
    echo "- $s per run: first push after start ${R[$s.push_first]:-n/a} (not in the median) / push${R[$s._push]:-} / docker push${R[$s._dpush]:-} / pull${R[$s._pull]:-} / blob${R[$s._blob]:-} MB/s; wrk req/s${R[$s._rps]:-}, p99 ms${R[$s._p99]:-}${R[$s._startup]:+; start-up ms${R[$s._startup]}}"
  done
} > "$WORK/headline.md"
[[ -n $OUT ]] && cp "$WORK/headline.md" "$OUT"
mkdir -p "$ROOT/bench/out"; cp "$WORK/wharf.log" "$ROOT/bench/out/headline-wharf.log" 2>/dev/null || true
cat "$WORK/headline.md"
