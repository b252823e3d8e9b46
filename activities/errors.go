package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/ghclient"
)

// Application error types the activities return; workflows match on them.
const (
	// ErrGitHubPermanent: GitHub refused for good (401, 403 permission, 404, 410, 422). Not retried.
	ErrGitHubPermanent = "GitHubPermanent"
	// ErrGitHubRateLimited: GitHub said when to come back; the retry waits exactly that long.
	ErrGitHubRateLimited = "GitHubRateLimited"
	// ErrGitHub: a transient GitHub failure (5xx, reset, timeout). Retried by policy.
	ErrGitHub = "GitHubError"
	// ErrStore: the artifact store failed. Retried by policy.
	ErrStore = "StoreError"
	// ErrBadInput: the input or the artifacts themselves are unusable (bad zip,
	// missing store object, packaging conflict). Not retried.
	ErrBadInput = "BadInput"
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
		return temporal.NewNonRetryableApplicationError(msg, ErrGitHubPermanent, err)
	}
	if d, ok := ghclient.RetryDelay(err); ok && d > 0 {
		return temporal.NewApplicationErrorWithOptions(msg, ErrGitHubRateLimited, temporal.ApplicationErrorOptions{
			NextRetryDelay: d,
			Cause:          err,
		})
	}
	return temporal.NewApplicationErrorWithOptions(msg, ErrGitHub, temporal.ApplicationErrorOptions{Cause: err})
}

// storeError marks an artifact store failure (retryable).
func storeError(what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("%s: %v", what, err), ErrStore, temporal.ApplicationErrorOptions{Cause: err})
}

// badInput marks an error no retry can fix.
func badInput(what string, err error) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", what, err), ErrBadInput, err)
}
