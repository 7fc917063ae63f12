#!/usr/bin/env bash
# Builds the HAProxy 3.0.x that the HAProxy integration tests run besides the distribution's, from
# Debian 13 (trixie)'s source package, fetched from Debian's own archive with apt and checked
# against its signed Sources index. Built once, into a stable directory; later runs only print
# where it is.
#
#   scripts/haproxy-3.0.sh            # builds if needed; the last line of stdout is the binary's path
#
# Where: $PAUSECTL_CACHE/haproxy-trixie (default /var/cache/pausectl as root, else
# ${XDG_CACHE_HOME:-~/.cache}/pausectl). The HAProxy tests look there (or at $HAPROXY_30_BIN).
# apt runs with its own sources file and lists directory under that cache, so the system's apt
# configuration is not touched. Build dependencies are installed with apt-get when missing (root).
set -euo pipefail

started=$(date +%s)
if [ -n "${PAUSECTL_CACHE:-}" ]; then
  cache=$PAUSECTL_CACHE
elif [ "$(id -u)" -eq 0 ]; then
  cache=/var/cache/pausectl
else
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/pausectl
fi
dir=$cache/haproxy-trixie
bin=$dir/haproxy

say() { echo "haproxy-3.0: $*" >&2; }

if [ -x "$bin" ] && "$bin" -v >/dev/null 2>&1; then
  say "$("$bin" -v | awk 'NR == 1')"
  say "already built, took $(( $(date +%s) - started ))s"
  echo "$bin"
  exit 0
fi

# Build dependencies (and apt's own tools for the download).
need=()
for pkg in make gcc libc6-dev liblua5.4-dev libpcre2-dev libssl-dev dpkg-dev ca-certificates; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing build dependencies: ${need[*]} (run as root, or apt-get install them)"
    exit 1
  fi
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi

# apt with a private state: one deb-src entry for trixie, its own lists and cache directories.
apt_dir=$dir/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/src"
cat >"$apt_dir/trixie-src.list" <<'EOF'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
EOF
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/trixie-src.list"
  -o "Dir::Etc::SourceParts=-"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache=$apt_dir/cache"
  -o "APT::Sandbox::User=root"
)
say "fetching the trixie Sources index from deb.debian.org"
apt-get "${apt_opts[@]}" -q update >&2
rm -rf "${apt_dir:?}/src"/*
# Only the .orig tarball is needed. apt fetches the .dsc and the Debian tarball too, and a partial
# mirror may lack those (it fails then); what counts is that the .orig tarball arrived and its
# SHA-256 is the one the signed Sources index names, checked again here.
(cd "$apt_dir/src" && apt-get "${apt_opts[@]}" -q source --download-only haproxy >&2) \
  || say "apt-get source did not fetch every file; checking the .orig tarball"
orig=$(ls "$apt_dir"/src/haproxy_*.orig.tar.* 2>/dev/null | head -n 1 || true)
if [ -z "$orig" ]; then
  say "no haproxy .orig tarball came from the trixie archive"
  exit 1
fi
index=$(ls "$apt_dir"/lists/*_trixie_main_source_Sources*)
expected=$(/usr/lib/apt/apt-helper cat-file "$index" \
  | awk -v f="$(basename "$orig")" '/^Package: haproxy$/ { p = 1 } /^$/ { p = 0 }
      p && /^Checksums-Sha256:/ { s = 1; next } p && s && /^ / { if ($3 == f) print $1; next } { s = 0 }')
actual=$(sha256sum "$orig" | awk '{ print $1 }')
if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
  say "$(basename "$orig"): SHA-256 $actual is not the signed index's '${expected}'"
  exit 1
fi
say "$(basename "$orig"): SHA-256 matches the signed trixie Sources index"

# The upstream sources (the .orig tarball), as released by HAProxy.
build=$dir/build
rm -rf "$build"
mkdir -p "$build"
tar -xf "$orig" -C "$build" --strip-components=1
say "building with $(nproc) jobs"
make -C "$build" -j"$(nproc)" TARGET=linux-glibc USE_OPENSSL=1 USE_LUA=1 LUA_INC=/usr/include/lua5.4 \
  LUA_LIB_NAME=lua5.4 USE_PCRE2=1 >"$dir/build.log" 2>&1 || {
  tail -n 30 "$dir/build.log" >&2
  say "build failed; the whole log is $dir/build.log"
  exit 1
}
install -m 755 "$build/haproxy" "$bin.tmp"
mv "$bin.tmp" "$bin"
say "$("$bin" -v | awk 'NR == 1')"
say "built in $(( $(date +%s) - started ))s"
echo "$bin"
