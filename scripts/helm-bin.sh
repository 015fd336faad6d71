#!/usr/bin/env bash
# Prints the path of the helm binary the chart tests use, building it from the Go module proxy first if it is
# not cached. The version comes from test/helm/go.mod, so the cache key follows the committed pin.
#
#   HELM_BIN       a helm binary to use as is (nothing is built)
#   TCRA_CACHE_DIR cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/tcr-access-operator)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

if [ -n "${HELM_BIN:-}" ]; then
  [ -x "$HELM_BIN" ] || { echo "HELM_BIN=$HELM_BIN is not executable" >&2; exit 1; }
  echo "$HELM_BIN"; exit 0
fi

ver=$(sed -nE 's#^(require)?[[:space:]]*helm.sh/helm/v3 (v[0-9.]+).*#\2#p' "$here/test/helm/go.mod" | head -1)
[ -n "$ver" ] || { echo "cannot read the pinned helm version from test/helm/go.mod" >&2; exit 1; }
root=${TCRA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tcr-access-operator}
out="$root/helm-$ver"

if [ -x "$out/helm" ]; then echo "$out/helm"; exit 0; fi

# One build at a time (parallel test runs share the cache): wait for another build, then re-check.
mkdir -p "$root"
exec 9>"$root/.helm-build.lock"
flock 9
if [ -x "$out/helm" ]; then echo "$out/helm"; exit 0; fi

command -v go >/dev/null || { echo "Go is needed to build helm (none cached in $out)" >&2; exit 1; }
mkdir -p "$out"
echo "building helm $ver into $out (once)" >&2
(cd "$here/test/helm" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
  -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$ver -X helm.sh/helm/v3/internal/version.metadata=" \
  -o "$out/helm.tmp" helm.sh/helm/v3/cmd/helm) >&2
mv "$out/helm.tmp" "$out/helm"
echo "$out/helm"
