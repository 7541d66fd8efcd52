#!/usr/bin/env bash
# The job: the steps examples/github/maven-cache.yml and examples/gitlab/maven-cache.gitlab-ci.yml run, here as one
# script for `cde run` (examples/cache/cold-warm.sh). Restore the Maven repository from the NAS, build, save it.
set -euo pipefail
export LC_ALL=C
key="m2-$(sha256sum pom.xml | cut -c1-16)"
t0=$(date +%s%N)
restore=$(cde cache restore --key "$key" --restore-key m2- --path .m2/repository)
t1=$(date +%s%N)
mvn -B -Dmaven.repo.local=.m2/repository -Dstyle.color=never package > build.log 2>&1 || { tail -40 build.log; exit 1; }
t2=$(date +%s%N)
downloads=$(grep -c 'Downloaded from' build.log || true)
grep -E 'Tests run:.*Fail|BUILD' build.log | tail -2
# As actions/cache: an exact hit is not saved again (the key is immutable anyway).
if [ "$restore" != "${restore#cache-hit=true}" ]; then
  save="skipped (exact hit)"
else
  cde cache save --key "$key" --path .m2/repository
  save="done"
fi
t3=$(date +%s%N)
ms() { echo "$(( ($2 - $1) / 1000000 )) ms"; }
echo "job: key $key; $(echo "$restore" | tr '\n' ' ')"
echo "job: restore $(ms "$t0" "$t1"), build $(ms "$t1" "$t2") with $downloads downloads from Maven Central, save $save in $(ms "$t2" "$t3")"
