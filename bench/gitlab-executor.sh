#!/usr/bin/env bash
# Per-stage overhead of the GitLab custom executor driver: wall time of one driver process per call,
# as gitlab-runner pays it. `config` (no network) under three JVM flag sets, interleaved; then, against
# a running bridge, prepare once, `run` of an empty script N times, cleanup.
#   bench/gitlab-executor.sh [N]      (needs a bridge: ./cde up; CDE_BRIDGE_URL / CDE_API_TOKEN or ~/.cde/api-token)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10}"
jar=gitlab-executor/target/cde-gitlab-executor.jar
launcher=gitlab-executor/bin/cde-gitlab-executor
[[ -f "$jar" ]] || { echo "build first: ./mvnw -B -DskipTests package -pl gitlab-executor -am" >&2; exit 1; }

ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)] " ms (max " a[NR] " ms)"}'; }

export CUSTOM_ENV_CI_JOB_ID="bench$$" CUSTOM_ENV_CI_JOB_TIMEOUT=600
plain=() c1=() cds=()
for _ in $(seq "$n"); do
  plain+=("$(ms java -jar "$jar" config)")
  c1+=("$(ms java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -jar "$jar" config)")
  cds+=("$(ms "$launcher" config)")
done
echo "config, $n runs each, $(nproc) cpus"
printf '%-40s median %s\n' "plain JVM" "$(printf '%s\n' "${plain[@]}" | median)"
printf '%-40s median %s\n' "C1 + SerialGC" "$(printf '%s\n' "${c1[@]}" | median)"
printf '%-40s median %s\n' "C1 + SerialGC + AppCDS (the launcher)" "$(printf '%s\n' "${cds[@]}" | median)"

tmp=$(mktemp -d); trap 'CUSTOM_ENV_CI_JOB_ID=bench$$ "$launcher" cleanup >/dev/null 2>&1; rm -rf "$tmp"' EXIT
printf '#!/usr/bin/env bash\ntrue\n' > "$tmp/script"
echo "prepare (session start, local provider): $(ms "$launcher" prepare) ms"
run=()
for _ in $(seq "$n"); do run+=("$(ms "$launcher" run "$tmp/script" build_script)"); done
printf '%-40s median %s\n' "run of an empty script (the launcher)" "$(printf '%s\n' "${run[@]}" | median)"
echo "cleanup: $(ms "$launcher" cleanup) ms"
