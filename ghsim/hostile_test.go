package ghsim

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const hostileScenarioYAML = `
owner: acme
repos:
  - name: app
    duration: 1s
    artifacts:
      - name: slip
        files: [{name: ok.txt, size: 10}]
        hostile: {kind: zip_slip, target: ../../../x}
      - name: abs
        hostile: {kind: absolute_path}
      - name: link
        hostile: {kind: symlink, target: /etc}
      - name: bomb
        hostile: {kind: zip_bomb, size: 8MiB}
      - name: lying
        files: [{name: app, size: 1KiB}]
        hostile: {kind: digest_mismatch}
`

// hostileArtifact is one listed artifact with its raw digest and downloaded bytes.
type hostileArtifact struct {
	digest string
	data   []byte
}

// hostileArtifacts runs the hostile scenario's build and downloads every artifact.
func hostileArtifacts(t *testing.T) map[string]hostileArtifact {
	t.Helper()
	e := setup(t, Options{ManualClock: true, Seed: 5})
	require.NoError(t, e.sim.SetScenario(mustScenario(t, hostileScenarioYAML)))
	id := dispatchWithDetails(t, e, "app", nil)
	e.sim.Advance(10 * time.Second)
	req, err := e.gh.NewRequest("GET", "repos/acme/app/actions/runs/"+itoa64(id)+"/artifacts", nil)
	require.NoError(t, err)
	var raw struct {
		Artifacts []struct {
			ID     int64  `json:"id"`
			Name   string `json:"name"`
			Digest string `json:"digest"`
		} `json:"artifacts"`
	}
	_, err = e.gh.Do(e.ctx, req, &raw)
	require.NoError(t, err)
	out := map[string]hostileArtifact{}
	for _, a := range raw.Artifacts {
		u, _, err := e.gh.Actions.DownloadArtifact(e.ctx, "acme", "app", a.ID, 0)
		require.NoError(t, err)
		out[a.Name] = hostileArtifact{digest: a.Digest, data: get(t, e, u.String(), 200)}
	}
	require.Len(t, out, 5)
	return out
}

func zipEntries(t *testing.T, data []byte) []*zip.File {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	return zr.File
}

func readEntry(t *testing.T, f *zip.File) string {
	t.Helper()
	rc, err := f.Open()
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return string(b)
}

func sha256Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func TestHostileArtifacts(t *testing.T) {
	arts := hostileArtifacts(t)

	slip := zipEntries(t, arts["slip"].data)
	require.Len(t, slip, 2)
	assert.Equal(t, "ok.txt", slip[0].Name)
	assert.Equal(t, "../../../x", slip[1].Name)
	assert.Equal(t, hostileContent, readEntry(t, slip[1]))

	abs := zipEntries(t, arts["abs"].data)
	require.Len(t, abs, 1)
	assert.Equal(t, "/tmp/evil", abs[0].Name)

	link := zipEntries(t, arts["link"].data)
	require.Len(t, link, 2)
	assert.Equal(t, "link", link[0].Name)
	assert.Equal(t, fs.ModeSymlink, link[0].Mode().Type())
	assert.Equal(t, "/etc", readEntry(t, link[0]))
	assert.Equal(t, "link/evil", link[1].Name)

	bomb := zipEntries(t, arts["bomb"].data)
	require.Len(t, bomb, 1)
	assert.Equal(t, uint64(8<<20), bomb[0].UncompressedSize64)
	assert.Greater(t, bomb[0].UncompressedSize64/bomb[0].CompressedSize64, uint64(500), "inflates hundreds of times")

	// Every hostile zip but the lying one carries its true digest.
	for _, name := range []string{"slip", "abs", "link", "bomb"} {
		assert.Equal(t, sha256Digest(arts[name].data), arts[name].digest, name)
	}
	lying := arts["lying"]
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, lying.digest)
	assert.NotEqual(t, sha256Digest(lying.data), lying.digest, "digest_mismatch reports other bytes' digest")
	require.Len(t, zipEntries(t, lying.data), 1, "a normal zip")
}

func TestHostileKindValidated(t *testing.T) {
	_, err := ParseScenario([]byte(`
repos:
  - name: app
    artifacts:
      - name: a
        hostile: {kind: fork_bomb}
`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `line 3: repo "app": artifact "a": unknown hostile kind "fork_bomb"`)
}
