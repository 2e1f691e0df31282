# Helpers shared by the bench scripts; sourced, not run.

# Sets JAVA, JAVA_MAJOR and JDK_HOME to the newest JDK >= 21 under /usr/lib/jvm (or JAVA_HOME): the machine's
# default java may be older. Returns 1 when there is none.
newest_jdk() {
  local j m
  JAVA=""; JAVA_MAJOR=0
  for j in /usr/lib/jvm/*/bin/java ${JAVA_HOME:+$JAVA_HOME/bin/java}; do
    [[ -x $j ]] || continue
    m=$("$j" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')
    m=${m%%.*}
    if [[ -n $m && $m -ge 21 && $m -gt $JAVA_MAJOR ]]; then JAVA=$j; JAVA_MAJOR=$m; fi
  done
  [[ -n $JAVA ]] || { echo "no JDK >= 21 under /usr/lib/jvm" >&2; return 1; }
  JDK_HOME=$(dirname "$(dirname "$JAVA")")
}

# A loopback port no socket uses, picked below the kernel's ephemeral range: a port inside that range can be taken
# as the local end of an outgoing connection (skopeo to Distribution, Wharf to its upstream) between this check and
# the server's bind, which once failed a round with "Port already in use".
free_port() {
  local p lo=10000 hi=30000 eph_lo
  read -r eph_lo _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || eph_lo=32768
  (( eph_lo > lo + 1000 && eph_lo < hi )) && hi=$eph_lo
  for _ in $(seq 1 200); do
    p=$(( (RANDOM % (hi - lo)) + lo ))
    if [[ -z $(ss -Htan "sport = :$p" 2>/dev/null) ]]; then echo "$p"; return 0; fi
  done
  echo "no free port found" >&2
  return 1
}

# Stops every process in the PIDS array: SIGTERM, up to 10 s to exit, then SIGKILL.
stop_pids() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [[ -n $pid ]] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  wait 2>/dev/null || true
}

# Messages tagged with BENCH (set it before sourcing this file).
log() { echo "[$BENCH] $*" >&2; }
die() { echo "[$BENCH] ERROR: $*" >&2; exit 1; }
now_ns() { date +%s%N; }
# CPU time (user + system, all threads) process PID has used so far, in clock ticks (TICKS a second): /proc/PID/stat
# fields 14 and 15, counted after the command name, which may hold spaces; with "children", fields 16 and 17 (the
# children it has waited for). 0 when the process is gone.
cpu_ticks() { # PID [children]
  awk -v children="${2:-}" '{ sub(/^.*\) /, ""); print children == "children" ? $14 + $15 : $12 + $13 }' \
    "/proc/$1/stat" 2>/dev/null || echo 0
}
TICKS=$(getconf CLK_TCK)

# Builds target/wharf.jar (tests skipped) with the JDK newest_jdk found; further args go to Maven (e.g. -o).
build_jar() {
  (cd "$ROOT" && JAVA_HOME=$JDK_HOME ./mvnw -B -q -DskipTests "$@" package)
}

# A fresh WORK directory for the run, and the traps that stop every process in PIDS and remove WORK on exit.
# A script with more to undo sets BENCH_CLEANUP to a command; it runs between the two.
bench_workdir() { # NAME
  WORK=$(mktemp -d "/tmp/wharf-$1.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}
bench_cleanup() {
  stop_pids
  ${BENCH_CLEANUP:-:}
  rm -rf "$WORK"
}

# wait_ready NAME PID URL T0 [CODES] -> prints the ms since T0 once URL answers 200 (or one of the space-separated
# CODES: an auth-protected /v2/ says 401 when ready). Fails, with the tail of WORK/NAME.log, when the process exits
# first or after STARTUP_TIMEOUT seconds (default 90).
# The wait must not slow what it times: a curl every 10 ms costs ~20 ms of CPU each, two thirds of one of the
# machine's two cores, taken from the starting server. So it waits for the port with bash builtins only (a
# /dev/tcp connect, a timed read as the pause, $EPOCHREALTIME as the clock: no process per poll) and runs curl
# only once the port accepts connections.
wait_ready() {
  local name=$1 pid=$2 url=$3 t0=$4 codes=" ${5:-200} " code deadline hostport host port pause now
  deadline=$(( t0 + ${STARTUP_TIMEOUT:-90} * 1000000000 ))
  hostport=${url#*://}; hostport=${hostport%%/*}; host=${hostport%:*}; port=${hostport##*:}
  exec {pause}<> <(:) # a pipe nobody writes to: `read -t` on it sleeps without starting a process
  while :; do
    now=${EPOCHREALTIME/[.,]/}; now=$(( 10#$now * 1000 )) # ns, like now_ns, without a `date` process
    (( now < deadline )) || break
    if ! kill -0 "$pid" 2>/dev/null; then
      exec {pause}>&-
      log "$name exited during startup (see $WORK/$name.log)"; tail -20 "$WORK/$name.log" >&2 || true; return 1
    fi
    if { : <>"/dev/tcp/$host/$port"; } 2>/dev/null; then
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)
      if [[ $codes == *" $code "* ]]; then
        now=${EPOCHREALTIME/[.,]/}; echo $(( (10#$now * 1000 - t0) / 1000000 )); exec {pause}>&-; return 0
      fi
    fi
    read -r -t 0.01 -u "$pause" || true
  done
  exec {pause}>&-
  log "$name not ready after ${STARTUP_TIMEOUT:-90}s"; return 1
}

# Starts CNCF Distribution (DIST_BIN, default /usr/bin/docker-registry) on 127.0.0.1:PORT, storage in
# WORK/NAME-data, errors only, deletes on, no upload purging during the run; no access log unless
# DIST_ACCESS_LOG=on, and DIST_EXTRA (top-level YAML, e.g. an auth section) added. Sets DIST_PID (also added to
# PIDS) and DIST_MS, its start-up time; fails when /v2/ does not answer one of READY_CODES (default 200).
run_distribution() { # NAME PORT [READY_CODES]; DIST_ROOT overrides its storage directory (WORK/NAME-data)
  local name=$1 port=$2 codes=${3:-200} quiet=true t0 root=${DIST_ROOT:-$WORK/$1-data}
  [[ ${DIST_ACCESS_LOG:-off} == on ]] && quiet=false
  mkdir -p "$root"
  cat > "$WORK/$name.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: $quiet
storage:
  filesystem:
    rootdirectory: $root
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
${DIST_EXTRA:-}
http:
  addr: 127.0.0.1:$port
YAML
  t0=$(now_ns)
  "${DIST_BIN:-/usr/bin/docker-registry}" serve "$WORK/$name.yml" > "$WORK/$name.log" 2>&1 &
  DIST_PID=$!; PIDS+=("$DIST_PID")
  DIST_MS=$(wait_ready "$name" "$DIST_PID" "http://127.0.0.1:$port/v2/" "$t0" "$codes")
}

# Starts Wharf exactly as `./wharf serve` starts it (the launcher's JVM, token auth on, default limits, access log on)
# on 127.0.0.1:PORT, from an empty directory (no stray ./wharf.yaml), data in WORK/wharf-data, the administrator's
# password ADMIN_PASSWORD, plus the VAR=VALUE settings given; its log is WORK/wharf.log. The launcher's class cache is
# recorded first (`./wharf self-test`, once per build), outside any measurement. Sets WHARF_PID (also added to PIDS).
serve_wharf() { # PORT [VAR=VALUE ...]
  local port=$1 t0
  shift
  WHARF_JAVA="$JAVA" "$ROOT/wharf" self-test > "$WORK/self-test.log" 2>&1 \
    || { tail -20 "$WORK/self-test.log" >&2; die "self-test failed"; }
  mkdir -p "$WORK/wharf-data" "$WORK/wharf-cwd"
  t0=$(now_ns)
  ( cd "$WORK/wharf-cwd" && exec env WHARF_ADDR="127.0.0.1:$port" WHARF_DATA_DIR="$WORK/wharf-data" \
      WHARF_ADMIN_PASSWORD="$ADMIN_PASSWORD" WHARF_JAVA="$JAVA" "$@" "$ROOT/wharf" serve ) > "$WORK/wharf.log" 2>&1 &
  WHARF_PID=$!; PIDS+=("$WHARF_PID")
  wait_ready wharf "$WHARF_PID" "http://127.0.0.1:$port/readyz" "$t0" > /dev/null || die "wharf did not start"
}

# A private dockerd of the run's own, as the integration tests' PrivateDockerd: root, no networking of its own, vfs
# storage, its data root, exec root, socket and /etc/docker (bind-mounted in a mount namespace) under WORK. dockerd
# treats 127.0.0.0/8 as an insecure registry, so plain HTTP on loopback works without configuration. DOCKERD_JSON is
# its daemon.json (default {}). Exports DOCKER_HOST and DOCKER_CONFIG for the docker CLI.
docker_available() {
  [[ $(id -u) == 0 ]] || { log "docker skipped: dockerd needs root"; return 1; }
  for c in dockerd docker unshare mount tar; do command -v "$c" >/dev/null || { log "docker skipped: no $c"; return 1; }; done
}
start_dockerd() {
  local dd="$WORK/dd"
  mkdir -p "$dd/etc" "$dd/cli" /etc/docker; echo "${DOCKERD_JSON:-{\}}" > "$dd/etc/daemon.json"
  unshare --mount --propagation private sh -c "set -e; mount --bind $dd/etc /etc/docker; exec dockerd \
      --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs --config-file $dd/etc/daemon.json \
      --data-root $dd/d --exec-root $dd/e -H unix://$dd/s --pidfile $dd/p" > "$WORK/dockerd.log" 2>&1 &
  PIDS+=($!)
  export DOCKER_HOST="unix://$dd/s" DOCKER_CONFIG="$dd/cli"
  for _ in $(seq 1 600); do docker version >/dev/null 2>&1 && return 0; sleep 0.1; done
  tail -20 "$WORK/dockerd.log" >&2; die "dockerd did not start"
}

# shape_upstream PORT MBIT: what 127.0.0.1:PORT sends goes through a link of MBIT Mbit/s (an HTB class on lo, for that
# source port only); everything else on lo through a class far faster than loopback, which leaves it as it was. Needs
# root and tc; refuses a lo that has a qdisc already. The qdisc goes on exit (BENCH_CLEANUP).
shape_upstream() { # PORT MBIT [PORT...]: what every PORT sends shares the one link
  command -v tc >/dev/null && [[ $(id -u) == 0 ]] || die "shaping the upstream needs root and tc (iproute2)"
  tc qdisc show dev lo | grep -q '^qdisc noqueue' || die "the loopback interface has a qdisc already; not touching it"
  BENCH_CLEANUP="tc qdisc del dev lo root"
  tc qdisc add dev lo root handle 1: htb default 20 r2q 1000
  tc class add dev lo parent 1: classid 1:20 htb rate 100gbit burst 16mb quantum 200000
  tc class add dev lo parent 1: classid 1:10 htb rate "${2}mbit" burst 512kb
  local port mbit=$2
  for port in "$1" "${@:3}"; do
    tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip sport "$port" 0xffff flowid 1:10
  done
  echo "Upstream shaped: what it sends goes through a $mbit Mbit/s link (tc htb on lo)."
  echo
}

# upstream_option ARGS...: takes --upstream-mbit N out of the arguments (into UPSTREAM_MBIT, default 0) and leaves
# the rest in REST.
upstream_option() {
  UPSTREAM_MBIT=0; REST=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --upstream-mbit) UPSTREAM_MBIT=${2:-}; shift 2 || shift ;;
      *) REST+=("$1"); shift ;;
    esac
  done
  [[ $UPSTREAM_MBIT =~ ^[0-9]+$ ]] || die "--upstream-mbit takes a whole number of Mbit/s"
}

# The start of a throughput run: the tools it needs and Distribution's binary (DIST_BIN), the JDK, a build unless
# BUILD=0, and WORK (named after BENCH).
bench_start() { # TOOL...
  local tool
  for tool in "$@"; do command -v "$tool" >/dev/null || die "$tool not found"; done
  DIST_BIN=${DIST_BIN:-/usr/bin/docker-registry}
  [[ -x $DIST_BIN ]] || die "$DIST_BIN not found (apt-get install -y docker-registry)"
  newest_jdk || exit 1
  if [[ ${BUILD:-1} == 1 ]]; then build_jar -o; fi
  bench_workdir "$BENCH"
}

# The options of the throughput scripts: --no-build, --runs N, --mib M (into BUILD, RUNS, MIB; set the defaults
# first).
runs_options() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --no-build) BUILD=0 ;;
      --runs) RUNS=$2; shift ;;
      --mib) MIB=$2; shift ;;
      --warmup) WARMUP=$2; shift ;;
      *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
  done
}

# The start of the scripts that only run one bench/*.java: ROOT, the JDK, and a build unless the first argument
# is --no-build (the caller then drops it: `shift $BUILD_ARGS`).
bench_java_prelude() {
  cd "$ROOT"
  newest_jdk || exit 1
  BUILD_ARGS=0
  if [[ ${1:-} == --no-build ]]; then BUILD_ARGS=1; else build_jar -o; fi
}

# make_random_image DIR SEED: an OCI layout of random (incompressible) uncompressed tar layers (40/30/20/10 % of MIB MiB)
# plus a config, tag "1"; prints what the layers and config weigh in bytes.
make_random_image() { # DIR SEED
  python3 - "$1" "$2" "$MIB" <<'PY'
import hashlib, io, json, os, random, sys, tarfile
out, seed, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out + "/blobs/sha256", exist_ok=True)
rnd = random.Random(seed)
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(out + "/blobs/sha256/" + d, "wb").write(data)
    return "sha256:" + d, len(data)
layers = []
for i, share in enumerate((40, 30, 20, 10)):
    size = mib * 1024 * 1024 * share // 100
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        info = tarfile.TarInfo("layer%d.bin" % i); info.size = size
        t.addfile(info, io.BytesIO(rnd.randbytes(size)))
    layers.append(put(buf.getvalue()))
config = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers",
          "diff_ids": [d for d, _ in layers]}, "history": [{"created_by": "bench seed %d" % seed}]}
cd, cs = put(json.dumps(config).encode())
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": s}
                       for d, s in layers]}
md, ms = put(json.dumps(manifest).encode())
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": manifest["mediaType"], "digest": md, "size": ms,
           "annotations": {"org.opencontainers.image.ref.name": "1"}}]}, open(out + "/index.json", "w"))
print(sum(s for _, s in layers) + cs)
PY
}

# make_large_image DIR LARGE_MIB SMALL_LAYERS: the headline's image, an OCI layout (tag "latest") of one random
# LARGE_MIB MiB layer and SMALL_LAYERS random 1 MiB ones, plus a config that differs per call; prints what the layers
# and config weigh in bytes. DIR/large.digest names the large layer.
make_large_image() { # DIR LARGE_MIB SMALL_LAYERS
  local dir=$1 mib=$2 small=$3 blobs layers="" total=0 f d s manifest=application/vnd.oci.image.manifest.v1+json
  blobs="$dir/blobs/sha256"; mkdir -p "$blobs"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci-layout"
  for size in "$mib" $(for _ in $(seq 1 "$small"); do echo 1; done); do
    f="$dir/layer.tmp"
    head -c "$((size * 1024 * 1024))" /dev/urandom > "$f"
    d=$(sha256sum "$f" | cut -d' ' -f1); s=$(stat -c %s "$f"); mv "$f" "$blobs/$d"
    [[ -f $dir/large.digest ]] || echo "$d" > "$dir/large.digest"
    layers+="${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$d\",\"size\":$s}"
    total=$((total + s))
  done
  printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"bench":"%s"}' "$RANDOM$RANDOM" > "$dir/config.tmp"
  d=$(sha256sum "$dir/config.tmp" | cut -d' ' -f1); s=$(stat -c %s "$dir/config.tmp"); mv "$dir/config.tmp" "$blobs/$d"
  total=$((total + s))
  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
    "$manifest" "$d" "$s" "$layers" > "$dir/manifest.tmp"
  d=$(sha256sum "$dir/manifest.tmp" | cut -d' ' -f1); s=$(stat -c %s "$dir/manifest.tmp"); mv "$dir/manifest.tmp" "$blobs/$d"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"%s","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$manifest" "$d" "$s" > "$dir/index.json"
  echo "$total"
}
