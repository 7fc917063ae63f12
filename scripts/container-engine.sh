#!/usr/bin/env bash
# Sets up the container engine that the Testcontainers launchers of the end-to-end suites use,
# from Debian's packages and Debian's archive alone (no image registry is needed or reached):
#
#   1. podman + runc (installed when missing), configured for runc and no default ulimits;
#   2. a Debian 12 base image: debootstrap --variant=minbase bookworm, tar, import;
#   3. PostgreSQL 15 and HAProxy images built from it (scripts/container-images/*);
#   4. the Docker-compatible API on unix:///run/podman/podman.sock, for Testcontainers.
#
# Idempotent: a step already done is checked and skipped (a second run takes about a second).
# Images are rebuilt only when their recipe (the files under scripts/container-images/ and the
# base image) changes. Each step prints the time it took.
#
# Usage, as root:  scripts/container-engine.sh            set up, print the environment to use
#                  scripts/container-engine.sh --env      only print the export lines (for eval)
# With CONTAINER_ENGINE=docker it uses an existing Docker engine instead of podman: steps 2-3
# only (Docker serves its API itself, and Ryuk can run there).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
engine="${CONTAINER_ENGINE:-podman}"
socket=/run/podman/podman.sock
cache="${PAUSECTL_CONTAINER_CACHE:-/var/cache/pausectl/containers}"
suite=bookworm
base_image=localhost/pausectl/debian:12
postgres_image=localhost/pausectl/postgres:15
haproxy_image=localhost/pausectl/haproxy:2.6

print_env() {
  if [ "$engine" = podman ]; then
    echo "export DOCKER_HOST=unix://$socket"
    # Ryuk (Testcontainers' reaper) is an image from a registry; the launchers stop what they start.
    echo "export TESTCONTAINERS_RYUK_DISABLED=true"
  fi
}
if [ "${1:-}" = --env ]; then
  print_env
  exit 0
fi

log() { echo "container-engine: $*"; }
die() { echo "container-engine: $*" >&2; exit 1; }
# fail_with LOG MESSAGE: the log's last lines, then MESSAGE (CI shows only what is printed).
fail_with() { tail -n 40 "$1" >&2 || true; die "$2 (whole log: $1)"; }
now() { date +%s%N; }
# step NAME CMD...: runs CMD and prints how long it took.
step() {
  local name="$1" t0 rc=0
  shift
  t0=$(now)
  "$@" || rc=$?
  log "$(printf '%-9s %6.1f s' "$name" "$(( $(now) - t0 ))e-9")${step_note:+  ($step_note)}"
  step_note=""
  return $rc
}
step_note=""
image_exists() { "$engine" image inspect "$1" >/dev/null 2>&1; }

[ "$(id -u)" = 0 ] || die "run as root: the engine is rootful podman (sudo $0)"

# 1. Packages. apt-get update only when something is missing.
packages() {
  local need=()
  if [ "$engine" = podman ]; then
    command -v podman >/dev/null 2>&1 || need+=(podman)
    command -v runc >/dev/null 2>&1 || need+=(runc)
  else
    command -v "$engine" >/dev/null 2>&1 || die "$engine not found: install it, or run without CONTAINER_ENGINE for podman"
  fi
  if ! image_exists "$base_image" && [ ! -s "$cache/debian-12-minbase.tar" ]; then
    command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
  fi
  command -v curl >/dev/null 2>&1 || need+=(curl)
  if [ ${#need[@]} -eq 0 ]; then
    step_note="present"
    return 0
  fi
  step_note="installed ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
}

# podman's own default runtime, crun, fails on hosts whose cgroups are in hybrid mode; and both
# runtimes fail to apply podman's default RLIMIT_NPROC in such sandboxes. One drop-in settles
# both for every podman command (build and import included), not only for the API service.
configure() {
  local dropin=/etc/containers/containers.conf.d/50-pausectl.conf
  local want
  want='# Written by pausectl scripts/container-engine.sh: runc rather than crun (crun fails on
# hosts with cgroups in hybrid mode) and no default ulimits (RLIMIT_NPROC cannot be set here).
[containers]
default_ulimits = []

[engine]
runtime = "runc"'
  if [ -f "$dropin" ] && [ "$(cat "$dropin")" = "$want" ]; then
    step_note="$dropin"
    return 0
  fi
  mkdir -p "$(dirname "$dropin")"
  printf '%s\n' "$want" >"$dropin"
  step_note="wrote $dropin"
}

# The Debian mirror and security mirror apt already uses on this host; debootstrap's own default
# when apt names none.
mirror_of() {
  apt-cache policy 2>/dev/null | awk -v want="$1/main" '$3 == want { print $2; exit }'
}

# 2. Debian 12 from Debian's archive, as a tar kept in the cache folder, imported as the base.
base() {
  if image_exists "$base_image"; then
    step_note="$base_image present"
    return 0
  fi
  local tarball="$cache/debian-12-minbase.tar"
  if [ ! -s "$tarball" ]; then
    local rootfs="$cache/rootfs.partial" mirror security
    mirror="$(mirror_of "$suite")"
    security="$(mirror_of "$suite-security")"
    rm -rf "$rootfs"
    mkdir -p "$rootfs"
    debootstrap --variant=minbase "$suite" "$rootfs" ${mirror:+"$mirror"} >"$cache/debootstrap.log" 2>&1 \
      || fail_with "$cache/debootstrap.log" "debootstrap failed"
    mirror="${mirror:-$(awk '$1 == "deb" { print $2; exit }' "$rootfs/etc/apt/sources.list")}"
    {
      echo "deb $mirror $suite main"
      echo "deb $mirror $suite-updates main"
      [ -z "$security" ] || echo "deb $security $suite-security main"
    } >"$rootfs/etc/apt/sources.list"
    # As Debian's own container images do: no services started by package scripts, no
    # recommends, no downloaded packages or lists kept in layers.
    printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
    chmod 755 "$rootfs/usr/sbin/policy-rc.d"
    echo 'APT::Install-Recommends "false";' >"$rootfs/etc/apt/apt.conf.d/90pausectl-norecommends"
    echo 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb || true"; };' >"$rootfs/etc/apt/apt.conf.d/90pausectl-clean"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/etc/resolv.conf "$rootfs"/etc/hostname
    tar --numeric-owner -C "$rootfs" -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    rm -rf "$rootfs"
    step_note="debootstrap $suite, "
  fi
  local quiet=()
  [ "$engine" != podman ] || quiet=(--quiet)
  "$engine" import "${quiet[@]}" --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' \
    "$tarball" "$base_image" >/dev/null
  step_note="${step_note}imported $base_image from $tarball"
}

# 3. An image built from the base by its folder under container-images/, rebuilt only when its
# recipe changes (the label io.pausectl.recipe holds a hash of the folder and the base's id).
image() {
  local tag="$1" dir="$here/container-images/$2" recipe have
  recipe="$( { "$engine" image inspect --format '{{.Id}}' "$base_image"; \
    (cd "$dir" && find . -type f | LC_ALL=C sort | xargs sha256sum); } | sha256sum | cut -c1-16)"
  have="$("$engine" image inspect --format '{{ index .Config.Labels "io.pausectl.recipe" }}' "$tag" 2>/dev/null || true)"
  if [ "$have" = "$recipe" ]; then
    step_note="$tag present"
    return 0
  fi
  "$engine" build --network host --label "io.pausectl.recipe=$recipe" --build-arg "BASE=$base_image" \
    -t "$tag" -f "$dir/Containerfile" "$dir" >"$cache/build-$2.log" 2>&1 \
    || fail_with "$cache/build-$2.log" "building $tag failed"
  step_note="built $tag"
}

ping() {
  [ -S "$socket" ] && [ "$(curl -s --max-time 2 --unix-socket "$socket" http://d/_ping)" = OK ]
}

# 4. The Docker-compatible API. The service runs on after this script, in its own session, so
# that a developer's or CI's later mvn run finds it; a second run finds it answering.
service() {
  if ping; then
    step_note="answering on unix://$socket"
    return 0
  fi
  rm -f "$socket"
  mkdir -p "$(dirname "$socket")" "$cache"
  # From /, as a daemon should: it outlives this script, and conmon fails every container start
  # ("Failed to get working directory") once the directory it was started in is deleted (a clone).
  (cd / && exec setsid podman --runtime runc system service --time=0 "unix://$socket" \
    </dev/null >>"$cache/service.log" 2>&1) &
  local pid=$! deadline=$((SECONDS + 20))
  until ping; do
    kill -0 "$pid" 2>/dev/null || fail_with "$cache/service.log" "podman system service exited"
    [ $SECONDS -lt $deadline ] || fail_with "$cache/service.log" "podman system service did not answer within 20 s"
    sleep 0.2
  done
  step_note="started, pid $pid, answering on unix://$socket"
}

# A container really runs (podman's own client, host network; the path through the API is
# testkit's ContainerEngineSmokeTest).
smoke() {
  local out
  out="$("$engine" run --rm --network host "$base_image" cat /etc/debian_version 2>&1)" \
    || die "a container from $base_image did not run: $out"
  step_note="Debian $out in a container"
}

t_all=$(now)
mkdir -p "$cache"
step packages packages
if [ "$engine" = podman ]; then
  step configure configure
fi
step base base
step postgres image "$postgres_image" postgres
step haproxy image "$haproxy_image" haproxy
if [ "$engine" = podman ]; then
  step service service
fi
step smoke smoke
log "$(printf 'total     %6.1f s' "$(( $(now) - t_all ))e-9")"
print_env
