#!/usr/bin/env bash
# Repository search at scale (docs/benchmarks.md, "Search at 100,000 repositories"): fills N repositories and
# times GET /v1/search and GET /v2/search/repositories/ over HTTP, anonymous and as a member, p50/p99/max.
# Usage: bench/search.sh [--no-build] [sqlite|postgres] [repositories] [requests per row]   (defaults sqlite 100000 300)
# postgres uses 127.0.0.1:5432 (trust, database test) in a schema of its own, dropped afterwards.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
bench_java_prelude "$@"; shift "$BUILD_ARGS"
exec "$JAVA" -Xmx1g -cp target/wharf.jar bench/SearchBench.java "${1:-sqlite}" "${2:-100000}" "${3:-300}"
