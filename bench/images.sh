#!/usr/bin/env bash
# Image management at scale (docs/benchmarks.md, "Image management at 50,000 manifests"): fills one namespace
# through the MetadataStore and times the images list, tag list and images-summary over HTTP on SQLite.
# Usage: bench/images.sh [--no-build] [manifests] [requests per row]   (defaults 50000 1000)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
bench_java_prelude "$@"; shift "$BUILD_ARGS"
exec "$JAVA" -Xmx1g -cp target/wharf.jar bench/ImagesBench.java "${1:-50000}" "${2:-1000}"
