package temporalcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/BTCDecoded/releasetrain/config"
)

// EnvPath names the environment variable that points at an already built
// CLI (config decides the name and reads it).
const EnvPath = config.EnvTemporalCLI

// Package is the pinned CLI's import path; its version lives in tools/go.mod.
const Package = "github.com/temporalio/cli/cmd/temporal"

// RepoRoot walks up from dir to the folder holding tools/go.mod.
func RepoRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "tools", "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no tools/go.mod above %s: run from the releasetrain checkout or set %s", dir, EnvPath)
		}
	}
}

// Path is where Ensure puts the built CLI inside a checkout.
func Path(root string) string { return filepath.Join(root, "bin", "temporal") }

// Ensure returns a runnable Temporal CLI: $RELEASETRAIN_TEMPORAL_CLI, else
// <root>/bin/temporal, building it from tools/go.mod when missing. A first
// build takes minutes on 2 cores; progress (a line every 15 s) goes to progress.
func Ensure(ctx context.Context, root string, progress io.Writer) (string, error) {
	if p := config.OSEnv().TemporalCLI(); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvPath, p, err)
		}
		return p, nil
	}
	out := Path(root)
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if progress == nil {
		progress = io.Discard
	}
	fmt.Fprintf(progress, "Building the pinned Temporal CLI (first run only; several minutes on 2 cores) into %s …\n", out)
	tmp := out + ".tmp"
	cmd := exec.CommandContext(ctx, "go", "build", "-modfile=tools/go.mod", "-o", tmp, Package)
	cmd.Dir = root
	cmd.Stdout = progress
	cmd.Stderr = progress
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("build temporal CLI: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	start := time.Now()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				_ = os.Remove(tmp)
				return "", fmt.Errorf("build temporal CLI (go build -modfile=tools/go.mod %s): %w", Package, err)
			}
			if err := os.Rename(tmp, out); err != nil {
				return "", errors.Join(fmt.Errorf("install temporal CLI: %w", err), os.Remove(tmp))
			}
			fmt.Fprintf(progress, "Temporal CLI built in %s.\n", time.Since(start).Round(time.Second))
			return out, nil
		case <-tick.C:
			fmt.Fprintf(progress, "  … still building the Temporal CLI (%s)\n", time.Since(start).Round(time.Second))
		}
	}
}
