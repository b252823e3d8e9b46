package workflows

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
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
			err:  temporal.NewNonRetryableApplicationError(evil, activities.ErrGitHubPermanent, nil),
			want: "collect artifacts: " + evil,
		},
		{
			// The activities' shape: the message already holds the cause's text.
			name: "cause in the message",
			err: temporal.NewNonRetryableApplicationError(evil, activities.ErrGitHubPermanent,
				errors.New(`artifact "a": entry "../evil": escapes the destination`)),
			want: "collect artifacts: " + evil,
		},
		{
			name: "cause not in the message",
			err:  temporal.NewNonRetryableApplicationError("store get k", activities.ErrBadInput, errors.New("object not found")),
			want: "collect artifacts: store get k: object not found",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeGitHub{collectErrs: map[string][]error{"a": {tc.err}}}
			env := newEnv(t, f)
			blocked := statusThenSignal(t, env, time.Hour, singleRepo(2), operatorSignal{contract.SignalRetry, "a"})
			if blocked.State != contract.StateBlocked {
				t.Fatalf("state = %s, want blocked", blocked.State)
			}
			got := blocked.Repos["a"].Error
			if got != tc.want {
				t.Errorf("repo error =\n  %q\nwant\n  %q", got, tc.want)
			}
			for _, noise := range []string{"activity error", "scheduledEventID", "(type:", "retryable"} {
				if strings.Contains(got, noise) {
					t.Errorf("repo error %q holds %q", got, noise)
				}
			}
			if c := f.calls("collect"); len(c) != 2 {
				t.Errorf("collect calls = %d, want 2 (the failure, then the retry)", len(c))
			}
		})
	}
}
