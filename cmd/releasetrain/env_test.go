package main

import (
	"context"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/config"
)

// asked is a getenv over vals that records every name read.
type asked struct {
	vals  map[string]string
	names []string
}

func (a *asked) env() config.Env {
	return config.EnvOf(func(k string) string {
		if !slices.Contains(a.names, k) {
			a.names = append(a.names, k)
		}
		return a.vals[k]
	})
}

// column lists the variables config's table says cmd reads.
func column(cmd string) []string {
	var out []string
	for _, v := range config.EnvVars() {
		if slices.Contains(v.UsedBy, cmd) {
			out = append(out, v.Name)
		}
	}
	slices.Sort(out)
	return out
}

// The table's "used by" column is what serve and worker read: each reads
// every variable the table lists for it, and no other.
func TestServeAndWorkerReadTheirColumn(t *testing.T) {
	t.Parallel()
	serve := &asked{vals: map[string]string{config.EnvWebhookSecret: "s3"}}
	_, err := parseServe(nil, serve.env(), io.Discard)
	require.NoError(t, err)
	slices.Sort(serve.names)
	require.Equal(t, column(config.CmdServe), serve.names)

	// Two runs that stop before dialing Temporal: a token and a missing train
	// file, then an App whose key is missing; together they read every branch.
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	work := &asked{vals: map[string]string{config.EnvGitHubToken: "t", config.EnvConfig: missing}}
	require.ErrorContains(t, workerCommand(context.Background(), nil, work.env(), io.Discard), "missing.yaml")
	work.vals = map[string]string{config.EnvGitHubAppID: "7", config.EnvGitHubInstallationID: "42"}
	require.ErrorContains(t, workerCommand(context.Background(), nil, work.env(), io.Discard), config.EnvGitHubPrivateKeyFile)
	slices.Sort(work.names)
	require.Equal(t, column(config.CmdWorker), work.names)
}
