package workflows

import (
	"testing"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSummary(t *testing.T) {
	r := newRelease(contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON()})
	require.NoError(t, r.plan())
	r.status.Layer = 2
	for _, n := range []string{"bllvm-consensus", "commons", "bllvm-protocol"} {
		r.status.Repos[n] = contract.RepoStatus{State: contract.RepoSucceeded, Attempt: 1}
	}
	r.status.Repos["bllvm-node"] = contract.RepoStatus{State: contract.RepoBuilding, Attempt: 1}
	got, want := r.summary(), "layer 3/5 · bllvm-node building (attempt 1) · 3/7 done"
	assert.Equal(t, want, got, "summary")
	r.blocked["bllvm-node"] = true
	r.status.Repos["bllvm-node"] = contract.RepoStatus{State: contract.RepoFailed, Attempt: 3}
	got, want = r.summary(), "layer 3/5 blocked · bllvm-node blocked (attempt 3) · 3/7 done"
	assert.Equal(t, want, got, "summary")
}

// The Web UI summary shows the preflight as its own step until it passed.
func TestSummaryPreflight(t *testing.T) {
	r := newRelease(contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON()})
	require.NoError(t, r.plan())
	r.status.Preflight = &contract.PreflightStatus{State: contract.PreflightRunning}
	r.status.State = r.state()
	got, want := r.summary(), "preflight running · 0/7 done"
	assert.Equal(t, want, got, "summary")
	r.status.Preflight = &contract.PreflightStatus{State: contract.PreflightWaiting, Message: "waiting for GitHub's rate limit reset at 2026-12-02T04:00:00Z: 3 calls left, the train needs about 130"}
	got, want = r.summary(), "preflight waiting: waiting for GitHub's rate limit reset at 2026-12-02T04:00:00Z: 3 calls left, the train needs about 130 · 0/7 done"
	assert.Equal(t, want, got, "summary")
	r.stepBlocked, r.status.Error = contract.StepPreflight, "preflight: 1 problem(s): o/a: GET /repos/o/a: 404 Not Found"
	r.status.Preflight = &contract.PreflightStatus{State: contract.PreflightBlocked}
	assert.Equal(t, contract.StateBlocked, r.state(), "state")
	got, want = r.summary(), "preflight blocked (retry or cancel): preflight: 1 problem(s): o/a: GET /repos/o/a: 404 Not Found · 0/7 done"
	assert.Equal(t, want, got, "summary")
	r.stepBlocked = ""
	r.status.Preflight = &contract.PreflightStatus{State: contract.PreflightPassed}
	got, want = r.summary(), "layer 1/5 · 0/7 done"
	assert.Equal(t, want, got, "summary")
}
