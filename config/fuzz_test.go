package config_test

import (
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/stretchr/testify/require"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(full))
	f.Add([]byte("owner: x\nrepos:\n  - name: a\n    depends_on: [a]\n"))
	f.Add([]byte("owner: x\nrepos: &r [*r]\n"))
	f.Add([]byte("- a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := config.Parse("f.yaml", data)
		if err != nil {
			var ce *config.Error
			require.ErrorAs(t, err, &ce, "error %q is %T, want *config.Error", err, err)
			return
		}
		g, err := tr.Graph()
		require.NoError(t, err, "parsed train has a bad graph")
		require.True(t, g.Has(tr.Release.Repo), "release repo %q not in the graph", tr.Release.Repo)
		for _, r := range tr.Repos {
			require.NotNil(t, r.RetryLimit, "repo %q not resolved: %+v", r.Name, r.Settings)
			require.Greater(t, r.BuildTimeout, time.Duration(0), "repo %q not resolved: %+v", r.Name, r.Settings)
			require.Greater(t, r.PollInterval, time.Duration(0), "repo %q not resolved: %+v", r.Name, r.Settings)
			require.NotNil(t, r.Artifacts, "repo %q not resolved: %+v", r.Name, r.Settings)
		}
	})
}
