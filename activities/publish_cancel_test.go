package activities

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/BTCDecoded/releasetrain/ghclient"
)

// cancelOnUpload is the fake GitHub whose upload is where the train's
// cancel reaches the activity.
type cancelOnUpload struct {
	*fakeGitHub
	cancel context.CancelFunc
}

func (c cancelOnUpload) UploadAsset(ctx context.Context, owner, repo string, rel ghclient.Release, up ghclient.AssetUpload) (ghclient.Asset, error) {
	a, err := c.fakeGitHub.UploadAsset(ctx, owner, repo, rel, up)
	c.cancel()
	return a, err
}

// A train cancelled while its assets upload must not publish: publishing
// cannot be undone, and the workflow reports the train cancelled.
func TestPublishReleaseCancelledBeforePublishing(t *testing.T) {
	gh := &fakeGitHub{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, a := newEnv(t, cancelOnUpload{fakeGitHub: gh, cancel: cancel})
	env.SetWorkerOptions(worker.Options{BackgroundActivityContext: ctx})
	sha, err := a.putBytes(context.Background(), []byte("one"))
	require.NoError(t, err)
	_, err = env.ExecuteActivity(a.PublishRelease, PublishInput{Owner: "o", Repo: "r", Tag: "v1", Title: "o v1",
		Assets: []Asset{{Name: "one.bin", Size: 3, SHA256: sha}}, Marker: "releasetrain:release-v1"})
	require.Error(t, err)
	assert.False(t, gh.published, "a cancelled train's release stays a draft")
}
