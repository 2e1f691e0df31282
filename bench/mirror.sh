#!/usr/bin/env bash
# Pull-through mirror throughput (docs/benchmarks.md, "Pull-through mirror"): one local CNCF Distribution with
# htpasswd auth as the upstream and one Wharf with a mirror "up" of it (holding the upstream's credentials). Per run, a new image of random (incompressible) uncompressed tar
# layers is pushed upstream, then pulled with `skopeo copy` to a dir (same disk for all):
#   direct  – straight from Distribution (with the upstream's credentials)
#   cold    – through Wharf's mirror, nothing cached (Wharf fetches, tees to skopeo and stores)
#   warm    – through the mirror again, everything cached
#   local   – the same image pushed to a repository of Wharf's own, pulled back
# and prints MB/s with the ratios cold/direct and warm/local (targets of issue 16: cold >= 0.9x, warm >= 0.95x), then
# the medians, then the CPU time Distribution, Wharf and skopeo used during each way's pulls. direct and cold
# alternate their order between runs. Before the measured runs, WARMUP images (default 2) of MIB/4 MiB go the same
# ways unmeasured: a freshly started JVM compiles the mirror's byte path during its first pulls (JIT threads took a
# quarter of Wharf's CPU in perf), which a running mirror has long done; the numbers printed are of the runs after it.
# Wharf runs as `./wharf serve` starts it (launcher JVM defaults, token auth on, access log on); skopeo pulls from it
# with the admin's credentials, as a client that logged in. Every process it starts is stopped by PID on exit.
# --upstream-mbit N puts the upstream behind a link of N Mbit/s (Linux traffic control on the loopback interface,
# shaping only what Distribution's port sends; needs root and tc): a registry across a network instead of one on the
# same two cores, for the direct and the cold pulls alike. Without it the upstream is as fast as loopback.
# --docker adds the Docker daemon's way (root and dockerd needed): a private dockerd whose "registry-mirrors" is this
# Wharf, with the mirror as its Hub mirror (mirrors.hub), pulls new images by their Docker Hub names (`docker pull
# bench/NAME:1`, cold then warm) and directly from Distribution (`docker pull 127.0.0.1:PORT/bench/NAME:1`, logged in)
# and from Wharf's own repository; times include docker's extraction of the layers, as every `docker pull` does.
# --peer adds the peer's way: Distribution's own pull-through cache (proxy.remoteurl), pulled cold and warm beside
# Wharf's. Distribution 2.8's proxy sends credentials only to a token server's realm, never to a Basic (htpasswd)
# challenge, so its upstream is a second Distribution without auth over the first one's storage (same bytes, no
# password check: if anything, that favours the peer). In the CPU table, the peer's rows put its upstream under
# Distribution and the proxy under Wharf.
# --floor adds the floor's way: the direct pull again, with bench/shadowfetch.py beside it doing the least a cache must
# do to keep what it serves (fetch each blob from the upstream, hash it, write it, fdatasync it) and nothing else.
# Its ratio to the direct pull bounds from above what any cache that stores what it passes on can reach on this
# machine, however cheap its serving: the client shares the cores with that work either way. In the CPU table the
# floor's row puts the shadow fetch under Wharf.
# Usage: bench/mirror.sh [--no-build] [--runs N] [--mib M] [--warmup W] [--upstream-mbit N] [--docker] [--peer] [--floor]
#   (defaults: 3 runs of a 128 MiB image, 2 warm-up images, no shaping, no docker, no peer, no floor)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH=mirror-bench
. "$ROOT/bench/lib.sh"
BUILD=1; RUNS=3; MIB=128; WARMUP=2; DOCKER=0; PEER=0; FLOOR=0
upstream_option "$@"
args=()
for a in "${REST[@]}"; do
  case $a in
    --docker) DOCKER=1 ;;
    --peer) PEER=1 ;;
    --floor) FLOOR=1 ;;
    *) args+=("$a") ;;
  esac
done
runs_options "${args[@]}"
(( DOCKER == 0 )) || docker_available || die "--docker needs root and dockerd (apt-get install -y docker.io)"
bench_start skopeo curl python3 htpasswd

UP_PASSWORD="bench-up-$RANDOM$RANDOM"
htpasswd -Bbn upstream "$UP_PASSWORD" > "$WORK/distribution.htpasswd"
DPORT=$(free_port)
DIST_EXTRA="auth:
  htpasswd:
    realm: bench
    path: $WORK/distribution.htpasswd" run_distribution distribution "$DPORT" 401 || die "distribution did not start"
DIST=127.0.0.1:$DPORT
UPSTREAM_PORTS=("$DPORT")
if (( PEER == 1 )); then
  MAIN_DIST_PID=$DIST_PID
  PUPORT=$(free_port)
  DIST_ROOT=$WORK/distribution-data run_distribution peer-upstream "$PUPORT" || die "the peer's upstream did not start"
  PEER_UP_PID=$DIST_PID
  PPORT=$(free_port)
  DIST_EXTRA="proxy:
  remoteurl: http://127.0.0.1:$PUPORT" run_distribution peer-proxy "$PPORT" || die "Distribution's proxy did not start"
  PEER_PROXY_PID=$DIST_PID
  PEER_HOST=127.0.0.1:$PPORT
  DIST_PID=$MAIN_DIST_PID
  UPSTREAM_PORTS+=("$PUPORT")
fi
# Wharf to skopeo and the set-up pushes stay as they are.
(( UPSTREAM_MBIT == 0 )) || shape_upstream "$DPORT" "$UPSTREAM_MBIT" "${UPSTREAM_PORTS[@]:1}"
DCREDS=(--src-creds "upstream:$UP_PASSWORD")

WPORT=$(free_port)
ADMIN_PASSWORD="bench-admin-$RANDOM$RANDOM"
# The upstream is on loopback, which the outbound policy refuses unless allowed; nothing else differs from
# `./wharf serve`'s defaults.
# The mirror also answers a Docker daemon's registry-mirrors requests (used with --docker only).
serve_wharf "$WPORT" WHARF_OUTBOUND_ALLOW=127.0.0.0/8 "WHARF_MIRRORS_UPSTREAMS=up=http://$DIST" \
  "WHARF_MIRRORS_CREDENTIALS=up=upstream:$UP_PASSWORD" WHARF_MIRRORS_HUB=up
WHARF=127.0.0.1:$WPORT
WCREDS=(--src-creds "admin:$ADMIN_PASSWORD")


pull() { # SOURCE-REF NAME [skopeo options] -> ns; writes the CPU used during the pull to WORK/cpu-NAME
  # skopeo's CPU: the children this subshell has waited for (cpu_ticks lib.sh); me is read here, outside any
  # nested $(...), which would be a subshell of its own.
  # The upstream's and the cache's PIDs: Distribution's and Wharf's unless PULL_UP_PID / PULL_CACHE_PID say others.
  local ref=$1 name=$2 t0 t1 d0 w0 s0 me=$BASHPID up=${PULL_UP_PID:-$DIST_PID} cache=${PULL_CACHE_PID:-$WHARF_PID}
  shift 2
  d0=$(cpu_ticks "$up"); w0=$(cpu_ticks "$cache"); s0=$(cpu_ticks "$me" children); t0=$(now_ns)
  # Command substitutions do not inherit set -e: without the return a failed pull would be timed as a fast one.
  skopeo copy --quiet --src-tls-verify=false "$@" "docker://$ref" "dir:$WORK/out-$name" || return 1
  t1=$(now_ns)
  # Distribution, Wharf, skopeo (ticks) and the wall time (ns): what ran on the two cores while the client pulled.
  echo "$(( $(cpu_ticks "$up") - d0 )) $(( $(cpu_ticks "$cache") - w0 )) $(( $(cpu_ticks "$me" children) - s0 )) $(( t1 - t0 ))" \
    >> "$WORK/cpu-$name"
  rm -rf "$WORK/out-$name"; echo $(( t1 - t0 ))
}
mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.1f", b / 1e6 / (ns / 1e9) }'; }

# A new image, pushed upstream as bench/NAME:1 and to Wharf's own repository admin/NAME:1; prints its bytes.
push_image() { # NAME SEED
  local name=$1 bytes
  bytes=$(make_random_image "$WORK/layout-$name" "$2")
  # --preserve-digests: the layers go up as they are (without it skopeo gzips each one first, which only slows the set-up)
  skopeo copy --quiet --preserve-digests --dest-tls-verify=false --dest-creds "upstream:$UP_PASSWORD" "oci:$WORK/layout-$name:1" "docker://$DIST/bench/$name:1"
  skopeo copy --quiet --preserve-digests --dest-tls-verify=false --dest-creds "admin:$ADMIN_PASSWORD" "oci:$WORK/layout-$name:1" "docker://$WHARF/admin/$name:1"
  rm -rf "$WORK/layout-$name"
  echo "$bytes"
}

# One image: pushed (push_image), then pulled every way; sets the *_ns.
pull_round() { # NAME SEED ORDER
  local name=$1 seed=$2 order=$3 bytes
  bytes=$(push_image "$name" "$seed")
  for way in $order; do
    case $way in
      direct) d_ns=$(pull "$DIST/bench/$name:1" direct "${DCREDS[@]}") ;;
      cold) c_ns=$(pull "$WHARF/up/bench/$name:1" cold "${WCREDS[@]}") ;;
      peer) p_ns=$(peer_pull "$name" peer-cold) ;;
      floor) floor_pull "$name" ;;
    esac
  done
  sleep 2 # the mirror stores the last layer just after the client has it
  (( PEER == 0 )) || pw_ns=$(peer_pull "$name" peer-warm)
  if (( seed % 2 )); then
    l_ns=$(pull "$WHARF/admin/$name:1" local "${WCREDS[@]}"); w_ns=$(pull "$WHARF/up/bench/$name:1" warm "${WCREDS[@]}")
  else
    w_ns=$(pull "$WHARF/up/bench/$name:1" warm "${WCREDS[@]}"); l_ns=$(pull "$WHARF/admin/$name:1" local "${WCREDS[@]}")
  fi
  BYTES=$bytes
}
peer_pull() { # NAME WAY -> ns: through Distribution's proxy (no credentials: it has no auth of its own)
  PULL_UP_PID=$PEER_UP_PID PULL_CACHE_PID=$PEER_PROXY_PID pull "$PEER_HOST/bench/$1:1" "$2"
}
# floor_pull NAME: sets f_ns, the direct pull's time with the shadow fetch beside it, and appends the shadow's own
# "seconds to its last fdatasync, CPU seconds, the client's milliseconds" to WORK/shadow-times. The shadow starts
# loaded and waiting, as a running cache would be (its interpreter's start-up is not part of a cache's work): opening
# the FIFO for writing waits until it is ready, closing it starts its fetch, just before skopeo starts. Afterwards it
# waits on the FIFO again, so that pull() reads its CPU from /proc while skopeo still runs.
floor_pull() {
  local name=$1 spid go
  rm -f "$WORK/shadow.go"; mkfifo "$WORK/shadow.go"
  "$SHADOW_PYTHON" "$ROOT/bench/shadowfetch.py" "$DIST" "bench/$name" 1 upstream "$UP_PASSWORD" "$WORK/shadow-$name" \
    "$WORK/shadow.go" > "$WORK/shadow.out" &
  spid=$!
  exec {go}> "$WORK/shadow.go"; exec {go}>&-
  f_ns=$(PULL_CACHE_PID=$spid pull "$DIST/bench/$name:1" floor "${DCREDS[@]}")
  : > "$WORK/shadow.go" # lets the shadow exit (opening blocks until it is done with its work)
  wait "$spid" || die "the shadow fetch failed for $name"
  read -r s_s s_cpu < "$WORK/shadow.out"
  echo "$s_s $s_cpu $(( f_ns / 1000000 ))" >> "$WORK/shadow-times"
  rm -rf "$WORK/shadow-$name" "$WORK/shadow.go"
}
# The system's interpreter where there is one: a version manager's shim adds its own start-up to every run.
SHADOW_PYTHON=$(command -v /usr/bin/python3 || command -v python3)
# Every way first as often as the others: the rotations of the ways measured.
FIRST_WAYS=(direct cold)
(( PEER == 0 )) || FIRST_WAYS+=(peer)
(( FLOOR == 0 )) || FIRST_WAYS+=(floor)
ORDERS=()
for (( i = 0; i < ${#FIRST_WAYS[@]}; i++ )); do
  ORDERS+=("${FIRST_WAYS[*]:i} ${FIRST_WAYS[*]:0:i}")
done

if (( WARMUP > 0 )); then
  FULL_MIB=$MIB; MIB=$(( MIB / 4 > 1 ? MIB / 4 : 1 ))
  for w in $(seq 1 "$WARMUP"); do pull_round "warmup$w" "$(( 1000 + w ))" "${ORDERS[$(( w % ${#ORDERS[@]} ))]}"; done
  MIB=$FULL_MIB
  rm -f "$WORK"/cpu-* "$WORK/shadow-times" # the warm-up's CPU is not the steady state's
  echo "Warm-up: $WARMUP images of $(( FULL_MIB / 4 > 1 ? FULL_MIB / 4 : 1 )) MiB pulled every way first, not counted."
  echo
fi

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
PEER_HEAD=""; PEER_RULE=""
if (( PEER == 1 )); then
  PEER_HEAD=" Distribution proxy cold MB/s | proxy cold / direct | Wharf cold / proxy cold | Distribution proxy warm MB/s |"
  PEER_RULE="---|---|---|---|"
fi
if (( FLOOR == 1 )); then
  PEER_HEAD+=" direct beside the shadow fetch MB/s | floor / direct |"
  PEER_RULE+="---|---|"
fi
echo "| run | bytes | direct MB/s | cold via mirror MB/s | cold / direct | local MB/s | warm via mirror MB/s | warm / local |$PEER_HEAD"
echo "|---|---|---|---|---|---|---|---|$PEER_RULE"
COLD=""; WARM=""; PCOLD=""; VSPEER=""; FLOORS=""
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{print a/b}'; }
for run in $(seq 1 "$RUNS"); do
  pull_round "app$run" "$run" "${ORDERS[$(( (run - 1) % ${#ORDERS[@]} ))]}"
  d=$(mbps "$BYTES" "$d_ns"); c=$(mbps "$BYTES" "$c_ns"); l=$(mbps "$BYTES" "$l_ns"); w=$(mbps "$BYTES" "$w_ns")
  COLD+=" $(ratio "$c" "$d")"; WARM+=" $(ratio "$w" "$l")";
  peer_cells=""
  if (( PEER == 1 )); then
    pc=$(mbps "$BYTES" "$p_ns"); pw=$(mbps "$BYTES" "$pw_ns")
    PCOLD+=" $(ratio "$pc" "$d")"; VSPEER+=" $(ratio "$c" "$pc")"
    peer_cells=$(printf ' %s | %.2fx | %.2fx | %s |' "$pc" "$(ratio "$pc" "$d")" "$(ratio "$c" "$pc")" "$pw")
  fi
  if (( FLOOR == 1 )); then
    f=$(mbps "$BYTES" "$f_ns"); FLOORS+=" $(ratio "$f" "$d")"
    peer_cells+=$(printf ' %s | %.2fx |' "$f" "$(ratio "$f" "$d")")
  fi
  printf '| %d | %d | %s | %s | %.2fx | %s | %s | %.2fx |%s\n' "$run" "$BYTES" "$d" "$c" "$(ratio "$c" "$d")" \
    "$l" "$w" "$(ratio "$w" "$l")" "$peer_cells"
done
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
cm=$(median "$COLD"); wm=$(median "$WARM")
echo
printf 'Median over %d runs: cold / direct %.2fx (target >= 0.9x: %s), warm / local %.2fx (target >= 0.95x: %s). Load average before/after: %s.\n' \
  "$RUNS" "$cm" "$(awk -v v="$cm" 'BEGIN{print (v >= 0.9) ? "yes" : "no"}')" "$wm" \
  "$(awk -v v="$wm" 'BEGIN{print (v >= 0.95) ? "yes" : "no"}')" "$LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)"
if (( PEER == 1 )); then
  printf "Distribution's own pull-through cache, median over the same runs: cold / direct %.2fx; Wharf's cold pull / Distribution proxy's cold pull %.2fx.\n" \
    "$(median "$PCOLD")" "$(median "$VSPEER")"
fi
if (( FLOOR == 1 )); then
  printf 'Floor: the direct pull with the least a storing cache does running beside it (bench/shadowfetch.py), median over the same runs: %.2fx of a direct pull alone.\n' \
    "$(median "$FLOORS")"
  awk '{ if ($1 * 1000 > $3) late++; s = s " " $1 "/" $2 } END { printf "Shadow fetch, seconds to its last fdatasync / CPU seconds, per run:%s; %d of %d finished after the client.\n", s, late, NR }' \
    "$WORK/shadow-times"
fi
# Where the time went: both cores are shared by the client, Wharf and the upstream, so a cold pull (three processes
# on the byte path) cannot be faster than its total CPU time over two cores. Medians over the runs, per way.
echo
echo "CPU during the pulls, seconds (median over $RUNS runs; user + system, from /proc; 2 cores):"
echo
echo "| way | Distribution | Wharf | skopeo | total | wall | cores busy |"
echo "|---|---:|---:|---:|---:|---:|---:|"
WAYS=(direct cold warm local)
(( PEER == 0 )) || WAYS+=(peer-cold peer-warm)
(( FLOOR == 0 )) || WAYS+=(floor)
for way in "${WAYS[@]}"; do
  awk -v way="$way" -v tck="$TICKS" '
    function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
                                 return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
    { n++; d[n] = $1 / tck; w[n] = $2 / tck; s[n] = $3 / tck; t[n] = ($1 + $2 + $3) / tck; wall[n] = $4 / 1e9; c[n] = t[n] / wall[n] }
    END { if (n) printf "| %s | %.2f | %.2f | %.2f | %.2f | %.3f | %.2f |\n", way, med(d, n), med(w, n), med(s, n), med(t, n), med(wall, n), med(c, n) }
  ' "$WORK/cpu-$way"
done
(( PEER == 0 )) || echo "(peer-* rows: under Distribution the proxy's upstream, under Wharf Distribution's proxy.)"
(( FLOOR == 0 )) || echo "(floor row: under Wharf the shadow fetch; Distribution served the client and the shadow both.)"
curl -s "http://$WHARF/metrics" | grep -E '^wharf_mirror_(hits|misses|upstream_bytes)_total' >&2 || true

(( DOCKER == 1 )) || exit 0
# --- The Docker daemon's way ---------------------------------------------------------------------------------
# The same image shape, pulled by a private dockerd: direct (logged in to Distribution) and cold through the mirror
# by the Docker Hub name, alternating which goes first; then warm through the mirror and local from Wharf's own
# repository (logged in to Wharf), alternating too. Each image is removed from dockerd after each pull (untimed).
DOCKERD_JSON="{\"registry-mirrors\": [\"http://$WHARF\"]}" start_dockerd
printf '%s' "$UP_PASSWORD" | docker login -u upstream --password-stdin "$DIST" > "$WORK/docker.log" 2>&1 \
  || die "docker login to Distribution failed (see $WORK/docker.log)"
printf '%s' "$ADMIN_PASSWORD" | docker login -u admin --password-stdin "$WHARF" >> "$WORK/docker.log" 2>&1 \
  || die "docker login to Wharf failed"
dpull() { # REF -> ns
  local t0 t1
  t0=$(now_ns)
  docker pull -q "$1" >> "$WORK/docker.log" 2>&1 || { tail -5 "$WORK/docker.log" >&2; return 1; }
  t1=$(now_ns)
  docker rmi -f "$1" >> "$WORK/docker.log" 2>&1 || true
  echo $(( t1 - t0 ))
}
docker_round() { # NAME SEED ORDER -> sets dd_ns dc_ns dw_ns dl_ns DBYTES
  local name=$1 seed=$2 order=$3 way
  DBYTES=$(push_image "$name" "$seed")
  for way in $order; do
    case $way in
      direct) dd_ns=$(dpull "$DIST/bench/$name:1") ;;
      cold) dc_ns=$(dpull "bench/$name:1") ;;
    esac
  done
  sleep 2
  if (( seed % 2 )); then
    dl_ns=$(dpull "$WHARF/admin/$name:1"); dw_ns=$(dpull "bench/$name:1")
  else
    dw_ns=$(dpull "bench/$name:1"); dl_ns=$(dpull "$WHARF/admin/$name:1")
  fi
}
blob_misses() { curl -s "http://$WHARF/metrics" | awk '/^wharf_mirror_misses_total\{kind="blob",mirror="up"\}/ {print $2}'; }
misses_before=$(blob_misses)
docker_round dkwarmup 2001 "direct cold" # dockerd's first pulls, unmeasured
echo
echo "docker pull (a private dockerd, registry-mirrors = this Wharf; times include extracting the layers):"
echo
echo "| run | bytes | direct MB/s | cold via mirror MB/s | cold / direct | local MB/s | warm via mirror MB/s | warm / local |"
echo "|---|---|---|---|---|---|---|---|"
DCOLD=""; DWARM=""
for run in $(seq 1 "$RUNS"); do
  docker_round "dk$run" "$(( 2100 + run ))" "${ORDERS[$(( (run - 1) % 2 ))]}"
  d=$(mbps "$DBYTES" "$dd_ns"); c=$(mbps "$DBYTES" "$dc_ns"); l=$(mbps "$DBYTES" "$dl_ns"); w=$(mbps "$DBYTES" "$dw_ns")
  DCOLD+=" $(ratio "$c" "$d")"; DWARM+=" $(ratio "$w" "$l")"
  printf '| %d | %d | %s | %s | %.2fx | %s | %s | %.2fx |\n' "$run" "$DBYTES" "$d" "$c" "$(ratio "$c" "$d")" \
    "$l" "$w" "$(ratio "$w" "$l")"
done
misses_after=$(blob_misses)
cm=$(median "$DCOLD"); wm=$(median "$DWARM")
echo
printf 'docker, median over %d runs: cold / direct %.2fx, warm / local %.2fx; the mirror'"'"'s blob misses went from %s to %s (each image'"'"'s blobs once: the cold pulls went through Wharf, not around it).\n' \
  "$RUNS" "$cm" "$wm" "$misses_before" "$misses_after"
