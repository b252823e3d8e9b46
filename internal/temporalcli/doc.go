// Package temporalcli finds or builds the pinned Temporal CLI (dev server and
// Web UI) from tools/go.mod, so nothing is downloaded from anywhere but the Go
// module proxy, and gives the dev server options releasetrain needs.
package temporalcli
