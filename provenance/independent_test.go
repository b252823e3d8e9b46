package provenance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIndependentVerifier checks the envelopes with code that shares
// nothing with go-securesystemslib or the in-toto Go bindings:
// testdata/dsse_verify.py (DSSE's encoding from the specification,
// signatures by python-securesystemslib on pyca/cryptography and PyNaCl).
// Debian's python3-securesystemslib provides it; .ci/run installs it.
func TestIndependentVerifier(t *testing.T) {
	python := independentPython(t)
	for _, alg := range []string{AlgorithmECDSAP256, AlgorithmEd25519} {
		t.Run(alg, func(t *testing.T) {
			priv, pub := keyPair(t, alg)
			signer, err := LoadSignerFile(priv)
			require.NoError(t, err)
			rel := writeRelease(t, signer)
			env := filepath.Join(rel.dir, rel.provName)
			out, err := exec.Command(python, "testdata/dsse_verify.py", env, pub).CombinedOutput()
			require.NoError(t, err, "independent verifier refused the envelope: %v\n%s", err, out)
			// It reads the same subjects as SHA256SUMS lists (all but the provenance).
			var want []string
			for _, l := range readSums(t, rel.dir) {
				if l.Name != rel.provName {
					want = append(want, l.SHA256+"  "+l.Name)
				}
			}
			assert.Equal(t, strings.ReplaceAll(strings.Join(want, "\n"), "  ", "\x00"), strings.Join(strings.Fields(strings.ReplaceAll(string(out), "  ", "\x00")), "\n"), "independent verifier's subjects:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))

			// And it refuses a changed payload, so its acceptance means something.
			data, err := os.ReadFile(env)
			require.NoError(t, err)
			var e map[string]any
			require.NoError(t, json.Unmarshal(data, &e))
			payload, _ := base64.StdEncoding.DecodeString(e["payload"].(string))
			e["payload"] = base64.StdEncoding.EncodeToString(bytes.Replace(payload, []byte("v1.0.0"), []byte("v6.6.6"), 1))
			bad, _ := json.Marshal(e)
			badPath := filepath.Join(t.TempDir(), "bad.intoto.jsonl")
			require.NoError(t, os.WriteFile(badPath, bad, 0o644))
			out, err = exec.Command(python, "testdata/dsse_verify.py", badPath, pub).CombinedOutput()
			assert.Error(t, err, "independent verifier accepted a changed payload:\n%s", out)
		})
	}
}

// independentPython finds a Python 3 with securesystemslib: Debian's
// /usr/bin/python3 with python3-securesystemslib, or python3 on PATH. Its
// absence fails the test: CI installs it (.ci/run).
func independentPython(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import securesystemslib.signer, cryptography").Run() == nil {
			return p
		}
	}
	t.Fatal("no python3 with securesystemslib: apt-get install python3-securesystemslib (.ci/run installs it)")
	return ""
}
