// Package traintest holds the helpers integration tests share to run whole
// release trains on the real Temporal dev server against ghsim: a simulator
// behind a test server, the BTCDecoded train at test speed, starting and
// awaiting a train, checking the published release, and running the worker
// as a separate releasetrain process that can be SIGKILLed.
package traintest
