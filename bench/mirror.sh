#!/usr/bin/env bash
# Pull-through mirror throughput (docs/benchmarks.md, "Pull-through mirror"): one local CNCF Distribution with
# htpasswd auth as the upstream and one Wharf with a mirror "up" of it (holding the upstream's credentials). Per run, a new image of random (incompressible) uncompressed tar
# layers is pushed upstream, then pulled with `skopeo copy` to a dir (same disk for all):
#   direct  – straight from Distribution (with the upstream's credentials)
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
BENCH=mirror-bench
. "$ROOT/bench/lib.sh"
BUILD=1; RUNS=3; MIB=128
runs_options "$@"
bench_start skopeo curl python3 htpasswd

UP_PASSWORD="bench-up-$RANDOM$RANDOM"
htpasswd -Bbn upstream "$UP_PASSWORD" > "$WORK/distribution.htpasswd"
DPORT=$(free_port)
DIST_EXTRA="auth:
  htpasswd:
    realm: bench
    path: $WORK/distribution.htpasswd" run_distribution distribution "$DPORT" 401 || die "distribution did not start"
DIST=127.0.0.1:$DPORT
DCREDS=(--src-creds "upstream:$UP_PASSWORD")

WPORT=$(free_port)
ADMIN_PASSWORD="bench-admin-$RANDOM$RANDOM"
# The upstream is on loopback, which the outbound policy refuses unless allowed; nothing else differs from
# `./wharf serve`'s defaults. The class cache is recorded first (once per build), outside the measurement.
WHARF_JAVA="$JAVA" "$ROOT/wharf" self-test > "$WORK/self-test.log" 2>&1 || { tail -20 "$WORK/self-test.log" >&2; die "self-test failed"; }
mkdir -p "$WORK/wharf-data" "$WORK/wharf-cwd"
t0=$(now_ns)
( cd "$WORK/wharf-cwd" && WHARF_ADDR=127.0.0.1:$WPORT WHARF_DATA_DIR=$WORK/wharf-data \
    WHARF_ADMIN_PASSWORD=$ADMIN_PASSWORD WHARF_OUTBOUND_ALLOW=127.0.0.0/8 WHARF_MIRRORS_UPSTREAMS=up=http://$DIST \
    WHARF_MIRRORS_CREDENTIALS=up=upstream:$UP_PASSWORD WHARF_JAVA="$JAVA" exec "$ROOT/wharf" serve ) > "$WORK/wharf.log" 2>&1 &
WHARF_PID=$!; PIDS+=("$WHARF_PID")
wait_ready wharf "$WHARF_PID" "http://127.0.0.1:$WPORT/readyz" "$t0" > /dev/null || die "wharf did not start"
WHARF=127.0.0.1:$WPORT
WCREDS=(--src-creds "admin:$ADMIN_PASSWORD")


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
  bytes=$(make_random_image "$WORK/layout-$run" "$run")
  skopeo copy --quiet --dest-tls-verify=false --dest-creds "upstream:$UP_PASSWORD" "oci:$WORK/layout-$run:1" "docker://$DIST/bench/app$run:1"
  skopeo copy --quiet --dest-tls-verify=false --dest-creds "admin:$ADMIN_PASSWORD" "oci:$WORK/layout-$run:1" "docker://$WHARF/local/app$run:1"
  rm -rf "$WORK/layout-$run"
  if (( run % 2 )); then
    d_ns=$(pull "$DIST/bench/app$run:1" direct "${DCREDS[@]}"); c_ns=$(pull "$WHARF/up/bench/app$run:1" cold "${WCREDS[@]}")
  else
    c_ns=$(pull "$WHARF/up/bench/app$run:1" cold "${WCREDS[@]}"); d_ns=$(pull "$DIST/bench/app$run:1" direct "${DCREDS[@]}")
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
