#!/usr/bin/env bash
# Build the suite's images without pulling anything:
#   1. the base image, from Debian's packages (docker/build-base.sh; kept when it exists),
#   2. a wheelhouse: this project and its dependencies as wheels (`pip wheel .`), in a
#      build context under /tmp (never in the tree),
#   3. interop-conformance/reference and interop-conformance/suite (tags :latest and the
#      version), installed from that wheelhouse alone (pip --no-index).
#
#   docker/build-images.sh [--force-base]
#
# Environment: PYTHON (default .venv/bin/python, else python3; must be the image's 3.11,
# since binary wheels are built for it), BASE_IMAGE, IMAGE_PREFIX (interop-conformance).
set -euo pipefail
cd "$(dirname "$0")/.."

force_base=()
case "${1:-}" in
    --force-base) force_base=(--force) ;;
    "") ;;
    *) echo "build-images.sh: unknown argument $1 (only --force-base)" >&2; exit 2 ;;
esac
base="${BASE_IMAGE:-interop-conformance/base:bookworm}"
prefix="${IMAGE_PREFIX:-interop-conformance}"
python="${PYTHON:-}"
if [ -z "$python" ]; then
    if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "build-images.sh: $python is not Python 3.11, the images' (Debian bookworm's):" \
        "its binary wheels would not install there; set PYTHON to a 3.11" >&2
    exit 1
fi

BASE_IMAGE="$base" bash docker/build-base.sh "${force_base[@]}"

context="$(mktemp -d /tmp/interop-images.XXXXXX)"
trap 'rm -rf "$context"' EXIT
echo "building the wheelhouse in $context/wheelhouse"
"$python" -m pip wheel --quiet --disable-pip-version-check . -w "$context/wheelhouse"
cp docker/Dockerfile.reference docker/Dockerfile.suite "$context/"

version="$("$python" -c 'import runpy; print(runpy.run_path("conformance/_version.py")["__version__"])')"
digest="$("$python" docker/source_digest.py .)"
for component in reference suite; do
    echo "building $prefix/$component:$version (source digest $digest)"
    previous="$(docker image inspect --format '{{.Id}}' "$prefix/$component:latest" 2>/dev/null || true)"
    # The classic builder: Debian's docker.io has no BuildKit plugin, and it needs none here.
    DOCKER_BUILDKIT=0 docker build --quiet \
        --build-arg "BASE=$base" \
        --label "org.interop-conformance.source-digest=$digest" \
        --label "org.opencontainers.image.version=$version" \
        -f "$context/Dockerfile.$component" \
        -t "$prefix/$component:$version" -t "$prefix/$component:latest" \
        "$context" >"$context/build.log" 2>&1 || {
        echo "build-images.sh: docker build of $component failed:" >&2
        tail -n 40 "$context/build.log" >&2
        exit 1
    }
    # The image this one replaces, now untagged: removed unless a container still uses it.
    if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect --format '{{.Id}}' "$prefix/$component:latest")" ]; then
        docker image rm "$previous" >/dev/null 2>&1 || true
    fi
done
echo "images built: $prefix/reference:latest $prefix/suite:latest (version $version)"
