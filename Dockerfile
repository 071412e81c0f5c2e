# syntax=docker/dockerfile:1
# One image recipe for the four services (docker-compose.yml builds each target):
#   build            npm ci, then `nx run-many -t build` (every project's dist/) and the production tree in /out
#   tools            the build stage as a non-root user: migrations, topic creation and the demo seed run from it
#   runtime          Node 24 slim + production dependencies only (npm ci --omit=dev) + the compiled dist/ trees
#   catalog-service, pricing-service, config-service, order-service   runtime with the service's port and command
#   docker build --target pricing-service -t cpq/pricing-service .
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NX_DAEMON=false NX_NO_CLOUD=true NPM_CONFIG_UPDATE_NOTIFIER=false

# Only the package manifests: the npm ci layers below are rebuilt when a dependency changes, not on every edit.
FROM base AS manifests
COPY . /src
RUN cd /src && mkdir /manifests \
  && find . -name package.json -not -path '*/node_modules/*' -not -path './.*' -exec cp --parents {} /manifests/ \; \
  && cp package-lock.json /manifests/

FROM base AS build
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
RUN node_modules/.bin/nx run-many -t build --outputStyle=static \
  && bash scripts/build/pack-production.sh /out

FROM build AS tools
USER node
CMD ["node", "--import", "tsx", "scripts/migrate.ts"]

FROM base AS runtime
ENV NODE_ENV=production HOST=0.0.0.0
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
COPY --from=build /out/ ./
USER node
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "healthcheck.cjs", "/health/live"]

FROM runtime AS catalog-service
ENV PORT=3001
EXPOSE 3001
CMD ["node", "--enable-source-maps", "apps/catalog-service/dist/main.js"]

FROM runtime AS pricing-service
ENV PORT=3002
EXPOSE 3002
CMD ["node", "--enable-source-maps", "apps/pricing-service/dist/main.js"]

FROM runtime AS config-service
ENV PORT=3003
EXPOSE 3003
CMD ["node", "--enable-source-maps", "apps/config-service/dist/main.js"]

FROM runtime AS order-service
ENV PORT=3004
EXPOSE 3004
CMD ["node", "--enable-source-maps", "apps/order-service/dist/main.js"]
