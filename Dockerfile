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
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/ciradar"]
CMD ["serve"]
