#!/usr/bin/env bash
# Prints the directory that holds kubelet, kube-controller-manager, kube-scheduler and kubectl for the node tests
# (test/node), building them from the Go module proxy first if they are not cached.
#
#   TCRA_NODE_BINS   a directory that already holds the four binaries: used as is, nothing is built.
#   TCRA_CACHE_DIR   cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/tcr-access-operator)
#
# Same module and k8s.io/kubernetes pin as kube-apiserver (test/envtest/kube/go.mod, see envtest-bins.sh),
# so the node runs the control plane's version. Cold build: about 4 min per binary on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bins=(kubelet kube-controller-manager kube-scheduler kubectl)

have_all() { for b in "${bins[@]}"; do [ -x "$1/$b" ] || return 1; done; }

if [ -n "${TCRA_NODE_BINS:-}" ]; then
  if have_all "$TCRA_NODE_BINS"; then echo "$TCRA_NODE_BINS"; exit 0; fi
  echo "TCRA_NODE_BINS=$TCRA_NODE_BINS does not hold executable ${bins[*]}" >&2
  exit 1
fi

kube_ver=$(sed -nE 's#^(require)?[[:space:]]*k8s.io/kubernetes (v[0-9.]+).*#\2#p' "$here/test/envtest/kube/go.mod" | head -1)
[ -n "$kube_ver" ] || { echo "cannot read the k8s.io/kubernetes pin from test/envtest/kube/go.mod" >&2; exit 1; }
root=${TCRA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tcr-access-operator}
out="$root/node-bins/k8s-$kube_ver"

if have_all "$out"; then echo "$out"; exit 0; fi

# One build at a time (parallel test runs share the cache): wait for another build, then re-check.
mkdir -p "$root"
exec 9>"$root/.node-bins-build.lock"
flock 9
if have_all "$out"; then echo "$out"; exit 0; fi

command -v go >/dev/null || { echo "Go is needed to build ${bins[*]} (none cached in $out)" >&2; exit 1; }
mkdir -p "$out"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
minor=$(echo "$kube_ver" | cut -d. -f2)
ver="-X k8s.io/component-base/version.gitVersion=$kube_ver -X k8s.io/component-base/version.gitMajor=1"
ver="$ver -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
ver="$ver -X k8s.io/client-go/pkg/version.gitVersion=$kube_ver -X k8s.io/client-go/pkg/version.gitMajor=1"
ver="$ver -X k8s.io/client-go/pkg/version.gitMinor=$minor"
for b in "${bins[@]}"; do
  [ -x "$out/$b" ] && continue
  echo "building $b $kube_ver into $out (once; a few minutes cold on 2 cores)" >&2
  (cd "$here/test/envtest/kube" && go build -trimpath -tags=selinux,notest \
    -ldflags="-s -w $ver" -o "$out/$b.tmp" "k8s.io/kubernetes/cmd/$b") >&2
  mv "$out/$b.tmp" "$out/$b"
done
echo "$out"
