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
BUILD=1; RUNS=3; MIB=128
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --runs) RUNS=$2; shift ;;
    --mib) MIB=$2; shift ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "[mirror-bench] $*" >&2; }
die() { log "$*"; exit 1; }
for tool in skopeo curl python3; do command -v $tool >/dev/null || die "$tool not found"; done
DIST_BIN=${DIST_BIN:-/usr/bin/docker-registry}
[[ -x $DIST_BIN ]] || die "$DIST_BIN not found (apt-get install -y docker-registry)"

. "$ROOT/bench/lib.sh"
newest_jdk || exit 1
if [[ $BUILD == 1 ]]; then JAVA_HOME=$(dirname "$(dirname "$JAVA")") ./mvnw -q -o -DskipTests package; fi

WORK=$(mktemp -d /tmp/wharf-mirror-bench.XXXXXX)
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
mkdir -p "$WORK/wharf-data" "$WORK/wharf-cwd"
( cd "$WORK/wharf-cwd" && WHARF_ADDR=127.0.0.1:$WPORT WHARF_DATA_DIR=$WORK/wharf-data WHARF_LOG_LEVEL=warn \
    WHARF_LOG_ACCESS=false WHARF_RATELIMIT_ENABLED=false WHARF_AUTH_ENABLED=false \
    WHARF_OUTBOUND_ALLOW=127.0.0.0/8 WHARF_MIRRORS_UPSTREAMS=up=http://$DIST \
    exec "$JAVA" -jar "$ROOT/target/wharf.jar" serve ) > "$WORK/wharf.log" 2>&1 &
PIDS+=($!); wait_ready "http://127.0.0.1:$WPORT/readyz" "${PIDS[-1]}" wharf
WHARF=127.0.0.1:$WPORT

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

pull() { # SOURCE-REF NAME -> ns
  local t0 t1; t0=$(now_ns)
  skopeo copy --quiet --src-tls-verify=false "docker://$1" "dir:$WORK/out-$2"
  t1=$(now_ns); rm -rf "$WORK/out-$2"; echo $(( t1 - t0 ))
}
mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.1f", b / 1e6 / (ns / 1e9) }'; }

echo "| run | bytes | direct MB/s | cold via mirror MB/s | cold / direct | local MB/s | warm via mirror MB/s | warm / local |"
echo "|---|---|---|---|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
  bytes=$(make_image "$WORK/layout-$run" "$run")
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
