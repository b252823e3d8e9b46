// Package chaos holds releasetrain's reliability tests: whole BTCDecoded
// release trains on the real Temporal dev server against ghsim, nothing
// mocked, through worker crashes (a separate releasetrain worker process
// SIGKILLed at chosen moments and restarted), a Temporal server restart on
// the same SQLite file, GitHub faults (5xx, connection resets, writes that
// land before a 5xx, secondary limits, a spent primary budget) and hostile
// artifacts (zip slip, absolute paths, symlinks, a zip bomb, a digest
// mismatch).
//
// # Short and long versions
//
// go test ./internal/chaos/ runs a short version of each test (seconds to
// tens of seconds). make chaos runs the long versions, selected by the
// chaos build tag:
//
//	RELEASETRAIN_TEMPORAL_CLI=$PWD/bin/temporal go test -tags chaos -timeout 60m -v ./internal/chaos/...
//
// Every test is skipped under -short. docs/benchmarks.md records results.
package chaos
