#!/usr/bin/env bash
# Warm vs cold checkout through a git mirror used as alternates (docs/caching.md, "git mirrors").
# Generates a repository (FILES files of FILE_KB KiB of random bytes, then COMMITS commits each rewriting a tenth
# of them), mirrors it, pushes one more commit (so the mirror is one refresh behind, as before a real job), then
# checks it out side by side: cold, and warm with GIT_ALTERNATE_OBJECT_DIRECTORIES=<mirror>/objects.
# Two checkouts: actions/checkout's (init, fetch --depth=1, checkout) and a full clone (GitLab with GIT_DEPTH=0).
# Bytes are the packs received (transfer.unpackLimit=1 keeps each pack as sent); over file:// the "network" is
# loopback, so the time saved on a real forge is larger than shown.
# Usage: bench/git-mirror.sh [FILES=20000] [FILE_KB=5] [COMMITS=10]
set -euo pipefail
FILES=${1:-20000}; FILE_KB=${2:-5}; COMMITS=${3:-10}
dir=$(mktemp -d "${TMPDIR:-/tmp}/cde-git-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export GIT_CONFIG_NOSYSTEM=1 HOME=$dir GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b \
  GIT_COMMITTER_EMAIL=b@example.com
git init -q -b main "$dir/work"; git init -q --bare -b main "$dir/forge/acme/big.git"
gen() { python3 - "$dir/work" "$FILES" "$FILE_KB" "$1" <<'PY'
import os, sys
root, n, kb, frac = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
step = max(1, int(round(1 / frac)))
for i in range(0, n, step):
    d = os.path.join(root, "d%03d" % (i % 200)); os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d" % i), "wb") as f: f.write(os.urandom(kb * 1024))
PY
}
t0=$(date +%s.%N)
gen 1; git -C "$dir/work" add -A; git -C "$dir/work" commit -q -m c0
for c in $(seq 1 "$COMMITS"); do gen 0.1; git -C "$dir/work" commit -q -am "c$c"; done
git -C "$dir/work" push -q "$dir/forge/acme/big.git" HEAD:refs/heads/main
git clone -q --bare "file://$dir/forge/acme/big.git" "$dir/nas/git/localhost/acme/big.git"  # the mirror
echo after-refresh > "$dir/work/after"; git -C "$dir/work" add after; git -C "$dir/work" commit -q -m late
git -C "$dir/work" push -q "$dir/forge/acme/big.git" HEAD:refs/heads/main
history=$(du -sb "$dir/forge/acme/big.git/objects" | cut -f1)
printf 'repository: %d files, %d commits, %.1f MiB of packed history (generated in %.0f s)\n' "$FILES" \
  "$((COMMITS + 2))" "$(echo "$history / 1048576" | bc -l)" "$(echo "$(date +%s.%N) - $t0" | bc)"
url="file://$dir/forge/acme/big.git"; alt="$dir/nas/git/localhost/acme/big.git/objects"
packs() { du -cb "$1"/.git/objects/pack/*.pack 2>/dev/null | tail -1 | cut -f1; }
run() { # name kind env...
  local name=$1 kind=$2; shift 2; local d="$dir/$name" s; s=$(date +%s.%N)
  if [ "$kind" = shallow ]; then
    git init -q "$d"; git -C "$d" remote add origin "$url"
    env "$@" git -C "$d" -c transfer.unpackLimit=1 fetch -q --no-tags --depth=1 origin +refs/heads/main:refs/remotes/origin/main
    env "$@" git -C "$d" checkout -q -B main refs/remotes/origin/main
  else
    env "$@" git -c transfer.unpackLimit=1 clone -q "$url" "$d"
  fi
  local e; e=$(echo "$(date +%s.%N) - $s" | bc)
  printf '%-14s %-8s %8.2f s %12d bytes received\n' "$name" "$kind" "$e" "$(packs "$d")"
  echo "$e $(packs "$d")" > "$dir/$name.r"
}
echo "checkout       kind         time     received"
run cold-shallow shallow X=1; run warm-shallow shallow GIT_ALTERNATE_OBJECT_DIRECTORIES="$alt"
run cold-full full X=1; run warm-full full GIT_ALTERNATE_OBJECT_DIRECTORIES="$alt"
for k in shallow full; do
  read -r ct cb < "$dir/cold-$k.r"; read -r wt wb < "$dir/warm-$k.r"
  printf '%s: warm/cold time %.2f, bytes %.5f\n' "$k" "$(echo "$wt / $ct" | bc -l)" "$(echo "$wb / $cb" | bc -l)"
done
