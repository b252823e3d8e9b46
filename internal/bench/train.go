package bench

import (
	"fmt"
	"time"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/ghsim"
)

// ProductionPoll is the default poll interval (config.DefaultPollInterval)
// in simulated time; trains here poll at it, scaled to the simulator's clock.
const ProductionPoll = config.DefaultPollInterval

// BTCDecodedBuilds are realistic build times (simulated) of the BTCDecoded
// repos: 5 to 15 minutes, the consensus and node crates the longest.
func BTCDecodedBuilds() map[string]time.Duration {
	return map[string]time.Duration{
		"bllvm-consensus": 12 * time.Minute,
		"commons":         5 * time.Minute,
		"bllvm-protocol":  8 * time.Minute,
		"bllvm-node":      15 * time.Minute,
		"bllvm-sdk":       6 * time.Minute,
		"bllvm":           10 * time.Minute,
		"governance-app":  7 * time.Minute,
	}
}

// QueueDelay is how long every simulated run waits for a runner.
const QueueDelay = 10 * time.Second

// BTCDecoded is the built-in train with the given build times, polling at
// the production interval scaled to the simulator's clock.
func BTCDecoded(builds map[string]time.Duration, scale float64) (*config.Train, *ghsim.Scenario) {
	train := config.Default()
	sc := ghsim.DefaultScenario()
	for i := range sc.Repos {
		r := &sc.Repos[i]
		r.QueueDelay = ghsim.Duration(QueueDelay)
		if d, ok := builds[r.Name]; ok {
			r.Duration = ghsim.Duration(d)
		}
	}
	scaleSettings(train, scale)
	return train, sc
}

// Layered is a synthetic train of layers×width repos: every repo of layer l
// depends on two repos of layer l-1. Every build takes build (simulated)
// and uploads one small binary artifact.
func Layered(layers, width int, build time.Duration, scale float64) (*config.Train, *ghsim.Scenario, error) {
	train := &config.Train{Owner: "synthetic"}
	sc := &ghsim.Scenario{Owner: "synthetic"}
	for l := range layers {
		for i := range width {
			name := fmt.Sprintf("r-%02d-%02d", l, i)
			r := config.Repo{Name: name}
			if l > 0 {
				r.DependsOn = []string{fmt.Sprintf("r-%02d-%02d", l-1, i), fmt.Sprintf("r-%02d-%02d", l-1, (i+1)%width)}
			}
			train.Repos = append(train.Repos, r)
			sc.Repos = append(sc.Repos, ghsim.RepoScenario{
				Name:       name,
				QueueDelay: ghsim.Duration(time.Second),
				Duration:   ghsim.Duration(build),
				Artifacts: []ghsim.ArtifactSpec{{Name: name + "-linux-x86_64",
					Files: []ghsim.FileSpec{{Name: name, Size: 16 << 10, Executable: true}}}},
			})
		}
	}
	if err := train.Resolve(); err != nil {
		return nil, nil, fmt.Errorf("synthetic train: %w", err)
	}
	scaleSettings(train, scale)
	return train, sc, nil
}

// scaleSettings sets every repo's poll interval and retry backoff to their
// production values in simulated time.
func scaleSettings(train *config.Train, scale float64) {
	for i := range train.Repos {
		s := &train.Repos[i].Settings
		s.PollInterval = time.Duration(float64(ProductionPoll) / scale)
		s.RetryBackoff = time.Duration(float64(config.DefaultRetryBackoff) / scale)
	}
}
