package traintest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/BTCDecoded/releasetrain/ghsim"
)

const (
	// TimeScale runs a 65 s simulated build in about half a real second,
	// while the simulator's ~60 s artifact download links stay valid.
	TimeScale = 120
	// SimToken is ghsim's static token.
	SimToken = "ghsim-token"
)

// StartSim serves a ghsim built from opts (TimeScale defaults to
// [TimeScale]); wrap, when not nil, wraps its handler (request logs, kill
// hooks). apiURL is what GITHUB_API_URL takes.
func StartSim(t testing.TB, opts ghsim.Options, wrap func(http.Handler) http.Handler) (sim *ghsim.Sim, apiURL string) {
	t.Helper()
	if opts.TimeScale == 0 {
		opts.TimeScale = TimeScale
	}
	sim, err := ghsim.New(opts)
	if err != nil {
		t.Fatalf("ghsim: %v", err)
	}
	h := sim.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		sim.Close()
	})
	return sim, ts.URL + "/api/v3/"
}

// Requests counts the simulator's API answers so far.
func Requests(sim *ghsim.Sim) int {
	n := 0
	for _, byStatus := range sim.Stats().Requests {
		for _, c := range byStatus {
			n += c
		}
	}
	return n
}

// Dispatches is the number of dispatches that landed, over all repos.
func Dispatches(st ghsim.Stats) int {
	n := 0
	for _, c := range st.Dispatches {
		n += c
	}
	return n
}

// Uploads is the number of asset uploads that landed, over all releases.
func Uploads(st ghsim.Stats) int {
	n := 0
	for _, assets := range st.Uploads {
		for _, c := range assets {
			n += c
		}
	}
	return n
}
