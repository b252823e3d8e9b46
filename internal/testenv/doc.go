// Package testenv starts the real dependencies integration tests run against:
// the Temporal dev server from the pinned CLI.
package testenv
