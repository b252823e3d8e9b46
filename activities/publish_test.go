package activities

import (
	"context"

	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"gocloud.dev/blob"

	"github.com/BTCDecoded/releasetrain/ghclient"
)

// publishInput stores the bodies and returns a PublishInput for them.
func publishInput(t *testing.T, a *Activities, notes string, bodies ...string) PublishInput {
	t.Helper()
	ctx := context.Background()
	in := PublishInput{Owner: "o", Repo: "r", Tag: "v1", Title: "o v1", Marker: "release-v1"}
	for _, body := range bodies {
		s, err := a.putBytes(ctx, []byte(body))
		require.NoError(t, err)
		in.Assets = append(in.Assets, Asset{Name: body + ".bin", Size: int64(len(body)), SHA256: s})
	}
	n, err := a.putBytes(ctx, []byte(notes))
	require.NoError(t, err)
	in.NotesSHA256 = n
	return in
}

// A maintainer's draft keeps its title and notes; the train's notes go
// below them between markers, an earlier train's leftover is deleted, a
// person's attachment is kept and named as not covered by SHA256SUMS, and
// GitHub's immutable mark is reported.
func TestPublishFillsTheMaintainersDraft(t *testing.T) {
	gh := &fakeGitHub{immutable: true, release: ghclient.Release{ID: 9, Tag: "v1", Draft: true,
		Name: "Spring release", Body: "Highlights written by a maintainer.\n\n" + NotesBegin + "\nold train notes\n" + NotesEnd + "\n",
		Assets: []ghclient.Asset{
			{ID: 1, Name: "audit.pdf", Size: 5, Label: ""},
			{ID: 2, Name: "old-bundle.tar.gz", Size: 5, Label: "release-v1"},
		}}}
	env, a := newEnv(t, gh)
	in := publishInput(t, a, "## train notes", "one", "two")
	val, err := env.ExecuteActivity(a.PublishRelease, in)
	require.NoError(t, err)
	var res PublishResult
	require.NoError(t, val.Get(&res))
	assert.Equal(t, int64(9), res.ReleaseID, "the maintainer's draft, not a new one")
	assert.True(t, res.Immutable)
	assert.Equal(t, []string{"audit.pdf"}, res.Foreign)
	assert.Equal(t, 1, res.Deleted)
	assert.Equal(t, "Spring release", gh.publishedName, "the maintainer's title is kept")
	assert.True(t, strings.HasPrefix(gh.publishedBody, "Highlights written by a maintainer.\n\n"+NotesBegin), gh.publishedBody)
	assert.Contains(t, gh.publishedBody, "## train notes")
	assert.NotContains(t, gh.publishedBody, "old train notes", "the earlier train part is replaced")
	assert.Contains(t, gh.publishedBody, "**Not covered by SHA256SUMS or its signatures:** `audit.pdf`")
	assert.Equal(t, 1, strings.Count(gh.publishedBody, NotesBegin))
}

// A published release of the tag that is not this train's is never written
// to: a permanent error that says so, no upload, no publish.
func TestPublishNeverWritesToAPublishedRelease(t *testing.T) {
	gh := &fakeGitHub{release: ghclient.Release{ID: 9, Tag: "v1", Draft: false, HTMLURL: "https://x/v1"}}
	env, a := newEnv(t, gh)
	_, err := env.ExecuteActivity(a.PublishRelease, publishInput(t, a, "n", "one"))
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, GitHubPermanentErrorType, ae.Type())
	assert.Contains(t, ae.Error(), "writes only to drafts")
	assert.Zero(t, gh.uploadN)
	assert.False(t, gh.published)
}

// Names GitHub would rename are refused before anything is written.
func TestPublishRefusesNamesGitHubRenames(t *testing.T) {
	gh := &fakeGitHub{}
	env, a := newEnv(t, gh)
	in := publishInput(t, a, "n", "one")
	in.Assets[0].Name = "my tool.bin"
	_, err := env.ExecuteActivity(a.PublishRelease, in)
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, BadInputErrorType, ae.Type())
	assert.Contains(t, ae.Error(), `"my tool.bin"`)
	assert.Zero(t, gh.release.ID, "no draft was created")
}

// streamSpy records what the upload reads from.
type streamSpy struct {
	*fakeGitHub
	sources []any
}

func (s *streamSpy) UploadAsset(ctx context.Context, owner, repo string, rel ghclient.Release, up ghclient.AssetUpload) (ghclient.Asset, error) {
	rc, err := up.Open()
	if err != nil {
		return ghclient.Asset{}, err
	}
	s.sources = append(s.sources, rc)
	_, _ = io.Copy(io.Discard, rc)
	_ = rc.Close()
	return s.fakeGitHub.UploadAsset(ctx, owner, repo, rel, up)
}

// Each asset is streamed from the artifact store into its upload: no
// temporary copy on the worker's disk.
func TestPublishStreamsFromTheStore(t *testing.T) {
	spy := &streamSpy{fakeGitHub: &fakeGitHub{}}
	env, a := newEnv(t, spy)
	_, err := env.ExecuteActivity(a.PublishRelease, publishInput(t, a, "n", "one", "two"))
	require.NoError(t, err)
	require.Len(t, spy.sources, 2)
	for _, src := range spy.sources {
		_, fromStore := src.(*blob.Reader)
		assert.True(t, fromStore, "upload source is %T, want the store's reader", src)
	}
}

func TestReleaseBody(t *testing.T) {
	t.Parallel()
	first := ReleaseBody("", "train", nil, 0)
	assert.Equal(t, NotesBegin+"\ntrain\n"+NotesEnd+"\n", first)
	again := ReleaseBody(first, "train 2", nil, 0)
	assert.Equal(t, NotesBegin+"\ntrain 2\n"+NotesEnd+"\n", again, "the train's own part is replaced, not stacked")
	withPerson := ReleaseBody("above\n\n"+first+"\nbelow", "t", []string{"a", "b"}, 5)
	assert.True(t, strings.HasPrefix(withPerson, "above\n\nbelow\n\n"+NotesBegin), withPerson)
	assert.Contains(t, withPerson, "`a`, `b` and 3 more")
	assert.Equal(t, "no markers", StripTrainNotes("no markers"))
	assert.Equal(t, "cut", StripTrainNotes("cut\n"+NotesBegin+"\nunterminated"))
}
