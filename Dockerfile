# finops-tag-compliance: one image for every process of the stack (see docker-compose.yml).
#   docker build -t finops-tag-compliance .
#   docker run ... finops-tag-compliance http      MCP gateway over Streamable HTTP on :3000 (default)
#   docker run ... finops-tag-compliance worker    Temporal worker (workflows + activities)
#   docker run -i ... finops-tag-compliance stdio  MCP over stdio
#   docker run ... finops-tag-compliance start     worker + gateway in one process
# The image carries no Temporal server or CLI: `worker`, `http` and `start` need TEMPORAL_ADDRESS
# pointing at a Temporal frontend (docker-compose.yml runs one).
# The image runs the compiled code in dist/ (built in the `build` stage): a process started from
# dist/ skips tsx's loader and its memory. tsx stays a runtime dependency: bin/ falls back to the
# sources through it when dist/ is missing or older than them.

# Node 24 LTS: the AWS SDK's releases after January 2027 need Node >= 22. CI also runs the suite on
# Node 20 (package.json "engines"); the native pieces (Temporal core bridge, swc) are Node-API builds.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- dependencies: production only, from the lockfile --------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# package.json pins @swc/core through "overrides" (used by the Temporal workflow bundler); the
# lockfile holds its linux prebuilt binary, so no compiler toolchain is needed here.
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- build: dist/ from the sources, with the dev dependencies (TypeScript) --------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN bash scripts/build.sh

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="finops-tag-compliance" \
      org.opencontainers.image.description="MCP server for FinOps tag compliance; scans run as durable Temporal workflows" \
      org.opencontainers.image.licenses="Apache-2.0"

# HOST: inside a container the gateway must listen on all interfaces (the app's default is
# 127.0.0.1). DATA_DIR: only used without DATABASE_URL (embedded PGlite store).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data

WORKDIR /app
# Sources and dependencies stay owned by root and read-only to the app user; only /data is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY . .
COPY --from=build /app/dist ./dist
# The stamp must be newer than every source file copied above, or bin/ would run the sources.
RUN touch dist/.built && mkdir -p /data && chown node:node /data

# The official node image's unprivileged user (uid 1000).
USER node

EXPOSE 3000

# Gateway health: GET /health answers 200 when Temporal, the database and the policy are usable.
# Worker containers (no HTTP listener) disable this check in docker-compose.yml.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs"]

ENTRYPOINT ["node", "bin/finops-tag-compliance.mjs"]
CMD ["http"]
