package workflows

import (
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
)

// Timeouts and retry policies of the activities and children. Each number
// says why it is what it is.
const (
	// apiCallTimeout bounds one GitHub call. DispatchBuild may wait out
	// GitHub's run-listing delay (about a minute) before it dispatches, so
	// this is a few minutes rather than seconds.
	apiCallTimeout = 5 * time.Minute
	// apiRetryInitial is the first retry delay of a transient GitHub error.
	apiRetryInitial = 5 * time.Second
	// apiRetryMax caps the retry delay at an hour: GitHub's rate limit resets
	// at most an hour ahead, and a NextRetryDelay up to that is honoured.
	apiRetryMax = time.Hour
	// awaitHeartbeat: AwaitRun heartbeats at least every half of this, so a
	// dead worker is noticed within a minute and another resumes the poll.
	awaitHeartbeat = time.Minute
	// awaitMargin is added to a repo's build_timeout: the run may queue for
	// a runner before its own clock starts.
	awaitMargin = 15 * time.Minute
	// longHeartbeat is the heartbeat timeout of the long activities (dispatch
	// with its listing waits, collect, package, publish). They heartbeat all
	// through every long step, so a worker that dies mid-step is noticed
	// within a minute and another worker retries, instead of waiting out the
	// step's whole start-to-close timeout.
	longHeartbeat = time.Minute
	// collectTimeout bounds one CollectArtifacts attempt: downloading and
	// storing a run's artifacts (hundreds of MB at most).
	collectTimeout = 30 * time.Minute
	// packageTimeout bounds building the bundle, SHA256SUMS and signatures.
	packageTimeout = 30 * time.Minute
	// publishTimeout bounds uploading every asset of the unified release.
	publishTimeout = time.Hour
	// cleanupTimeout bounds the CancelRun calls made after a cancel, so an
	// unreachable GitHub cannot hold a cancelled train open for ever.
	cleanupTimeout = 10 * time.Minute
	// lostDispatchWait is how long the cleanup of a dispatch cancelled
	// before it reported its run looks for that run: GitHub lists a new run
	// within seconds, so a minute finds one the dispatch started, and bounds
	// how long a cancel waits on a dispatch that never got through.
	lostDispatchWait = time.Minute
)

// apiRetry is the retry policy of every GitHub call: unlimited attempts
// (permanent errors come back non-retryable and end it), backoff doubling
// up to an hour so a rate limit's NextRetryDelay is honoured.
func apiRetry() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:    apiRetryInitial,
		BackoffCoefficient: 2,
		MaximumInterval:    apiRetryMax,
	}
}

// apiOptions are the options of the short GitHub calls (CheckRun,
// RerunFailedJobs). WaitForCancellation lets a cancelled call finish, so
// the cleanup knows the run's latest attempt.
func apiOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: apiCallTimeout,
		RetryPolicy:         apiRetry(),
		WaitForCancellation: true,
	})
}

// dispatchOptions are DispatchBuild's: an API call that may wait out
// GitHub's listing delay, so it heartbeats. WaitForCancellation lets a
// cancelled dispatch still report the run it started, so the cleanup can
// cancel it.
func dispatchOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: apiCallTimeout,
		HeartbeatTimeout:    longHeartbeat,
		RetryPolicy:         apiRetry(),
		WaitForCancellation: true,
	})
}

// awaitOptions are AwaitRun's options: one long heartbeating poll per run
// attempt. ScheduleToClose bounds the whole wait to the repo's build_timeout
// plus a margin; past it the build counts as timed out.
func awaitOptions(ctx workflow.Context, s config.Settings) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ScheduleToCloseTimeout: s.BuildTimeout + awaitMargin,
		HeartbeatTimeout:       awaitHeartbeat,
		RetryPolicy:            apiRetry(),
	})
}

// longOptions are the options of a long step (CollectArtifacts with
// collectTimeout, PackageRelease with packageTimeout, PublishRelease with
// publishTimeout): it heartbeats all through, so a dead worker is noticed
// within longHeartbeat.
func longOptions(ctx workflow.Context, startToClose time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: startToClose,
		HeartbeatTimeout:    longHeartbeat,
		RetryPolicy:         apiRetry(),
	})
}

// cleanupOptions are the options of CancelRun after a cancel or skip.
func cleanupOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: cleanupTimeout,
		RetryPolicy:            apiRetry(),
	})
}

// lostDispatchOptions are CancelDispatchedRun's: one look-up that may wait
// lostDispatchWait for the run to be listed, heartbeating, within the
// cleanup's bound.
func lostDispatchOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    lostDispatchWait + time.Minute,
		ScheduleToCloseTimeout: cleanupTimeout,
		HeartbeatTimeout:       longHeartbeat,
		RetryPolicy:            apiRetry(),
	})
}

// layerOptions start layer n as a child with its business id. Closing the
// parent asks the child to cancel (so its GitHub runs are cancelled too),
// and the parent waits for that cleanup before it ends.
func layerOptions(ctx workflow.Context, tag string, n int) workflow.Context {
	return workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:          contract.LayerWorkflowID(tag, n),
		ParentClosePolicy:   enumspb.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
		WaitForCancellation: true,
	})
}
