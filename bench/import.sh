#!/usr/bin/env bash
# Import throughput (docs/benchmarks.md, "Image import"): the same image pulled from the same local CNCF
# Distribution by `skopeo copy` (to a dir: on the same disk) and by a Wharf import job (POST /v1/images/{id}/tasks),
# MB/s for both and their ratio. Each run uses a new image of random (incompressible) uncompressed tar layers, so
# neither side finds a blob it already has; the order alternates between runs. Every process it starts is
# stopped by PID on exit.
# Usage: bench/import.sh [--no-build] [--runs N] [--mib M]   (defaults: 3 runs of a 256 MiB image)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=1; RUNS=3; MIB=256
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --runs) RUNS=$2; shift ;;
    --mib) MIB=$2; shift ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "[import-bench] $*" >&2; }
die() { log "$*"; exit 1; }
for tool in skopeo curl jq python3; do command -v $tool >/dev/null || die "$tool not found"; done
DIST_BIN=${DIST_BIN:-/usr/bin/docker-registry}
[[ -x $DIST_BIN ]] || die "$DIST_BIN not found (apt-get install -y docker-registry)"

. "$ROOT/bench/lib.sh"
newest_jdk || exit 1
if [[ $BUILD == 1 ]]; then JAVA_HOME=$(dirname "$(dirname "$JAVA")") ./mvnw -q -o -DskipTests package; fi

WORK=$(mktemp -d /tmp/wharf-import-bench.XXXXXX)
PIDS=()
cleanup() {
  stop_pids
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_ready() { # URL PID NAME
  for _ in $(seq 1 900); do
    kill -0 "$2" 2>/dev/null || { tail -20 "$WORK/$3.log" >&2; die "$3 exited"; }
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" || true) == 200 ]] && return 0
    sleep 0.1
  done
  die "$3 not ready"
}
now_ns() { date +%s%N; }

# --- Distribution (the upstream) and Wharf (auth on, as in production; logging quiet)
DPORT=$(free_port)
mkdir -p "$WORK/dist-data"
cat > "$WORK/dist-config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/dist-data
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$DPORT
YAML
"$DIST_BIN" serve "$WORK/dist-config.yml" > "$WORK/distribution.log" 2>&1 &
PIDS+=($!); wait_ready "http://127.0.0.1:$DPORT/v2/" "${PIDS[-1]}" distribution
DIST=127.0.0.1:$DPORT

WPORT=$(free_port)
ADMIN_PASSWORD=bench-admin-password-1
mkdir -p "$WORK/wharf-data" "$WORK/wharf-cwd"
( cd "$WORK/wharf-cwd" && WHARF_ADDR=127.0.0.1:$WPORT WHARF_DATA_DIR=$WORK/wharf-data WHARF_LOG_LEVEL=warn \
    WHARF_LOG_ACCESS=false WHARF_RATELIMIT_ENABLED=false WHARF_ADMIN_PASSWORD=$ADMIN_PASSWORD \
    exec "$JAVA" -jar "$ROOT/target/wharf.jar" serve ) > "$WORK/wharf.log" 2>&1 &
PIDS+=($!); wait_ready "http://127.0.0.1:$WPORT/readyz" "${PIDS[-1]}" wharf
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

# An OCI layout of random uncompressed tar layers (40/30/20/10 % of the size) plus a config.
make_image() { # DIR SEED
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

time_skopeo() { # RUN -> ns
  local t0 t1; t0=$(now_ns)
  skopeo copy --quiet --src-tls-verify=false "docker://$DIST/bench/app$1:1" "dir:$WORK/skopeo-$1"
  t1=$(now_ns); rm -rf "$WORK/skopeo-$1"; echo $(( t1 - t0 ))
}
time_wharf() { # RUN -> "wall_ns job_ns"
  local source image job t0 t1 state body started completed
  source=$(v1 POST /v1/images/sources "{\"name\":\"bench $1\",\"type\":\"direct\",\"origin\":{\"type\":\"docker-registry\",\"details\":{\"target\":\"bench/app$1:1\",\"url\":\"http://$DIST\"}}}" | jq -r .data.id)
  image=$(v1 POST /v1/images "{\"source_id\":\"$source\"}" | jq -r .data.id)
  t0=$(now_ns)
  job=$(v1 POST "/v1/images/$image/tasks" '{"action":"import"}' | jq -r .data.job.id)
  while :; do
    body=$(v1 GET "/v1/jobs/$job"); state=$(jq -r .data.state.current <<<"$body")
    [[ $state == completed || $state == error ]] && break
    sleep 0.05
  done
  t1=$(now_ns)
  [[ $state == completed ]] || die "import failed: $(jq -r .data.state.error.message <<<"$body")"
  started=$(date -d "$(jq -r .data.events.started <<<"$body")" +%s%N)
  completed=$(date -d "$(jq -r .data.events.completed <<<"$body")" +%s%N)
  echo "$(( t1 - t0 )) $(( completed - started ))"
}
mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.1f", b / 1e6 / (ns / 1e9) }'; }

echo "| run | bytes | skopeo copy s | skopeo MB/s | Wharf import s (request → seen done) | Wharf MB/s | job started → completed s | Wharf / skopeo |"
echo "|---|---|---|---|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
  bytes=$(make_image "$WORK/layout-$run" "$run")
  skopeo copy --quiet --dest-tls-verify=false "oci:$WORK/layout-$run:1" "docker://$DIST/bench/app$run:1"
  rm -rf "$WORK/layout-$run"
  if (( run % 2 )); then s_ns=$(time_skopeo "$run"); read -r w_ns j_ns <<<"$(time_wharf "$run")"
  else read -r w_ns j_ns <<<"$(time_wharf "$run")"; s_ns=$(time_skopeo "$run"); fi
  s=$(mbps "$bytes" "$s_ns"); w=$(mbps "$bytes" "$w_ns")
  printf '| %d | %d | %.2f | %s | %.2f | %s | %.2f | %.2fx |\n' "$run" "$bytes" \
    "$(awk -v n="$s_ns" 'BEGIN{print n/1e9}')" "$s" "$(awk -v n="$w_ns" 'BEGIN{print n/1e9}')" "$w" \
    "$(awk -v n="$j_ns" 'BEGIN{print n/1e9}')" "$(awk -v a="$w" -v b="$s" 'BEGIN{print a/b}')"
done
