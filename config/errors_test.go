package config_test

import (
	"errors"
	"testing"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/dag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseErrors(t *testing.T) {
	t.Parallel()
	const head = "owner: x\nrepos:\n  - name: a\n" // repos[0] "a" is on line 3
	tests := []struct {
		name    string
		give    string
		want    string
		wantKey string
	}{
		{"unknown key in a repo", head + "  - name: b\n    dependson: [a]\n", `train.yaml:5: unknown key "dependson" in repos[1]`, "repos[1].dependson"},
		{"unknown top-level key", "owner: x\nrepo:\n  - name: a\n", `train.yaml:2: unknown key "repo"`, "repo"},
		{"unknown key in defaults", "owner: x\ndefaults:\n  timeout: 1h\nrepos:\n  - name: a\n", `train.yaml:3: unknown key "timeout" in defaults`, "defaults.timeout"},
		{"secret-looking key", "owner: x\ngithub_token: abc\nrepos:\n  - name: a\n", `train.yaml:2: key "github_token" looks like a secret: secrets never go in the train file, set them in the environment (see .env.example)`, "github_token"},
		{"secret-looking key in a repo", head + "    webhook_secret: s3cr3t\n", `train.yaml:4: key "webhook_secret" looks like a secret: secrets never go in the train file, set them in the environment (see .env.example)`, "repos[0].webhook_secret"},
		{"private key", "owner: x\nrelease:\n  private_key: k\nrepos:\n  - name: a\n", `train.yaml:3: key "private_key" looks like a secret: secrets never go in the train file, set them in the environment (see .env.example)`, "release.private_key"},
		{"duration not a duration", head + "    build_timeout: 2 hours\n", `train.yaml:4: repos[0].build_timeout: want a duration such as 30s, 15m or 2h, got "2 hours"`, "repos[0].build_timeout"},
		{"duration without unit", head + "    poll_interval: 15\n", `train.yaml:4: repos[0].poll_interval: want a duration such as 30s, 15m or 2h, got "15"`, "repos[0].poll_interval"},
		{"integer not an integer", head + "    retry_limit: many\n", `train.yaml:4: repos[0].retry_limit: want an integer, got "many"`, "repos[0].retry_limit"},
		{"list not a list", head + "    depends_on: {b: 1}\n", `train.yaml:4: repos[0].depends_on: want a list of strings, got a mapping`, "repos[0].depends_on"},
		{"repos a mapping", "owner: x\nrepos: {a: 1}\n", `train.yaml:2: repos: want a list of mappings of keys, got a mapping`, "repos"},
		{"bool not a bool", "owner: x\nrelease:\n  generate_notes: maybe\nrepos:\n  - name: a\n", `train.yaml:3: release.generate_notes: want true or false, got "maybe"`, "release.generate_notes"},
		{"not a mapping at all", "- a\n- b\n", `train.yaml:1: train config: want a mapping of keys, got a list`, ""},
		{"syntax error", "owner: x\nrepos:\n\t- name: a\n", `train.yaml:3: found character that cannot start any token`, ""},
		{"unclosed flow list: the line it starts on", "owner: x\nrepos: [a\n", `train.yaml:2: did not find expected ',' or ']'`, ""},
		{"bad indentation: the line of the broken list", "owner: x\nrepos:\n  - name: a\n   bad: indent\n", `train.yaml:3: did not find expected '-' indicator`, ""},
		{"syntax error without a line", "x1: a: b\n", `train.yaml: mapping values are not allowed in this context`, ""},
		{"duplicate key", "owner: x\nowner: y\nrepos:\n  - name: a\n", `train.yaml:2: mapping key "owner" already defined at line 1`, ""},
		{"empty file", "", `train.yaml: empty train config: want owner and repos`, ""},
		{"no owner", "repos:\n  - name: a\n", `train.yaml: owner is required`, "owner"},
		{"bad owner", "owner: -x\nrepos:\n  - name: a\n", `train.yaml:1: owner "-x" is not a valid GitHub user or organisation`, "owner"},
		{"no repos", "owner: x\n", `train.yaml: repos: at least one repo is required`, "repos"},
		{"bad repo name", head + "  - name: b c\n", `train.yaml:4: repo "b c": not a valid GitHub repository name`, "repos[1].name"},
		{"empty repo name", head + "  - depends_on: [a]\n", `train.yaml:4: repos[1]: name is required`, "repos[1]"},
		{"cycle", "owner: x\nrepos:\n  - name: c\n    depends_on: [a]\n  - name: a\n    depends_on: [b]\n  - name: b\n    depends_on: [c]\n", `train.yaml:5: cycle: a -> b -> c -> a`, "repos[1]"},
		{"unknown dependency", head + "  - name: y\n    depends_on: [x]\n", `train.yaml:4: repo "y": unknown dependency "x"`, "repos[1]"},
		{"self dependency", head + "    depends_on: [a]\n", `train.yaml:3: repo "a": depends on itself`, "repos[0]"},
		{"duplicate repo", head + "  - name: b\n  - name: a\n", `train.yaml:5: duplicate repo "a"`, "repos[2]"},
		{"bad dispatch kind", head + "    dispatch: webhook\n", `train.yaml:4: repo "a": dispatch "webhook" is not workflow_dispatch or repository_dispatch`, "repos[0].dispatch"},
		{"bad dispatch kind in defaults", "owner: x\ndefaults:\n  dispatch: push\nrepos:\n  - name: a\n", `train.yaml:3: defaults: dispatch "push" is not workflow_dispatch or repository_dispatch`, "defaults.dispatch"},
		{"empty workflow", head + "    workflow: \"\"\n", `train.yaml:4: repo "a": workflow must not be empty`, "repos[0].workflow"},
		{"workflow not a file", head + "    workflow: .github/workflows/build.yml\n", `train.yaml:4: repo "a": workflow ".github/workflows/build.yml" is not a workflow file name (such as build.yml) or id`, "repos[0].workflow"},
		{"empty ref", head + "    ref: \"\"\n", `train.yaml:4: repo "a": ref must not be empty`, "repos[0].ref"},
		{"bad ref", head + "    ref: main..dev\n", `train.yaml:4: repo "a": ref "main..dev" is not a valid git ref`, "repos[0].ref"},
		{"long event type", head + "    dispatch: repository_dispatch\n    event_type: " + string(make101()) + "\n", `train.yaml:5: repo "a": event_type is longer than GitHub's 100 characters`, "repos[0].event_type"},
		{"negative timeout", head + "    build_timeout: -1h\n", `train.yaml:4: repo "a": build_timeout must be positive, got -1h0m0s`, "repos[0].build_timeout"},
		{"zero poll interval", head + "    poll_interval: 0s\n", `train.yaml:4: repo "a": poll_interval must be positive, got 0s`, "repos[0].poll_interval"},
		{"negative backoff in defaults", "owner: x\ndefaults:\n  retry_backoff: -5s\nrepos:\n  - name: a\n", `train.yaml:3: defaults: retry_backoff must be positive, got -5s`, "defaults.retry_backoff"},
		{"negative retry limit", head + "    retry_limit: -1\n", `train.yaml:4: repo "a": retry_limit must be 0 to 10, got -1`, "repos[0].retry_limit"},
		{"retry limit over 10", head + "    retry_limit: 20\n", `train.yaml:4: repo "a": retry_limit must be 0 to 10, got 20`, "repos[0].retry_limit"},
		{"retry limit over 10 in defaults", "owner: x\ndefaults:\n  retry_limit: 31\nrepos:\n  - name: a\n", `train.yaml:3: defaults: retry_limit must be 0 to 10, got 31`, "defaults.retry_limit"},
		{"backoff over the cap", head + "    retry_backoff: 2h\n", `train.yaml:4: repo "a": retry_backoff 2h0m0s is over max_backoff 30m0s`, "repos[0].retry_backoff"},
		{"backoff over a lowered cap", "owner: x\ndefaults:\n  max_backoff: 5m\nrepos:\n  - name: a\n    retry_backoff: 10m\n", `train.yaml:6: repo "a": retry_backoff 10m0s is over max_backoff 5m0s`, "repos[0].retry_backoff"},
		{"zero cap", "owner: x\ndefaults:\n  max_backoff: 0s\nrepos:\n  - name: a\n", `train.yaml:3: defaults: max_backoff must be positive, got 0s`, "defaults.max_backoff"},
		{"bad glob", head + "    artifacts: [\"dist-*\", \"[\"]\n", `train.yaml:4: repo "a": artifact pattern "[" is not a valid glob`, "repos[0].artifacts[1]"},
		{"empty glob", head + "    artifacts: [\"\"]\n", `train.yaml:4: repo "a": artifact pattern "" is not a valid glob`, "repos[0].artifacts[0]"},
		{"trigger repo not in train", "owner: x\ntrigger:\n  repos: [a, zz]\nrepos:\n  - name: a\n", `train.yaml:3: trigger: repo "zz" is not in the train`, "trigger.repos[1]"},
		{"trigger action unknown", "owner: x\ntrigger:\n  actions: [shipped]\nrepos:\n  - name: a\n", `train.yaml:3: trigger: action "shipped" is not a release action (created, deleted, edited, prereleased, published, released, unpublished)`, "trigger.actions[0]"},
		{"trigger mode unknown", "owner: x\ntrigger:\n  mode: tag\nrepos:\n  - name: a\n", `train.yaml:3: trigger: mode "tag" is not draft or release`, "trigger.mode"},
		{"release mode with the release repo as a trigger", "owner: x\ntrigger:\n  mode: release\n  repos: [b, a]\nrelease:\n  repo: a\nrepos:\n  - name: a\n  - name: b\n",
			`train.yaml:4: trigger: in mode release, release.repo "a" must not be one of trigger.repos (the train publishes its own draft there); remove it from trigger.repos, pick another release.repo, or use trigger.mode: draft`, "trigger.repos[1]"},
		{"release repo not in train", "owner: x\nrelease:\n  repo: b\nrepos:\n  - name: a\n", `train.yaml:3: release: repo "b" is not in the train`, "release.repo"},
		{"release name with a slash", "owner: x\nrelease:\n  name: a/b\nrepos:\n  - name: a\n", `train.yaml:3: release: name "a/b" must be letters, digits, '.', '_' or '-'`, "release.name"},
		{"negative signature window", "owner: x\nrelease:\n  signature_window: -1h\nrepos:\n  - name: a\n", `train.yaml:3: release: signature_window -1h0m0s: want 0 to 720h0m0s`, "release.signature_window"},
		{"signature window too long", "owner: x\nrelease:\n  signature_window: 1000h\nrepos:\n  - name: a\n", `train.yaml:3: release: signature_window 1000h0m0s: want 0 to 720h0m0s`, "release.signature_window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, err := config.Parse("train.yaml", []byte(tt.give))
			assert.Nil(t, tr)
			require.EqualError(t, err, tt.want)
			var ce *config.Error
			require.True(t, errors.As(err, &ce), "%T", err)
			assert.Equal(t, tt.wantKey, ce.Key)
		})
	}
}

func make101() []byte {
	b := make([]byte, 101)
	for i := range b {
		b[i] = 'e'
	}
	return b
}

func TestGraphErrorsUnwrapToDag(t *testing.T) {
	t.Parallel()
	_, err := config.Parse("t.yaml", []byte("owner: x\nrepos:\n  - name: a\n    depends_on: [b]\n  - name: b\n    depends_on: [a]\n"))
	var ce *dag.CycleError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, []string{"a", "b", "a"}, ce.Path)

	_, err = config.Parse("t.yaml", []byte("owner: x\nrepos:\n  - name: y\n    depends_on: [x]\n"))
	var ue *dag.UnknownDependencyError
	require.True(t, errors.As(err, &ue))
	assert.Equal(t, "x", ue.Dependency)
}
