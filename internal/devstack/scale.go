package devstack

import (
	"time"

	"github.com/BTCDecoded/releasetrain/config"
)

// scaledTrain returns a copy of train whose durations (build timeout, re-run
// backoff, poll interval, signature window) are divided by the simulator's time scale: they are
// meant in GitHub's time, and the simulator compresses GitHub's time by that
// factor, so a 1-minute backoff before a re-run stays one simulated minute.
func scaledTrain(train *config.Train, scale float64) *config.Train {
	t := *train
	t.Repos = make([]config.Repo, len(train.Repos))
	copy(t.Repos, train.Repos)
	scaleSettings(&t.Defaults, scale)
	if t.Release.SignatureWindow > 0 {
		t.Release.SignatureWindow = max(time.Duration(float64(t.Release.SignatureWindow)/scale), 10*time.Millisecond)
	}
	for i := range t.Repos {
		scaleSettings(&t.Repos[i].Settings, scale)
	}
	return &t
}

func scaleSettings(s *config.Settings, scale float64) {
	div := func(d time.Duration) time.Duration {
		if d == 0 {
			return 0
		}
		return max(time.Duration(float64(d)/scale), 10*time.Millisecond)
	}
	s.BuildTimeout = div(s.BuildTimeout)
	s.RetryBackoff = div(s.RetryBackoff)
	s.MaxBackoff = div(s.MaxBackoff)
	s.PollInterval = div(s.PollInterval)
	s.ExpectedDuration = div(s.ExpectedDuration)
}
