package deploy_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/config"
)

// readEnvExample returns the variables of .env.example in order, and whether
// each is preceded by a comment.
func readEnvExample(t *testing.T) (map[string]string, map[string]bool, []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(root, ".env.example"))
	require.NoError(t, err)
	defer f.Close()
	vals, documented := map[string]string{}, map[string]bool{}
	var order []string
	comment := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			comment = false
		case strings.HasPrefix(line, "#"):
			comment = true
		default:
			k, v, ok := strings.Cut(line, "=")
			require.True(t, ok, "line %q is not KEY=VALUE", line)
			_, dup := vals[k]
			require.False(t, dup, "%s listed twice", k)
			vals[k], documented[k] = v, comment
			order = append(order, k)
		}
	}
	require.NoError(t, sc.Err())
	return vals, documented, order
}

func TestEnvExampleListsEveryVariable(t *testing.T) {
	t.Parallel()
	vals, documented, _ := readEnvExample(t)
	// The names come from config's table of the variables the binary reads,
	// so the example cannot drift.
	for _, k := range []string{
		config.EnvTemporalAddress, config.EnvTemporalNamespace, config.EnvConfig,
		config.EnvWebhookSecret, config.EnvAPIToken,
		config.EnvGitHubAPIURL, config.EnvGitHubAppID, config.EnvGitHubPrivateKeyFile, config.EnvGitHubPrivateKey,
		config.EnvGitHubInstallationID, config.EnvGitHubToken,
		config.EnvArtifactStore, config.EnvSigningKeyFile, config.EnvSigningKey, config.EnvSigningPassphrase,
		config.EnvProvenanceKeyFile,
		"POSTGRES_USER", "POSTGRES_PASSWORD",
	} {
		_, ok := vals[k]
		assert.True(t, ok, "%s missing from .env.example", k)
		assert.True(t, documented[k], "%s has no comment", k)
	}
	assert.Equal(t, "file:///var/lib/releasetrain/artifacts", vals["RELEASETRAIN_ARTIFACT_STORE"])
}

func TestEnvExampleHoldsNoSecretValues(t *testing.T) {
	t.Parallel()
	vals, _, _ := readEnvExample(t)
	for k, v := range vals {
		if !secretKey(k) {
			continue
		}
		// Secrets are blank, except the obvious placeholder the compose file needs to start.
		if k == "POSTGRES_PASSWORD" {
			assert.Equal(t, "change-me", v)
			continue
		}
		assert.Empty(t, v, "%s must be blank in .env.example", k)
	}
	// config's table marks its secrets; each one is blank here.
	for _, v := range config.EnvVars() {
		if val, ok := vals[v.Name]; ok && v.Secret {
			require.Empty(t, val, "%s is a secret (config.EnvVars): blank in .env.example", v.Name)
		}
	}
}

func TestDotEnvIsNotCommittedOrBuilt(t *testing.T) {
	t.Parallel()
	gitignore, err := os.ReadFile(filepath.Join(root, ".gitignore"))
	require.NoError(t, err)
	assert.Contains(t, strings.Split(string(gitignore), "\n"), ".env")
	dockerignore, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	require.NoError(t, err)
	lines := strings.Split(string(dockerignore), "\n")
	for _, want := range []string{".env", ".git", "secrets"} {
		assert.Contains(t, lines, want)
	}
}
