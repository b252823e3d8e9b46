package activities

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/contract"
)

// PackageRelease reads the files straight from the store: a missing or
// altered object fails it for good, naming the object, like the local copy
// it used to make.
func TestPackageStoreObjectMissingOrAltered(t *testing.T) {
	for _, c := range []struct {
		name  string
		alter func(ctx context.Context, a *Activities, f contract.File) error
		want  string
	}{
		{"missing", func(ctx context.Context, a *Activities, f contract.File) error {
			return a.Store.Delete(ctx, contract.StoreKey(f.SHA256))
		}, "object not found"},
		{"altered", func(ctx context.Context, a *Activities, f contract.File) error {
			data, err := a.Store.ReadAll(ctx, contract.StoreKey(f.SHA256))
			if err != nil {
				return err
			}
			data[0] ^= 1
			return a.Store.WriteAll(ctx, contract.StoreKey(f.SHA256), data, nil)
		}, "sha256"},
		{"resized", func(ctx context.Context, a *Activities, f contract.File) error {
			return a.Store.WriteAll(ctx, contract.StoreKey(f.SHA256), []byte("x"), nil)
		}, "object is 1 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			gh := &fakeGitHub{}
			env, a := newEnv(t, gh)
			repos := collectTwoRepos(t, env, a, gh)
			files, err := a.RepoFiles(context.Background(), repos[1])
			require.NoError(t, err)
			require.NoError(t, c.alter(context.Background(), a, files[0]))
			in := PackageInput{Owner: "BTCDecoded", ReleaseRepo: "bllvm-consensus", Name: "btcdecoded", Tag: "v1.2.3",
				Time: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Repos: repos}
			_, err = env.ExecuteActivity(a.PackageRelease, in)
			require.Error(t, err)
			var ae *temporal.ApplicationError
			require.ErrorAs(t, err, &ae)
			assert.True(t, ae.NonRetryable())
			assert.True(t, strings.Contains(err.Error(), c.want), err.Error())
		})
	}
}

// A store that fails while the bundle reads it gives a retryable store
// error, not the bundle's non-retryable bad input.
func TestPackageStoreReadFailureRetryable(t *testing.T) {
	gh := &fakeGitHub{}
	env, a := newEnv(t, gh)
	repos := collectTwoRepos(t, env, a, gh)
	require.NoError(t, a.Store.Close())
	in := PackageInput{Owner: "BTCDecoded", ReleaseRepo: "bllvm-consensus", Name: "btcdecoded", Tag: "v1.2.3",
		Time: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Repos: repos}
	_, err := env.ExecuteActivity(a.PackageRelease, in)
	require.Error(t, err)
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, StoreErrorType, ae.Type(), err.Error())
	assert.False(t, ae.NonRetryable())
}
