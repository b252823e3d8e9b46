package contract

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCanonicalRepo: a repo name matches the train's in any case.
func TestCanonicalRepo(t *testing.T) {
	names := []string{"bllvm-node", "commons"}
	tests := []struct{ give, want string }{
		{"bllvm-node", "bllvm-node"},
		{"BLLVM-Node", "bllvm-node"},
		{"Commons", "commons"},
		{"nope", "nope"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, CanonicalRepo(names, tt.give), tt.give)
	}
}
