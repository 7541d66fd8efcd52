# Run by bench/cache.sh in an empty directory, with CDE (the cde command), NODE_CACHE (the @actions/cache driver),
# ROUNDS, BRIDGE_PID, CDE_CACHE_TOKEN and CDE_CALLBACK_URL set.
set -euo pipefail
stats() { python3 -c "import sys; v=sorted(map(float, sys.argv[1:])); print('%.2f %.2f' % (v[0], v[-1]))" "$@"; }
ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
ticks() { awk '{print $14 + $15}' "/proc/$BRIDGE_PID/stat"; }
# One leg: "WALL CPU", in seconds; CPU is the command's user + system time and the bridge's (which serves it on
# the same cores here). Each leg starts with nothing left for the kernel to write back from the one before.
leg() {
  sync
  local b0 t0 t1 b1
  b0=$(ticks)
  t0=$(date +%s.%N)
  # (a failure stops the whole run: this runs in a command substitution, which set -e does not leave)
  /usr/bin/time -f '%U %S' -o "$PWD/leg.time" "$@" || { echo "bench: failed: $*" >&2; kill -TERM $$; exit 1; }
  t1=$(date +%s.%N)
  b1=$(ticks)
  python3 -c "import sys; u, s = open(sys.argv[5]).read().split()[-2:]; \
print('%.2f %.2f' % (float(sys.argv[2]) - float(sys.argv[1]), float(u) + float(s) + (int(sys.argv[4]) - int(sys.argv[3])) / 100))" \
    "$t0" "$t1" "$b0" "$b1" "$PWD/leg.time"
}

# A Maven-like local repository: 10,000 artifact versions of 5 files each (jar, pom, two .sha1, _remote.repositories),
# jars of incompressible bytes (jars are deflated already) averaging ~53 KiB, poms of compressible XML.
python3 - <<'PY'
import os, random
rnd = random.Random(42)
base = "tree"
for i in range(10000):
    d = f"{base}/org/bench/g{i // 100}/artifact{i}/1.{i % 7}.0"
    os.makedirs(d, exist_ok=True)
    n = f"artifact{i}-1.{i % 7}.0"
    size = 22000 + (i * 7919) % 64000
    with open(f"{d}/{n}.jar", "wb") as f: f.write(rnd.randbytes(size))
    pom = ("<project><modelVersion>4.0.0</modelVersion><groupId>org.bench.g%d</groupId><artifactId>artifact%d"
           "</artifactId><version>1.%d.0</version><dependencies>%s</dependencies></project>\n") % (
        i // 100, i, i % 7, "".join("<dependency><groupId>org.bench.g%d</groupId><artifactId>artifact%d</artifactId>"
                                      "<version>1.0.0</version></dependency>" % (j // 100, j) for j in range(i, i + 12)))
    with open(f"{d}/{n}.pom", "w") as f: f.write(pom)
    with open(f"{d}/{n}.jar.sha1", "w") as f: f.write("%040x\n" % rnd.getrandbits(160))
    with open(f"{d}/{n}.pom.sha1", "w") as f: f.write("%040x\n" % rnd.getrandbits(160))
    with open(f"{d}/_remote.repositories", "w") as f: f.write(f"{n}.jar>central=\n{n}.pom>central=\n")
PY
files=$(find tree -type f | wc -l)
mib=$(find tree -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s / 1048576}')
echo "tree: $files files, $mib MiB in files, $(nproc) cpus, load $(load), in $(df --output=fstype . | tail -1)"

# @actions/cache as a job runs it: its workspace, its temp directory, the bridge's cache service and the token.
actions() { # op key workspace
  ACTIONS_RESULTS_URL="$CDE_CALLBACK_URL/" ACTIONS_RUNTIME_TOKEN="$CDE_CACHE_TOKEN" ACTIONS_CACHE_SERVICE_V2=true \
    GITHUB_WORKSPACE="$3" RUNNER_TEMP="$PWD/runner-temp" \
    bash -c 'cd "$GITHUB_WORKSPACE" && node "$0" "$1"' "$NODE_CACHE" "$PWD/actions.json" \
    <<<"{\"steps\": [{\"op\": \"$1\", \"paths\": [\"tree\"], \"key\": \"$2\"}]}" >>actions.log 2>&1
  python3 -c "import json, sys; r = json.load(open(sys.argv[1]))[0]; sys.exit(0 if r.get('cacheId', 0) != -1 \
and 'error' not in r and r.get('matchedKey', 1) is not None else 1)" actions.json \
    || { echo "@actions/cache $1 failed: $(cat actions.json)" >&2; tail -5 actions.log >&2; exit 1; }
}
mkdir -p runner-temp

# Each leg's "WALL CPU" per round, in the order: save tar, cde, @actions/cache; restore tar, cde, @actions/cache.
legs=(ts cs as tr cr ar)
declare -A wall cpu
for r in $(seq 1 "$ROUNDS"); do
  l0=$(load)
  mkdir -p "r$r/tar" "r$r/cde" "r$r/actions"
  read -r wall[ts,$r] cpu[ts,$r] <<<"$(leg bash -c 'tar -cf - tree | zstd -T0 -3 -q -o base.tar.zst -f')"
  read -r wall[cs,$r] cpu[cs,$r] <<<"$(leg $CDE cache save --key "bench-$r" --path tree 2>>cde.log)"
  read -r wall[as,$r] cpu[as,$r] <<<"$(leg bash -c "$(declare -f actions); actions save actions-$r \"$PWD\"")"
  read -r wall[tr,$r] cpu[tr,$r] <<<"$(leg bash -c "zstd -d -T0 -q -c base.tar.zst | tar -C r$r/tar -xf -")"
  read -r wall[cr,$r] cpu[cr,$r] <<<"$(leg bash -c "cd r$r/cde && $CDE cache restore --key bench-$r --path tree >/dev/null 2>>../../cde.log")"
  read -r wall[ar,$r] cpu[ar,$r] <<<"$(leg bash -c "$(declare -f actions); actions restore actions-$r \"$PWD/r$r/actions\"")"
  for d in tar cde actions; do
    diff -rq tree "r$r/$d/tree" >/dev/null || { echo "round $r: the tree restored by $d differs" >&2; exit 1; }
  done
  echo "round $r (load $l0 -> $(load)), wall (cpu) s: save tar+zstd ${wall[ts,$r]} (${cpu[ts,$r]})," \
    "cde ${wall[cs,$r]} (${cpu[cs,$r]}), @actions/cache ${wall[as,$r]} (${cpu[as,$r]}); restore zstd+tar" \
    "${wall[tr,$r]} (${cpu[tr,$r]}), cde ${wall[cr,$r]} (${cpu[cr,$r]}), @actions/cache ${wall[ar,$r]} (${cpu[ar,$r]})"
  rm -rf "r$r"
done
best() { # leg kind(wall|cpu): "best worst"
  local v=() r
  for r in $(seq 1 "$ROUNDS"); do if [ "$2" = wall ]; then v+=("${wall[$1,$r]}"); else v+=("${cpu[$1,$r]}"); fi; done
  stats "${v[@]}"
}
archive=$(du -m base.tar.zst | cut -f1)
echo
echo "best (worst) of $ROUNDS   baseline s    cde cache s   ratio   @actions/cache s   ratio"
for kind in wall cpu; do
  for op in save restore; do
    if [ $op = save ]; then b=ts; c=cs; a=as; else b=tr; c=cr; a=ar; fi
    read -r bb bw <<<"$(best $b $kind)"; read -r cb cw <<<"$(best $c $kind)"; read -r ab aw <<<"$(best $a $kind)"
    printf '%-7s %-4s    %5s (%5s)  %5s (%5s)   %5s     %5s (%5s)     %5s\n' "$op" "$kind" "$bb" "$bw" "$cb" "$cw" \
      "$(ratio "$cb" "$bb")" "$ab" "$aw" "$(ratio "$ab" "$bb")"
  done
done
echo "save:    tar -cf - tree | zstd -T0 -3 > file | cde cache save -> bridge -> NAS | saveCache() -> bridge -> NAS"
echo "restore: zstd -d -T0 file | tar -x        | cde cache restore <- bridge    | restoreCache() <- bridge"
echo "cpu: the leg's user + system seconds, the bridge's included (it shares these cores here; not so in production)"
echo "archive: $archive MiB (tar+zstd -3); load at the end $(load)"
grep -h "saved\|restored" cde.log | tail -2
