#!/usr/bin/env bash
# Image management at scale (docs/benchmarks.md, "Image management at 50,000 manifests"): fills one namespace
# through the MetadataStore and times the images list, tag list and images-summary over HTTP on SQLite.
# Usage: bench/images.sh [--no-build] [manifests] [requests per row]   (defaults 50000 1000)
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
exec "$JAVA" -Xmx1g -cp target/wharf.jar bench/ImagesBench.java "${1:-50000}" "${2:-1000}"
