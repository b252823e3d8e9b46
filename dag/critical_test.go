package dag_test

import (
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/dag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCriticalPath(t *testing.T) {
	t.Parallel()
	g, err := dag.New(btcdecoded())
	require.NoError(t, err)
	tests := []struct {
		name      string
		give      map[string]time.Duration
		wantPath  []string
		wantTotal time.Duration
	}{
		{
			name: "sdk branch is longest",
			give: map[string]time.Duration{
				"bllvm-consensus": 10 * time.Minute, "commons": 50 * time.Minute,
				"bllvm-protocol": 5 * time.Minute, "bllvm-node": 20 * time.Minute,
				"bllvm": 20 * time.Minute, "bllvm-sdk": 10 * time.Minute, "governance-app": 15 * time.Minute,
			},
			wantPath:  []string{"bllvm-consensus", "bllvm-protocol", "bllvm-node", "bllvm-sdk", "governance-app"},
			wantTotal: 60 * time.Minute,
		},
		{
			name: "a lone slow repo wins",
			give: map[string]time.Duration{
				"bllvm-consensus": time.Minute, "commons": 3 * time.Hour,
				"bllvm-protocol": time.Minute, "bllvm-node": time.Minute,
				"bllvm": time.Minute, "bllvm-sdk": time.Minute, "governance-app": time.Minute,
			},
			wantPath:  []string{"commons"},
			wantTotal: 3 * time.Hour,
		},
		{
			name: "a tie between dependencies goes to the smaller name",
			give: map[string]time.Duration{
				"bllvm-consensus": 10 * time.Minute, "bllvm-protocol": 0, "bllvm-node": time.Minute, "bllvm": 2 * time.Minute,
			},
			wantPath:  []string{"bllvm-consensus", "bllvm-node", "bllvm"}, // a tie at node goes to the smaller name
			wantTotal: 13 * time.Minute,
		},
		{
			name:      "no durations: ties go to the smallest names",
			give:      nil,
			wantPath:  []string{"bllvm-consensus", "bllvm-node", "bllvm"},
			wantTotal: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path, total := g.CriticalPath(tt.give)
			assert.Equal(t, tt.wantPath, path)
			assert.Equal(t, tt.wantTotal, total)
		})
	}
}
