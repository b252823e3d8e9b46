package devstack

import (
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/config"
)

func TestScaledTrainCompressesDurationsWithoutTouchingTheOriginal(t *testing.T) {
	train := config.Default()
	orig := train.Repos[0].Settings
	got := scaledTrain(train, 60)
	s := got.Repos[0].Settings
	if s.RetryBackoff != orig.RetryBackoff/60 || s.PollInterval != orig.PollInterval/60 || s.BuildTimeout != orig.BuildTimeout/60 {
		t.Errorf("scaled settings %+v from %+v: want each duration / 60", s, orig)
	}
	if train.Repos[0].Settings.RetryBackoff != orig.RetryBackoff {
		t.Errorf("the caller's train changed")
	}
	if s.Retries() != orig.Retries() || s.Workflow != orig.Workflow {
		t.Errorf("non-duration settings changed: %+v", s)
	}
	if d := scaledTrain(train, 1e9).Repos[0].Settings.PollInterval; d != 10*time.Millisecond {
		t.Errorf("poll interval at a huge scale %s, want the 10ms floor", d)
	}
}
