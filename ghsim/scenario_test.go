package ghsim

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseScenarioDefaultsAndValues(t *testing.T) {
	sc := testScenario(t)
	assert.Equal(t, "acme", sc.Owner)
	assert.Equal(t, Duration(2*time.Second), sc.ListingDelay)
	require.Len(t, sc.Repos, 2)
	app := sc.Repos[0]
	assert.Equal(t, []Conclusion{"failure", "success"}, app.Outcomes)
	assert.Equal(t, "failure", app.outcome(1))
	assert.Equal(t, "success", app.outcome(5), "the last outcome repeats")
	assert.Equal(t, ByteSize(200<<10), app.Artifacts[0].Files[0].Size)
	assert.True(t, app.Artifacts[0].Files[0].Executable)
	assert.Equal(t, []string{"build.yml"}, app.Workflows)
	assert.True(t, *app.HonourRunName)
	lib := sc.Repos[1]
	assert.False(t, *lib.HonourRunName)
	assert.Equal(t, []Conclusion{"success"}, lib.Outcomes)
}

func TestParseScenarioErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		name string
		give string
		want string
	}{
		{"unknown key", "owner: a\nrepos:\n  - name: x\n    colour: red\n", "line 4"},
		{"bad outcome", "repos:\n  - name: x\n    outcomes: [success, exploded]\n", `line 3: unknown outcome "exploded"`},
		{"bad duration", "repos:\n  - name: x\n    duration: soon\n", `line 3: invalid duration "soon"`},
		{"bad size", "repos:\n  - name: x\n    artifacts: [{name: a, files: [{name: f, size: 3XB}]}]\n", "line 3"},
		{"duplicate repo", "repos:\n  - name: x\n  - name: X\n", `line 3: repo "X" already defined at line 2`},
		{"nameless repo", "repos:\n  - queue_delay: 1s\n", "line 2: repo without name"},
		{"empty", "", "empty document"},
		{"not yaml", "repos: [", "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScenario([]byte(tt.give))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLoadScenarioAndDefault(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.yaml")
	require.NoError(t, os.WriteFile(p, []byte(testScenarioYAML), 0o644))
	sc, err := LoadScenario(p)
	require.NoError(t, err)
	assert.Equal(t, "acme", sc.Owner)
	_, err = LoadScenario(filepath.Join(t.TempDir(), "missing.yaml"))
	assert.Error(t, err)

	def := DefaultScenario()
	assert.Equal(t, "BTCDecoded", def.Owner)
	var names []string
	for _, r := range def.Repos {
		names = append(names, r.Name)
	}
	assert.ElementsMatch(t, []string{"bllvm-consensus", "bllvm-protocol", "bllvm-node", "bllvm-sdk", "bllvm", "governance-app", "commons"}, names)
}

func TestTimeScaleDrivesRuns(t *testing.T) {
	// 1 simulated minute per 100 real ms: queue 1s + 10s build ≈ 20 ms.
	e := setup(t, Options{TimeScale: 600})
	id := dispatchWithDetails(t, e, "lib", nil)
	require.Eventually(t, func() bool {
		r, _, err := e.gh.Actions.GetWorkflowRunByID(e.ctx, "acme", "lib", id)
		return err == nil && r.GetStatus() == "completed" && r.GetConclusion() == "success"
	}, time.Minute, 10*time.Millisecond)
	before := e.sim.Now()
	time.Sleep(50 * time.Millisecond)
	assert.GreaterOrEqual(t, e.sim.Now().Sub(before), 25*time.Second, "simulated time runs 600× real time")
}

func TestExampleScenarioParses(t *testing.T) {
	sc, err := LoadScenario(filepath.Join("testdata", "example.yaml"))
	require.NoError(t, err)
	assert.Equal(t, 60.0, sc.TimeScale)
	assert.Equal(t, Duration(90*24*time.Hour), sc.ArtifactRetention)
	assert.Equal(t, ByteSize(4<<20), sc.Repos[0].Artifacts[0].Files[0].Size)
	assert.Equal(t, CompressionDeflate, sc.Repos[0].Artifacts[0].Compression)
	assert.Equal(t, "timed_out", sc.Repos[1].outcome(1))
}
