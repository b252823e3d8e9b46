package worker

import (
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/ghsim"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestOptionsFromEnv(t *testing.T) {
	dir := t.TempDir()
	opts, err := OptionsFromEnv(env(map[string]string{
		"TEMPORAL_ADDRESS":                "temporal:7233",
		"TEMPORAL_NAMESPACE":              "trains",
		"GITHUB_API_URL":                  "http://127.0.0.1:9/api/v3",
		"GITHUB_TOKEN":                    ghsim.StaticToken,
		"RELEASETRAIN_DATA_DIR":           dir,
		"RELEASETRAIN_SIGNING_KEY_FILE":   "/keys/a.asc:/keys/b.asc",
		"RELEASETRAIN_SIGNING_PASSPHRASE": "s3cret",
		"RELEASETRAIN_LISTING_WAIT":       "3s",
	}))
	require.NoError(t, err)
	assert.Equal(t, "temporal:7233", opts.TemporalAddress)
	assert.Equal(t, "trains", opts.Namespace)
	assert.Equal(t, "http://127.0.0.1:9/api/v3/", opts.GitHub.BaseURL)
	assert.Equal(t, ghsim.StaticToken, opts.GitHub.Token)
	assert.Equal(t, []string{"/keys/a.asc", "/keys/b.asc"}, opts.SigningKeyFiles)
	assert.Equal(t, []byte("s3cret"), opts.SigningPassphrase)
	assert.Equal(t, 3*time.Second, opts.ListingWait)
	u, err := url.Parse(opts.StoreURL)
	require.NoError(t, err)
	assert.Equal(t, "file", u.Scheme)
	assert.Equal(t, filepath.Join(dir, "artifacts"), u.Path)
	assert.Equal(t, "1", u.Query().Get("create_dir"))
}

func TestOptionsFromEnvDefaultsAndErrors(t *testing.T) {
	opts, err := OptionsFromEnv(env(map[string]string{"GITHUB_TOKEN": "t", "RELEASETRAIN_ARTIFACT_STORE": "mem://"}))
	require.NoError(t, err)
	assert.Equal(t, "mem://", opts.StoreURL)
	d := opts.withDefaults()
	assert.Equal(t, DefaultTemporalAddress, d.TemporalAddress)
	assert.Equal(t, DefaultNamespace, d.Namespace)
	assert.NotNil(t, d.Logger)

	_, err = OptionsFromEnv(env(map[string]string{}))
	require.Error(t, err, "no GitHub auth")
	assert.Contains(t, err.Error(), "GITHUB_TOKEN")

	_, err = OptionsFromEnv(env(map[string]string{"GITHUB_TOKEN": "t", "RELEASETRAIN_LISTING_WAIT": "soon"}))
	require.EqualError(t, err, `RELEASETRAIN_LISTING_WAIT="soon": want a duration like 10s`)
}
