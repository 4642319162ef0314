# rrproxy image: the proxy (dist/main.js) and the test client (dist/client/main.js).
#
#   docker build -t rrproxy:0.1.0 .
#   docker run --rm -p 8080:8080 -p 9901:9901 rrproxy:0.1.0 --listen 0.0.0.0:8080 \
#     --admin 0.0.0.0:9901 --backend 192.0.2.10:80
#   docker run --rm --entrypoint node rrproxy:0.1.0 dist/client/main.js --help
#
# Plain Dockerfile syntax only (no `# syntax=` frontend, no RUN --mount): it builds with the
# classic builder and offline, as scripts/image-check.sh does.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: all dependencies, compile TypeScript to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- deps: production dependencies only ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: no production dependency needs one, and none may run at build time.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# A numeric user so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd; it owns
# nothing in the image (the app is read-only to it) and matches the chart's runAsUser.
USER 10001:10001
EXPOSE 8080 9901
# No HEALTHCHECK: Kubernetes ignores it and probes /healthz and /readyz on the admin port instead,
# and a Docker healthcheck would need curl (not in the slim base) or a Node process every period.
HEALTHCHECK NONE
# Node is PID 1 on purpose, without tini: rrproxy installs its own SIGTERM/SIGINT handlers (drain,
# then exit 0) and spawns no child processes, so there are no zombies to reap. Exec form, so the
# signal reaches Node and not a shell.
ENTRYPOINT ["node", "/app/dist/main.js"]
CMD ["--config", "/etc/rrproxy/config.yaml"]
