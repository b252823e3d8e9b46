package devstack

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func status(states map[string]contract.RepoState) contract.Status {
	st := contract.Status{Tag: "v0.1.0", State: contract.StateRunning, Layers: [][]string{{"a", "b"}, {"c"}}, Repos: map[string]contract.RepoStatus{}}
	for name, s := range states {
		st.Repos[name] = contract.RepoStatus{State: s}
	}
	return st
}

func TestSummaryCountsDoneAndSkipped(t *testing.T) {
	got := Summary(status(map[string]contract.RepoState{"a": contract.RepoSucceeded, "b": contract.RepoSkipped, "c": contract.RepoBuilding}))
	require.Contains(t, got, "2/3 done")
	require.Contains(t, got, "layer 1/2")
}

func TestPlainProgressPrintsOnlyChanges(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, false)
	p.now = func() time.Time { return time.Unix(100, 0) }
	p.Update(status(map[string]contract.RepoState{"a": "pending", "b": "pending", "c": "pending"}))
	p.Update(status(map[string]contract.RepoState{"a": "pending", "b": "pending", "c": "pending"}))
	n := strings.Count(buf.String(), "\n")
	require.Equal(t, 4, n, "first two identical updates printed %d lines, want 3 and a summary:\n%s", n, buf.String())
	p.Update(status(map[string]contract.RepoState{"a": "building", "b": "pending", "c": "pending"}))
	n = strings.Count(buf.String(), "\n")
	require.Equal(t, 5, n, "one change printed %d lines in all, want 5:\n%s", n, buf.String())
	require.True(t, strings.HasSuffix(buf.String(), "a                layer 0  building  \n"), "last line %q", buf.String())
}

func TestTTYProgressRedrawsInPlace(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, true)
	p.Update(status(map[string]contract.RepoState{"a": "pending", "b": "pending", "c": "pending"}))
	p.Update(status(map[string]contract.RepoState{"a": "succeeded", "b": "pending", "c": "pending"}))
	require.Contains(t, buf.String(), "\x1b[4A", "second draw does not move the cursor up over 4 lines")
}

// TestPlainProgressIgnoresTheClock: a build that runs for a minute prints
// its line once, and the train one summary line per SummaryEvery, each
// different (it counts the elapsed time), never one line a second.
func TestPlainProgressIgnoresTheClock(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, false)
	now := time.Unix(100, 0)
	p.now = func() time.Time { return now }
	st := status(map[string]contract.RepoState{"a": "building", "b": "pending", "c": "pending"})
	started := now
	rs := st.Repos["a"]
	rs.StartedAt, rs.Attempt = &started, 1
	st.Repos["a"] = rs
	for range 61 {
		p.Update(st)
		now = now.Add(time.Second)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, 3+3, "a minute of one running build printed %d lines, want 3 repos and 3 summaries (0 s, 30 s, 60 s):\n%s", len(lines), buf.String())
	assertNoRepeatedLines(t, buf.String())
}

// TestPlainProgressPrintsBlockersOnce: a blocked build prints its reason
// and the exact unblocking commands once, again only if it blocks anew.
func TestPlainProgressPrintsBlockersOnce(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, false)
	now := time.Unix(100, 0)
	p.now = func() time.Time { return now }
	st := status(map[string]contract.RepoState{"a": "succeeded", "b": "succeeded", "c": "failed"})
	st.State, st.Blocked = contract.StateBlocked, []string{"c"}
	rs := st.Repos["c"]
	rs.Attempt, rs.Error = 3, "run concluded failure"
	st.Repos["c"] = rs
	for range 10 {
		p.Update(st)
		now = now.Add(time.Second)
	}
	out := buf.String()
	for _, want := range []string{
		"c is blocked at attempt 3: run concluded failure\n",
		"  retry:  releasetrain release retry v0.1.0 c\n",
		"  skip:   releasetrain release skip v0.1.0 c\n",
		"  cancel: releasetrain release cancel v0.1.0\n",
	} {
		assert.Equal(t, 1, strings.Count(out, want), "want once %q in:\n%s", want, out)
	}
	assertNoRepeatedLines(t, out)
	// A retry that fails again blocks at the next attempt: said again.
	rs.Attempt = 4
	st.Repos["c"] = rs
	p.Update(st)
	assert.Contains(t, buf.String(), "c is blocked at attempt 4", "a new block is not reported")
}

func assertNoRepeatedLines(t *testing.T, out string) {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		if l == "" {
			continue
		}
		assert.False(t, seen[l], "line printed twice: %q in:\n%s", l, out)
		seen[l] = true
	}
}

// A build's file count comes from the status's count, not from the few
// names it shows.
func TestProgressShowsFileCount(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, false)
	st := status(map[string]contract.RepoState{"a": "succeeded", "b": "pending", "c": "pending"})
	st.Repos["a"] = contract.RepoStatus{State: contract.RepoSucceeded, Files: 20000, Manifest: "sha256/abc",
		Artifacts: []contract.File{{Name: "page-0001.html"}}}
	p.Update(st)
	require.Contains(t, buf.String(), "20000 files", "progress %q: want the file count", buf.String())
}
