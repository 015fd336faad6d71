# syntax=docker/dockerfile:1
# tcr-access-operator image: TypeScript compiled in a build stage, run on distroless Node.js 24 as 65532.
#   docker build -t registry.example.com/tcr/tcr-access-operator:0.1.0 .

ARG NODE_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# --- build: all dependencies, tsc → dist/ ------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- deps: production dependencies only --------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime: no shell, no npm ------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps --chown=65532:65532 /app/node_modules ./node_modules
COPY --from=build --chown=65532:65532 /app/dist ./dist
COPY --chown=65532:65532 package.json ./
USER 65532:65532
EXPOSE 8080 8081
# distroless keeps node at /nodejs/bin/node, which is not on PATH, so the entrypoint names it in full.
ENTRYPOINT ["/nodejs/bin/node", "dist/src/main.js"]
