#!/usr/bin/env bash
# Weft benchmarks. Builds weft-bench (and the Weft modules it launches) when sources changed, then runs:
#   ./weft-bench/run.sh [--quick] [options]   the load harness: direct, nginx, HAProxy, one and two Weft sidecars
#   ./weft-bench/run.sh --help                harness options
#   ./weft-bench/run.sh jmh [JMH options]     the JMH microbenchmarks (e.g. jmh -f1 -wi 2 -i 3 RouteMatch)
# Set WEFT_BENCH_NO_BUILD=1 to run what is already built. Results go to weft-bench/results/.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
REQUIRED_JAVA=25

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -1
}

find_jdk() { # same search as ./weft
  local candidates=()
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  local dir
  for dir in /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
             "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [[ -d "$dir" ]] && candidates+=("$dir")
  done
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for dir in "${candidates[@]}"; do
    if [[ -x "$dir/bin/java" && -x "$dir/bin/javac" ]]; then
      local major
      major="$(java_major "$dir/bin/java")"
      if [[ -n "$major" && "$major" -ge "$REQUIRED_JAVA" ]]; then
        echo "$dir"
        return 0
      fi
    fi
  done
  return 1
}

if ! JDK="$(find_jdk)"; then
  echo "weft-bench: no JDK $REQUIRED_JAVA or newer found (looked at \$JAVA_HOME, /usr/lib/jvm/*, /opt/java, ~/.sdkman, ~/.jdks, PATH)." >&2
  echo "  Install one (e.g. apt-get install temurin-25-jdk) or point JAVA_HOME at it." >&2
  exit 1
fi
export JAVA_HOME="$JDK"

STAMP="$BENCH/target/.bench-built"
needs_build() {
  [[ ! -f "$STAMP" ]] && return 0
  [[ -n "$(cd "$ROOT" && find . -path ./.git -prune -o \( -name pom.xml -o -path '*/src/main/*' \) -newer "$STAMP" -print -quit)" ]]
}
if [[ -z "${WEFT_BENCH_NO_BUILD:-}" ]] && needs_build; then
  echo "weft-bench: building (first run or sources changed)..." >&2
  (cd "$ROOT" && ./mvnw -B -q -DskipTests install -pl weft-bench -am) >&2
  touch "$STAMP"
fi

JAR="$(ls "$BENCH"/target/weft-bench-*.jar 2>/dev/null | grep -v -- '-sources' | head -1 || true)"
if [[ -z "$JAR" ]]; then
  echo "weft-bench: $BENCH/target has no weft-bench jar; build it: ./mvnw -DskipTests install -pl weft-bench -am" >&2
  exit 1
fi
CLASSPATH="$JAR:$BENCH/target/lib/*"
JVM_FLAGS=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -XX:+EnableDynamicAgentLoading
           -Dio.netty.machineId=02:00:00:00:00:01)

cd "$ROOT"
if [[ "${1:-}" == "jmh" ]]; then
  shift
  exec "$JAVA_HOME/bin/java" "${JVM_FLAGS[@]}" -cp "$CLASSPATH" org.openjdk.jmh.Main "$@"
fi
# Weft processes run from the distribution the launcher runs (weft-cli/target), with its start-up cache.
exec "$JAVA_HOME/bin/java" "${JVM_FLAGS[@]}" -Xmx512m -Dweft.bench.dist="$ROOT/weft-cli/target" -cp "$CLASSPATH" \
     dev.weft.bench.BenchHarness "$@"
