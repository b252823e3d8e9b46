package activities

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

func TestAttachSignature(t *testing.T) {
	gh := &fakeGitHub{}
	env, a := newEnv(t, gh)
	sig, err := bundle.Sign([]byte("sums"), testSigners(t))
	require.NoError(t, err)
	in := AttachSignatureInput{Owner: "BTCDecoded", Repo: "bllvm-consensus", Tag: "v1.2.3",
		Name: "SHA256SUMS.alice.asc", Signature: sig, Marker: "release-v1.2.3"}

	// On the draft: uploaded under its name with the train's marker.
	val, err := env.ExecuteActivity(a.AttachSignature, in)
	require.NoError(t, err)
	var asset Asset
	require.NoError(t, val.Get(&asset))
	assert.Equal(t, "SHA256SUMS.alice.asc", asset.Name)
	assert.Equal(t, sig, gh.uploads["SHA256SUMS.alice.asc"])
	assert.Equal(t, "release-v1.2.3", gh.labels["SHA256SUMS.alice.asc"])

	// Not a signature, or a name that is not SHA256SUMS.<signer>.asc: refused for good.
	for _, bad := range []AttachSignatureInput{
		{Owner: in.Owner, Repo: in.Repo, Tag: in.Tag, Name: "SHA256SUMS.bob.asc", Signature: []byte("hello")},
		{Owner: in.Owner, Repo: in.Repo, Tag: in.Tag, Name: "../SHA256SUMS.asc", Signature: sig},
		{Owner: in.Owner, Repo: in.Repo, Tag: in.Tag, Name: assetname.SumsSignature, Signature: sig},
	} {
		_, err := env.ExecuteActivity(a.AttachSignature, bad)
		var app *temporal.ApplicationError
		require.True(t, errors.As(err, &app), "%s: %v", bad.Name, err)
		assert.Equal(t, BadInputErrorType, app.Type(), bad.Name)
		assert.True(t, app.NonRetryable())
	}

	// Published: refused for good, saying why; nothing uploaded.
	gh.release = ghclient.Release{ID: 7, Tag: "v1.2.3", Draft: false}
	in.Name = "SHA256SUMS.carol.asc"
	_, err = env.ExecuteActivity(a.AttachSignature, in)
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app), "%v", err)
	assert.Equal(t, ReleasePublishedErrorType, app.Type())
	assert.True(t, app.NonRetryable())
	assert.Contains(t, app.Error(), "GitHub refuses new assets on an immutable release")
	assert.NotContains(t, gh.uploads, "SHA256SUMS.carol.asc")
}
