package dag_test

import (
	"testing"

	"github.com/BTCDecoded/releasetrain/dag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReady(t *testing.T) {
	t.Parallel()
	g, err := dag.New(btcdecoded())
	require.NoError(t, err)
	tests := []struct {
		name string
		give map[string]bool
		want []string
	}{
		{name: "nothing done", give: nil, want: []string{"bllvm-consensus", "commons"}},
		{name: "first layer done", give: map[string]bool{"bllvm-consensus": true, "commons": true}, want: []string{"bllvm-protocol"}},
		{name: "one of two dependencies", give: map[string]bool{"bllvm-protocol": true}, want: []string{"bllvm-consensus", "commons"}},
		{name: "node ready", give: map[string]bool{"bllvm-consensus": true, "bllvm-protocol": true, "bllvm-node": true}, want: []string{"bllvm", "bllvm-sdk", "commons"}},
		{name: "false is not done", give: map[string]bool{"bllvm-consensus": false, "commons": true}, want: []string{"bllvm-consensus"}},
		{name: "unknown names ignored", give: map[string]bool{"x": true, "commons": true}, want: []string{"bllvm-consensus"}},
		{
			name: "all done",
			give: map[string]bool{"bllvm-consensus": true, "bllvm-protocol": true, "bllvm-node": true, "bllvm-sdk": true, "bllvm": true, "governance-app": true, "commons": true},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, g.Ready(tt.give))
		})
	}
}
