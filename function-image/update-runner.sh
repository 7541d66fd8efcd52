#!/usr/bin/env bash
# Moves the Containerfile's pin of the GitHub Actions runner to another release: downloads the linux-x64
# tarball, checks it against the SHA-256 the release notes publish, and rewrites the ARG RUNNER_VERSION and
# ARG RUNNER_SHA256 lines. GitHub stops giving jobs to a runner about 30 days behind its newest release, so
# this runs whenever a runner is released (https://github.com/actions/runner/releases).
#
#   function-image/update-runner.sh 2.339.0
#
# Nothing else is touched; review the diff, build the image, commit.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: update-runner.sh [options] VERSION

  VERSION               the runner release, e.g. 2.339.0 (a leading 'v' is dropped)

options:
  --tarball FILE        use this actions-runner-linux-x64-VERSION.tar.gz instead of downloading it
  --sha256 HEX          the SHA-256 the release notes publish for the linux-x64 tarball
  --notes FILE          read that SHA-256 from the release notes saved in FILE (the release's text, or the
                        JSON of GitHub's releases API)
  --unverified          accept the tarball's own hash when no published one is at hand (not recommended)
  --containerfile FILE  the file to rewrite (default: the Containerfile next to this script)
  --base-url URL        where releases are downloaded from
                        (default: $RUNNER_BASE_URL or https://github.com/actions/runner/releases/download)
  --api-url URL         GitHub's API, for the release notes when neither --sha256 nor --notes is given
                        (default: $GITHUB_API_URL or https://api.github.com)
  -h, --help            this text

Without --sha256 or --notes the published checksum is read from the release through the API.
EOF
}

die() {
  echo "update-runner: $*" >&2
  exit 1
}

here=$(cd "$(dirname "$0")" && pwd)
containerfile="$here/Containerfile"
base_url=${RUNNER_BASE_URL:-https://github.com/actions/runner/releases/download}
api_url=${GITHUB_API_URL:-https://api.github.com}
tarball=""
published=""
notes=""
unverified=false
version=""

while [ $# -gt 0 ]; do
  case "$1" in
    --tarball) tarball=${2:?--tarball needs a file}; shift 2 ;;
    --sha256) published=${2:?--sha256 needs a value}; shift 2 ;;
    --notes) notes=${2:?--notes needs a file}; shift 2 ;;
    --unverified) unverified=true; shift ;;
    --containerfile) containerfile=${2:?--containerfile needs a file}; shift 2 ;;
    --base-url) base_url=${2:?--base-url needs a URL}; shift 2 ;;
    --api-url) api_url=${2:?--api-url needs a URL}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option $1" ;;
    *)
      [ -z "$version" ] || die "one VERSION only (got '$version' and '$1')"
      version=${1#v}
      shift
      ;;
  esac
done

[ -n "$version" ] || { usage >&2; die "no VERSION given"; }
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "'$version' is not a runner version like 2.339.0"
[ -f "$containerfile" ] || die "$containerfile: no such file"
for key in RUNNER_VERSION RUNNER_SHA256; do
  n=$(grep -c "^ARG $key=" "$containerfile" || true)
  [ "$n" = 1 ] || die "$containerfile has $n 'ARG $key=' lines, expected exactly one"
done
base_url=${base_url%/}
api_url=${api_url%/}

work=$(mktemp -d "${TMPDIR:-/tmp}/update-runner.XXXXXX")
trap 'rm -rf "$work"' EXIT
name="actions-runner-linux-x64-$version.tar.gz"

if [ -z "$tarball" ]; then
  echo "downloading $base_url/v$version/$name"
  curl -fSL --retry 3 -o "$work/$name" "$base_url/v$version/$name" || die "could not download $name"
  tarball="$work/$name"
fi
[ -f "$tarball" ] || die "$tarball: no such file"
actual=$(sha256sum "$tarball" | cut -d' ' -f1)

# The release notes end with one line per package:
#   - actions-runner-linux-x64-2.338.0.tar.gz <!-- BEGIN SHA linux-x64 -->HEX<!-- END SHA linux-x64 -->
# In the API's JSON the same text is a string; the markers and the hash survive JSON escaping unchanged.
sha_from_notes() {
  grep -o 'BEGIN SHA linux-x64 -->[0-9a-fA-F]\{64\}<!-- END SHA linux-x64' "$1" | head -n 1 \
    | sed 's/.*-->\([0-9a-fA-F]\{64\}\)<.*/\1/'
}

if [ -z "$published" ] && [ -z "$notes" ] && [ "$unverified" = false ]; then
  echo "reading the release notes from $api_url/repos/actions/runner/releases/tags/v$version"
  curl -fsSL --retry 3 -H 'Accept: application/vnd.github+json' -o "$work/notes.json" \
    "$api_url/repos/actions/runner/releases/tags/v$version" \
    || die "could not read the release notes of v$version; pass --sha256 HEX from the release page"
  notes="$work/notes.json"
fi
if [ -n "$notes" ]; then
  [ -f "$notes" ] || die "$notes: no such file"
  published=$(sha_from_notes "$notes" || true)
  [ -n "$published" ] || die "$notes has no 'BEGIN SHA linux-x64' checksum"
fi
if [ -n "$published" ]; then
  published=$(printf '%s' "$published" | tr 'A-F' 'a-f')
  [[ "$published" =~ ^[0-9a-f]{64}$ ]] || die "'$published' is not a SHA-256"
  [ "$published" = "$actual" ] || die "checksum mismatch for $name: published $published, file $actual"
  echo "sha256 $actual matches the published checksum"
else
  echo "update-runner: WARNING: no published checksum to compare with (--unverified); pinning the file's own hash" >&2
fi

# A runner tarball, not an HTML error page or another package.
listing=$(tar -tzf "$tarball" 2>/dev/null) || die "$tarball is not a gzip'd tar archive"
for f in run.sh config.sh bin/Runner.Listener; do
  # A here-string, not a pipe: grep -q stops at the first match, and the real runner lists thousands of
  # files, so a writer into a pipe would die of SIGPIPE and pipefail would call that a failure.
  grep -qx "\(\./\)\?$f" <<< "$listing" || die "$tarball has no $f: not an Actions runner package"
done

old_version=$(sed -n 's/^ARG RUNNER_VERSION=//p' "$containerfile")
sed -e "s/^ARG RUNNER_VERSION=.*/ARG RUNNER_VERSION=$version/" \
    -e "s/^ARG RUNNER_SHA256=.*/ARG RUNNER_SHA256=$actual/" "$containerfile" > "$work/Containerfile"
cat "$work/Containerfile" > "$containerfile"
echo "$containerfile: runner $old_version -> $version (sha256 $actual)"
echo "next: build the image (function-image/README.md), then commit the Containerfile"
