# syntax=docker/dockerfile:1
# CI Radar's images, built from source with the commands CI runs, so that `docker compose up`
# needs no build step on the host:
#
#   target grafana   Grafana with the CI Radar data source installed (frontend + gpx_ciradar)
#   target ciradar   the receiver/CLI: serve, migrate, reproject, simulate, loadgen (the default)
#
# The commit the binaries report (`ciradar version`, gpx_ciradar's health details) comes in as
# a build argument, as .git is not part of the build context:
#   docker compose build --build-arg CIRADAR_COMMIT=$(git rev-parse --short=12 HEAD)

ARG GO_VERSION=1.26.8
ARG NODE_VERSION=20.20.2
ARG GRAFANA_VERSION=13.1.1

# The frontend, as CI builds it (`npm ci`, then `npm run build`): module.js, plugin.json,
# README, images, into /src/dist. Lock files first, so that dependencies are a cached layer
# that only a change to them rebuilds.
FROM node:${NODE_VERSION}-bookworm-slim AS frontend
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json LICENSE CHANGELOG.md ./
COPY .config ./.config
COPY src ./src
# The dashboards src/plugin.json includes: the build copies them into dist/ from here.
COPY dashboards ./dashboards
RUN npm run build

# gpx_ciradar and ciradar, with the Magefile's targets. This stage runs on the platform of
# the image being built, so `mage plugin` (this platform only) builds the executable the
# Grafana image needs: gpx_ciradar_linux_amd64 on amd64, gpx_ciradar_linux_arm64 on arm64.
FROM golang:${GO_VERSION}-bookworm AS backend
WORKDIR /src
# Static executables (distroless has no libc); no .git here, so no VCS stamp either.
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN go mod download
# The SDK's build reads the executable name from src/plugin.json and the version from
# package.json.
COPY Magefile.go package.json ./
COPY src/plugin.json ./src/plugin.json
COPY pkg ./pkg
ARG CIRADAR_COMMIT=unknown
RUN CIRADAR_COMMIT=${CIRADAR_COMMIT} go tool mage plugin ciradar

# Grafana with the plugin. It lives outside /var/lib/grafana, which compose keeps in a
# volume: a volume holds on to the files it was created with, so a plugin there would stay
# at its first build.
FROM grafana/grafana:${GRAFANA_VERSION} AS grafana
ENV GF_PATHS_PLUGINS=/opt/ciradar/plugins
# Grafana (uid 472) may install plugins of its own there (its preinstalled apps), but
# cannot change ours, which stay root's.
USER root
RUN mkdir -p /opt/ciradar/plugins && chown 472:0 /opt/ciradar/plugins
USER 472
COPY --from=frontend /src/dist/ /opt/ciradar/plugins/ciradar-ciradar-datasource/
COPY --from=backend /src/dist/ /opt/ciradar/plugins/ciradar-ciradar-datasource/

# The receiver/CLI. Last, so that a plain `docker build .` builds it.
FROM gcr.io/distroless/static-debian12:nonroot AS ciradar
COPY --from=backend /src/bin/ciradar /usr/local/bin/ciradar
USER nonroot
# 8080: the receiver (serve); 8081: the simulator's fake GitHub API (simulate -api-addr :8081)
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/ciradar"]
CMD ["serve"]
