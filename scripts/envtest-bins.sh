#!/usr/bin/env bash
# Prints the directory that holds kube-apiserver and etcd for the integration tests,
# building them from the Go module proxy first if they are not cached (like `setup-envtest use -p path`).
#
#   KUBEBUILDER_ASSETS  a directory that already holds both binaries: used as is, nothing is built.
#   TCRA_CACHE_DIR      cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/tcr-access-operator)
#
# The versions come from test/envtest/{kube,etcd}/go.mod, so the cache key follows the committed pins.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if [ -x "$KUBEBUILDER_ASSETS/kube-apiserver" ] && [ -x "$KUBEBUILDER_ASSETS/etcd" ]; then
    echo "$KUBEBUILDER_ASSETS"; exit 0
  fi
  echo "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS does not hold executable kube-apiserver and etcd" >&2
  exit 1
fi

pinned() { sed -nE "s#^(require)?[[:space:]]*$2 (v[0-9.]+).*#\\2#p" "$here/test/envtest/$1/go.mod" | head -1; }
kube_ver=$(pinned kube k8s.io/kubernetes)
etcd_ver=$(pinned etcd go.etcd.io/etcd/server/v3)
[ -n "$kube_ver" ] && [ -n "$etcd_ver" ] || { echo "cannot read pinned versions from test/envtest/*/go.mod" >&2; exit 1; }
root=${TCRA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tcr-access-operator}
out="$root/envtest/k8s-$kube_ver-etcd-$etcd_ver"

if [ -x "$out/kube-apiserver" ] && [ -x "$out/etcd" ]; then echo "$out"; exit 0; fi

# One build at a time (parallel test runs share the cache): wait for another build, then re-check.
mkdir -p "$root"
exec 9>"$root/.envtest-build.lock"
flock 9
if [ -x "$out/kube-apiserver" ] && [ -x "$out/etcd" ]; then echo "$out"; exit 0; fi

command -v go >/dev/null || { echo "Go is needed to build kube-apiserver and etcd (none cached in $out)" >&2; exit 1; }
mkdir -p "$out"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
minor=$(echo "$kube_ver" | cut -d. -f2)
if [ ! -x "$out/etcd" ]; then
  echo "building etcd $etcd_ver into $out (once)" >&2
  (cd "$here/test/envtest/etcd" && go build -trimpath \
    -ldflags="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$etcd_ver" \
    -o "$out/etcd.tmp" go.etcd.io/etcd/server/v3) >&2
  mv "$out/etcd.tmp" "$out/etcd"
fi
if [ ! -x "$out/kube-apiserver" ]; then
  echo "building kube-apiserver $kube_ver into $out (once; 10-25 min cold on 2 cores)" >&2
  ver="-X k8s.io/component-base/version.gitVersion=$kube_ver -X k8s.io/component-base/version.gitMajor=1"
  ver="$ver -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  ver="$ver -X k8s.io/client-go/pkg/version.gitVersion=$kube_ver -X k8s.io/client-go/pkg/version.gitMajor=1"
  ver="$ver -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  (cd "$here/test/envtest/kube" && go build -trimpath -tags=selinux,notest \
    -ldflags="-s -w $ver" -o "$out/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver) >&2
  mv "$out/kube-apiserver.tmp" "$out/kube-apiserver"
fi
echo "$out"
