package provenance

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/stretchr/testify/require"
)

// release is a published release laid out in a folder as a user downloads it.
type release struct {
	dir      string
	provName string
	input    Input
}

// writeRelease makes a small two-repo release in a new folder: member
// files, the bundle, the provenance (signed by signer, nil for unsigned) and
// SHA256SUMS listing them all, as PackageRelease publishes them.
func writeRelease(t *testing.T, signer *Signer) release {
	t.Helper()
	src := t.TempDir()
	files := map[string]string{
		"alpha/bin/alpha":     "alpha binary\n",
		"alpha/README.md":     "alpha readme\n",
		"beta/linux/tool":     "beta tool\n",
		"beta/docs/README.md": "beta readme\n",
	}
	var inputs []bundle.Input
	for rel, content := range files {
		repo, name, _ := cut(rel)
		p := filepath.Join(src, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		inputs = append(inputs, bundle.Input{Repo: repo, Name: name, Path: p, Executable: name == "bin/alpha"})
	}
	entries, err := bundle.Layout(inputs)
	require.NoError(t, err)
	dir := t.TempDir()
	mtime := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	packed, err := bundle.Package(dir, entries, bundle.TarballOptions{Name: "demo", Tag: "v1.0.0", Time: mtime})
	require.NoError(t, err)
	in := Input{
		Owner: "acme", ReleaseRepo: "alpha", Name: "demo", ConfigSHA256: sha("config"),
		Tag: "v1.0.0", Trigger: "test", WorkflowID: "release-v1.0.0", RunID: "run-1",
		StartedOn: mtime, FinishedOn: mtime.Add(time.Hour),
		Bundle: Bundle{Asset: packed.Tarball.Name, SHA256: packed.Tarball.SHA256, Name: "demo", Tag: "v1.0.0",
			MTime: mtime, GzipLevel: bundle.GzipLevel, GzipBlockSize: bundle.GzipBlockSize},
		Members: []Member{
			{Repo: "alpha", RepoURL: "https://github.com/acme/alpha", Workflow: ".github/workflows/build.yml",
				Commit: "0123456789abcdef0123456789abcdef01234567", RunID: 101, Attempt: 2,
				RunURL: "https://github.com/acme/alpha/actions/runs/101", Conclusion: "success", Reruns: 1,
				Artifacts: []Artifact{{Name: "alpha-linux", SHA256: sha("zip")}}},
			{Repo: "beta", RepoURL: "https://github.com/acme/beta", Workflow: ".github/workflows/build.yml",
				Commit: "89abcdef0123456789abcdef0123456789abcdef", RunID: 202, Attempt: 1,
				RunURL: "https://github.com/acme/beta/actions/runs/202", Conclusion: "success"},
			{Repo: "gamma", Skipped: true, SkipReason: "skipped by operator"},
		},
	}
	for i, e := range entries {
		d := packed.Assets[i]
		in.Files = append(in.Files, File{Asset: e.Asset, SHA256: d.SHA256, Repo: e.Repo, Path: e.Name, Executable: e.Executable})
		require.NoError(t, copyFile(e.Path, filepath.Join(dir, e.Asset)))
	}
	st, err := Build(in)
	require.NoError(t, err)
	env, err := Seal(context.Background(), st, signer)
	require.NoError(t, err)
	provName := assetname.Provenance("demo", "v1.0.0")
	require.NoError(t, os.WriteFile(filepath.Join(dir, provName), env, 0o644))
	digests := packed.Digests()
	provSHA, provSize, err := bundle.HashFile(filepath.Join(dir, provName))
	require.NoError(t, err)
	digests = append(digests, bundle.Digest{Name: provName, SHA256: provSHA, Size: provSize})
	require.NoError(t, os.WriteFile(filepath.Join(dir, assetname.Sums), bundle.SHA256SUMS(digests), 0o644))
	return release{dir: dir, provName: provName, input: in}
}

func cut(rel string) (repo, name string, ok bool) {
	for i := 0; i < len(rel); i++ {
		if rel[i] == '/' {
			return rel[:i], rel[i+1:], true
		}
	}
	return rel, "", false
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

// sha is a fake but well-formed sha256 hex for s.
func sha(s string) string {
	h, _, _ := bundle.HashFile(os.DevNull)
	if s == "" {
		return h
	}
	out := []byte(h)
	for i := 0; i < len(s) && i < len(out); i++ {
		out[i] = "0123456789abcdef"[s[i]%16]
	}
	return string(out)
}

// keyPair generates a key of the algorithm and returns its file paths.
func keyPair(t *testing.T, algorithm string) (private, public string) {
	t.Helper()
	dir := t.TempDir()
	private, public = filepath.Join(dir, "key.pem"), filepath.Join(dir, "key.pub.pem")
	require.NoError(t, GenerateKeyFiles(algorithm, private, public))
	return private, public
}
