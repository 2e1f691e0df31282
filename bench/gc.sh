#!/usr/bin/env bash
# Garbage collection throughput (docs/benchmarks.md, "Garbage collection"): N unreferenced blobs beside 10,000
# referenced ones, one collector pass timed, with a writer linking blobs throughout. Embedded default (SQLite +
# filesystem) unless a PostgreSQL URL, schema and S3 endpoint + bucket are given (credentials: S3Proxy's test ones).
# Usage: bench/gc.sh [--no-build] [N]                    embedded default (default N 100000)
#        bench/gc.sh [--no-build] --pg-s3proxy [N]      PostgreSQL on 127.0.0.1:5432 (db test, a schema of its own,
#                                                       dropped afterwards) + S3Proxy from target/s3proxy (default N 20000)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
bench_java_prelude "$@"; shift "$BUILD_ARGS"
if [[ ${1:-} == --pg-s3proxy ]]; then
  N=${2:-20000}
  DIR=$(mktemp -d)
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$DIR/data/wharf-gc-bench" # the filesystem backend's bucket is a directory
  cat > "$DIR/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=wharf-test
s3proxy.credential=wharf-test-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$DIR/data
jclouds.identity=wharf-test
jclouds.credential=wharf-test-secret
PROPS
  "$JAVA" -Xmx512m -jar target/s3proxy/s3proxy.jar --properties "$DIR/s3proxy.properties" > "$DIR/s3proxy.log" 2>&1 &
  S3PID=$!
  trap 'kill $S3PID 2>/dev/null || true; wait $S3PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
  for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.5; done
  set -- "$N" jdbc:postgresql://127.0.0.1:5432/test "gc_bench_$$" "http://127.0.0.1:$PORT" wharf-gc-bench
fi
echo "| store | unreferenced blobs | deleted | pass s | blobs/s | bytes reclaimed | left in storage / rows | writer link p50 / p99 / max ms |"
echo "|---|---:|---:|---:|---:|---:|---|---|"
"$JAVA" -Xmx1g -cp target/wharf.jar bench/GcBench.java "${1:-100000}" "${@:2}"
