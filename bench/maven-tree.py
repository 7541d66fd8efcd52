#!/usr/bin/env python3
"""A Maven-like local repository for the cache benchmarks (bench/cache.sh, ZstdFramesBench).

Usage: bench/maven-tree.py DIR. 10,000 artifact versions of 5 files each (jar, pom, two .sha1,
_remote.repositories): 50,000 files, 531 MiB; jars of incompressible bytes (jars are deflated already)
averaging ~53 KiB, poms of compressible XML. The same tree every time (seeded)."""
import sys
import os, random
rnd = random.Random(42)
base = sys.argv[1]
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
