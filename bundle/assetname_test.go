package bundle

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Layout refuses a file whose asset name GitHub would rename, before any upload.
func TestLayoutRefusesRenamedAssetNames(t *testing.T) {
	t.Parallel()
	_, err := Layout([]Input{{Repo: "a", Name: "dist/my tool", Path: "/x"}})
	assert.ErrorContains(t, err, `asset name "my tool" has ' ', which GitHub renames`)
}
