package workflows

import (
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBlockedRepoErrorReadsOnce checks that a repo blocked by a failed
// activity shows the activity's message once in the status, without
// Temporal's "activity error (type: …, scheduledEventID: …)" wrapping, the
// application error's "(type: …, retryable: …)" or its cause repeated.
func TestBlockedRepoErrorReadsOnce(t *testing.T) {
	const evil = `collect BTCDecoded/x: artifact "a": entry "../evil": escapes the destination`
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{
			name: "no cause",
			err:  temporal.NewNonRetryableApplicationError(evil, activities.GitHubPermanentErrorType, nil),
			want: "collect artifacts: " + evil,
		},
		{
			// The activities' shape: the message already holds the cause's text.
			name: "cause in the message",
			err: temporal.NewNonRetryableApplicationError(evil, activities.GitHubPermanentErrorType,
				errors.New(`artifact "a": entry "../evil": escapes the destination`)),
			want: "collect artifacts: " + evil,
		},
		{
			name: "cause not in the message",
			err:  temporal.NewNonRetryableApplicationError("store get k", activities.BadInputErrorType, errors.New("object not found")),
			want: "collect artifacts: store get k: object not found",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeGitHub{collectErrs: map[string][]error{"a": {tc.err}}}
			env := newEnv(t, f)
			blocked := statusThenSignal(t, env, time.Hour, singleRepo(2), operatorSignal{contract.SignalRetry, "a"})
			require.Equal(t, contract.StateBlocked, blocked.State, "state")
			got := blocked.Repos["a"].Error
			assert.Equal(t, tc.want, got, "repo error")
			for _, noise := range []string{"activity error", "scheduledEventID", "(type:", "retryable"} {
				assert.NotContains(t, got, noise, "repo error %q holds %q", got, noise)
			}
			c := f.calls("collect")
			assert.Len(t, c, 2, "collect calls = %d, want 2 (the failure, then the retry)", len(c))
		})
	}
}
