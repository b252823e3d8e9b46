package ghsim

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// session drives one scripted release against a fresh simulator and returns
// everything a seed should fix: stats, delivery GUIDs, run ids, artifact digests.
func session(t *testing.T, seed int64) (Stats, []string, []string) {
	t.Helper()
	rc := newReceiver(t, 0)
	e := setup(t, Options{ManualClock: true, Seed: seed, WebhookURL: rc.srv.URL, WebhookSecret: testSecret})
	e.sim.SetFaults([]Fault{{Route: "*", Probability: 0.2, Status: 503}})
	var digests []string
	for _, repo := range []string{"app", "lib"} {
		var id int64
		for id == 0 {
			req, err := e.gh.NewRequest("POST", "repos/acme/"+repo+"/actions/workflows/build.yml/dispatches",
				map[string]any{"ref": "main", "return_run_details": true})
			require.NoError(t, err)
			var d dispatchDetails
			if _, err := e.gh.Do(e.ctx, req, &d); err == nil {
				id = d.WorkflowRunID
			}
		}
		e.sim.Advance(2 * time.Minute)
		if repo == "app" { // failure first: rerun until the rerun goes through the faults
			for {
				if _, err := e.gh.Actions.RerunFailedJobsByID(e.ctx, "acme", repo, id); err == nil {
					break
				}
			}
		}
		e.sim.Advance(2 * time.Minute)
		e.sim.SetFaults(nil)
		_, body := raw(t, e, "GET", "/api/v3/repos/acme/"+repo+"/actions/runs/"+itoa64(id)+"/artifacts", "")
		var list struct {
			Artifacts []struct {
				ID     int64  `json:"id"`
				Digest string `json:"digest"`
			} `json:"artifacts"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &list))
		for _, a := range list.Artifacts {
			digests = append(digests, fmt.Sprint(a.ID, " ", a.Digest))
		}
		e.sim.SetFaults([]Fault{{Route: "*", Probability: 0.2, Status: 503}})
	}
	_, err := e.sim.PublishRelease("acme", "app", "v1", false)
	require.NoError(t, err)
	_, _, _ = e.gh.Repositories.GetReleaseByTag(e.ctx, "acme", "app", "v1")
	require.Eventually(t, func() bool {
		for _, d := range e.sim.Deliveries() {
			if d.Pending {
				return false
			}
		}
		return true
	}, time.Minute, 5*time.Millisecond)
	var guids []string
	for _, d := range e.sim.Deliveries() {
		guids = append(guids, d.Event+"/"+d.Action+"/"+d.GUID)
	}
	st := e.sim.Stats()
	st.Now = time.Time{}
	return st, guids, digests
}

func TestSameSeedSameSession(t *testing.T) {
	st1, g1, d1 := session(t, 99)
	st2, g2, d2 := session(t, 99)
	assert.Equal(t, st1, st2)
	assert.Equal(t, g1, g2)
	assert.Equal(t, d1, d2)
	require.NotEmpty(t, d1)
	st3, g3, _ := session(t, 100)
	assert.NotEqual(t, g1, g3)
	_ = st3
}
