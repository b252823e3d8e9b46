package chaos

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
)

// TestReceiverOutages stops the webhook receiver again and again while
// trains run, so workflow_run deliveries fail, and runs the reconciler all
// along as its schedule would: every train completes with one dispatch per
// repo, the reconciler's counts match ghsim's delivery log (every
// redelivery in the log is one it counted; exactly the relevant GUIDs whose
// first attempt failed were redelivered), and once the receiver stays up no
// relevant delivery is left without a successful attempt: none lost.
func TestReceiverOutages(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	trains, down, up := 1, 600*time.Millisecond, 300*time.Millisecond
	if long {
		trains, down, up = 5, 900*time.Millisecond, 300*time.Millisecond
	}
	srv := testenv.StartTemporal(t, "")
	c := srv.Client()
	train := traintest.FastTrain()
	s := devstack.StartTest(t, devstack.Options{Parts: devstack.AllParts, Client: c, Train: &train, App: true,
		Reconcile: true, ReceiverStopped: true, Sim: ghsim.Options{WebhookTimeout: 2 * time.Second}})
	require.NoError(t, s.Receiver.Start())

	var runs []contract.ReconcileResult
	outages := 0
	relevant := relevantTo(train)
	for i := range trains {
		tag := fmt.Sprintf("v5.0.%d", i)
		traintest.MaintainerTrigger(t, s, tag)
		var run interface {
			Get(ctx context.Context, valuePtr any) error
		}
		require.Eventually(t, func() bool {
			_, err := c.DescribeWorkflow(context.Background(), contract.ReleaseWorkflowID(tag), "")
			return err == nil
		}, 30*time.Second, 100*time.Millisecond, "the trigger starts %s", tag)
		run = c.GetWorkflow(context.Background(), contract.ReleaseWorkflowID(tag), "")
		done := make(chan contract.Status, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var st contract.Status
			_ = run.Get(ctx, &st)
			done <- st
		}()
		var st contract.Status
		// Each train's first outage lasts until a delivery the train needs
		// has failed (its builds end by polling meanwhile), so the test
		// never depends on the outages happening to meet one.
		wantFailed := relevantFailed(s.Sim, relevant) + 1
	outage:
		for {
			require.NoError(t, s.Receiver.Stop())
			outages++
			time.Sleep(down)
			require.Eventually(t, func() bool { return relevantFailed(s.Sim, relevant) >= wantFailed }, time.Minute, 20*time.Millisecond,
				"%s: a relevant delivery fails while the receiver is down", tag)
			wantFailed = 0
			require.NoError(t, s.Receiver.Start())
			runs = append(runs, traintest.RunReconcile(t, s))
			select {
			case st = <-done:
				break outage
			case <-time.After(up):
			}
		}
		require.Equal(t, contract.StateSucceeded, st.State, "train %s: %s", tag, st.Error)
		stats := s.Sim.Stats()
		for _, repo := range train.Repos {
			assert.Equal(t, i+1, stats.Dispatches[train.Owner+"/"+repo.Name], "%s: dispatches of %s, one per train (no duplicate)", tag, repo.Name)
		}
		for _, r := range st.Repos {
			assert.Equal(t, 1, r.Attempt, "%s: one run attempt per build", tag)
		}
	}
	// The receiver stays up: run until a run finds nothing to do.
	for {
		traintest.Settled(t, s.Sim)
		r := traintest.RunReconcile(t, s)
		runs = append(runs, r)
		if r.Failed == 0 {
			break
		}
		require.Less(t, len(runs), 200, "the reconciler never catches up")
	}
	log := traintest.Settled(t, s.Sim)

	var redelivered, budget, scanned, failedAttempts int
	for _, r := range runs {
		redelivered += r.Redelivered
		budget += r.Budget
		scanned += r.Scanned
		assert.Zero(t, r.Expired)
		assert.Equal(t, r.Pages+r.RedeliverCalls+r.Lookups, r.Budget)
	}
	firstFailed := map[string]bool{}
	seen := map[string]bool{}
	ok := map[string]bool{}
	var redeliveredGUIDs []string
	logRedeliveries := 0
	for _, d := range log {
		if d.Redelivery {
			logRedeliveries++
			redeliveredGUIDs = append(redeliveredGUIDs, d.GUID)
		}
		if d.Error != "" {
			failedAttempts++
		}
		if !relevant(d) {
			continue
		}
		if !seen[d.GUID] {
			seen[d.GUID] = true
			firstFailed[d.GUID] = d.Error != ""
		}
		if d.Error == "" {
			ok[d.GUID] = true
		}
	}
	assert.Equal(t, logRedeliveries, redelivered, "every redelivery in ghsim's log is one the reconciler counted")
	var wantGUIDs []string
	lost := 0
	for guid, failed := range firstFailed {
		if failed {
			wantGUIDs = append(wantGUIDs, guid)
		}
		if !ok[guid] {
			lost++
		}
	}
	sort.Strings(wantGUIDs)
	redeliveredGUIDs = slices.Compact(sortedCopy(redeliveredGUIDs))
	assert.Equal(t, wantGUIDs, redeliveredGUIDs, "exactly the relevant deliveries whose first attempt failed were redelivered")
	assert.Zero(t, lost, "relevant deliveries with no successful attempt")
	assert.Positive(t, len(wantGUIDs), "the outages made relevant deliveries fail")
	t.Logf("RESULT receiver outages: %d trains, %d outages, %d failed delivery attempts, %d relevant failed, %d redeliveries, lost %d; %d reconcile runs, budget %d (%.1f a run), scanned %d",
		trains, outages, failedAttempts, len(wantGUIDs), redelivered, lost, len(runs), budget, float64(budget)/float64(len(runs)), scanned)
}

// relevantFailed counts the failed attempts of relevant deliveries in
// the simulator's log.
func relevantFailed(sim *ghsim.Sim, relevant func(ghsim.Delivery) bool) int {
	n := 0
	for _, d := range sim.Deliveries() {
		if d.Error != "" && relevant(d) {
			n++
		}
	}
	return n
}

// relevantTo is the train's interest in a delivery, written here from the
// issue's words, independently of the reconciler's filter.
func relevantTo(train config.Train) func(ghsim.Delivery) bool {
	members := map[string]bool{}
	for _, r := range train.Repos {
		members[strings.ToLower(train.Owner+"/"+r.Name)] = true
	}
	return func(d ghsim.Delivery) bool {
		repo := strings.ToLower(d.Repository)
		switch d.Event {
		case "release":
			return members[repo] && slices.Contains([]string{"created", "published", "prereleased"}, d.Action)
		case "workflow_run":
			return members[repo] && d.Action == "completed"
		case "repository_dispatch":
			return d.Action == "releasetrain-release" || d.Action == "releasetrain-build-complete"
		}
		return false
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}
