package traintest

import (
	"github.com/BTCDecoded/releasetrain/ghsim"
)

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
