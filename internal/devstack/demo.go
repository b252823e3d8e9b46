package devstack

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
)

// pollEvery is how often the demo asks the release workflow for its status.
const pollEvery = 250 * time.Millisecond

// startTimeout bounds how long the signed `release` webhook may take to start the train.
const startTimeout = 30 * time.Second

// NextDemoTag returns the first tag v0.1.N whose train does not exist yet in
// this data folder's Temporal, so every `make run` starts a new release.
func (s *Stack) NextDemoTag(ctx context.Context) (string, error) {
	for n := 0; n < 10000; n++ {
		tag := fmt.Sprintf("v0.1.%d", n)
		_, err := s.Client.DescribeWorkflow(ctx, contract.ReleaseWorkflowID(tag), "")
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return tag, nil
		}
		if err != nil {
			return "", fmt.Errorf("look for earlier demo releases: %w", err)
		}
	}
	return "", errors.New("no free demo tag v0.1.0 … v0.1.9999: remove the data folder")
}

// Demo does what a maintainer does to cut a release in the train's
// trigger mode — saves a draft release of tag in the release repo (draft
// mode), or publishes tag in the first trigger repo (release mode) — in the
// simulator, which delivers the signed `release` webhook to the receiver;
// then it follows the train until it ends, and downloads and verifies the
// unified release. A blocked train waits for an operator, and the terminal
// says why and how to unblock it.
func (s *Stack) Demo(ctx context.Context, tag string, prerelease bool, progress *Progress) (*Report, error) {
	if err := s.cutRelease(tag, prerelease); err != nil {
		return nil, err
	}
	st, err := s.follow(ctx, tag, progress)
	if err != nil {
		return nil, err
	}
	if st.State != contract.StateSucceeded {
		msg := st.Error
		if msg == "" {
			msg = "see the Temporal UI: " + s.ReleaseUIURL(tag)
		}
		return nil, fmt.Errorf("release %s ended %s: %s", tag, st.State, msg)
	}
	return s.report(ctx, tag, st)
}

// cutRelease does the maintainer's step that starts a train.
func (s *Stack) cutRelease(tag string, prerelease bool) error {
	owner := s.Train.Owner
	if s.Train.Trigger.Mode == config.ModeRelease {
		if len(s.Train.Trigger.Repos) == 0 {
			return fmt.Errorf("trigger.mode release without trigger repos: nothing to publish %s in", tag)
		}
		trigger := s.Train.Trigger.Repos[0]
		if _, err := s.Sim.PublishRelease(owner, trigger, tag, prerelease); err != nil {
			return fmt.Errorf("publish %s in %s/%s: %w", tag, owner, trigger, err)
		}
		fmt.Fprintf(s.opts.Log, "Published %s in %s/%s as a maintainer would (simulated GitHub; trigger.mode release); its signed release webhook starts the train, which publishes into its own draft in %s/%s.\n\n",
			tag, owner, trigger, owner, s.Train.Release.Repo)
		return nil
	}
	repo := s.Train.Release.Repo
	_, err := s.Sim.SaveDraft(owner, repo, tag, ghsim.DraftOptions{
		Name:       tag + " (demo)",
		Body:       "Release notes a maintainer wrote in the draft; the train keeps them and adds its own below.",
		Prerelease: prerelease,
	})
	if err != nil {
		return fmt.Errorf("save draft %s in %s/%s: %w", tag, owner, repo, err)
	}
	fmt.Fprintf(s.opts.Log, "Saved a draft release %s in %s/%s as a maintainer would (simulated GitHub, immutable releases %s); its signed release webhook starts the train, which fills the draft and publishes it.\n\n",
		tag, owner, repo, onOff(s.Scenario.ImmutableReleases))
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// follow polls the status query until the train ends.
func (s *Stack) follow(ctx context.Context, tag string, progress *Progress) (contract.Status, error) {
	id := contract.ReleaseWorkflowID(tag)
	started := time.Now()
	hinted := map[string]bool{}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return contract.Status{}, ctx.Err()
		case <-tick.C:
		}
		st, err := s.status(ctx, id)
		var nf *serviceerror.NotFound
		switch {
		case errors.As(err, &nf) && time.Since(started) < startTimeout:
			continue
		case errors.As(err, &nf):
			return st, fmt.Errorf("the release webhook did not start %s within %s: see %s", id, startTimeout, s.LogPath())
		case ctx.Err() != nil:
			return st, ctx.Err()
		case err != nil:
			// A query can time out while the worker is busy; ask again.
			continue
		}
		progress.CLI = s.releaseCLI()
		progress.Update(st) // a blocked train's reason and exact unblocking commands (contract.Blockers)
		if (len(st.Blocked) > 0 || st.BlockedStep != "") && !hinted["ui"] {
			hinted["ui"] = true
			fmt.Fprintf(s.opts.Log, "The Temporal UI can retry, skip or cancel too: %s\n", s.ReleaseUIURL(tag))
		}
		if pf := st.Preflight; pf != nil && st.BlockedStep == contract.StepPreflight {
			if key := "preflight\x00" + st.Error; !hinted[key] {
				hinted[key] = true
				fmt.Fprintf(s.opts.Log, "\nThe train is blocked at its %s step:\n", st.BlockedStep)
				for _, p := range pf.Problems {
					fmt.Fprintf(s.opts.Log, "  - %s\n", p)
				}
			}
		}
		if pf := st.Preflight; pf != nil && pf.State == contract.PreflightWaiting && !hinted[pf.Message] {
			hinted[pf.Message] = true
			fmt.Fprintf(s.opts.Log, "\nPreflight: %s\n\n", pf.Message)
		}
		switch st.State {
		case contract.StateSucceeded, contract.StateFailed, contract.StateCancelled:
			return st, nil
		}
	}
}

// releaseCLI is the command that steers this stack's trains from a shell.
func (s *Stack) releaseCLI() string {
	if s.TemporalAddr == config.DefaultTemporalAddress {
		return "releasetrain release"
	}
	return config.EnvTemporalAddress + "=" + s.TemporalAddr + " releasetrain release"
}

// status asks the workflow; a closed workflow still answers queries.
func (s *Stack) status(ctx context.Context, id string) (contract.Status, error) {
	var st contract.Status
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := s.Client.QueryWorkflow(qctx, id, "", contract.QueryStatus)
	if err != nil {
		return st, err
	}
	return st, v.Get(&st)
}

// download saves every asset of the published release into dir.
func (s *Stack) download(tag, dir string) ([]ReportAsset, error) {
	rel, ok := s.Sim.Release(s.Train.Owner, s.Train.Release.Repo, tag)
	if !ok {
		return nil, fmt.Errorf("release %s not found in %s/%s", tag, s.Train.Owner, s.Train.Release.Repo)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var assets []ReportAsset
	for _, a := range rel.Assets {
		data, err := s.Sim.ReleaseAsset(s.Train.Owner, s.Train.Release.Repo, tag, a.Name)
		if err != nil {
			return nil, fmt.Errorf("download asset %s: %w", a.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, a.Name), data, 0o644); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		assets = append(assets, ReportAsset{Name: a.Name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	}
	return assets, nil
}

// VerifySums checks every line of dir/SHA256SUMS against the files in dir,
// like `sha256sum -c SHA256SUMS`, and also runs the real sha256sum when the
// machine has it. It returns how many files it checked.
func VerifySums(dir string) (int, error) {
	data, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		return 0, err
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		want, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			return n, fmt.Errorf("SHA256SUMS line %d: not in sha256sum format", n+1)
		}
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return n, fmt.Errorf("SHA256SUMS names %s: %w", name, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		_ = f.Close()
		if err != nil {
			return n, err
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			return n, fmt.Errorf("%s: sha256 %s, SHA256SUMS says %s", name, got, want)
		}
		n++
	}
	if n == 0 {
		return 0, errors.New("SHA256SUMS is empty")
	}
	if path, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command(path, "--quiet", "-c", "SHA256SUMS")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return n, fmt.Errorf("sha256sum -c SHA256SUMS: %v: %s", err, out)
		}
	}
	return n, nil
}

// describe returns the release workflow's start and close times.
func (s *Stack) describe(ctx context.Context, tag string) (start, end time.Time, err error) {
	d, err := s.Client.DescribeWorkflow(ctx, contract.ReleaseWorkflowID(tag), "")
	if err != nil {
		return start, end, err
	}
	end = time.Now()
	if d.WorkflowCloseTime != nil {
		end = *d.WorkflowCloseTime
	}
	return d.WorkflowStartTime, end, nil
}
