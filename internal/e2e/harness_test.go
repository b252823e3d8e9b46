package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/workflows"
)

const (
	// timeScale runs a 65 s simulated build in about half a real second,
	// while the simulator's ~60 s artifact download links stay valid.
	timeScale = 120
	// simToken is ghsim's static token.
	simToken = "ghsim-token"
	// trainTimeout bounds a whole train in these tests.
	trainTimeout = 90 * time.Second
)

// startSim serves a ghsim with the BTCDecoded scenario; apiURL is what
// GITHUB_API_URL takes.
func startSim(t *testing.T, seed int64) (sim *ghsim.Sim, apiURL string) {
	t.Helper()
	sim, err := ghsim.New(ghsim.Options{TimeScale: timeScale, Seed: seed})
	require.NoError(t, err)
	ts := httptest.NewServer(sim.Handler())
	t.Cleanup(func() {
		ts.Close()
		sim.Close()
	})
	return sim, ts.URL + "/api/v3/"
}

// fastTrain is the built-in BTCDecoded train with polling and back-off
// scaled to the simulator's clock.
func fastTrain() config.Train {
	train := *config.Default()
	for i := range train.Repos {
		s := &train.Repos[i].Settings
		s.PollInterval = 200 * time.Millisecond
		s.RetryBackoff = time.Second
	}
	return train
}

// startTrain starts the release workflow for tag.
func startTrain(t *testing.T, c client.Client, tag string, train config.Train) client.WorkflowRun {
	t.Helper()
	run, err := c.ExecuteWorkflow(context.Background(), workflows.StartOptions(tag), workflows.ReleaseWorkflowName,
		workflows.ReleaseInput{Tag: tag, Train: train, Trigger: "e2e"})
	require.NoError(t, err)
	return run
}

// waitTrain waits for the train to end and returns its final status.
func waitTrain(t *testing.T, run client.WorkflowRun) workflows.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), trainTimeout)
	defer cancel()
	var st workflows.Status
	require.NoError(t, run.Get(ctx, &st), "release workflow")
	return st
}

// verifyRelease checks the published unified release: exactly one dispatch
// per repo, every repo's artifacts and SHA256SUMS on it, and SHA256SUMS
// matching the stored bytes of every asset. It returns SHA256SUMS' lines
// keyed by asset name.
func verifyRelease(t *testing.T, sim *ghsim.Sim, train config.Train, tag string, st workflows.Status) map[string]string {
	t.Helper()
	assert.Equal(t, workflows.StateSucceeded, st.State, "release state (error %q)", st.Error)
	for _, repo := range train.Repos {
		assert.Equal(t, workflows.RepoSucceeded, st.Repos[repo.Name].State, repo.Name)
	}

	stats := sim.Stats()
	for _, repo := range train.Repos {
		assert.Equal(t, 1, stats.Dispatches[train.Owner+"/"+repo.Name], "dispatches of %s", repo.Name)
	}
	assert.Len(t, stats.Dispatches, len(train.Repos))

	rel, ok := sim.Release(train.Owner, train.Release.Repo, tag)
	require.True(t, ok, "unified release %s on %s", tag, train.Release.Repo)
	assert.False(t, rel.Draft, "published")
	assert.Equal(t, rel.HTMLURL, st.ReleaseURL)

	sums, err := sim.ReleaseAsset(train.Owner, train.Release.Repo, tag, bundle.SumsName)
	require.NoError(t, err)
	lines, err := bundle.ParseSHA256SUMS(sums)
	require.NoError(t, err)
	want := map[string]string{}
	for _, l := range lines {
		want[l.Name] = l.SHA256
	}

	var names []string
	for _, a := range rel.Assets {
		data, err := sim.ReleaseAsset(train.Owner, train.Release.Repo, tag, a.Name)
		require.NoError(t, err)
		if a.Name == bundle.SumsName || a.Name == bundle.SigsName {
			continue
		}
		names = append(names, a.Name)
		sum := sha256.Sum256(data)
		assert.Equal(t, want[a.Name], hex.EncodeToString(sum[:]), "SHA256SUMS line of %s", a.Name)
	}
	sort.Strings(names)
	assert.Len(t, names, len(want), "every asset but SHA256SUMS(.asc) is listed in it: %v", names)

	// Every repo's binary and README made it, and the bundle.
	for _, repo := range train.Repos {
		assert.Contains(t, want, repo.Name, "binary of %s", repo.Name)
		assert.Contains(t, want, repo.Name+"-README.md", "README of %s", repo.Name)
	}
	assert.Contains(t, want, bundle.TarballName(train.Release.Name, tag))

	// Every upload landed once.
	for name, n := range stats.Uploads[train.Owner+"/"+train.Release.Repo+"@"+tag] {
		assert.Equal(t, 1, n, "uploads of %s", name)
	}
	return want
}

// artifactSums drops the bundle (its bytes carry the train's start time) from SHA256SUMS lines.
func artifactSums(sums map[string]string) map[string]string {
	out := map[string]string{}
	for name, sum := range sums {
		if !strings.HasSuffix(name, ".tar.gz") {
			out[name] = sum
		}
	}
	return out
}
