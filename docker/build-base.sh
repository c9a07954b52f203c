#!/usr/bin/env bash
# Build the local base image from Debian's packages: debootstrap a minimal bookworm with
# Python 3.11 and its venv module, then `docker import` it. Nothing is pulled from a
# registry (there may be none to pull from); only Debian's mirror is read.
#
#   docker/build-base.sh [--force] [--image NAME:TAG] [--mirror URL]
#
# Idempotent: an existing image is kept unless --force. Needs root (debootstrap) and a
# running engine.
set -euo pipefail

image="${BASE_IMAGE:-interop-conformance/base:bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
force=0
while [ $# -gt 0 ]; do
    case "$1" in
        --force) force=1 ;;
        --image) image="$2"; shift ;;
        --mirror) mirror="$2"; shift ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-base.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if [ "$force" -eq 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
    echo "base image $image exists (--force rebuilds it)"
    exit 0
fi
command -v debootstrap >/dev/null 2>&1 || {
    echo "build-base.sh: debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "build-base.sh: debootstrap needs root" >&2; exit 1; }

rootfs="$(mktemp -d /tmp/interop-base-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
echo "debootstrap $suite into $rootfs (from $mirror)"
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
    echo "build-base.sh: debootstrap failed; its log:" >&2; tail -n 30 "$rootfs.log" >&2
    rm -f "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"
# Leaner and reproducible-ish: no apt lists or caches in the image.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb

created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
tar -C "$rootfs" --numeric-owner -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    --change "LABEL org.interop-conformance.component=base" \
    --change "LABEL org.opencontainers.image.title=interop-conformance-base" \
    --change "LABEL org.opencontainers.image.base.name=debian:$suite" \
    --change "LABEL org.opencontainers.image.created=$created" \
    --message "debootstrap --variant=minbase $suite" \
    - "$image" >/dev/null
echo "base image $image built"
