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

# A loopback port nothing listens on.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( (RANDOM % 20000) + 30000 ))
    if [[ -z $(ss -Htln "sport = :$p" 2>/dev/null) ]]; then echo "$p"; return 0; fi
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
