package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/ghclient"
)

// Application error types (temporal.ApplicationError.Type) the activities
// return; workflows and tests match on them. The strings are part of
// recorded histories: never change one.
const (
	// GitHubPermanentErrorType: GitHub refused for good (401, 403 permission, 404, 410, 422). Not retried.
	GitHubPermanentErrorType = "GitHubPermanent"
	// GitHubRateLimitedErrorType: GitHub said when to come back; the retry waits exactly that long.
	GitHubRateLimitedErrorType = "GitHubRateLimited"
	// GitHubErrorType: a transient GitHub failure (5xx, reset, timeout). Retried by policy.
	GitHubErrorType = "GitHubError"
	// StoreErrorType: the artifact store failed. Retried by policy.
	StoreErrorType = "StoreError"
	// BadInputErrorType: the input or the artifacts themselves are unusable (bad zip,
	// missing store object, packaging conflict). Not retried.
	BadInputErrorType = "BadInput"
	// ReleasePublishedErrorType: a signature attached to a release that is
	// already published; releasetrain writes only to drafts, and GitHub
	// refuses new assets on an immutable release. Not retried.
	ReleasePublishedErrorType = "ReleasePublished"
	// ScheduleErrorType: the reconciler could not save its state in its
	// Temporal Schedule. Retried by policy.
	ScheduleErrorType = "ScheduleError"
)

// githubError converts a ghclient error into the Temporal error the retry
// policy acts on: permanent → non-retryable; a GitHub-given delay →
// NextRetryDelay; anything else retryable. Cancellation passes through.
func githubError(call string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	msg := fmt.Sprintf("%s: %v", call, err)
	if ghclient.IsPermanent(err) {
		return temporal.NewNonRetryableApplicationError(msg, GitHubPermanentErrorType, err)
	}
	if d, ok := ghclient.RetryDelay(err); ok && d > 0 {
		return temporal.NewApplicationErrorWithOptions(msg, GitHubRateLimitedErrorType, temporal.ApplicationErrorOptions{
			NextRetryDelay: d,
			Cause:          err,
		})
	}
	return temporal.NewApplicationErrorWithOptions(msg, GitHubErrorType, temporal.ApplicationErrorOptions{Cause: err})
}

// storeError marks an artifact store failure (retryable).
func storeError(what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("%s: %v", what, err), StoreErrorType, temporal.ApplicationErrorOptions{Cause: err})
}

// badInput marks an error no retry can fix.
func badInput(what string, err error) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", what, err), BadInputErrorType, err)
}
