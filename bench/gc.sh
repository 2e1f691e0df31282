#!/usr/bin/env bash
# Garbage collection throughput (docs/benchmarks.md, "Garbage collection"): N unreferenced blobs beside 10,000
# referenced ones, one collector pass timed, with a writer linking blobs throughout. Embedded default (SQLite +
# filesystem) unless a PostgreSQL URL, schema and S3 endpoint + bucket are given (credentials: S3Proxy's test ones).
# Usage: bench/gc.sh [--no-build] [N] [jdbc:postgresql://... schema http://s3-endpoint bucket]   (default N 100000)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# The newest JDK >= 21 under /usr/lib/jvm (or JAVA_HOME), as bench/run.sh picks it: the default java may be older.
java_major() { "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'; }
JAVA=""; BEST=0
for j in /usr/lib/jvm/*/bin/java ${JAVA_HOME:+$JAVA_HOME/bin/java}; do
  [[ -x $j ]] || continue
  m=$(java_major "$j" || echo 0); m=${m%%.*}
  if [[ -n $m && $m -ge 21 && $m -gt $BEST ]]; then JAVA=$j; BEST=$m; fi
done
[[ -n $JAVA ]] || { echo "no JDK >= 21 under /usr/lib/jvm" >&2; exit 1; }
if [[ ${1:-} == --no-build ]]; then shift; else ./mvnw -q -o -DskipTests package; fi
echo "| store | unreferenced blobs | deleted | pass s | blobs/s | bytes reclaimed | left in storage / rows | writer link p50 / p99 / max ms |"
echo "|---|---:|---:|---:|---:|---:|---|---|"
exec "$JAVA" -Xmx1g -cp target/wharf.jar bench/GcBench.java "${1:-100000}" "${@:2}"
