# syntax=docker/dockerfile:1
# tcr-access-operator image: the esbuild bundle of the operator (scripts/bundle.ts: only the code that runs,
# the Tencent SDK's TCR/VPC/STS parts, no emulator, no node_modules) on a distroless Node.js 24, as 65532.
#   docker build -t registry.example.com/tcr/tcr-access-operator:0.1.0 .
# Daemonless, offline (what the tests do, scripts/image-build.sh):
#   buildah bud --isolation chroot --network none --volume <npm cache>:/npm-cache \
#     --build-arg NODE_IMAGE=… --build-arg RUNTIME_IMAGE=… --build-arg NPM_OFFLINE=1 -t … .

ARG NODE_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# --- build: dependencies, then the bundle -------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# NPM_OFFLINE=1: install from the npm cache mounted at /npm-cache only (no network).
ARG NPM_OFFLINE=
COPY package.json package-lock.json ./
RUN if [ -n "$NPM_OFFLINE" ]; then set -- --offline --cache /npm-cache; fi; \
    npm ci --ignore-scripts --no-audit --no-fund "$@"
COPY tsconfig.json ./
COPY scripts/bundle.ts ./scripts/
COPY src ./src
RUN node scripts/bundle.ts --outdir /app/out

# --- runtime: node and one file; no shell, no npm -----------------------------------------------------
FROM ${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/out/ /app/
COPY LICENSE /app/LICENSE
USER 65532:65532
EXPOSE 8080 8081 9443
# distroless keeps node at /nodejs/bin/node (not on PATH). The flags are scripts/bundle.ts's BUNDLE_NODE_FLAGS.
ENTRYPOINT ["/nodejs/bin/node", "--disable-warning=DEP0040", "--disable-warning=DEP0169", "/app/tcr-access-operator.mjs"]
