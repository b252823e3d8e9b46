package deploy_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// root is the repository root, where the deployment files live.
const root = ".."

// secretKey matches environment variable names that hold secrets (not
// paths to them: *_DIR and *_FILE[S] name folders and files).
func secretKey(name string) bool {
	if regexp.MustCompile(`_(DIR|FILES?)$`).MatchString(name) {
		return false
	}
	return regexp.MustCompile(`(PASSWORD|PASSPHRASE|SECRET|TOKEN|PRIVATE_KEY$|_PWD$)`).MatchString(name)
}

// loadCompose loads docker-compose.yml the way an operator runs it: from a
// folder holding the compose file and a .env copied from .env.example,
// with edit applied to the .env text. No variable of the host leaks in.
func loadCompose(t *testing.T, edit func(string) string) (*types.Project, error) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"docker-compose.yml", "Dockerfile"} {
		data, err := os.ReadFile(filepath.Join(root, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
	}
	env, err := os.ReadFile(filepath.Join(root, ".env.example"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte(edit(string(env))), 0o600))

	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(dir, "docker-compose.yml")},
		cli.WithWorkingDirectory(dir),
		cli.WithEnvFiles(filepath.Join(dir, ".env")),
		cli.WithDotEnv,
	)
	require.NoError(t, err)
	return cli.ProjectFromOptions(context.Background(), opts)
}

func mustLoad(t *testing.T) *types.Project {
	t.Helper()
	p, err := loadCompose(t, func(s string) string { return s })
	require.NoError(t, err)
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	require.NoError(t, err, name)
	return s
}

func env(s types.ServiceConfig, key string) string {
	if v, ok := s.Environment[key]; ok && v != nil {
		return *v
	}
	return ""
}

func TestComposeServices(t *testing.T) {
	t.Parallel()
	p := mustLoad(t)
	names := p.ServiceNames()
	sort.Strings(names)
	assert.Equal(t, []string{
		"postgresql", "releasetrain-receiver", "releasetrain-worker",
		"temporal", "temporal-admin-tools", "temporal-setup", "temporal-ui",
	}, names)
	assert.Equal(t, "releasetrain", p.Name)

	images := map[string]string{
		"postgresql":           "postgres:16",
		"temporal":             "temporalio/server:1.29.1",
		"temporal-admin-tools": "temporalio/admin-tools:1.29.1-tctl-1.18.4-cli-1.5.0",
		"temporal-setup":       "temporalio/admin-tools:1.29.1-tctl-1.18.4-cli-1.5.0",
		"temporal-ui":          "temporalio/ui:2.42.1",
	}
	for name, image := range images {
		assert.Equal(t, image, service(t, p, name).Image, name)
	}
	for _, s := range p.Services {
		assert.NotContains(t, s.Image, "auto-setup", "%s: temporalio/auto-setup is deprecated", s.Name)
	}
}

func TestComposeDependencies(t *testing.T) {
	t.Parallel()
	p := mustLoad(t)
	healthy, done := types.ServiceConditionHealthy, types.ServiceConditionCompletedSuccessfully
	want := map[string]map[string]string{
		"postgresql":            {},
		"temporal-admin-tools":  {"postgresql": healthy},
		"temporal":              {"postgresql": healthy, "temporal-admin-tools": done},
		"temporal-setup":        {"temporal": healthy},
		"temporal-ui":           {"temporal": healthy},
		"releasetrain-worker":   {"temporal": healthy, "temporal-setup": done},
		"releasetrain-receiver": {"temporal": healthy, "temporal-setup": done},
	}
	for name, deps := range want {
		got := map[string]string{}
		for dep, cond := range service(t, p, name).DependsOn {
			got[dep] = cond.Condition
		}
		assert.Equal(t, deps, got, name)
	}
}

func TestComposeHealthchecksAndPorts(t *testing.T) {
	t.Parallel()
	p := mustLoad(t)
	health := map[string]string{
		"postgresql":            "pg_isready",
		"temporal":              "temporal operator cluster health --address temporal:7233",
		"releasetrain-receiver": "/usr/local/bin/healthcheck http://127.0.0.1:8080/healthz",
	}
	for name, want := range health {
		hc := service(t, p, name).HealthCheck
		require.NotNil(t, hc, name)
		assert.Contains(t, strings.Join(hc.Test, " "), want, name)
		require.NotNil(t, hc.Interval, name)
		require.NotNil(t, hc.Retries, name)
	}

	ports := map[string][]string{
		"temporal":              {"127.0.0.1:7233->7233"},
		"temporal-ui":           {"127.0.0.1:8233->8080"}, // it can signal, cancel and reset trains
		"releasetrain-receiver": {":8080->8080"},
	}
	for _, s := range p.Services {
		var got []string
		for _, port := range s.Ports {
			got = append(got, port.HostIP+":"+port.Published+"->"+strconv.FormatUint(uint64(port.Target), 10))
		}
		assert.Equal(t, ports[s.Name], got, "published ports of %s", s.Name)
	}
	assert.Equal(t, "temporal:7233", env(service(t, p, "temporal-ui"), "TEMPORAL_ADDRESS"))
}

func TestComposeSetupJobs(t *testing.T) {
	t.Parallel()
	p := mustLoad(t)
	schema := service(t, p, "temporal-admin-tools")
	script := strings.Join(schema.Command, " ")
	for _, want := range []string{
		"temporal-sql-tool --db \"$db\" create",
		"temporal-sql-tool --db temporal setup-schema -v 0.0",
		"temporal-sql-tool --db temporal update-schema -d \"$schema/temporal/versioned\"",
		"temporal-sql-tool --db temporal_visibility setup-schema -v 0.0",
		"temporal-sql-tool --db temporal_visibility update-schema -d \"$schema/visibility/versioned\"",
	} {
		assert.Contains(t, script, want)
	}
	assert.Equal(t, "postgres12", env(schema, "SQL_PLUGIN"))
	assert.Equal(t, "postgresql", env(schema, "SQL_HOST"))
	assert.Equal(t, "postgres12", env(service(t, p, "temporal"), "DB"))

	setup := strings.Join(service(t, p, "temporal-setup").Command, " ")
	assert.Contains(t, setup, "temporal operator namespace create")
	assert.Contains(t, setup, "for sa in ReleaseTag ReleaseState")
	assert.Contains(t, setup, `--name "$sa" --type Keyword`)
	for _, name := range []string{"temporal-admin-tools", "temporal-setup"} {
		assert.Equal(t, "no", service(t, p, name).Restart, "%s is a one-shot job", name)
	}
}

func TestComposeReleasetrainServices(t *testing.T) {
	t.Parallel()
	p := mustLoad(t)
	commands := map[string][]string{
		"releasetrain-worker":   {"worker"},
		"releasetrain-receiver": {"serve", "--addr", ":8080"},
	}
	for name, cmd := range commands {
		s := service(t, p, name)
		require.NotNil(t, s.Build, name)
		assert.Equal(t, "Dockerfile", s.Build.Dockerfile, name)
		assert.Equal(t, cmd, []string(s.Command), name)
		assert.Equal(t, "65532:65532", s.User, "%s runs as non-root", name)
		require.Len(t, s.EnvFiles, 1, name)
		assert.Equal(t, ".env", filepath.Base(s.EnvFiles[0].Path), name)
		assert.Equal(t, "temporal:7233", env(s, "TEMPORAL_ADDRESS"), name)
		assert.Equal(t, "default", env(s, "TEMPORAL_NAMESPACE"), name)
		// env_file delivers every variable of .env.example.
		assert.Equal(t, "file:///var/lib/releasetrain/artifacts", env(s, "RELEASETRAIN_ARTIFACT_STORE"), name)
		_, ok := s.Environment["RELEASETRAIN_WEBHOOK_SECRET"]
		assert.True(t, ok, "%s gets the webhook secret from .env", name)
	}
	vols := service(t, p, "releasetrain-worker").Volumes
	require.NotEmpty(t, vols)
	assert.Equal(t, "/var/lib/releasetrain", vols[0].Target, "artifact store volume")
}

func TestComposeSecretsComeFromEnv(t *testing.T) {
	t.Parallel()
	// The raw file: every secret-looking environment value is an interpolation.
	raw, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	require.NoError(t, err)
	var doc struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	checked := 0
	for name, s := range doc.Services {
		for k, v := range s.Environment {
			if secretKey(k) {
				checked++
				assert.Regexp(t, `^\$\{[A-Z_]+(:\?[^}]*)?\}$`, v, "%s: %s must come from .env", name, k)
			}
		}
	}
	assert.GreaterOrEqual(t, checked, 3)

	// Loaded: the values are exactly what .env says.
	p, err := loadCompose(t, func(s string) string {
		return strings.Replace(s, "POSTGRES_PASSWORD=change-me", "POSTGRES_PASSWORD=from-dot-env", 1)
	})
	require.NoError(t, err)
	assert.Equal(t, "from-dot-env", env(service(t, p, "postgresql"), "POSTGRES_PASSWORD"))
	assert.Equal(t, "from-dot-env", env(service(t, p, "temporal"), "POSTGRES_PWD"))
	assert.Equal(t, "from-dot-env", env(service(t, p, "temporal-admin-tools"), "SQL_PASSWORD"))

	// Without the password the stack refuses to start, naming the fix.
	_, err = loadCompose(t, func(s string) string {
		return strings.Replace(s, "POSTGRES_PASSWORD=change-me\n", "", 1)
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "set POSTGRES_PASSWORD in .env")
}

// The Web UI is published on the loopback interface only, and its OIDC
// sign-in and read-only switch come from .env.
func TestComposeWebUIIsLocalUnlessAuthenticated(t *testing.T) {
	t.Parallel()
	ui := service(t, mustLoad(t), "temporal-ui")
	require.Len(t, ui.Ports, 1)
	assert.Equal(t, "127.0.0.1", ui.Ports[0].HostIP, "the Web UI must not listen on every interface")
	assert.Equal(t, "false", env(ui, "TEMPORAL_AUTH_ENABLED"))
	assert.Equal(t, "false", env(ui, "TEMPORAL_DISABLE_WRITE_ACTIONS"))

	p, err := loadCompose(t, func(s string) string {
		s = strings.Replace(s, "TEMPORAL_AUTH_ENABLED=false", "TEMPORAL_AUTH_ENABLED=true", 1)
		s = strings.Replace(s, "TEMPORAL_AUTH_PROVIDER_URL=\n", "TEMPORAL_AUTH_PROVIDER_URL=https://accounts.example.org\n", 1)
		s = strings.Replace(s, "TEMPORAL_AUTH_CLIENT_SECRET=\n", "TEMPORAL_AUTH_CLIENT_SECRET=from-dot-env\n", 1)
		return strings.Replace(s, "TEMPORAL_DISABLE_WRITE_ACTIONS=false", "TEMPORAL_DISABLE_WRITE_ACTIONS=true", 1)
	})
	require.NoError(t, err)
	ui = service(t, p, "temporal-ui")
	assert.Equal(t, "true", env(ui, "TEMPORAL_AUTH_ENABLED"))
	assert.Equal(t, "https://accounts.example.org", env(ui, "TEMPORAL_AUTH_PROVIDER_URL"))
	assert.Equal(t, "from-dot-env", env(ui, "TEMPORAL_AUTH_CLIENT_SECRET"))
	assert.Equal(t, "true", env(ui, "TEMPORAL_DISABLE_WRITE_ACTIONS"))
	assert.Equal(t, "127.0.0.1", ui.Ports[0].HostIP, "auth settings do not change the binding")
}
