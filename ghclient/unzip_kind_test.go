package ghclient

import (
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A rejected special entry is named in words, not as a mode string.
func TestUnzipNamesSpecialEntryKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give fs.FileMode
		want string
	}{
		{fs.ModeSymlink | 0o777, "symlink, not a regular file"},
		{fs.ModeDevice | 0o644, "device, not a regular file"},
		{fs.ModeNamedPipe | 0o644, "named pipe, not a regular file"},
	}
	for _, tt := range tests {
		zp := writeZip(t, []zipEntry{{name: "special", body: []byte("/etc"), mode: tt.give}})
		_, err := Unzip(zp, filepath.Join(t.TempDir(), "out"), "art", DefaultUnzipLimits())
		assert.ErrorContains(t, err, tt.want, "mode %v", tt.give)
	}
}
