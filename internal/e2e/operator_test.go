package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
	"github.com/BTCDecoded/releasetrain/operator"
	"github.com/BTCDecoded/releasetrain/webhook"
)

// operatorTrainYAML is a train whose bllvm-consensus build blocks at once
// (the simulator fails every attempt, retry_limit 0), whose commons build
// runs for days (so the train keeps running), and whose bllvm-protocol
// waits for bllvm-consensus.
const operatorTrainYAML = `owner: BTCDecoded
defaults:
  poll_interval: 200ms
  retry_backoff: 1s
repos:
  - name: bllvm-consensus
    retry_limit: 0
  - name: bllvm-protocol
    depends_on: [bllvm-consensus]
  - name: commons
`

// outcome is what a surface answered, in the operator client's words: ""
// for success, else the error's kind.
type outcome = operator.Kind

// surface drives one train through one surface.
type surface struct {
	name   string
	tag    string
	do     func(args ...string) (outcome, string) // an action on the train (or another tag)
	status func(tag string) contract.Status
}

// TestOperatorSurfacesAgree drives every operator action through the CLI
// (the releasetrain binary) and through the HTTP API against the real
// Temporal dev server and ghsim, one train per surface with the same
// input, and requires the same outcome from both: the exit status and the
// HTTP status name the same kind (the tables of cmd and webhook), and the
// trains end in the same state.
func TestOperatorSurfacesAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	bin := traintest.BuildReleasetrain(t)
	cfgPath := filepath.Join(t.TempDir(), "train.yaml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(operatorTrainYAML), 0o644))
	train, err := config.LoadOrDefault(cfgPath)
	require.NoError(t, err)
	sc := ghsim.DefaultScenario()
	for i := range sc.Repos {
		switch sc.Repos[i].Name {
		case "bllvm-consensus":
			sc.Repos[i].Outcomes = []ghsim.Conclusion{"failure"}
		case "commons":
			sc.Repos[i].Duration = ghsim.Duration(100 * time.Hour)
		}
	}
	// Temporal, ghsim, a worker and the receiver with its operator API,
	// which runs the same train as the CLI's --config.
	s := devstack.StartTest(t, devstack.Options{Parts: devstack.AllParts, Train: train, Sim: ghsim.Options{Seed: 5, Scenario: sc}})

	cli := cliSurface(t, bin, s.TemporalAddr, cfgPath, "v7.0.0-rc.1")
	api := apiSurface(t, s.ReceiverURL, s.APIToken, "v7.0.1-rc.1")
	surfaces := []surface{cli, api}

	// step runs the same action on both surfaces (TAG stands for each
	// surface's own train) and requires want from both.
	step := func(want outcome, args ...string) {
		t.Helper()
		for _, s := range surfaces {
			got, out := s.do(args...)
			t.Logf("%s %v: %q %s", s.name, args, got, strings.TrimSpace(out))
			require.Equal(t, want, got, "%s %v: %s", s.name, args, out)
		}
	}
	// eventually waits until cond holds for both trains.
	eventually := func(what string, cond func(contract.Status) bool) {
		t.Helper()
		for _, s := range surfaces {
			require.Eventually(t, func() bool { return cond(s.status(s.tag)) }, 2*time.Minute, 100*time.Millisecond,
				"%s: %s; status %+v", s.name, what, s.status(s.tag))
		}
	}

	// Start: repos named in any case, prerelease inferred from the rc tag.
	step("", "start", "TAG", "--only", "BLLVM-Consensus,bllvm-protocol,Commons")
	step("", "start", "TAG", "--only", "BLLVM-Consensus,bllvm-protocol,Commons") // joins the running train
	step(operator.ErrInvalid, "start", "v7.9.9", "--only", "nope")
	step(operator.ErrInvalid, "start", "bad..tag")
	for _, s := range surfaces {
		st := s.status(s.tag)
		require.True(t, st.Prerelease, "%s: an rc tag is a prerelease", s.name)
		require.Equal(t, [][]string{{"bllvm-consensus", "commons"}, {"bllvm-protocol"}}, st.Layers, s.name)
	}

	// Status and list.
	step("", "status", "TAG")
	step(operator.ErrNotFound, "status", "v0.0.404")
	step("", "list", "--tag", "TAG")
	for _, s := range surfaces { // the list is Temporal's visibility store: it catches up
		require.Eventually(t, func() bool {
			got, out := s.do("list", "--tag", "TAG")
			return got == "" && strings.Contains(out, "release-"+s.tag)
		}, time.Minute, 200*time.Millisecond, "%s: list --tag %s shows the train", s.name, s.tag)
	}
	step(operator.ErrInvalid, "list", "--state", "exploded")

	eventually("bllvm-consensus blocked, commons building", func(st contract.Status) bool {
		return st.State == contract.StateBlocked && len(st.Blocked) == 1 && st.Blocked[0] == "bllvm-consensus" &&
			st.Repos["commons"].State == contract.RepoBuilding
	})

	// The workflow's validators decide, the same way for both.
	step(operator.ErrConflict, "retry", "TAG", "commons") // building, not blocked
	step(operator.ErrConflict, "retry", "TAG")            // no release step is blocked
	step(operator.ErrInvalid, "retry", "TAG", "nope")     // not in the train
	step(operator.ErrInvalid, "skip", "TAG", "nope")      // not in the train
	step(operator.ErrNotFound, "pause", "v0.0.404")       // no such train
	step(operator.ErrNotFound, "retry", "v0.0.404", "commons")

	// Pause and resume, each once.
	step("", "pause", "TAG")
	eventually("paused", func(st contract.Status) bool { return st.Paused && st.State == contract.StatePaused })
	step(operator.ErrConflict, "pause", "TAG")
	step("", "resume", "TAG")
	eventually("resumed", func(st contract.Status) bool { return !st.Paused })
	step(operator.ErrConflict, "resume", "TAG")

	// Retry the blocked build (named in another case): it runs again, fails
	// again and blocks again; then skip it, and bllvm-protocol builds.
	step("", "retry", "TAG", "BLLVM-consensus")
	eventually("bllvm-consensus blocked again on its second run", func(st contract.Status) bool {
		rs := st.Repos["bllvm-consensus"]
		return rs.State == contract.RepoFailed && rs.Attempt >= 2 && st.State == contract.StateBlocked
	})
	step("", "skip", "TAG", "bllvm-consensus")
	eventually("bllvm-consensus skipped, bllvm-protocol built", func(st contract.Status) bool {
		return st.Repos["bllvm-consensus"].State == contract.RepoSkipped && st.Repos["bllvm-protocol"].State == contract.RepoSucceeded
	})
	step(operator.ErrConflict, "skip", "TAG", "bllvm-protocol") // already finished

	// Cancel ends both trains; a finished train refuses every action.
	step("", "cancel", "TAG")
	eventually("cancelled", func(st contract.Status) bool { return st.State == contract.StateCancelled })
	step(operator.ErrConflict, "resume", "TAG")
	step(operator.ErrConflict, "cancel", "TAG")
	step("", "status", "TAG")
	final := map[string]contract.Status{}
	for _, s := range surfaces {
		st := s.status(s.tag)
		final[s.name] = contract.Status{State: st.State, Layers: st.Layers, Prerelease: st.Prerelease,
			Repos: map[string]contract.RepoStatus{}}
		for name, rs := range st.Repos {
			final[s.name].Repos[name] = contract.RepoStatus{State: rs.State}
		}
	}
	require.Equal(t, final[cli.name], final[api.name], "both trains end in the same state")

	// With Temporal unreachable both surfaces say so.
	down := closedAddress(t)
	lazy, err := client.NewLazyClient(client.Options{HostPort: down})
	require.NoError(t, err)
	t.Cleanup(lazy.Close)
	offline := []surface{
		cliSurface(t, bin, down, cfgPath, cli.tag),
		apiSurface(t, apiServer(t, lazy, train, offlineToken), offlineToken, api.tag),
	}
	for _, s := range offline {
		got, out := s.do("status", "TAG")
		require.Equal(t, operator.ErrUnavailable, got, "%s status with Temporal down: %s", s.name, out)
		got, out = s.do("pause", "TAG")
		require.Equal(t, operator.ErrUnavailable, got, "%s pause with Temporal down: %s", s.name, out)
	}
}

// kindOfExit is the kind an exit status names (cmd/releasetrain's table).
var kindOfExit = map[int]outcome{0: "", 2: operator.ErrInvalid, 3: operator.ErrNotFound, 4: operator.ErrConflict, 5: operator.ErrUnavailable}

// kindOfHTTP is the kind an HTTP status names (webhook's table).
var kindOfHTTP = map[int]outcome{
	http.StatusOK: "", http.StatusCreated: "", http.StatusAccepted: "",
	http.StatusUnprocessableEntity: operator.ErrInvalid, http.StatusNotFound: operator.ErrNotFound,
	http.StatusConflict: operator.ErrConflict, http.StatusServiceUnavailable: operator.ErrUnavailable,
}

// cliSurface runs `releasetrain release …` against Temporal at address.
func cliSurface(t *testing.T, bin, address, cfgPath, tag string) surface {
	run := func(args ...string) (int, string) {
		t.Helper()
		if args[0] == "start" {
			args = append(args, "--config", cfgPath)
		}
		cmd := exec.Command(bin, append([]string{"release"}, args...)...)
		cmd.Env = []string{"TEMPORAL_ADDRESS=" + address}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), out.String()
		}
		require.NoError(t, err, out.String())
		return 0, out.String()
	}
	return surface{
		name: "cli",
		tag:  tag,
		do: func(args ...string) (outcome, string) {
			code, out := run(withTag(args, tag)...)
			kind, ok := kindOfExit[code]
			require.True(t, ok, "cli %v: exit status %d names no kind: %s", args, code, out)
			return kind, out
		},
		status: func(tag string) contract.Status {
			code, out := run("status", tag, "--json")
			require.Zero(t, code, out)
			var st contract.Status
			require.NoError(t, json.Unmarshal([]byte(out), &st), out)
			return st
		},
	}
}

// apiSurface calls the operator HTTP API at base with the bearer token.
func apiSurface(t *testing.T, base, token, tag string) surface {
	call := func(method, path string, body any) (int, []byte) {
		t.Helper()
		var r io.Reader
		if body != nil {
			b, err := json.Marshal(body)
			require.NoError(t, err)
			r = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, base+path, r)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, data
	}
	return surface{
		name: "api",
		tag:  tag,
		do: func(args ...string) (outcome, string) {
			method, path, body := apiRequest(t, withTag(args, tag))
			code, data := call(method, path, body)
			kind, ok := kindOfHTTP[code]
			require.True(t, ok, "api %v: status %d names no kind: %s", args, code, data)
			return kind, string(data)
		},
		status: func(tag string) contract.Status {
			code, data := call(http.MethodGet, "/api/releases/"+tag, nil)
			require.Equal(t, http.StatusOK, code, string(data))
			var st contract.Status
			require.NoError(t, json.Unmarshal(data, &st), string(data))
			return st
		},
	}
}

// apiRequest is the HTTP request for a CLI command line.
func apiRequest(t *testing.T, args []string) (method, path string, body any) {
	t.Helper()
	switch args[0] {
	case "start":
		req := map[string]any{"tag": args[1]}
		if len(args) == 4 && args[2] == "--only" {
			req["only"] = strings.Split(args[3], ",")
		}
		return http.MethodPost, "/api/releases", req
	case "status":
		return http.MethodGet, "/api/releases/" + args[1], nil
	case "list":
		q := ""
		for i := 1; i+1 < len(args); i += 2 {
			q += "&" + strings.TrimPrefix(args[i], "--") + "=" + args[i+1]
		}
		return http.MethodGet, "/api/releases?" + strings.TrimPrefix(q, "&"), nil
	case "pause", "resume", "cancel":
		return http.MethodPost, "/api/releases/" + args[1] + "/" + args[0], nil
	case "retry", "skip":
		if len(args) == 2 {
			return http.MethodPost, "/api/releases/" + args[1] + "/" + args[0], nil
		}
		return http.MethodPost, "/api/releases/" + args[1] + "/builds/" + args[2] + "/" + args[0], nil
	}
	t.Fatalf("no API request for %v", args)
	return "", "", nil
}

// withTag puts the surface's tag where args say TAG.
func withTag(args []string, tag string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		if a == "TAG" {
			out[i] = tag
		}
	}
	return out
}

// offlineToken is the bearer token of the receiver whose Temporal is down.
const offlineToken = "operator-test-token"

// apiServer serves a receiver and its operator API over c, each call
// bounded by a few seconds; it returns the base URL.
func apiServer(t *testing.T, c client.Client, train *config.Train, token string) string {
	t.Helper()
	s, err := webhook.New(webhook.Options{
		Secret: []byte("operator-test-secret"), APIToken: token, Train: train, Temporal: c,
		Timeout: 5 * time.Second,
	})
	require.NoError(t, err)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// closedAddress is a local address nothing listens on.
func closedAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
