package ghsim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ctl(t *testing.T, e *env, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, data
}

func TestControlAPI(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	before := e.sim.Now()
	code, _ := ctl(t, e, "POST", "/_sim/clock/advance?by=90s", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, 90*time.Second, e.sim.Now().Sub(before))
	code, _ = ctl(t, e, "POST", "/_sim/clock/advance", `{"by":"10s"}`)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, 100*time.Second, e.sim.Now().Sub(before))

	code, _ = ctl(t, e, "POST", "/_sim/faults", `[{"route":"GET /repos/{owner}/{repo}","status":503,"count":1,"latency":"1ms"}]`)
	assert.Equal(t, http.StatusNoContent, code)
	assert.Equal(t, []Fault{{Route: "GET /repos/{owner}/{repo}", Status: 503, Count: 1, Latency: time.Millisecond}}, e.sim.Faults())
	assert.Equal(t, []int{503, 200}, statuses(t, e, 2))

	code, _ = ctl(t, e, "POST", "/_sim/scenario", "owner: acme\nrepos:\n  - name: extra\n")
	assert.Equal(t, http.StatusNoContent, code)
	code, body := ctl(t, e, "POST", "/_sim/scenario", "repos:\n  - name: x\n    bogus: 1\n")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, string(body), "line 3")
	c, _ := raw(t, e, "GET", "/api/v3/repos/acme/extra", "")
	assert.Equal(t, http.StatusOK, c)

	code, body = ctl(t, e, "POST", "/_sim/releases", `{"owner":"acme","repo":"app","tag":"v3"}`)
	assert.Equal(t, http.StatusCreated, code)
	var pub struct{ ID int64 }
	require.NoError(t, json.Unmarshal(body, &pub))
	code, body = ctl(t, e, "GET", "/_sim/releases/acme/app/v3", "")
	assert.Equal(t, http.StatusOK, code)
	var ri ReleaseInfo
	require.NoError(t, json.Unmarshal(body, &ri))
	assert.Equal(t, pub.ID, ri.ID)
	assert.False(t, ri.Draft)
	assert.Equal(t, "https://github.com/acme/app/releases/tag/v3", ri.HTMLURL)
	code, _ = ctl(t, e, "GET", "/_sim/releases/acme/app/v3/assets/none", "")
	assert.Equal(t, http.StatusNotFound, code)

	code, _ = ctl(t, e, "POST", "/_sim/budget/spend", "")
	assert.Equal(t, http.StatusNoContent, code)
	code, body = ctl(t, e, "GET", "/_sim/stats", "")
	assert.Equal(t, http.StatusOK, code)
	var st Stats
	require.NoError(t, json.Unmarshal(body, &st))
	assert.Zero(t, st.BudgetRemaining)
	assert.Equal(t, 1, st.Requests["GET /repos/{owner}/{repo}"]["503"])
	var generic map[string]any
	require.NoError(t, json.Unmarshal(body, &generic))
	for _, k := range []string{"requests", "budget_spent", "not_modified", "dispatches", "runs", "uploads"} {
		assert.Contains(t, generic, k)
	}
}

func TestConcurrencyOverflowIsSecondaryLimit(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	for range secondaryConcurrency {
		e.sim.inflight <- struct{}{}
	}
	code, body := raw(t, e, "GET", "/api/v3/repos/acme/app", "")
	for range secondaryConcurrency {
		<-e.sim.inflight
	}
	assert.Equal(t, http.StatusForbidden, code)
	assert.Contains(t, body, "secondary-rate-limits")
}
