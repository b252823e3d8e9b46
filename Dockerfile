# syntax=docker/dockerfile:1
# The releasetrain image: one static binary for the worker and the webhook
# receiver (see docker-compose.yml). Build: docker build -t releasetrain .

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ENV CGO_ENABLED=0
RUN go build -trimpath -ldflags="-s -w" -o /out/releasetrain ./cmd/releasetrain && \
    go build -trimpath -ldflags="-s -w" -o /out/healthcheck ./deploy/healthcheck && \
    mkdir -p /out/var/lib/releasetrain/artifacts

# distroless/static: no shell, no package manager, CA certificates included.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/releasetrain /usr/local/bin/releasetrain
COPY --from=build /out/healthcheck /usr/local/bin/healthcheck
# The default artifact store (file:///var/lib/releasetrain/artifacts), owned by the runtime user.
COPY --from=build --chown=65532:65532 /out/var/lib/releasetrain /var/lib/releasetrain
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/releasetrain"]
CMD ["worker"]
