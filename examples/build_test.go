package examples_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/rhysd/actionlint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestBuildWorkflowLints(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	opts := &actionlint.LinterOptions{}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc // also lint the run: scripts when shellcheck is installed
	}
	linter, err := actionlint.NewLinter(&out, opts)
	require.NoError(t, err)
	errs, err := linter.LintFile("build.yml", nil)
	require.NoError(t, err)
	for _, e := range errs {
		t.Errorf("build.yml:%d:%d: %s [%s]", e.Line, e.Column, e.Message, e.Kind)
	}
}

func TestActionlintCatchesBrokenWorkflows(t *testing.T) {
	t.Parallel()
	linter, err := actionlint.NewLinter(&bytes.Buffer{}, &actionlint.LinterOptions{})
	require.NoError(t, err)
	good, err := os.ReadFile("build.yml")
	require.NoError(t, err)
	broken := bytes.Replace(good, []byte("inputs.correlation_id ||"), []byte("inputs.correlation_idd ||"), 1)
	require.NotEqual(t, good, broken)
	errs, err := linter.Lint("broken.yml", broken, nil)
	require.NoError(t, err)
	assert.NotEmpty(t, errs, "an undefined input must be reported")
}

// workflow is the part of build.yml the member contract fixes.
type workflow struct {
	RunName string `yaml:"run-name"`
	On      struct {
		WorkflowDispatch struct {
			Inputs map[string]struct {
				Required bool   `yaml:"required"`
				Type     string `yaml:"type"`
			} `yaml:"inputs"`
		} `yaml:"workflow_dispatch"`
		RepositoryDispatch struct {
			Types []string `yaml:"types"`
		} `yaml:"repository_dispatch"`
	} `yaml:"on"`
	Jobs map[string]struct {
		Steps []struct {
			Uses string            `yaml:"uses"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func TestBuildWorkflowContract(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("build.yml")
	require.NoError(t, err)
	var wf workflow
	require.NoError(t, yaml.Unmarshal(data, &wf))

	assert.Contains(t, wf.RunName, "${{ inputs.correlation_id || github.event.client_payload.correlation_id }}")
	inputs := wf.On.WorkflowDispatch.Inputs
	for _, name := range []string{"release_tag", "correlation_id", "upstream"} {
		require.Contains(t, inputs, name)
		assert.Equal(t, "string", inputs[name].Type, name)
	}
	assert.True(t, inputs["release_tag"].Required)
	assert.True(t, inputs["correlation_id"].Required)
	assert.False(t, inputs["upstream"].Required)

	// The defaults of package config name this workflow and its dispatch event.
	def := config.Default()
	assert.Equal(t, def.Defaults.Workflow, "build.yml")
	assert.Equal(t, []string{def.Defaults.EventType}, wf.On.RepositoryDispatch.Types)

	var uploads, downloads int
	for _, job := range wf.Jobs {
		for _, step := range job.Steps {
			switch {
			case strings.HasPrefix(step.Uses, "actions/upload-artifact@"):
				uploads++
				assert.Equal(t, "actions/upload-artifact@v4", step.Uses)
				assert.Equal(t, "error", step.With["if-no-files-found"])
			case strings.HasPrefix(step.Uses, "actions/download-artifact@"):
				downloads++
				assert.Equal(t, "actions/download-artifact@v4", step.Uses)
				assert.Contains(t, step.With["run-id"], "fromJSON(env.UPSTREAM)")
				assert.NotEmpty(t, step.With["github-token"])
				assert.NotEmpty(t, step.With["repository"])
			}
		}
	}
	assert.Equal(t, 1, uploads)
	assert.Equal(t, 2, downloads)
}

func TestTrainExampleLoads(t *testing.T) {
	t.Parallel()
	tr, err := config.Load("train.yaml")
	require.NoError(t, err)
	g, err := tr.Graph()
	require.NoError(t, err)
	assert.Equal(t, config.Default().Repos[0].Name, tr.Repos[0].Name)
	assert.Equal(t, [][]string{{"bllvm-consensus", "commons"}, {"bllvm-protocol"}, {"bllvm-node"}, {"bllvm", "bllvm-sdk"}, {"governance-app"}}, g.Layers())

	node, _ := tr.Repo("bllvm-node")
	assert.Equal(t, "3h0m0s", node.BuildTimeout.String())
	assert.True(t, tr.MatchArtifact("bllvm", "bllvm-x86_64-linux"))
	assert.False(t, tr.MatchArtifact("bllvm", "coverage"))
	gov, _ := tr.Repo("governance-app")
	assert.Equal(t, config.DispatchRepository, gov.Dispatch)
	commons, _ := tr.Repo("commons")
	assert.Equal(t, 0, commons.Retries())

	// Apart from the overrides marked "not a default", the file restates the defaults.
	def := config.Default()
	assert.Equal(t, def.Defaults, tr.Defaults)
	assert.Equal(t, def.Release.Repo, tr.Release.Repo)
	assert.Equal(t, def.Release.Name, tr.Release.Name)
	assert.Equal(t, def.Trigger.Actions, tr.Trigger.Actions)
}
