// Package depsanchor keeps the project's chosen dependencies in go.mod while
// the packages that use them are being written. Delete it once they all are.
package depsanchor

import (
	_ "github.com/ProtonMail/go-crypto/openpgp"
	_ "github.com/bradleyfalzon/ghinstallation/v2"
	_ "github.com/compose-spec/compose-go/v2/loader"
	_ "github.com/golang-jwt/jwt/v4"
	_ "github.com/google/go-github/v62/github"
	_ "github.com/klauspost/pgzip"
	_ "github.com/labstack/echo/v4"
	_ "github.com/labstack/echo/v4/middleware"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/prometheus/client_golang/prometheus/testutil"
	_ "github.com/rhysd/actionlint"
	_ "github.com/stretchr/testify/require"
	_ "go.temporal.io/sdk/client"
	_ "go.temporal.io/sdk/log"
	_ "go.temporal.io/sdk/mocks"
	_ "go.temporal.io/sdk/testsuite"
	_ "go.temporal.io/sdk/worker"
	_ "go.temporal.io/sdk/workflow"
	_ "go.uber.org/goleak"
	_ "go.uber.org/zap"
	_ "go.uber.org/zap/zaptest"
	_ "go.yaml.in/yaml/v3"
	_ "gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
)
