package assetname

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give string
		ok   bool
	}{
		{"bllvm-node-linux-amd64", true},
		{"btcdecoded-v1.0.0-rc.1+build.7.tar.gz", true},
		{"SHA256SUMS.asc", true},
		{"a_b", true},
		{"", false},
		{".hidden", false},
		{"trailing.", false},
		{"with space", false},
		{"dir/file", false},
		{"tilde~", false},
		{"ünicode", false},
		{"v1.0.0@x", false},
	}
	for _, tt := range tests {
		err := Check(tt.give)
		assert.Equal(t, tt.ok, err == nil, "%q: %v", tt.give, err)
	}
}
