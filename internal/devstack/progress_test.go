package devstack

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/workflows"
)

func status(states map[string]string) workflows.Status {
	st := workflows.Status{Tag: "v0.1.0", State: workflows.StateRunning, Layers: [][]string{{"a", "b"}, {"c"}}, Repos: map[string]workflows.RepoStatus{}}
	for name, s := range states {
		st.Repos[name] = workflows.RepoStatus{State: s}
	}
	return st
}

func TestSummaryCountsDoneAndSkipped(t *testing.T) {
	got := Summary(status(map[string]string{"a": workflows.RepoSucceeded, "b": workflows.RepoSkipped, "c": workflows.RepoBuilding}))
	if !strings.Contains(got, "2/3 done") || !strings.Contains(got, "layer 1/2") {
		t.Fatalf("summary %q: want 2/3 done and layer 1/2", got)
	}
}

func TestPlainProgressPrintsOnlyChanges(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, false)
	p.now = func() time.Time { return time.Unix(100, 0) }
	p.Update(status(map[string]string{"a": "pending", "b": "pending", "c": "pending"}))
	p.Update(status(map[string]string{"a": "pending", "b": "pending", "c": "pending"}))
	if n := strings.Count(buf.String(), "\n"); n != 3 {
		t.Fatalf("first two identical updates printed %d lines, want 3:\n%s", n, buf.String())
	}
	p.Update(status(map[string]string{"a": "building", "b": "pending", "c": "pending"}))
	if n := strings.Count(buf.String(), "\n"); n != 4 {
		t.Fatalf("one change printed %d lines in all, want 4:\n%s", n, buf.String())
	}
	if !strings.HasSuffix(buf.String(), "a                layer 0  building  \n") {
		t.Fatalf("last line %q", buf.String())
	}
}

func TestTTYProgressRedrawsInPlace(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, true)
	p.Update(status(map[string]string{"a": "pending", "b": "pending", "c": "pending"}))
	p.Update(status(map[string]string{"a": "succeeded", "b": "pending", "c": "pending"}))
	if !strings.Contains(buf.String(), "\x1b[4A") {
		t.Fatalf("second draw does not move the cursor up over 4 lines: %q", buf.String())
	}
}

// A build's file count comes from the status's count, not from the few
// names it shows.
func TestProgressShowsFileCount(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, false)
	st := status(map[string]string{"a": "succeeded", "b": "pending", "c": "pending"})
	st.Repos["a"] = workflows.RepoStatus{State: workflows.RepoSucceeded, Files: 20000, Manifest: "sha256/abc",
		Artifacts: []workflows.ArtifactRef{{Name: "page-0001.html"}}}
	p.Update(st)
	if !strings.Contains(buf.String(), "20000 files") {
		t.Fatalf("progress %q: want the file count", buf.String())
	}
}
