// Package traintest holds the helpers integration tests share to run whole
// release trains on a stack from internal/devstack (the real Temporal dev
// server and ghsim): the BTCDecoded train at test speed, starting and
// awaiting a train, checking the published release, the reconciler's runs
// and deliveries, and running the worker as a separate releasetrain process
// that can be SIGKILLed.
package traintest
