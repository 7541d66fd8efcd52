# Run by bench/cache.sh in an empty directory, with CDE (the cde command), ROUNDS, CDE_CACHE_TOKEN and
# CDE_CALLBACK_URL set.
set -euo pipefail
now() { date +%s.%N; }
since() { python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(now)"; }
best() { python3 -c "import sys; print('%.2f' % min(map(float, sys.argv[1:])))" "$@"; }

# A Maven-like local repository: 10,000 artifact versions of 5 files each (jar, pom, two .sha1, _remote.repositories),
# jars of incompressible bytes (jars are deflated already) averaging ~53 KiB, poms of compressible XML.
python3 - <<'PY'
import os, random
rnd = random.Random(42)
base = ".m2/repository"
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
files=$(find .m2/repository -type f | wc -l)
mib=$(du -sm --apparent-size .m2/repository | cut -f1)
echo "tree: $files files, $mib MiB (apparent), $(nproc) cpus"
mv .m2/repository tree

tar_save=(); cde_save=(); tar_restore=(); cde_restore=()
for r in $(seq 1 "$ROUNDS"); do
  sync
  t=$(now); tar -C tree -cf - . | zstd -T0 -3 -q -o base.tar.zst -f; tar_save+=("$(since "$t")")
  mkdir -p .m2 && mv tree .m2/repository
  t=$(now); $CDE cache save --key "bench-$r" --path .m2/repository 2>>cde.log; cde_save+=("$(since "$t")")
  mv .m2/repository tree
  sync
  rm -rf out && mkdir out
  t=$(now); zstd -d -T0 -q -c base.tar.zst | tar -C out -xf -; tar_restore+=("$(since "$t")")
  rm -rf out
  sync
  t=$(now); $CDE cache restore --key "bench-$r" --path .m2/repository >/dev/null 2>>cde.log; cde_restore+=("$(since "$t")")
  diff -rq tree .m2/repository >/dev/null || { echo "restored tree differs" >&2; exit 1; }
  rm -rf .m2/repository
  echo "round $r: save tar+zstd ${tar_save[-1]} s, cde ${cde_save[-1]} s; restore zstd+tar ${tar_restore[-1]} s, cde ${cde_restore[-1]} s"
done
archive=$(du -m base.tar.zst | cut -f1)
ts=$(best "${tar_save[@]}"); cs=$(best "${cde_save[@]}"); tr=$(best "${tar_restore[@]}"); cr=$(best "${cde_restore[@]}")
echo
echo "best of $ROUNDS       baseline s   cde cache s   ratio"
printf 'save              %8s   %11s   %5s  (tar -c | zstd -T0 -3 > file  vs  cde cache save -> bridge -> NAS)\n' \
  "$ts" "$cs" "$(python3 -c "print('%.2f' % ($cs / $ts))")"
printf 'restore           %8s   %11s   %5s  (zstd -d -T0 | tar -x  vs  cde cache restore <- bridge <- NAS)\n' \
  "$tr" "$cr" "$(python3 -c "print('%.2f' % ($cr / $tr))")"
echo "archive: $archive MiB (tar+zstd -3)"
grep -h "saved\|restored" cde.log | tail -2
