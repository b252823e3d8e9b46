package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

// newEnv returns an activity test environment with a registered Activities
// over the fake and an in-memory store.
func newEnv(t testing.TB, gh GitHub) (*testsuite.TestActivityEnvironment, *Activities) {
	t.Helper()
	bucket := memblob.OpenBucket(nil)
	t.Cleanup(func() { _ = bucket.Close() })
	return newEnvWith(t, &Activities{GitHub: gh, Store: bucket, WorkDir: t.TempDir(), ListingWait: 3 * time.Second})
}

// newEnvWith registers a in a quiet activity test environment.
func newEnvWith(t testing.TB, a *Activities) (*testsuite.TestActivityEnvironment, *Activities) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return env, a
}

func TestDispatchBuildInputs(t *testing.T) {
	gh := &fakeGitHub{dispatchRun: ghclient.Run{ID: 42, Attempt: 1, HTMLURL: "https://x/runs/42", HeadSHA: "abc"}}
	env, a := newEnv(t, gh)
	notBefore := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	in := DispatchInput{
		Owner: "BTCDecoded", Repo: "bllvm-node", Tag: "v1.2.3", CorrelationID: "rt:v1.2.3:bllvm-node:1",
		Settings:  config.Settings{Dispatch: config.DispatchWorkflow, Workflow: "build.yml", Ref: "main", EventType: "releasetrain-build"},
		Upstream:  map[string]int64{"bllvm-protocol": 7, "bllvm-consensus": 5},
		NotBefore: notBefore,
	}
	val, err := env.ExecuteActivity(a.DispatchBuild, in)
	require.NoError(t, err)
	var ref contract.RunRef
	require.NoError(t, val.Get(&ref))
	assert.Equal(t, contract.RunRef{Owner: "BTCDecoded", Repo: "bllvm-node", ID: 42, URL: "https://x/runs/42", Attempt: 1, HeadSHA: "abc"}, ref)

	require.Len(t, gh.dispatches, 1)
	req := gh.dispatches[0]
	assert.Equal(t, "workflow_dispatch", req.Kind)
	assert.Equal(t, "build.yml", req.Workflow)
	assert.Equal(t, "main", req.Ref)
	assert.Equal(t, "rt:v1.2.3:bllvm-node:1", req.CorrelationID)
	assert.True(t, req.NotBefore.Equal(notBefore))
	assert.Equal(t, time.Duration(0), req.ListingWait, "a first attempt looks once and dispatches")
	assert.Equal(t, "v1.2.3", req.Inputs[InputReleaseTag])
	assert.Equal(t, "rt:v1.2.3:bllvm-node:1", req.Inputs[InputCorrelationID])
	var up map[string]int64
	require.NoError(t, json.Unmarshal([]byte(req.Inputs[InputUpstream]), &up))
	assert.Equal(t, map[string]int64{"bllvm-protocol": 7, "bllvm-consensus": 5}, up)
}

func TestListingWaitByAttempt(t *testing.T) {
	a := &Activities{ListingWait: 4 * time.Second}
	assert.Equal(t, time.Duration(0), a.listingWaitFor(1))
	assert.Equal(t, 4*time.Second, a.listingWaitFor(2))
	assert.Equal(t, DefaultListingWait, (&Activities{}).listingWaitFor(3))
}

func TestGitHubErrorClassification(t *testing.T) {
	perm := &ghclient.Error{Kind: ghclient.KindPermanent, Call: "dispatch", Repo: "o/r", Status: 404, Message: "Not Found"}
	limited := &ghclient.Error{Kind: ghclient.KindSecondaryRateLimit, Call: "get run", Repo: "o/r", Status: 429, RetryAfter: 37 * time.Second}
	transient := &ghclient.Error{Kind: ghclient.KindTransient, Call: "get run", Repo: "o/r", Status: 502}

	var ae *temporal.ApplicationError
	require.ErrorAs(t, githubError("dispatch o/r", perm), &ae)
	assert.Equal(t, GitHubPermanentErrorType, ae.Type())
	assert.True(t, ae.NonRetryable())
	assert.Contains(t, ae.Error(), "404 Not Found")

	require.ErrorAs(t, githubError("get run o/r#1", limited), &ae)
	assert.Equal(t, GitHubRateLimitedErrorType, ae.Type())
	assert.False(t, ae.NonRetryable())
	assert.Equal(t, 37*time.Second, ae.NextRetryDelay())

	require.ErrorAs(t, githubError("get run o/r#1", transient), &ae)
	assert.Equal(t, GitHubErrorType, ae.Type())
	assert.False(t, ae.NonRetryable())
	assert.Zero(t, ae.NextRetryDelay())

	assert.ErrorIs(t, githubError("x", context.Canceled), context.Canceled)
}

func TestDispatchPermanentErrorIsNonRetryable(t *testing.T) {
	gh := &fakeGitHub{dispatchErr: &ghclient.Error{Kind: ghclient.KindPermanent, Call: "dispatch workflow build.yml", Repo: "o/r", Status: 404, Message: "Not Found"}}
	env, a := newEnv(t, gh)
	_, err := env.ExecuteActivity(a.DispatchBuild, DispatchInput{Owner: "o", Repo: "r", Tag: "v1", CorrelationID: "rt:v1:r:1"})
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, GitHubPermanentErrorType, ae.Type())
	assert.True(t, ae.NonRetryable())
}

func TestAwaitRunPollsWithETagsUntilCompleted(t *testing.T) {
	gh := &fakeGitHub{states: []ghclient.Run{
		{ID: 9, Attempt: 1, Status: "queued"},
		{ID: 9, Attempt: 1, Status: "in_progress"},
		{ID: 9, Attempt: 1, Status: "completed", Conclusion: "success", HTMLURL: "https://x/runs/9"},
	}}
	// Each state answers twice: once changed, then 304 for the same ETag.
	gh.states = []ghclient.Run{gh.states[0], gh.states[0], gh.states[1], gh.states[1], gh.states[2]}
	env, a := newEnv(t, gh)
	var beats int
	env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) { beats++ })
	val, err := env.ExecuteActivity(a.AwaitRun, AwaitInput{Run: contract.RunRef{Owner: "o", Repo: "r", ID: 9, Attempt: 1}, PollInterval: time.Millisecond})
	require.NoError(t, err)
	var res RunResult
	require.NoError(t, val.Get(&res))
	assert.Equal(t, OutcomeSucceeded, res.Outcome)
	assert.Equal(t, "completed", res.Status)
	assert.Equal(t, "success", res.Conclusion)
	assert.Equal(t, "https://x/runs/9", res.Run.URL)
	assert.Equal(t, 5, gh.gets)
	assert.Equal(t, []string{"", `"queued--1"`, `"queued--1"`, `"in_progress--1"`, `"in_progress--1"`}, gh.etagsIn, "each poll sends the last ETag")
	assert.Equal(t, 2, gh.notMod)
	assert.GreaterOrEqual(t, beats, 1, "heartbeats while polling (the SDK throttles them)")
}

func TestAwaitRunResumesFromHeartbeat(t *testing.T) {
	gh := &fakeGitHub{states: []ghclient.Run{
		{ID: 9, Attempt: 2, Status: "in_progress"},
		{ID: 9, Attempt: 2, Status: "completed", Conclusion: "failure"},
	}}
	env, a := newEnv(t, gh)
	env.SetHeartbeatDetails(awaitProgress{ETag: `"in_progress--2"`, Status: "in_progress", Attempt: 2})
	val, err := env.ExecuteActivity(a.AwaitRun, AwaitInput{Run: contract.RunRef{Owner: "o", Repo: "r", ID: 9, Attempt: 2}, PollInterval: time.Millisecond})
	require.NoError(t, err)
	var res RunResult
	require.NoError(t, val.Get(&res))
	assert.Equal(t, OutcomeFailed, res.Outcome)
	assert.Equal(t, 2, res.Run.Attempt)
	assert.Equal(t, `"in_progress--2"`, gh.etagsIn[0], "the first poll reuses the heartbeat's ETag")
	assert.Equal(t, 1, gh.notMod)
}

func TestAwaitRunIgnoresTheAttemptBeforeARerun(t *testing.T) {
	gh := &fakeGitHub{states: []ghclient.Run{
		{ID: 9, Attempt: 1, Status: "completed", Conclusion: "failure"},
		{ID: 9, Attempt: 2, Status: "queued"},
		{ID: 9, Attempt: 2, Status: "completed", Conclusion: "success"},
	}}
	env, a := newEnv(t, gh)
	val, err := env.ExecuteActivity(a.AwaitRun, AwaitInput{Run: contract.RunRef{Owner: "o", Repo: "r", ID: 9, Attempt: 2}, PollInterval: time.Millisecond})
	require.NoError(t, err)
	var res RunResult
	require.NoError(t, val.Get(&res))
	assert.Equal(t, OutcomeSucceeded, res.Outcome, "attempt 1's failure is not attempt 2's result")
	assert.Equal(t, 2, res.Run.Attempt)
	assert.Equal(t, 3, gh.gets)
}

func TestAwaitRunReturnsPromptlyWhenCancelled(t *testing.T) {
	gh := &fakeGitHub{states: []ghclient.Run{{ID: 9, Attempt: 1, Status: "in_progress"}}}
	env, a := newEnv(t, gh)
	ctx, cancel := context.WithCancel(context.Background())
	env.SetWorkerOptions(worker.Options{BackgroundActivityContext: ctx})
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := env.ExecuteActivity(a.AwaitRun, AwaitInput{Run: contract.RunRef{Owner: "o", Repo: "r", ID: 9, Attempt: 1}, PollInterval: time.Hour})
	require.Error(t, err)
	assert.Less(t, time.Since(start), 10*time.Minute, "cancelled well before the one-hour interval")
	assert.Equal(t, 0, gh.gets, "a fresh run is first read after one interval: cancelled before that, nothing is spent")
}

// A fresh attempt spends no budget unit on the run it just dispatched: the
// first read comes one interval later. A resumed attempt (heartbeat details)
// reads at once, with its ETag.
func TestAwaitRunFirstReadWaitsOneInterval(t *testing.T) {
	for _, resumed := range []bool{false, true} {
		// A fresh attempt waits (load only makes it wait longer); a resumed
		// one must not, so its interval is an hour.
		interval := 300 * time.Millisecond
		if resumed {
			interval = time.Hour
		}
		gh := &fakeGitHub{states: []ghclient.Run{{ID: 9, Attempt: 1, Status: "completed", Conclusion: "success"}}}
		env, a := newEnv(t, gh)
		if resumed {
			env.SetHeartbeatDetails(awaitProgress{ETag: `"queued--1"`, Status: "queued", Attempt: 1})
		}
		start := time.Now()
		_, err := env.ExecuteActivity(a.AwaitRun, AwaitInput{Run: contract.RunRef{Owner: "o", Repo: "r", ID: 9, Attempt: 1}, PollInterval: interval})
		require.NoError(t, err)
		took := time.Since(start)
		assert.Equal(t, 1, gh.gets)
		if resumed {
			assert.Less(t, took, 10*time.Minute, "a resumed attempt reads at once, not after the one-hour interval")
		} else {
			assert.GreaterOrEqual(t, took, interval, "a fresh attempt waits one interval before its first read")
		}
	}
}

func TestAwaitRunTransientErrorIsRetryable(t *testing.T) {
	gh := &fakeGitHub{getErr: &ghclient.Error{Kind: ghclient.KindPrimaryRateLimit, Call: "get run", Repo: "o/r", Status: 403, RetryAfter: 90 * time.Second}}
	env, a := newEnv(t, gh)
	_, err := env.ExecuteActivity(a.AwaitRun, AwaitInput{Run: contract.RunRef{Owner: "o", Repo: "r", ID: 9}, PollInterval: time.Millisecond})
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, GitHubRateLimitedErrorType, ae.Type())
	assert.Equal(t, 90*time.Second, ae.NextRetryDelay())
}

func TestCheckRerunCancel(t *testing.T) {
	gh := &fakeGitHub{states: []ghclient.Run{{ID: 9, Attempt: 1, Status: "completed", Conclusion: "action_required"}}}
	env, a := newEnv(t, gh)
	run := contract.RunRef{Owner: "o", Repo: "r", ID: 9, Attempt: 1}

	val, err := env.ExecuteActivity(a.CheckRun, run)
	require.NoError(t, err)
	var res RunResult
	require.NoError(t, val.Get(&res))
	assert.Equal(t, OutcomeNeedsPerson, res.Outcome)

	val, err = env.ExecuteActivity(a.RerunFailedJobs, run)
	require.NoError(t, err)
	var next contract.RunRef
	require.NoError(t, val.Get(&next))
	assert.Equal(t, 2, next.Attempt)
	assert.Equal(t, int64(9), next.ID)
	assert.Equal(t, 1, gh.reruns)

	_, err = env.ExecuteActivity(a.CancelRun, run)
	require.NoError(t, err)
	assert.Equal(t, 1, gh.cancels)
}

func TestOutcomeNames(t *testing.T) {
	tests := []struct {
		give ghclient.Run
		want string
	}{
		{ghclient.Run{Status: "in_progress"}, OutcomeRunning},
		{ghclient.Run{Status: "completed", Conclusion: "success"}, OutcomeSucceeded},
		{ghclient.Run{Status: "completed", Conclusion: "timed_out"}, OutcomeFailed},
		{ghclient.Run{Status: "completed", Conclusion: "startup_failure"}, OutcomeFailed},
		{ghclient.Run{Status: "completed", Conclusion: "action_required"}, OutcomeNeedsPerson},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, outcomeName(ghclient.Classify(tt.give, false)), tt.give.Conclusion)
	}
}

// btcArtifacts is a run with two platform artifacts shipping the same file name and a checksum file.
func btcArtifacts() *fakeGitHub {
	return &fakeGitHub{
		artifacts: map[string]map[string]string{
			"bllvm-node-linux-amd64":  {"bllvm-node": "linux binary", "README.md": "readme"},
			"bllvm-node-darwin-arm64": {"bllvm-node": "darwin binary"},
			"logs":                    {"build.log": "log"},
		},
		exec: map[string]bool{"bllvm-node": true},
	}
}

func TestCollectArtifactsStoresByDigest(t *testing.T) {
	gh := btcArtifacts()
	env, a := newEnv(t, gh)
	run := contract.RunRef{Owner: "BTCDecoded", Repo: "bllvm-node", ID: 3, Attempt: 1}
	val, err := env.ExecuteActivity(a.CollectArtifacts, CollectInput{Run: run, Patterns: []string{"bllvm-node-*"}})
	require.NoError(t, err)
	var out CollectResult
	require.NoError(t, val.Get(&out))
	require.Empty(t, out.Files, "the list lives in the store, not in the result")
	res := manifestFiles(t, a, out.Manifest)
	assert.Equal(t, 3, out.Manifest.Files)
	assert.Equal(t, res.Files[:3], out.Manifest.First)

	names := make([]string, 0, len(res.Files))
	for _, f := range res.Files {
		names = append(names, f.Name)
		assert.Equal(t, "bllvm-node", f.Repo)
	}
	assert.Equal(t, []string{"README.md", "bllvm-node-darwin-arm64-bllvm-node", "bllvm-node-linux-amd64-bllvm-node"}, names,
		"logs filtered out; same base name from two artifacts disambiguated")

	ctx := context.Background()
	for _, f := range res.Files {
		data, err := a.Store.ReadAll(ctx, contract.StoreKey(f.SHA256))
		require.NoError(t, err)
		assert.Equal(t, sha(data), f.SHA256)
		assert.Equal(t, int64(len(data)), f.Size)
		attrs, err := a.Store.Attributes(ctx, contract.StoreKey(f.SHA256))
		require.NoError(t, err)
		assert.Equal(t, f.Executable, attrs.Metadata[MetaExecutable] == "true", f.Name)
	}
	assert.True(t, res.Files[2].Executable)
	assert.False(t, res.Files[0].Executable)
	assert.Equal(t, 2, gh.downloads)

	// Collecting again stores nothing new and returns the same files.
	val, err = env.ExecuteActivity(a.CollectArtifacts, CollectInput{Run: run, Patterns: []string{"bllvm-node-*"}})
	require.NoError(t, err)
	var again CollectResult
	require.NoError(t, val.Get(&again))
	assert.Equal(t, out, again)
	assert.Equal(t, 3+2+1+1, countObjects(t, a.Store), "three files, two artifact manifests, the run's manifest, its artifact digests")
}

// manifestFiles reads a collect result's manifest back from the store.
func manifestFiles(t testing.TB, a *Activities, ref contract.ManifestRef) CollectResult {
	t.Helper()
	files, err := a.LoadManifest(context.Background(), ref)
	require.NoError(t, err)
	return CollectResult{Files: files}
}

func TestCollectArtifactsResumesFromHeartbeat(t *testing.T) {
	gh := btcArtifacts()
	env, a := newEnv(t, gh)
	run := contract.RunRef{Owner: "BTCDecoded", Repo: "bllvm-node", ID: 3, Attempt: 1}
	_, err := env.ExecuteActivity(a.CollectArtifacts, CollectInput{Run: run})
	require.NoError(t, err)
	require.Equal(t, 3, gh.downloads)

	// A retried attempt whose heartbeat says artifact 101 is done skips its download.
	arts, _ := gh.ListArtifacts(context.Background(), "", "", 0)
	data := "darwin binary"
	ref, err := a.putManifest(context.Background(), []contract.File{{Repo: "bllvm-node", Name: "bllvm-node", Size: int64(len(data)), SHA256: sha([]byte(data)), Executable: true}})
	require.NoError(t, err)
	env.SetHeartbeatDetails(collectProgress{Done: map[int64]contract.ManifestRef{arts[0].ID: ref}})
	_, err = env.ExecuteActivity(a.CollectArtifacts, CollectInput{Run: run})
	require.NoError(t, err)
	assert.Equal(t, 5, gh.downloads, "two of three artifacts downloaded again")
}

func TestCollectArtifactsBadPattern(t *testing.T) {
	env, a := newEnv(t, btcArtifacts())
	_, err := env.ExecuteActivity(a.CollectArtifacts, CollectInput{Run: contract.RunRef{Owner: "o", Repo: "r", ID: 1}, Patterns: []string{"["}})
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, BadInputErrorType, ae.Type())
	assert.True(t, ae.NonRetryable())
}

func TestPublishReleaseIdempotent(t *testing.T) {
	gh := &fakeGitHub{}
	env, a := newEnv(t, gh)
	ctx := context.Background()
	var assets []Asset
	for _, body := range []string{"one", "two", "three"} {
		s, err := a.putBytes(ctx, []byte(body))
		require.NoError(t, err)
		assets = append(assets, Asset{Name: body + ".bin", Size: int64(len(body)), SHA256: s})
	}
	notes, err := a.putBytes(ctx, []byte("# v1.0.0-rc.1"))
	require.NoError(t, err)
	in := PublishInput{Owner: "o", Repo: "r", Tag: "v1.0.0-rc.1", Title: "o v1.0.0-rc.1", Prerelease: true,
		Assets: assets, NotesSHA256: notes, Marker: "releasetrain:release-v1.0.0-rc.1"}

	val, err := env.ExecuteActivity(a.PublishRelease, in)
	require.NoError(t, err)
	var res PublishResult
	require.NoError(t, val.Get(&res))
	assert.Equal(t, int64(7), res.ReleaseID)
	assert.Equal(t, "https://github.com/o/r/releases/tag/v1.0.0-rc.1", res.URL)
	assert.True(t, gh.published)
	assert.True(t, gh.release.Prerelease)
	assert.Equal(t, NotesBegin+"\n# v1.0.0-rc.1\n"+NotesEnd+"\n", gh.publishedBody, "the train's notes between markers")
	assert.Equal(t, []byte("two"), gh.uploads["two.bin"])
	assert.Equal(t, "releasetrain:release-v1.0.0-rc.1", gh.labels["three.bin"])
	assert.Equal(t, 3, gh.uploadN)

	// A second run (a retry after a crash whose publish landed) recognises
	// its own release and writes nothing.
	val, err = env.ExecuteActivity(a.PublishRelease, in)
	require.NoError(t, err)
	require.NoError(t, val.Get(&res))
	assert.Equal(t, 3, gh.uploadN)
	assert.Equal(t, int64(7), res.ReleaseID)
}

func TestPublishReleaseMissingObject(t *testing.T) {
	env, a := newEnv(t, &fakeGitHub{})
	_, err := env.ExecuteActivity(a.PublishRelease, PublishInput{Owner: "o", Repo: "r", Tag: "v1",
		Assets: []Asset{{Name: "x", Size: 1, SHA256: sha([]byte("absent"))}}})
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, BadInputErrorType, ae.Type())
	assert.Contains(t, ae.Error(), "not found")
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// emptyBucketDir deletes every object of b.
func emptyBucketDir(b *blob.Bucket) error {
	ctx := context.Background()
	it := b.List(nil)
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := b.Delete(ctx, obj.Key); err != nil {
			return err
		}
	}
}

func countObjects(t *testing.T, b *blob.Bucket) int {
	t.Helper()
	n := 0
	it := b.List(nil)
	for {
		_, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return n
		}
		require.NoError(t, err)
		n++
	}
}
