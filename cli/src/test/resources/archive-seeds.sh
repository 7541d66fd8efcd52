#!/usr/bin/env bash
# Writes the seed archives of the archive fuzz targets with GNU tar, zstd and gzip (Debian's), so the fuzzers start
# from archives real tools make: POSIX (pax) and GNU formats, long names, symbolic and hard links, a directory
# entry, compressed and not, and the hostile kinds (a name climbing out with .., an absolute name, a link leading
# out), with 512-byte records so they are small.
# Usage: archive-seeds.sh <CacheArchiveFuzzTestInputs/method dir> <ArchiveInspectorFuzzTestInputs/method dir>
# The cli's entries are named <n>/<path> (the format of cde cache); the bridge's are what any client sends.
set -euo pipefail
cli_out=$1
bridge_out=$2
mkdir -p "$cli_out" "$bridge_out"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
tarc() { tar -b 1 --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner "$@"; }

mkdir -p "$w/cli/0/sub" "$w/cli/1/$(printf 'd%.0s' {1..120})"
echo hello > "$w/cli/0/sub/a.txt"
printf '#!/bin/sh\necho tool\n' > "$w/cli/0/tool.sh" && chmod 750 "$w/cli/0/tool.sh"
ln -s sub/a.txt "$w/cli/0/link"
ln "$w/cli/0/sub/a.txt" "$w/cli/0/hard.txt"
echo ü > "$w/cli/1/$(printf 'd%.0s' {1..120})/nötig.txt"
tarc --format=posix -C "$w/cli" -cf "$cli_out/posix.tar" 0 1
tarc --format=gnu -C "$w/cli" -cf "$cli_out/gnu.tar" 0 1
zstd -q -19 -c "$cli_out/posix.tar" > "$cli_out/posix.tar.zst"
tarc --format=posix -P -C "$w/cli" -cf "$cli_out/climbs-out.tar" --transform 's,^0/sub/a.txt$,0/../../escape.txt,' 0/sub/a.txt
tarc --format=posix -P -cf "$cli_out/absolute.tar" "$w/cli/0/sub/a.txt"
ln -s ../../../etc "$w/cli/0/sub/etc"
tarc --format=posix -C "$w/cli" -cf "$cli_out/link-out.tar" 0/sub/etc
rm "$w/cli/0/sub/etc"

# The bridge sees @actions/cache archives too, whose names climb out of the workspace on purpose.
mkdir -p "$w/ws/repo" "$w/ws/.m2/repository/org/x"
echo '<project/>' > "$w/ws/repo/pom.xml"
head -c 3000 /dev/zero > "$w/ws/.m2/repository/org/x/x.jar"
ln -s x.jar "$w/ws/.m2/repository/org/x/latest.jar"
tarc --format=posix -P -C "$w/ws/repo" -cf "$bridge_out/actions-cache.tar" pom.xml ../.m2/repository
zstd -q -19 --long=30 -c "$bridge_out/actions-cache.tar" > "$bridge_out/actions-cache.tar.zst"
tarc --format=gnu -C "$w/cli" -cf - 0 1 | gzip -9n > "$bridge_out/gnu.tar.gz"
cp "$cli_out/posix.tar.zst" "$cli_out/climbs-out.tar" "$cli_out/absolute.tar" "$cli_out/link-out.tar" "$bridge_out/"
