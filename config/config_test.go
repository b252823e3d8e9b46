package config_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/dag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestDefaultResolved(t *testing.T) {
	t.Parallel()
	tr := config.Default()
	assert.Equal(t, "BTCDecoded", tr.Owner)
	names := make([]string, len(tr.Repos))
	for i, r := range tr.Repos {
		names[i] = r.Name
	}
	assert.Equal(t, []string{"bllvm-consensus", "bllvm-protocol", "bllvm-node", "bllvm-sdk", "bllvm", "governance-app", "commons"}, names)
	assert.Equal(t, config.ModeDraft, tr.Trigger.Mode, "draft-first is the default")
	assert.Equal(t, names[1:], tr.Trigger.Repos, "every repo but the release repo")
	assert.Equal(t, []string{"published", "prereleased"}, tr.Trigger.Actions)
	assert.Equal(t, "bllvm-consensus", tr.Release.Repo)
	assert.Equal(t, "btcdecoded", tr.Release.Name)
	assert.False(t, tr.Release.GenerateNotes)

	limit := 2
	want := config.Settings{
		Dispatch:     "workflow_dispatch",
		Workflow:     "build.yml",
		Ref:          "main",
		EventType:    "releasetrain-build",
		BuildTimeout: 2 * time.Hour,
		RetryLimit:   &limit,
		RetryBackoff: time.Minute,
		MaxBackoff:   30 * time.Minute,
		PollInterval: 15 * time.Second,
		Artifacts:    []string{"*"},

		ExpectedDuration: 10 * time.Minute,
	}
	assert.Equal(t, want, tr.Defaults)
	for _, r := range tr.Repos {
		assert.Equal(t, want, r.Settings, r.Name)
		assert.Equal(t, 2, r.Retries())
	}
	node, ok := tr.Repo("bllvm-node")
	require.True(t, ok)
	assert.Equal(t, []string{"bllvm-protocol", "bllvm-consensus"}, node.DependsOn)
	_, ok = tr.Repo("nope")
	assert.False(t, ok)

	g, err := tr.Graph()
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"bllvm-consensus", "commons"}, {"bllvm-protocol"}, {"bllvm-node"}, {"bllvm", "bllvm-sdk"}, {"governance-app"}}, g.Layers())
}

func TestDefaultIsFreshEachCall(t *testing.T) {
	t.Parallel()
	a := config.Default()
	a.Repos[0].Name = "changed"
	*a.Repos[1].RetryLimit = 9
	a.Defaults.Artifacts[0] = "changed"
	b := config.Default()
	assert.Equal(t, "bllvm-consensus", b.Repos[0].Name)
	assert.Equal(t, 2, b.Repos[1].Retries())
	assert.Equal(t, []string{"*"}, b.Defaults.Artifacts)
	// Resolved repos never share the defaults' pointer or slices.
	*b.Defaults.RetryLimit = 7
	b.Defaults.Artifacts[0] = "x"
	assert.Equal(t, 2, b.Repos[0].Retries())
	assert.Equal(t, []string{"*"}, b.Repos[0].Artifacts)
}

const full = `owner: Acme
trigger:
  mode: release
  repos: [core]
  actions: [published]
release:
  repo: app
  name: acme-suite
  generate_notes: true
defaults:
  ref: release
  build_timeout: 45m
  retry_limit: 0
  artifacts: ["dist-*"]
repos:
  - name: core
    dispatch: repository_dispatch
    event_type: build-core
  - name: lib
    depends_on: [core]
    workflow: ci.yaml
    retry_limit: 5
    retry_backoff: 30s
    poll_interval: 1m
    artifacts: []
  - name: app
    depends_on: [lib, core]
    build_timeout: 3h
`

func TestParseFullResolvesInheritance(t *testing.T) {
	t.Parallel()
	tr, err := config.Parse("full.yaml", []byte(full))
	require.NoError(t, err)
	assert.Equal(t, config.Trigger{Mode: config.ModeRelease, Repos: []string{"core"}, Actions: []string{"published"}}, tr.Trigger)
	assert.Equal(t, config.ReleaseTarget{Repo: "app", Name: "acme-suite", GenerateNotes: true, MakeLatest: "true"}, tr.Release)

	core, _ := tr.Repo("core")
	assert.Equal(t, "repository_dispatch", core.Dispatch)
	assert.Equal(t, "build-core", core.EventType)
	assert.Equal(t, "release", core.Ref, "inherited from the train's defaults")
	assert.Equal(t, 45*time.Minute, core.BuildTimeout)
	assert.Zero(t, core.Retries(), "an explicit 0 is kept")
	require.NotNil(t, core.RetryLimit)
	assert.Equal(t, []string{"dist-*"}, core.Artifacts)

	lib, _ := tr.Repo("lib")
	assert.Equal(t, "workflow_dispatch", lib.Dispatch)
	assert.Equal(t, "ci.yaml", lib.Workflow)
	assert.Equal(t, 5, lib.Retries())
	assert.Equal(t, 30*time.Second, lib.RetryBackoff)
	assert.Equal(t, time.Minute, lib.PollInterval)
	assert.Equal(t, []string{}, lib.Artifacts, "an explicit empty list collects nothing")

	app, _ := tr.Repo("app")
	assert.Equal(t, 3*time.Hour, app.BuildTimeout)
	assert.Equal(t, "releasetrain-build", app.EventType)
	assert.Equal(t, 15*time.Second, app.PollInterval)

	assert.True(t, tr.TriggeredBy("core", "published", false))
	assert.True(t, tr.TriggeredBy("Core", "published", false), "GitHub's repo names are case-insensitive")
	assert.False(t, tr.TriggeredBy("core", "published", true), "a draft never starts a train in release mode")
	assert.False(t, tr.TriggeredBy("core", "prereleased", false))
	assert.False(t, tr.TriggeredBy("app", "published", false))
	assert.False(t, tr.TriggeredBy("app", "created", true))
}

// In draft mode (the default) only a draft saved in the release repo starts
// the train; published releases anywhere do not.
func TestTriggeredByDraftMode(t *testing.T) {
	t.Parallel()
	tr := config.Default()
	assert.True(t, tr.TriggeredBy("bllvm-consensus", "created", true))
	assert.False(t, tr.TriggeredBy("bllvm-consensus", "created", false), "a release published without a draft")
	assert.False(t, tr.TriggeredBy("bllvm-consensus", "published", false), "the train's own publication")
	assert.False(t, tr.TriggeredBy("bllvm-node", "created", true), "a draft outside the release repo")
	assert.False(t, tr.TriggeredBy("bllvm-node", "published", false))
}

func TestMatchArtifact(t *testing.T) {
	t.Parallel()
	tr, err := config.Parse("full.yaml", []byte(full))
	require.NoError(t, err)
	tests := []struct {
		repo, artifact string
		want           bool
	}{
		{"core", "dist-linux-amd64", true},
		{"core", "coverage", false},
		{"lib", "dist-linux-amd64", false}, // explicit empty list
		{"nope", "dist-x", false},
		{"bllvm-node", "anything", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tr.MatchArtifact(tt.repo, tt.artifact), "%s/%s", tt.repo, tt.artifact)
	}
	def := config.Default()
	assert.True(t, def.MatchArtifact("bllvm-node", "bllvm-node-x86_64-linux"))
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for name, tr := range map[string]*config.Train{"default": config.Default(), "full": mustParse(t, full)} {
		t.Run(name+"/yaml", func(t *testing.T) {
			t.Parallel()
			out, err := yaml.Marshal(tr)
			require.NoError(t, err)
			again, err := config.Parse("again.yaml", out)
			require.NoError(t, err, "%s", out)
			assert.Equal(t, tr, again)
		})
		t.Run(name+"/json", func(t *testing.T) {
			t.Parallel()
			out, err := json.Marshal(tr)
			require.NoError(t, err)
			var again config.Train
			require.NoError(t, json.Unmarshal(out, &again))
			assert.Equal(t, tr, &again)
		})
	}
}

func mustParse(t *testing.T, s string) *config.Train {
	t.Helper()
	tr, err := config.Parse("test.yaml", []byte(s))
	require.NoError(t, err)
	return tr
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "train.yaml")
	require.NoError(t, os.WriteFile(good, []byte("owner: x\nrepos:\n  - name: a\n"), 0o600))
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("owner: x\nrepos:\n  - name: a\n    dependson: [b]\n"), 0o600))

	tr, err := config.Load(good)
	require.NoError(t, err)
	assert.Equal(t, "a", tr.Release.Repo)

	_, err = config.Load(bad)
	require.EqualError(t, err, bad+`:4: unknown key "dependson" in repos[0]`)

	_, err = config.Load(filepath.Join(dir, "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "missing.yaml")

	tr, err = config.LoadOrDefault("")
	require.NoError(t, err)
	assert.Equal(t, "BTCDecoded", tr.Owner)

	env := map[string]string{config.EnvConfig: good}
	tr, err = config.EnvOf(func(k string) string { return env[k] }).Train("")
	require.NoError(t, err)
	assert.Equal(t, "x", tr.Owner)
	_, err = config.EnvOf(func(k string) string { return env[k] }).Train(filepath.Join(dir, "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist, "--config wins over the variable")
	tr, err = config.EnvOf(func(string) string { return "" }).Train("")
	require.NoError(t, err)
	assert.Equal(t, "BTCDecoded", tr.Owner)
}

func TestResolveInCode(t *testing.T) {
	t.Parallel()
	tr := &config.Train{Owner: "x", Repos: []config.Repo{{Name: "b", DependsOn: []string{"a"}}, {Name: "a"}}}
	require.NoError(t, tr.Resolve())
	assert.Equal(t, "a", tr.Release.Repo)
	assert.Equal(t, config.DefaultPollInterval, tr.Repos[0].PollInterval)

	bad := &config.Train{Owner: "x", Repos: []config.Repo{{Name: "a", Settings: config.Settings{PollInterval: -time.Second}}}}
	require.EqualError(t, bad.Resolve(), `repo "a": poll_interval must be positive, got -1s`)

	cyc := &config.Train{Owner: "x", Repos: []config.Repo{{Name: "a", DependsOn: []string{"a"}}}}
	_, err := cyc.Graph()
	var se *dag.SelfDependencyError
	require.True(t, errors.As(err, &se))
}

func TestBackoffIsCappedAndCannotOverflow(t *testing.T) {
	tests := []struct {
		give  config.Settings
		rerun int
		want  time.Duration
	}{
		{give: config.Settings{RetryBackoff: time.Minute, MaxBackoff: 30 * time.Minute}, rerun: 0, want: time.Minute},
		{give: config.Settings{RetryBackoff: time.Minute, MaxBackoff: 30 * time.Minute}, rerun: 2, want: 4 * time.Minute},
		{give: config.Settings{RetryBackoff: time.Minute, MaxBackoff: 30 * time.Minute}, rerun: 5, want: 30 * time.Minute},
		// 1m << 20 is two years; << 40 overflows to a negative wait.
		{give: config.Settings{RetryBackoff: time.Minute, MaxBackoff: 30 * time.Minute}, rerun: 20, want: 30 * time.Minute},
		{give: config.Settings{RetryBackoff: time.Minute, MaxBackoff: 30 * time.Minute}, rerun: 40, want: 30 * time.Minute},
		{give: config.Settings{RetryBackoff: time.Minute, MaxBackoff: 30 * time.Minute}, rerun: 1000, want: 30 * time.Minute},
		// A train started before max_backoff existed gets the default cap.
		{give: config.Settings{RetryBackoff: time.Minute}, rerun: 40, want: config.DefaultMaxBackoff},
		{give: config.Settings{RetryBackoff: time.Hour, MaxBackoff: time.Duration(1<<63 - 1)}, rerun: 70, want: time.Duration(1<<63 - 1)},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.give.Backoff(tt.rerun), "%+v.Backoff(%d)", tt.give, tt.rerun)
	}
}

func TestReconcileInterval(t *testing.T) {
	tests := []struct {
		give    string
		want    time.Duration
		wantErr string
	}{
		{give: "", want: config.DefaultReconcileInterval},
		{give: "off", want: 0},
		{give: "15m", want: 15 * time.Minute},
		{give: "10s", wantErr: `train.yaml:4: reconcile: interval "10s": 10s is shorter than the minimum 1m0s`},
		{give: "5m\n  webhook_url: ftp://x", wantErr: `train.yaml:5: reconcile: webhook_url "ftp://x": want an absolute http(s) URL`},
		{give: "5m\n  webhook_url: https://rt.example.org/webhook", want: 5 * time.Minute},
		{give: "soon", wantErr: `train.yaml:4: reconcile: interval "soon": want a duration like 5m, or "off"`},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			yaml := "owner: acme\nrepos: [{name: core}]\n"
			if tt.give != "" {
				yaml += "reconcile:\n  interval: " + tt.give + "\n"
			}
			tr, err := config.Parse("train.yaml", []byte(yaml))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			got, err := tr.Reconcile.Every()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
