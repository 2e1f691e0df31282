#!/usr/bin/env bash
# Pull-through mirror throughput (docs/benchmarks.md, "Pull-through mirror"): one local CNCF Distribution as the
# upstream and one Wharf with a mirror "up" of it. Per run, a new image of random (incompressible) uncompressed tar
# layers is pushed upstream, then pulled with `skopeo copy` to a dir (same disk for all):
#   direct  – straight from Distribution
#   cold    – through Wharf's mirror, nothing cached (Wharf fetches, tees to skopeo and stores)
#   warm    – through the mirror again, everything cached
#   local   – the same image pushed to a repository of Wharf's own, pulled back
# and prints MB/s with the ratios cold/direct and warm/local (targets of issue 16: cold >= 0.9x, warm >= 0.95x),
# then the medians. direct and cold alternate their order between runs. Wharf runs as `./wharf serve` starts it
# (launcher JVM defaults, token auth on, access log on); skopeo pulls from it with the admin's credentials, as a
# client that logged in. Every process it starts is stopped by PID on exit.
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
ADMIN_PASSWORD="bench-admin-$RANDOM$RANDOM"
# The upstream is on loopback, which the outbound policy refuses unless allowed; nothing else differs from
# `./wharf serve`'s defaults. The class cache is recorded first (once per build), outside the measurement.
WHARF_JAVA="$JAVA" "$ROOT/wharf" self-test > "$WORK/self-test.log" 2>&1 || { tail -20 "$WORK/self-test.log" >&2; die "self-test failed"; }
( cd "$WORK/wharf-cwd" && WHARF_ADDR=127.0.0.1:$WPORT WHARF_DATA_DIR=$WORK/wharf-data \
    WHARF_ADMIN_PASSWORD=$ADMIN_PASSWORD WHARF_OUTBOUND_ALLOW=127.0.0.0/8 WHARF_MIRRORS_UPSTREAMS=up=http://$DIST \
    WHARF_JAVA="$JAVA" exec "$ROOT/wharf" serve ) > "$WORK/wharf.log" 2>&1 &
PIDS+=($!); wait_ready "http://127.0.0.1:$WPORT/readyz" "${PIDS[-1]}" wharf
WHARF=127.0.0.1:$WPORT
WCREDS=(--src-creds "admin:$ADMIN_PASSWORD")

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

pull() { # SOURCE-REF NAME [skopeo options] -> ns
  local ref=$1 name=$2 t0 t1; shift 2; t0=$(now_ns)
  skopeo copy --quiet --src-tls-verify=false "$@" "docker://$ref" "dir:$WORK/out-$name"
  t1=$(now_ns); rm -rf "$WORK/out-$name"; echo $(( t1 - t0 ))
}
mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.1f", b / 1e6 / (ns / 1e9) }'; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "| run | bytes | direct MB/s | cold via mirror MB/s | cold / direct | local MB/s | warm via mirror MB/s | warm / local |"
echo "|---|---|---|---|---|---|---|---|"
COLD=""; WARM=""
for run in $(seq 1 "$RUNS"); do
  bytes=$(make_image "$WORK/layout-$run" "$run")
  skopeo copy --quiet --dest-tls-verify=false "oci:$WORK/layout-$run:1" "docker://$DIST/bench/app$run:1"
  skopeo copy --quiet --dest-tls-verify=false --dest-creds "admin:$ADMIN_PASSWORD" "oci:$WORK/layout-$run:1" "docker://$WHARF/local/app$run:1"
  rm -rf "$WORK/layout-$run"
  if (( run % 2 )); then
    d_ns=$(pull "$DIST/bench/app$run:1" direct); c_ns=$(pull "$WHARF/up/bench/app$run:1" cold "${WCREDS[@]}")
  else
    c_ns=$(pull "$WHARF/up/bench/app$run:1" cold "${WCREDS[@]}"); d_ns=$(pull "$DIST/bench/app$run:1" direct)
  fi
  sleep 2 # the mirror stores the last layer just after the client has it
  if (( run % 2 )); then
    l_ns=$(pull "$WHARF/local/app$run:1" local "${WCREDS[@]}"); w_ns=$(pull "$WHARF/up/bench/app$run:1" warm "${WCREDS[@]}")
  else
    w_ns=$(pull "$WHARF/up/bench/app$run:1" warm "${WCREDS[@]}"); l_ns=$(pull "$WHARF/local/app$run:1" local "${WCREDS[@]}")
  fi
  d=$(mbps "$bytes" "$d_ns"); c=$(mbps "$bytes" "$c_ns"); l=$(mbps "$bytes" "$l_ns"); w=$(mbps "$bytes" "$w_ns")
  COLD+=" $(awk -v a="$c" -v b="$d" 'BEGIN{print a/b}')"; WARM+=" $(awk -v a="$w" -v b="$l" 'BEGIN{print a/b}')"
  printf '| %d | %d | %s | %s | %.2fx | %s | %s | %.2fx |\n' "$run" "$bytes" "$d" "$c" \
    "$(awk -v a="$c" -v b="$d" 'BEGIN{print a/b}')" "$l" "$w" "$(awk -v a="$w" -v b="$l" 'BEGIN{print a/b}')"
done
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
cm=$(median "$COLD"); wm=$(median "$WARM")
echo
printf 'Median over %d runs: cold / direct %.2fx (target >= 0.9x: %s), warm / local %.2fx (target >= 0.95x: %s). Load average before/after: %s.\n' \
  "$RUNS" "$cm" "$(awk -v v="$cm" 'BEGIN{print (v >= 0.9) ? "yes" : "no"}')" "$wm" \
  "$(awk -v v="$wm" 'BEGIN{print (v >= 0.95) ? "yes" : "no"}')" "$LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)"
curl -s "http://$WHARF/metrics" | grep -E '^wharf_mirror_(hits|misses|upstream_bytes)_total' >&2 || true
