package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runPlanCmd runs `releasetrain plan args…` as main would and returns
// stdout, stderr, and the exit status main would use.
func runPlanCmd(t *testing.T, args ...string) (string, string, int, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"plan"}, args...), &out, &errb)
	code := 0
	if err != nil {
		code = 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
	}
	return out.String(), errb.String(), code, err
}

func writeTrain(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "train.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

const defaultLayersJSON = `{"layers":[["bllvm-consensus","commons"],["bllvm-protocol"],["bllvm-node"],["bllvm","bllvm-sdk"],["governance-app"]]`

func TestPlanJSONDefault(t *testing.T) {
	t.Setenv("RELEASETRAIN_CONFIG", "")
	out, errOut, code, err := runPlanCmd(t, "--format", "json")
	require.NoError(t, err)
	assert.Equal(t, 0, code)
	assert.Empty(t, errOut)
	assert.True(t, strings.HasPrefix(out, defaultLayersJSON), "got %s", out)
	assert.Equal(t, 1, strings.Count(out, "\n"), "one JSON line")

	var doc struct {
		Layers      [][]string `json:"layers"`
		Owner       string     `json:"owner"`
		ReleaseRepo string     `json:"release_repo"`
		Repos       []struct {
			Name      string   `json:"name"`
			Layer     int      `json:"layer"`
			DependsOn []string `json:"depends_on"`
		} `json:"repos"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, "BTCDecoded", doc.Owner)
	assert.Equal(t, "bllvm-consensus", doc.ReleaseRepo)
	require.Len(t, doc.Repos, 7)
	assert.Equal(t, "bllvm-node", doc.Repos[3].Name)
	assert.Equal(t, 2, doc.Repos[3].Layer)
	assert.Equal(t, []string{"bllvm-consensus", "bllvm-protocol"}, doc.Repos[3].DependsOn)
	assert.Equal(t, []string{}, doc.Repos[0].DependsOn)
}

func TestPlanFormats(t *testing.T) {
	t.Setenv("RELEASETRAIN_CONFIG", "")
	tests := []struct {
		format string
		want   []string
	}{
		{"text", []string{
			"train BTCDecoded: 7 repos in 5 layers; unified release in BTCDecoded/bllvm-consensus\n",
			"\nlayer 0: 2 repos in parallel\n  bllvm-consensus  starts +0s, takes 10m\n  commons          starts +0s, takes 10m\n",
			"\nlayer 2: 1 repo\n  bllvm-node       starts +20m, takes 10m      after bllvm-consensus, bllvm-protocol\n",
			"\nlayer 4: 1 repo\n  governance-app   starts +40m, takes 10m      after bllvm-sdk\n",
			"\neager schedule: about 50m (expected_duration of each repo)\n" +
				"critical path 50m: bllvm-consensus → bllvm-protocol → bllvm-node → bllvm-sdk → governance-app\n",
		}},
		{"mermaid", []string{"graph TD\n", "  subgraph layer3[\"layer 3\"]\n    n0[\"bllvm\"]\n    n4[\"bllvm-sdk\"]\n  end\n", "  n4 --> n6\n"}},
		{"dot", []string{"digraph \"BTCDecoded\" {\n", "  { rank=same; \"bllvm\"; \"bllvm-sdk\"; }\n", "  \"bllvm-sdk\" -> \"governance-app\";\n", "}\n"}},
	}
	for _, tt := range tests {
		out, _, code, err := runPlanCmd(t, "--format", tt.format)
		require.NoError(t, err, tt.format)
		assert.Equal(t, 0, code)
		for _, w := range tt.want {
			assert.Contains(t, out, w, tt.format)
		}
		for _, line := range strings.Split(out, "\n") {
			assert.Equal(t, strings.TrimRight(line, " "), line, "%s: trailing space", tt.format)
		}
	}
	// text is the default format, and --config wins over the environment.
	p := writeTrain(t, "owner: acme\nrepos:\n  - name: lib\n  - name: app\n    depends_on: [lib]\n")
	t.Setenv("RELEASETRAIN_CONFIG", filepath.Join(t.TempDir(), "missing.yaml"))
	out, _, _, err := runPlanCmd(t, "--config", p)
	require.NoError(t, err)
	assert.Equal(t, "train acme: 2 repos in 2 layers; unified release in acme/lib\n\n"+
		"layer 0: 1 repo\n  lib  starts +0s, takes 10m\n\n"+
		"layer 1: 1 repo\n  app  starts +10m, takes 10m      after lib\n\n"+
		"eager schedule: about 20m (expected_duration of each repo)\ncritical path 20m: lib → app\nlayered schedule would take 20m\n", out)
}

// TestPlanCriticalPathAndEarliestStarts: under the eager schedule a repo
// starts when its own dependencies are done, not when its layer's slowest
// member is; layered starts wait for the whole layer.
func TestPlanCriticalPathAndEarliestStarts(t *testing.T) {
	body := "owner: acme\nschedule: %s\nrepos:\n  - name: lib\n    expected_duration: 2m\n  - name: slow\n    expected_duration: 30m\n" +
		"  - name: app\n    depends_on: [lib]\n  - name: tool\n    depends_on: [app]\n    expected_duration: 25m\n"
	var doc struct {
		Schedule            string   `json:"schedule"`
		CriticalPath        []string `json:"critical_path"`
		CriticalPathSeconds float64  `json:"critical_path_seconds"`
		LayeredSeconds      float64  `json:"layered_seconds"`
		MakespanSeconds     float64  `json:"makespan_seconds"`
		Repos               []struct {
			Name                 string  `json:"name"`
			EarliestStartSeconds float64 `json:"earliest_start_seconds"`
			OnCriticalPath       bool    `json:"on_critical_path"`
		} `json:"repos"`
	}
	out, _, _, err := runPlanCmd(t, "--config", writeTrain(t, fmt.Sprintf(body, "eager")), "--format", "json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, "eager", doc.Schedule)
	assert.Equal(t, []string{"lib", "app", "tool"}, doc.CriticalPath)
	assert.Equal(t, float64(37*60), doc.CriticalPathSeconds) // 2m + 10m (default) + 25m
	assert.Equal(t, float64(65*60), doc.LayeredSeconds)      // 30m + 10m + 25m
	assert.Equal(t, doc.CriticalPathSeconds, doc.MakespanSeconds)
	starts := map[string]float64{}
	for _, r := range doc.Repos {
		starts[r.Name] = r.EarliestStartSeconds
		assert.Equal(t, r.Name != "slow", r.OnCriticalPath, r.Name)
	}
	assert.Equal(t, map[string]float64{"lib": 0, "slow": 0, "app": 120, "tool": 720}, starts)

	out, _, _, err = runPlanCmd(t, "--config", writeTrain(t, fmt.Sprintf(body, "layered")))
	require.NoError(t, err)
	assert.Contains(t, out, "  app   starts +30m, takes 10m      after lib\n")
	assert.Contains(t, out, "  tool  starts +40m, takes 25m      after app\n")
	assert.Contains(t, out, "layered schedule: about 1h5m (expected_duration of each repo)\ncritical path 37m: lib → app → tool\n")

	_, _, code, err := runPlanCmd(t, "--config", writeTrain(t, fmt.Sprintf(body, "greedy")))
	require.Error(t, err)
	assert.Equal(t, 2, code)
	assert.Contains(t, err.Error(), `schedule "greedy" is not eager or layered`)
}

func TestPlanConfigFromEnv(t *testing.T) {
	p := writeTrain(t, "owner: acme\nrepos:\n  - name: lib\n  - name: app\n    depends_on: [lib]\n")
	t.Setenv("RELEASETRAIN_CONFIG", p)
	out, _, _, err := runPlanCmd(t, "--format", "json")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, `{"layers":[["lib"],["app"]],"owner":"acme"`), out)
}

func TestPlanInvalidInputExits2(t *testing.T) {
	t.Setenv("RELEASETRAIN_CONFIG", "")
	cycle := writeTrain(t, "owner: x\nrepos:\n  - name: a\n    depends_on: [b]\n  - name: b\n    depends_on: [c]\n  - name: c\n    depends_on: [a]\n")
	unknown := writeTrain(t, "owner: x\nrepos:\n  - name: x1\n  - name: y\n    depends_on: [x]\n")
	yamlErr := writeTrain(t, "owner: x\nrepos:\n  - name: a\n    dependson: [b]\n")
	dup := writeTrain(t, "owner: x\nrepos:\n  - name: a\n  - name: a\n")
	self := writeTrain(t, "owner: x\nrepos:\n  - name: a\n    depends_on: [a]\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"cycle", []string{"--config", cycle}, cycle + ":3: cycle: a -> b -> c -> a"},
		{"unknown dependency names both repos", []string{"--config", unknown}, unknown + `:4: repo "y": unknown dependency "x"`},
		{"yaml error names the line", []string{"--config", yamlErr}, yamlErr + `:4: unknown key "dependson" in repos[0]`},
		{"duplicate", []string{"--config", dup, "--format", "json"}, dup + `:4: duplicate repo "a"`},
		{"self dependency", []string{"--config", self}, self + `:3: repo "a": depends on itself`},
		{"bad format", []string{"--format", "svg"}, `plan: unknown format "svg" (want text, json, mermaid or dot)`},
		{"stray argument", []string{"extra"}, `plan: unexpected argument "extra"`},
		{"bad flag", []string{"--nope"}, "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		out, _, code, err := runPlanCmd(t, tt.args...)
		require.Error(t, err, tt.name)
		assert.Equal(t, 2, code, tt.name)
		assert.Equal(t, tt.want, err.Error(), tt.name)
		assert.NotContains(t, err.Error(), "\n", "%s: one line", tt.name)
		assert.Empty(t, out, tt.name)
	}

	_, _, code, err := runPlanCmd(t, "--config", filepath.Join(t.TempDir(), "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Equal(t, 2, code)
}

func TestPlanOnly(t *testing.T) {
	t.Setenv("RELEASETRAIN_CONFIG", "")
	out, _, _, err := runPlanCmd(t, "--only", "bllvm-node", "--with-dependents", "--format", "json")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, `{"layers":[["bllvm-node"],["bllvm","bllvm-sdk"],["governance-app"]],`), out)

	out, _, _, err = runPlanCmd(t, "--only", "governance-app, bllvm-consensus")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, "train BTCDecoded: 2 of 7 repos in 1 layer;"), out)
	assert.Contains(t, out, "layer 0: 2 repos in parallel\n  bllvm-consensus  starts +0s, takes 10m\n  governance-app   starts +0s, takes 10m\n")

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--only", "nope,bllvm"}, `plan: --only: unknown repo "nope"`},
		{[]string{"--with-dependents"}, "plan: --with-dependents needs --only"},
		{[]string{"--only", " , ", "--with-dependents"}, "plan: --with-dependents needs --only"},
	}
	for _, tt := range tests {
		_, _, code, err := runPlanCmd(t, tt.args...)
		require.EqualError(t, err, tt.want)
		assert.Equal(t, 2, code)
	}
}

func TestPlanHelp(t *testing.T) {
	_, errOut, code, err := runPlanCmd(t, "-h")
	require.NoError(t, err)
	assert.Equal(t, 0, code)
	assert.Contains(t, errOut, "-format FORMAT")
	assert.Contains(t, errOut, "-config FILE")
}
