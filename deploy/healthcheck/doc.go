// Command healthcheck probes an HTTP URL and exits 0 when it answers with a
// 2xx status, 1 otherwise. The releasetrain image ships it for container
// healthchecks because the distroless base image has no curl or wget.
//
//	healthcheck [--timeout 3s] http://127.0.0.1:8080/healthz
package main
