package webhook

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/converter"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/operator"
)

// countingTemporal answers the status query with a fixed status and counts
// the queries per workflow id; other calls are not expected.
type countingTemporal struct {
	Temporal
	mu      sync.Mutex
	status  contract.Status
	queries map[string]int
	delay   time.Duration
}

func (c *countingTemporal) QueryWorkflow(ctx context.Context, id, _, _ string, _ ...any) (converter.EncodedValue, error) {
	c.mu.Lock()
	c.queries[id]++
	st := c.status
	c.mu.Unlock()
	if c.delay > 0 {
		select {
		case <-time.After(c.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if id != contract.ReleaseWorkflowID(st.Tag) {
		return nil, serviceerror.NewNotFound("workflow not found")
	}
	return encoded{st}, nil
}

func (c *countingTemporal) count(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queries[id]
}

// runningStatus is v1.0.0 of the BTCDecoded train with bllvm-node blocked.
func runningStatus(now time.Time) contract.Status {
	at := func(ago time.Duration) *time.Time { t := now.Add(-ago); return &t }
	st := contract.Status{Tag: "v1.0.0", State: contract.StateBlocked, Blocked: []string{"bllvm-node"},
		Layers: [][]string{{"bllvm-consensus", "commons"}, {"bllvm-protocol"}, {"bllvm-node"}, {"bllvm", "bllvm-sdk"}, {"governance-app"}},
		Repos: map[string]contract.RepoStatus{
			"bllvm-consensus": {State: contract.RepoSucceeded, Attempt: 1, StartedAt: at(20 * time.Minute), FinishedAt: at(8 * time.Minute), RunURL: "https://github.com/BTCDecoded/bllvm-consensus/actions/runs/1"},
			"commons":         {State: contract.RepoBuilding, Attempt: 1, StartedAt: at(4 * time.Minute), RunURL: "https://github.com/BTCDecoded/commons/actions/runs/2"},
			"bllvm-protocol":  {State: contract.RepoSucceeded, Attempt: 1, StartedAt: at(8 * time.Minute), FinishedAt: at(3 * time.Minute)},
			"bllvm-node":      {State: contract.RepoFailed, Attempt: 3, StartedAt: at(3 * time.Minute), Error: "run concluded failure", RunURL: "https://github.com/BTCDecoded/bllvm-node/actions/runs/3"},
			"bllvm-sdk":       {State: contract.RepoPending},
			"bllvm":           {State: contract.RepoPending},
			"governance-app":  {State: contract.RepoPending},
		}}
	return st
}

func newPageFixture(t *testing.T, tc *countingTemporal) *Server {
	t.Helper()
	train := testTrain()
	require.NoError(t, train.Resolve())
	srv, err := New(Options{Secret: []byte(testSecret), APIToken: "tok-123", Train: train, Temporal: tc})
	require.NoError(t, err)
	return srv
}

func serve(srv *Server, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	return rec
}

func loginRequest(token, next string) *http.Request {
	form := url.Values{"token": {token}, "next": {next}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func TestPageLoginTradesTheTokenForASessionCookie(t *testing.T) {
	tc := &countingTemporal{status: runningStatus(time.Now()), queries: map[string]int{}}
	srv := newPageFixture(t, tc)

	rec := serve(srv, httptest.NewRequest(http.MethodGet, "/releases/v1.0.0", nil))
	require.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "/login?next=%2Freleases%2Fv1.0.0", rec.Header().Get("Location"))
	rec = serve(srv, httptest.NewRequest(http.MethodGet, "/releases/v1.0.0/events", nil))
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "an event stream is refused, not redirected")

	rec = serve(srv, loginRequest("wrong", "/releases/v1.0.0"))
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Empty(t, rec.Result().Cookies())
	assert.Contains(t, rec.Body.String(), "not the API token")

	rec = serve(srv, loginRequest("tok-123", "/releases/v1.0.0"))
	require.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "/releases/v1.0.0", rec.Header().Get("Location"))
	cookies := rec.Result().Cookies()
	require.Len(t, cookies, 1)
	ck := cookies[0]
	assert.Equal(t, sessionCookie, ck.Name)
	assert.True(t, ck.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, ck.SameSite)
	assert.NotContains(t, ck.Value, "tok-123")

	req := httptest.NewRequest(http.MethodGet, "/releases/v1.0.0", nil)
	req.AddCookie(ck)
	rec = serve(srv, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	body := rec.Body.String()
	assert.Contains(t, body, `class="node st-failed blocked`)
	assert.Contains(t, body, `data-repo="bllvm-node" data-state="failed" data-blocked="true"`)
	assert.Contains(t, body, "releasetrain release retry v1.0.0 bllvm-node")
	assert.Contains(t, body, "releasetrain release skip v1.0.0 bllvm-node")
	assert.Contains(t, body, `href="https://github.com/BTCDecoded/bllvm-node/actions/runs/3"`)
	assert.Contains(t, body, "run concluded failure")
	assert.Contains(t, rec.Header().Get("Content-Security-Policy"), "script-src 'self'")

	// A forged or expired cookie, or one signed under another token, is refused.
	for _, v := range []string{"", "123.abc", ck.Value + "0", "9999999999." + strings.Repeat("0", 64)} {
		req := httptest.NewRequest(http.MethodGet, "/releases/v1.0.0", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: v})
		assert.Equal(t, http.StatusSeeOther, serve(srv, req).Code, v)
	}
	srv.page.sessions.now = func() time.Time { return time.Now().Add(sessionLifetime + time.Minute) }
	req = httptest.NewRequest(http.MethodGet, "/releases/v1.0.0", nil)
	req.AddCookie(ck)
	assert.Equal(t, http.StatusSeeOther, serve(srv, req).Code, "expired session")

	// The login form never sends anyone to another site.
	for _, next := range []string{"//evil.example/releases", "https://evil.example", "/releases/..//evil", `/releases/\evil`} {
		rec := serve(srv, loginRequest("tok-123", next))
		assert.Equal(t, "/releases", rec.Header().Get("Location"), next)
	}
	// Nor does it read an unbounded body.
	req = httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("token="+strings.Repeat("a", 2*maxLoginForm)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = serve(srv, req)
	assert.NotEqual(t, http.StatusSeeOther, rec.Code)
	assert.Empty(t, rec.Result().Cookies())
}

func TestPageIsOffWithoutAPIToken(t *testing.T) {
	tc := &countingTemporal{status: runningStatus(time.Now()), queries: map[string]int{}}
	srv, err := New(Options{Secret: []byte(testSecret), Train: testTrain(), Temporal: tc})
	require.NoError(t, err)
	for _, p := range []string{"/releases", "/releases/v1.0.0", "/login"} {
		assert.Equal(t, http.StatusNotFound, serve(srv, httptest.NewRequest(http.MethodGet, p, nil)).Code, p)
	}
	assert.Equal(t, http.StatusNotFound, serve(srv, loginRequest("", "/releases")).Code)
}

func TestBuildViewCriticalPathAndETA(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	train := testTrain()
	require.NoError(t, train.Resolve())
	for i := range train.Repos {
		train.Repos[i].ExpectedDuration = 10 * time.Minute
	}
	st := runningStatus(now)
	v := buildView(train, &st, now)
	// Left: bllvm-node 10m-3m = 7m, then bllvm-sdk 10m, governance-app 10m.
	assert.Equal(t, []string{"bllvm-node", "bllvm-sdk", "governance-app"}, v.Critical)
	assert.Equal(t, "about 27m (12:27 UTC) once unblocked", v.ETA)
	assert.Equal(t, 2, v.DoneCount)
	require.Len(t, v.Blockers, 1)
	assert.Equal(t, "bllvm-node", v.Blockers[0].Repo)
	critical := 0
	for _, e := range v.Graph.Edges {
		if e.Critical {
			critical++
			assert.Contains(t, [][2]string{{"bllvm-node", "bllvm-sdk"}, {"bllvm-sdk", "governance-app"}}, [2]string{e.From, e.To})
		}
	}
	assert.Equal(t, 2, critical)
	assert.Len(t, v.Graph.Nodes, 7)
	ys := map[string]int{}
	for _, n := range v.Graph.Nodes {
		ys[n.Name] = n.Y
		assert.GreaterOrEqual(t, n.X, 0)
		assert.LessOrEqual(t, n.X+nodeW, v.Graph.Width)
	}
	assert.Less(t, ys["bllvm-consensus"], ys["bllvm-protocol"])
	assert.Equal(t, ys["bllvm"], ys["bllvm-sdk"])

	st.Schedule = config.ScheduleLayered // the train says how it runs, whatever the receiver's config
	v = buildView(train, &st, now)
	assert.Equal(t, config.ScheduleLayered, v.Schedule)
	// Layered: layer 0 waits for commons (6m left), then node 7m, then
	// max(sdk, bllvm) 10m, then governance-app 10m.
	assert.Equal(t, "about 33m (12:33 UTC) once unblocked", v.ETA)

	st.State = contract.StateSucceeded
	assert.Empty(t, buildView(train, &st, now).ETA)
}

// TestStatusCacheQueriesATagAtMostOncePerSecond: a hundred viewers at once
// cost one query; the next comes only a second after the previous one.
func TestStatusCacheQueriesATagAtMostOncePerSecond(t *testing.T) {
	tc := &countingTemporal{status: runningStatus(time.Now()), queries: map[string]int{}, delay: 20 * time.Millisecond}
	srv := newPageFixture(t, tc)
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	cache := newStatusCache(srv.queryStatus)
	cache.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	viewers := func() {
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				st, err := cache.get(context.Background(), "v1.0.0")
				assert.NoError(t, err)
				assert.Equal(t, "v1.0.0", st.Tag)
			})
		}
		wg.Wait()
	}
	id := contract.ReleaseWorkflowID("v1.0.0")
	viewers()
	assert.Equal(t, 1, tc.count(id))
	advance(900 * time.Millisecond)
	viewers()
	assert.Equal(t, 1, tc.count(id), "within the second: the cached answer")
	advance(100 * time.Millisecond)
	viewers()
	assert.Equal(t, 2, tc.count(id))
	_, err := cache.get(context.Background(), "v9.9.9")
	require.Error(t, err)
	assert.ErrorIs(t, err, operator.ErrNotFound)
}

// TestLiveEventsManyViewersOneQueryPerSecond: forty viewers follow the same
// train's event stream; Temporal sees at most one query per second for it.
func TestLiveEventsManyViewersOneQueryPerSecond(t *testing.T) {
	tc := &countingTemporal{status: runningStatus(time.Now()), queries: map[string]int{}}
	srv := newPageFixture(t, tc)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	rec := serve(srv, loginRequest("tok-123", "/releases"))
	ck := rec.Result().Cookies()[0]

	const viewers, updates = 40, 3
	start := time.Now()
	var wg sync.WaitGroup
	var got atomic.Int64
	for range viewers {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, ts.URL+"/releases/v1.0.0/events", nil)
			req.AddCookie(ck)
			resp, err := ts.Client().Do(req)
			if !assert.NoError(t, err) {
				return
			}
			defer resp.Body.Close()
			assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			n, sawNode := 0, false
			for n < updates && sc.Scan() {
				line := sc.Text()
				sawNode = sawNode || strings.Contains(line, `data-repo="bllvm-node" data-state="failed"`)
				if line == "event: update" {
					n++
				}
			}
			assert.True(t, sawNode, "the update holds the drawn graph")
			got.Add(int64(n))
		})
	}
	wg.Wait()
	took := time.Since(start)
	assert.Equal(t, int64(viewers*updates), got.Load())
	queries := tc.count(contract.ReleaseWorkflowID("v1.0.0"))
	assert.LessOrEqual(t, queries, int(took/time.Second)+1, "%d queries in %s for %d viewers", queries, took, viewers)
	assert.GreaterOrEqual(t, queries, 1)
}

func TestLiveEventsEndWhenTheTrainEnds(t *testing.T) {
	st := runningStatus(time.Now())
	st.State, st.Blocked = contract.StateSucceeded, nil
	tc := &countingTemporal{status: st, queries: map[string]int{}}
	srv := newPageFixture(t, tc)
	ck := serve(srv, loginRequest("tok-123", "/releases")).Result().Cookies()[0]
	req := httptest.NewRequest(http.MethodGet, "/releases/v1.0.0/events", nil)
	req.AddCookie(ck)
	rec := serve(srv, req)
	assert.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	assert.Contains(t, body, "event: update\n")
	assert.True(t, strings.HasSuffix(body, "event: done\ndata: succeeded\n\n"), body)
}
