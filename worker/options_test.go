package worker

import (
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/ghsim"
)

func env(m map[string]string) config.Env {
	return config.EnvOf(func(k string) string { return m[k] })
}

// The worker's options are what config read from the environment, field
// for field.
func TestOptionsFrom(t *testing.T) {
	dir := t.TempDir()
	s, err := env(map[string]string{
		"TEMPORAL_ADDRESS":                 "temporal:7233",
		"TEMPORAL_NAMESPACE":               "trains",
		"GITHUB_API_URL":                   "http://127.0.0.1:9/api/v3",
		"GITHUB_TOKEN":                     ghsim.StaticToken,
		"RELEASETRAIN_DATA_DIR":            dir,
		"RELEASETRAIN_WORK_DIR":            "/scratch",
		"RELEASETRAIN_SIGNING_KEY":         "inline key",
		"RELEASETRAIN_SIGNING_KEY_FILE":    "/keys/a.asc:/keys/b.asc",
		"RELEASETRAIN_SIGNING_PASSPHRASE":  "s3cret",
		"RELEASETRAIN_PROVENANCE_KEY_FILE": "/keys/prov.pem",
		"RELEASETRAIN_LISTING_WAIT":        "3s",
		"SOURCE_DATE_EPOCH":                "1700000000",
	}).Worker()
	require.NoError(t, err)
	opts := OptionsFrom(s)
	require.Equal(t, "temporal:7233", opts.TemporalAddress)
	require.Equal(t, "trains", opts.Namespace)
	require.Equal(t, "http://127.0.0.1:9/api/v3", opts.GitHub.BaseURL)
	require.Equal(t, ghsim.StaticToken, opts.GitHub.Token)
	require.Equal(t, "/scratch", opts.WorkDir)
	require.Equal(t, [][]byte{[]byte("inline key")}, opts.SigningKeys)
	require.Equal(t, []string{"/keys/a.asc", "/keys/b.asc"}, opts.SigningKeyFiles)
	require.Equal(t, []byte("s3cret"), opts.SigningPassphrase)
	require.Equal(t, "/keys/prov.pem", opts.ProvenanceKeyFile)
	require.Equal(t, 3*time.Second, opts.ListingWait)
	require.Equal(t, time.Unix(1700000000, 0).UTC(), opts.SourceDateEpoch)
	u, err := url.Parse(opts.StoreURL)
	require.NoError(t, err)
	require.Equal(t, "file", u.Scheme)
	require.Equal(t, filepath.Join(dir, "artifacts"), u.Path)
	require.Equal(t, "1", u.Query().Get("create_dir"))
}

func TestOptionsDefaults(t *testing.T) {
	s, err := env(map[string]string{"GITHUB_TOKEN": "t", "RELEASETRAIN_ARTIFACT_STORE": "mem://"}).Worker()
	require.NoError(t, err)
	opts := OptionsFrom(s)
	require.Equal(t, "mem://", opts.StoreURL)
	require.Equal(t, config.DefaultListingWait, opts.ListingWait)
	require.True(t, opts.SourceDateEpoch.IsZero())
	d := Options{}.withDefaults()
	require.Equal(t, config.DefaultTemporalAddress, d.TemporalAddress)
	require.Equal(t, config.DefaultNamespace, d.Namespace)
	require.NotNil(t, d.Logger)
}
