package devstack

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/temporalcli"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
)

// envUpdateScreenshot, when set, makes TestLiveGraphInBrowser write its
// screenshot to docs/live-graph.png (the README shows it); otherwise it
// goes to the test's temporary folder, so `make test` leaves the tree clean.
const envUpdateScreenshot = "RELEASETRAIN_UPDATE_SCREENSHOT"

// Fills of the page's node states (webhook/pageassets/page.css), as the
// browser computes them.
const (
	fillPending   = "rgb(234, 238, 242)"
	fillSucceeded = "rgb(74, 194, 107)"
	fillBlocked   = "rgb(207, 34, 46)"
)

// node is one drawn repo as the browser shows it.
type node struct {
	Repo    string `json:"repo"`
	State   string `json:"state"`
	Blocked bool   `json:"blocked"`
	Fill    string `json:"fill"`
}

// readNodes reads every node of the drawn DAG with its computed fill.
const readNodes = `Array.from(document.querySelectorAll('#dag g.node')).map(g => ({
  repo: g.dataset.repo, state: g.dataset.state, blocked: g.dataset.blocked === 'true',
  fill: getComputedStyle(g.querySelector('rect')).fill}))`

// syncBuffer is a bytes.Buffer safe for the demo's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLiveGraphInBrowser runs a demo train whose bllvm-node build fails
// until an operator retries it (examples/failing.yaml) on the whole local
// stack — Temporal dev server, ghsim, worker, receiver — and follows it in
// Debian's headless chromium: the login form, then the live graph page,
// whose nodes must change state and colour as the train runs (governance-app
// grey then green; bllvm-node red and blocked with its unblocking commands,
// then green after the retry). It saves a screenshot of the blocked train,
// and checks the demo's non-terminal log never repeats a line.
func TestLiveGraphInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the Temporal dev server and chromium")
	}
	chromium, err := exec.LookPath("chromium")
	require.NoError(t, err, "chromium is not on PATH: install Debian's chromium package (.ci/run does)")
	t.Setenv(temporalcli.EnvPath, testenv.TemporalCLI(t))
	root := testenv.RepoRoot(t)
	sc, err := ghsim.LoadScenario(filepath.Join(root, "examples", "failing.yaml"))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var stackLog syncBuffer
	opts := Dev(t.TempDir(), sc)
	opts.Root, opts.Log = root, &stackLog
	stack, err := Start(ctx, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = stack.Close() })

	alloc, stopAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.WindowSize(1200, 1000))...)
	t.Cleanup(stopAlloc)
	browser, stopBrowser := chromedp.NewContext(alloc)
	t.Cleanup(stopBrowser)

	// Log in first (the list page sends us to the form), so the train is
	// watched from its start.
	require.NoError(t, chromedp.Do(browser,
		chromedp.Navigate(stack.ReceiverURL+"/releases"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), "wrong"),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("login-failed")),
		chromedp.SendKeys(chromedp.ID("token"), stack.APIToken),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitNotPresent(chromedp.ID("token")),
	), "login")
	listTitle, err := chromedp.Run(browser, chromedp.Title())
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(listTitle, "Release trains"), "after login the browser shows %q, want the list of trains", listTitle)

	const tag = "v0.9.0"
	var progressLog syncBuffer
	type demoResult struct {
		rep *Report
		err error
	}
	demo := make(chan demoResult, 1)
	go func() {
		rep, err := stack.Demo(ctx, tag, false, NewProgress(&progressLog, false))
		demo <- demoResult{rep, err}
	}()
	id := contract.ReleaseWorkflowID(tag)
	for {
		_, err := stack.status(ctx, id)
		var nf *serviceerror.NotFound
		if err == nil || !errors.As(err, &nf) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(stack.ReleasePageURL(tag)),
		chromedp.WaitVisible(chromedp.ID("dag"))), "release page")

	// Watch until bllvm-node blocks; then retry it and watch to the end.
	seen := map[string][]node{}
	observe := func() []node {
		nodes, err := chromedp.Run(browser, chromedp.Evaluate[[]node](readNodes))
		require.NoError(t, err, "read the graph")
		for _, n := range nodes {
			if h := seen[n.Repo]; len(h) == 0 || h[len(h)-1] != n {
				seen[n.Repo] = append(seen[n.Repo], n)
			}
		}
		return nodes
	}
	var ended *demoResult // the demo's result once it has ended
	until := func(what string, done func([]node) bool) {
		t.Helper()
		for !done(observe()) {
			select {
			case <-ctx.Done():
				t.Fatalf("waiting for %s: %v; seen %+v\nprogress:\n%s", what, ctx.Err(), seen, progressLog.String())
			case r := <-demo:
				require.NoError(t, r.err, "waiting for %s: the demo failed: %v; seen %+v", what, r.err, seen)
				ended = &r
			case <-time.After(150 * time.Millisecond):
			}
		}
	}
	state := func(nodes []node, repo string) node {
		for _, n := range nodes {
			if n.Repo == repo {
				return n
			}
		}
		return node{}
	}
	until("bllvm-node blocked", func(ns []node) bool { return state(ns, "bllvm-node").Blocked })

	blockedText, err := chromedp.Run(browser, chromedp.Text(chromedp.CSS("section.blocked")))
	require.NoError(t, err, "blocked section")
	eta, err := chromedp.Run(browser, chromedp.Text(chromedp.ID("eta")))
	require.NoError(t, err, "ETA")
	shot, err := chromedp.Run(browser, chromedp.FullScreenshot(100))
	require.NoError(t, err, "screenshot")
	for _, want := range []string{"bllvm-node is blocked", "run concluded failure",
		"releasetrain release retry " + tag + " bllvm-node", "releasetrain release skip " + tag + " bllvm-node"} {
		assert.Contains(t, blockedText, want, "blocked section %q lacks %q", blockedText, want)
	}
	assert.True(t, strings.HasPrefix(eta, "ETA about "), "ETA %q", eta)
	saveScreenshot(t, root, shot)

	require.NoError(t, stack.Client.SignalWorkflow(ctx, id, "", contract.SignalRetry, contract.RepoSignal{Repo: "bllvm-node"}))
	until("the train's end", func(ns []node) bool {
		for _, n := range ns {
			if n.State != string(contract.RepoSucceeded) {
				return false
			}
		}
		return len(ns) == 7
	})
	require.NoError(t, chromedp.Do(browser, chromedp.WaitVisible(chromedp.ID("release-url"))), "final page")
	_, err = chromedp.Run(browser, chromedp.Poll[bool](
		`document.getElementById('connection').textContent.startsWith('The train has ended')`))
	require.NoError(t, err, "the page does not say the train ended")

	// Colours changed with the states, as the browser computed them.
	wantSeen := func(repo string, want node) {
		t.Helper()
		for _, n := range seen[repo] {
			if n.State == want.State && n.Blocked == want.Blocked && n.Fill == want.Fill {
				return
			}
		}
		t.Errorf("%s never shown %s (blocked %v) in %s; seen %+v", repo, want.State, want.Blocked, want.Fill, seen[repo])
	}
	wantSeen("governance-app", node{State: string(contract.RepoPending), Fill: fillPending})
	wantSeen("governance-app", node{State: string(contract.RepoSucceeded), Fill: fillSucceeded})
	wantSeen("bllvm-node", node{State: string(contract.RepoFailed), Blocked: true, Fill: fillBlocked})
	wantSeen("bllvm-node", node{State: string(contract.RepoSucceeded), Fill: fillSucceeded})

	if ended == nil {
		r := <-demo
		ended = &r
	}
	r := *ended
	require.NoError(t, r.err, "demo: %v\n%s", r.err, progressLog.String())
	assert.True(t, strings.HasSuffix(r.rep.ReleaseURL, "/releases/tag/"+tag), "release url %q", r.rep.ReleaseURL)
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(stack.ReceiverURL+"/releases")))
	list, err := chromedp.Run(browser, chromedp.Text(chromedp.CSS("table.repos")))
	require.NoError(t, err)
	assert.Contains(t, list, tag, "the list of trains")
	assert.Contains(t, list, string(contract.StateSucceeded), "the list of trains")

	// The demo's non-terminal log: the block and its commands once, no
	// line twice.
	out := progressLog.String()
	for _, want := range []string{"bllvm-node is blocked at attempt 3: run concluded failure",
		"releasetrain release retry " + tag + " bllvm-node"} {
		assert.Equal(t, 1, strings.Count(out, want), "progress log holds %q %d times, want once:\n%s", want, strings.Count(out, want), out)
	}
	assertNoRepeatedLines(t, out)
}

// saveScreenshot checks the PNG and stores it (see envUpdateScreenshot).
func saveScreenshot(t *testing.T, root string, shot []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err, "screenshot is not a PNG")
	b := img.Bounds()
	assert.GreaterOrEqual(t, b.Dx(), 600, "screenshot width")
	assert.GreaterOrEqual(t, b.Dy(), 400, "screenshot height")
	path := filepath.Join(t.TempDir(), "live-graph.png")
	if os.Getenv(envUpdateScreenshot) != "" {
		path = filepath.Join(root, "docs", "live-graph.png")
	}
	require.NoError(t, os.WriteFile(path, shot, 0o644))
	t.Logf("screenshot: %s", path)
}
