package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/config"
)

func inCode() *config.Train {
	return &config.Train{Owner: "x", Repos: []config.Repo{{Name: "a"}, {Name: "b", DependsOn: []string{"a"}}, {Name: "c", DependsOn: []string{"a"}}}}
}

// A train built in code gets config's defaults from Resolved, the one
// place they are decided, and the original is left as it was.
func TestResolvedAppliesTheDefaultsToACopy(t *testing.T) {
	t.Parallel()
	tr := inCode()
	got, err := tr.Resolved()
	require.NoError(t, err)
	require.Equal(t, inCode(), tr, "the original is unchanged")
	require.Equal(t, config.Trigger{Mode: config.DefaultTriggerMode, Repos: []string{"b", "c"}, Actions: config.DefaultTriggerActions()}, got.Trigger)
	require.Equal(t, "a", got.Release.Repo)
	again, err := got.Resolved()
	require.NoError(t, err)
	require.Equal(t, got, again, "resolving a resolved train changes nothing")

	bad := inCode()
	bad.Trigger.Mode = "sometimes"
	_, err = bad.Resolved()
	require.ErrorContains(t, err, `mode "sometimes"`)
}

// A releasetrain-release dispatch starts a train from a trigger repo, and
// in draft mode also from the release repo.
func TestTriggeredByDispatch(t *testing.T) {
	t.Parallel()
	draft, err := inCode().Resolved()
	require.NoError(t, err)
	release := inCode()
	release.Trigger = config.Trigger{Mode: config.ModeRelease, Repos: []string{"b"}}
	release, err = release.Resolved()
	require.NoError(t, err)
	tests := []struct {
		give *config.Train
		repo string
		want bool
	}{
		{give: draft, repo: "a", want: true},
		{give: draft, repo: "A", want: true},
		{give: draft, repo: "b", want: true},
		{give: draft, repo: "elsewhere", want: false},
		{give: release, repo: "a", want: false},
		{give: release, repo: "B", want: true},
		{give: release, repo: "c", want: false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.give.TriggeredByDispatch(tt.repo), "mode %s, repo %s", tt.give.Trigger.Mode, tt.repo)
	}
}
