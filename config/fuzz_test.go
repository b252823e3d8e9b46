package config_test

import (
	"errors"
	"testing"

	"github.com/BTCDecoded/releasetrain/config"
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
			if !errors.As(err, &ce) {
				t.Fatalf("error %q is %T, want *config.Error", err, err)
			}
			return
		}
		g, err := tr.Graph()
		if err != nil {
			t.Fatalf("parsed train has a bad graph: %v", err)
		}
		if !g.Has(tr.Release.Repo) {
			t.Fatalf("release repo %q not in the graph", tr.Release.Repo)
		}
		for _, r := range tr.Repos {
			if r.RetryLimit == nil || r.BuildTimeout <= 0 || r.PollInterval <= 0 || r.Artifacts == nil {
				t.Fatalf("repo %q not resolved: %+v", r.Name, r.Settings)
			}
		}
	})
}
