# The ciradar receiver/CLI image: serve, migrate, reproject, loadgen (and simulate).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY pkg ./pkg
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ciradar ./pkg/cmd/ciradar

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ciradar /usr/local/bin/ciradar
USER nonroot
# 8080: the receiver (serve); 8081: the simulator's fake GitHub API (simulate -api-addr :8081)
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/ciradar"]
CMD ["serve"]
