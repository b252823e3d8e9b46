package ghsim

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUploadRefusedPastMaxReleaseAssets(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	rel, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v1"), Draft: github.Bool(true)})
	require.NoError(t, err)
	upload := func(i int) (*github.Response, error) {
		f := tempFile(t, "f", []byte{byte(i)})
		_, resp, err := e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", "app", rel.GetID(), &github.UploadOptions{Name: fmt.Sprintf("f%04d", i)}, f)
		return resp, err
	}
	for i := range MaxReleaseAssets {
		_, err := upload(i)
		require.NoError(t, err, "asset %d", i)
	}
	resp, err := upload(MaxReleaseAssets)
	require.Error(t, err)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.ErrorContains(t, err, "maximum number of assets")
}
