package workflows

import "testing"

func TestSummary(t *testing.T) {
	r := newRelease(ReleaseInput{Tag: testTag, Train: btcDecoded()})
	if err := r.plan(); err != nil {
		t.Fatal(err)
	}
	r.status.Layer = 2
	for _, n := range []string{"bllvm-consensus", "commons", "bllvm-protocol"} {
		r.status.Repos[n] = RepoStatus{State: RepoSucceeded, Attempt: 1}
	}
	r.status.Repos["bllvm-node"] = RepoStatus{State: RepoBuilding, Attempt: 1}
	if got, want := r.summary(), "layer 3/5 · bllvm-node building (attempt 1) · 3/7 done"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	r.blocked["bllvm-node"] = true
	r.status.Repos["bllvm-node"] = RepoStatus{State: RepoFailed, Attempt: 3}
	if got, want := r.summary(), "layer 3/5 blocked · bllvm-node blocked (attempt 3) · 3/7 done"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
}
