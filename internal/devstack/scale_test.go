package devstack

import (
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/stretchr/testify/assert"
)

func TestScaledTrainCompressesDurationsWithoutTouchingTheOriginal(t *testing.T) {
	train := config.Default()
	orig := train.Repos[0].Settings
	got := scaledTrain(train, 60)
	s := got.Repos[0].Settings
	assert.Equal(t, orig.RetryBackoff/60, s.RetryBackoff, "scaled settings %+v from %+v: want each duration / 60", s, orig)
	assert.Equal(t, orig.PollInterval/60, s.PollInterval, "scaled settings %+v from %+v: want each duration / 60", s, orig)
	assert.Equal(t, orig.BuildTimeout/60, s.BuildTimeout, "scaled settings %+v from %+v: want each duration / 60", s, orig)
	assert.Equal(t, orig.RetryBackoff, train.Repos[0].Settings.RetryBackoff, "the caller's train changed")
	assert.Equal(t, orig.Retries(), s.Retries(), "non-duration settings changed: %+v", s)
	assert.Equal(t, orig.Workflow, s.Workflow, "non-duration settings changed: %+v", s)
	d := scaledTrain(train, 1e9).Repos[0].Settings.PollInterval
	assert.Equal(t, 10*time.Millisecond, d, "poll interval at a huge scale %s, want the 10ms floor", d)
}
