// Package deploy holds the tests of the production deployment files at the
// repository root: docker-compose.yml, Dockerfile and .env.example. Docker is
// not needed: the compose file is loaded with compose-spec/compose-go.
//
// The healthcheck command in deploy/healthcheck is built into the image,
// since the distroless base has no curl or wget.
package deploy
