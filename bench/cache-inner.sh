# Run by bench/cache.sh in an empty directory, with CDE (the cde command), NODE_CACHE (the @actions/cache driver),
# ROUNDS, BRIDGE_PID, CDE_CACHE_TOKEN and CDE_CALLBACK_URL set.
set -euo pipefail
stats() { python3 -c "import sys; v=sorted(map(float, sys.argv[1:])); print('%.2f %.2f' % (v[0], v[-1]))" "$@"; }
ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
ticks() { awk '{print $14 + $15}' "/proc/$BRIDGE_PID/stat"; }
# One leg: "WALL CPU OWN", in seconds; CPU is the command's user + system time and the bridge's (which serves it on
# the same cores here), OWN the command's alone. Each leg starts with nothing left for the kernel to write back
# from the one before.
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
print('%.2f %.2f %.2f' % (float(sys.argv[2]) - float(sys.argv[1]), float(u) + float(s) + (int(sys.argv[4]) - int(sys.argv[3])) / 100, float(u) + float(s)))" \
    "$t0" "$t1" "$b0" "$b1" "$PWD/leg.time"
}

# A Maven-like local repository (bench/maven-tree.py): 50,000 files, 531 MiB.
python3 "$(dirname "$0")/maven-tree.py" tree
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

# The legs. Saves each write a new file, kept to the end, as the store keeps each round's entry; restores each
# write a new tree, compared with the original and removed at once. So every leg of a kind writes as much new
# data as the others, into memory freed as recently: on this VM memory not touched lately costs several times
# more to write (see "fresh pages" below and docs/benchmarks.md), which a baseline overwriting its one file
# would escape.
leg_ts() { leg bash -c "tar -cf - tree | zstd -T0 -3 -q -o base-$1.tar.zst"; }
leg_cs() { leg $CDE cache save --key "bench-$1" --path tree 2>>cde.log; }
leg_as() { leg bash -c "$(declare -f actions); actions save actions-$1 \"$PWD\""; }
leg_tr() { leg bash -c "zstd -d -T0 -q -c base-$1.tar.zst | tar -C r$1/tar -xf -"; }
leg_cr() { leg bash -c "cd r$1/cde && $CDE cache restore --key bench-$1 --path tree >/dev/null 2>>../../cde.log"; }
leg_ar() { leg bash -c "$(declare -f actions); actions restore actions-$1 \"$PWD/r$1/actions\""; }
restored() { # round dir
  diff -rq tree "r$1/$2/tree" >/dev/null || { echo "round $1: the tree restored by $2 differs" >&2; exit 1; }
  rm -rf "r$1/$2"
}

# How much more this machine charges for memory it has not touched lately: 512 MiB written to a new file, then
# the same again after deleting it (the second write reuses the pages just freed).
fresh() {
  local a b
  sync
  a=$(leg dd if=/dev/zero of=fresh.bin bs=4M count=128 status=none)
  rm -f fresh.bin
  b=$(leg dd if=/dev/zero of=fresh.bin bs=4M count=128 status=none)
  rm -f fresh.bin
  echo "fresh pages: 512 MiB to a new file ${a%% *} s, again into the pages just freed ${b%% *} s"
}
fresh

# Each leg's "WALL CPU OWN" per round. Odd rounds run each kind's legs as tar, cde, @actions/cache; even rounds in the
# reverse order, so no leg always runs first (after the previous round's clean-up) or last.
declare -A wall cpu own
for r in $(seq 1 "$ROUNDS"); do
  l0=$(load)
  mkdir -p "r$r/tar" "r$r/cde" "r$r/actions"
  if [ $((r % 2)) = 1 ]; then order=(t c a); else order=(a c t); fi
  for k in "${order[@]}"; do read -r wall[${k}s,$r] cpu[${k}s,$r] own[${k}s,$r] <<<"$(leg_${k}s "$r")"; done
  for k in "${order[@]}"; do
    read -r wall[${k}r,$r] cpu[${k}r,$r] own[${k}r,$r] <<<"$(leg_${k}r "$r")"
    case $k in t) restored "$r" tar ;; c) restored "$r" cde ;; a) restored "$r" actions ;; esac
  done
  echo "round $r (load $l0 -> $(load)), wall (cpu) s: save tar+zstd ${wall[ts,$r]} (${cpu[ts,$r]})," \
    "cde ${wall[cs,$r]} (${cpu[cs,$r]}), @actions/cache ${wall[as,$r]} (${cpu[as,$r]}); restore zstd+tar" \
    "${wall[tr,$r]} (${cpu[tr,$r]}), cde ${wall[cr,$r]} (${cpu[cr,$r]}), @actions/cache ${wall[ar,$r]} (${cpu[ar,$r]})"
  rm -rf "r$r"
done
best() { # leg kind(wall|cpu|own): "best worst"
  local v=() r
  for r in $(seq 1 "$ROUNDS"); do
    case $2 in wall) v+=("${wall[$1,$r]}") ;; cpu) v+=("${cpu[$1,$r]}") ;; own) v+=("${own[$1,$r]}") ;; esac
  done
  stats "${v[@]}"
}
archive=$(du -m base-1.tar.zst | cut -f1)
echo
echo "best (worst) of $ROUNDS   baseline s    cde cache s   ratio   @actions/cache s   ratio"
for kind in wall cpu own; do
  for op in save restore; do
    if [ $op = save ]; then b=ts; c=cs; a=as; else b=tr; c=cr; a=ar; fi
    read -r bb bw <<<"$(best $b $kind)"; read -r cb cw <<<"$(best $c $kind)"; read -r ab aw <<<"$(best $a $kind)"
    printf '%-7s %-4s    %5s (%5s)  %5s (%5s)   %5s     %5s (%5s)     %5s\n' "$op" "$kind" "$bb" "$bw" "$cb" "$cw" \
      "$(ratio "$cb" "$bb")" "$ab" "$aw" "$(ratio "$ab" "$bb")"
  done
done
echo "save:    tar -cf - tree | zstd -T0 -3 > file | cde cache save -> bridge -> NAS | saveCache() -> bridge -> NAS"
echo "restore: zstd -d -T0 file | tar -x        | cde cache restore <- NAS mount | restoreCache() <- bridge"
echo "cpu: the leg's user + system seconds, the bridge's included (it shares these cores here; not so in production)"
echo "own: the leg's command alone, without the bridge's CPU: what an instance pays where the bridge has its own host"
echo "archive: $archive MiB (tar+zstd -3); load at the end $(load)"
grep -h "saved\|restored" cde.log | tail -2
