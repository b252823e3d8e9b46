package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/config"
)

func envMap(m map[string]string) config.Env {
	return config.EnvOf(func(k string) string { return m[k] })
}

// Every entry of the table is complete, named once, and used by a real
// subcommand; cells hold no '|' so the README's table can carry them.
func TestEnvVarsTable(t *testing.T) {
	t.Parallel()
	cmds := []string{config.CmdServe, config.CmdWorker, config.CmdRelease, config.CmdReconcile, config.CmdPlan, config.CmdDev, config.CmdRebuild}
	seen := map[string]bool{}
	for _, v := range config.EnvVars() {
		require.False(t, seen[v.Name], "%s listed twice", v.Name)
		seen[v.Name] = true
		require.Regexp(t, `^[A-Z][A-Z0-9_]*$`, v.Name)
		require.NotEmpty(t, v.UsedBy, v.Name)
		for _, c := range v.UsedBy {
			require.Contains(t, cmds, c, "%s: used by", v.Name)
		}
		require.NotEmpty(t, v.Meaning, v.Name)
		require.NotEmpty(t, v.Default, v.Name)
		require.NotContains(t, v.Meaning+v.Default, "|", v.Name)
		got, ok := config.LookupEnvVar(v.Name)
		require.True(t, ok)
		require.Equal(t, v, got)
	}
	_, ok := config.LookupEnvVar("HOME")
	require.False(t, ok)
}

// recorder is a getenv that remembers every name asked for.
type recorder struct {
	vals  map[string]string
	asked map[string]bool
}

func (r *recorder) getenv(k string) string {
	r.asked[k] = true
	return r.vals[k]
}

// The accessors read exactly the table's variables: every name they read
// is documented, and every documented name is read by one of them.
func TestEnvAccessorsReadExactlyTheTable(t *testing.T) {
	t.Parallel()
	r := &recorder{asked: map[string]bool{}, vals: map[string]string{
		config.EnvGitHubToken: "t", config.EnvWebhookSecret: "s",
	}}
	env := config.EnvOf(r.getenv)
	_, err := env.Worker()
	require.NoError(t, err)
	_ = env.TrainPath("")
	_, err = env.Serve()
	require.NoError(t, err)
	_ = env.TemporalCLI()
	r.vals[config.EnvGitHubAppID], r.vals[config.EnvGitHubInstallationID] = "7", "42"
	_, err = env.GitHub()
	require.Error(t, err, "an App without its key: both key variables were read")

	var table []string
	for _, v := range config.EnvVars() {
		table = append(table, v.Name)
	}
	var asked []string
	for k := range r.asked {
		asked = append(asked, k)
	}
	slices.Sort(table)
	slices.Sort(asked)
	require.Equal(t, table, asked)

	require.PanicsWithValue(t, "config: HOME is not in EnvVars", func() { config.ReadForTest(config.Env{}, "HOME") },
		"a name outside the table is a defect")
}

func TestEnvTemporalAndServe(t *testing.T) {
	t.Parallel()
	require.Equal(t, config.TemporalSettings{Address: config.DefaultTemporalAddress, Namespace: config.DefaultNamespace},
		envMap(nil).Temporal(), "unset: the defaults")
	require.Equal(t, config.TemporalSettings{Address: "temporal:7233", Namespace: "rt"},
		envMap(map[string]string{config.EnvTemporalAddress: " temporal:7233 ", config.EnvTemporalNamespace: "rt"}).Temporal())

	_, err := envMap(nil).Serve()
	require.ErrorContains(t, err, "RELEASETRAIN_WEBHOOK_SECRET is required")
	s, err := envMap(map[string]string{config.EnvWebhookSecret: "s3", config.EnvAPIToken: "tok"}).Serve()
	require.NoError(t, err)
	require.Equal(t, config.ServeSettings{WebhookSecret: []byte("s3"), APIToken: "tok"}, s)

	require.Equal(t, "flag.yaml", envMap(map[string]string{config.EnvConfig: "env.yaml"}).TrainPath("flag.yaml"), "--config wins")
	require.Equal(t, "env.yaml", envMap(map[string]string{config.EnvConfig: "env.yaml"}).TrainPath(""))
	require.Equal(t, "/opt/temporal", envMap(map[string]string{config.EnvTemporalCLI: "/opt/temporal"}).TemporalCLI())
}

func TestEnvGitHub(t *testing.T) {
	t.Parallel()
	const key = "-----BEGIN RSA PRIVATE KEY-----\nTOPSECRETKEYMATERIAL\n-----END RSA PRIVATE KEY-----\n"
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	require.NoError(t, os.WriteFile(keyFile, []byte(key), 0o600))

	g, err := envMap(map[string]string{config.EnvGitHubToken: "tok", config.EnvGitHubAPIURL: "http://127.0.0.1:9/api/v3"}).GitHub()
	require.NoError(t, err)
	require.Equal(t, config.GitHubSettings{APIURL: "http://127.0.0.1:9/api/v3", Token: "tok"}, g)

	g, err = envMap(map[string]string{config.EnvGitHubAppID: "7", config.EnvGitHubInstallationID: "42",
		config.EnvGitHubPrivateKeyFile: keyFile, config.EnvGitHubToken: "ignored"}).GitHub()
	require.NoError(t, err)
	require.Equal(t, config.GitHubSettings{AppID: 7, InstallationID: 42, PrivateKey: []byte(key)}, g, "the App wins over a token")

	g, err = envMap(map[string]string{config.EnvGitHubAppID: "7", config.EnvGitHubInstallationID: "42",
		config.EnvGitHubPrivateKey: strings.ReplaceAll(key, "\n", `\n`)}).GitHub()
	require.NoError(t, err)
	require.Equal(t, []byte(key), g.PrivateKey, `an inline key with \n line breaks`)

	tests := []struct {
		give map[string]string
		want string
	}{
		{give: map[string]string{}, want: config.EnvGitHubToken},
		{give: map[string]string{config.EnvGitHubAppID: "x", config.EnvGitHubPrivateKey: key}, want: config.EnvGitHubAppID},
		{give: map[string]string{config.EnvGitHubAppID: "7", config.EnvGitHubPrivateKey: key}, want: config.EnvGitHubInstallationID},
		{give: map[string]string{config.EnvGitHubAppID: "7", config.EnvGitHubInstallationID: "-1", config.EnvGitHubPrivateKey: key}, want: config.EnvGitHubInstallationID},
		{give: map[string]string{config.EnvGitHubAppID: "7", config.EnvGitHubInstallationID: "42"}, want: config.EnvGitHubPrivateKeyFile},
		{give: map[string]string{config.EnvGitHubAppID: "7", config.EnvGitHubInstallationID: "42", config.EnvGitHubPrivateKeyFile: keyFile + ".missing"}, want: config.EnvGitHubPrivateKeyFile},
	}
	for _, tt := range tests {
		_, err := envMap(tt.give).GitHub()
		require.ErrorContains(t, err, tt.want, "%v", tt.give)
		require.NotContains(t, err.Error(), "TOPSECRET", "errors never carry a secret")
	}
}

func TestEnvWorker(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w, err := envMap(map[string]string{config.EnvGitHubToken: "t", config.EnvDataDir: dir}).Worker()
	require.NoError(t, err)
	require.Equal(t, config.DefaultListingWait, w.ListingWait)
	require.True(t, w.SourceDateEpoch.IsZero(), "unset: the release time")
	require.Equal(t, "file://"+filepath.ToSlash(filepath.Join(dir, "artifacts"))+"?create_dir=1&no_tmp_dir=1", w.StoreURL)
	require.Empty(t, w.Signing.Keys)
	require.Empty(t, w.Signing.KeyFiles)

	w, err = envMap(map[string]string{config.EnvGitHubToken: "t", config.EnvSourceDateEpoch: "0",
		config.EnvSigningKey: "  ", config.EnvSigningKeyFile: ":a.asc: :b.asc"}).Worker()
	require.NoError(t, err)
	require.Equal(t, time.Unix(0, 0).UTC(), w.SourceDateEpoch, "0 is 1970, not unset")
	require.Empty(t, w.Signing.Keys, "a blank key is no key")
	require.Equal(t, []string{"a.asc", "b.asc"}, w.Signing.KeyFiles)
	abs, err := filepath.Abs(filepath.Join(config.DefaultDataDir, "artifacts"))
	require.NoError(t, err)
	require.Contains(t, w.StoreURL, abs, "default data dir")

	_, err = envMap(map[string]string{config.EnvGitHubToken: "t", config.EnvListingWait: "soon"}).Worker()
	require.EqualError(t, err, `RELEASETRAIN_LISTING_WAIT="soon": want a duration like 10s`)
	_, err = envMap(map[string]string{config.EnvGitHubToken: "t", config.EnvSourceDateEpoch: "yesterday"}).Worker()
	require.EqualError(t, err, `SOURCE_DATE_EPOCH="yesterday": want non-negative decimal seconds since 1970`)
	_, err = envMap(map[string]string{}).Worker()
	require.ErrorContains(t, err, config.EnvGitHubToken)
}
