package provenance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/stretchr/testify/require"
)

func TestSealOpenRoundTrip(t *testing.T) {
	for _, alg := range []string{AlgorithmECDSAP256, AlgorithmEd25519} {
		t.Run(alg, func(t *testing.T) {
			priv, pub := keyPair(t, alg)
			signer, err := LoadSignerFile(priv)
			require.NoError(t, err)
			rel := writeRelease(t, signer)
			v, err := LoadVerifierFile(pub)
			require.NoError(t, err)
			o, err := OpenFile(context.Background(), filepath.Join(rel.dir, rel.provName), []*Verifier{v})
			require.NoError(t, err)
			require.True(t, o.Verified, "verified %v, %d signatures, key ids %v (signer %s)", o.Verified, o.Signatures, o.KeyIDs, signer.KeyID())
			require.Equal(t, 1, o.Signatures, "verified %v, %d signatures, key ids %v (signer %s)", o.Verified, o.Signatures, o.KeyIDs, signer.KeyID())
			require.Len(t, o.KeyIDs, 1, "verified %v, %d signatures, key ids %v (signer %s)", o.Verified, o.Signatures, o.KeyIDs, signer.KeyID())
			require.Equal(t, signer.KeyID(), o.KeyIDs[0], "verified %v, %d signatures, key ids %v (signer %s)", o.Verified, o.Signatures, o.KeyIDs, signer.KeyID())
			checkSummary(t, o.Summary, rel.input)
		})
	}
}

// checkSummary compares what Open read back with what Build was given.
func checkSummary(t *testing.T, s Summary, in Input) {
	t.Helper()
	assert.Equal(t, in.Tag, s.Tag, "summary %+v", s)
	assert.Equal(t, in.Name, s.Name, "summary %+v", s)
	assert.Equal(t, in.Owner, s.Owner, "summary %+v", s)
	assert.Equal(t, in.ConfigSHA256, s.ConfigSHA256, "summary %+v", s)
	assert.Equal(t, in.Trigger, s.Trigger, "summary %+v", s)
	assert.Equal(t, "release-v1.0.0/run-1", s.InvocationID)
	assert.Equal(t, DefaultBuilderID, s.BuilderID)
	assert.True(t, s.StartedOn.Equal(in.StartedOn), "started %v, want %v", s.StartedOn, in.StartedOn)
	assert.True(t, s.FinishedOn.Equal(in.FinishedOn), "finished %v, want %v", s.FinishedOn, in.FinishedOn)
	assert.True(t, s.Bundle.MTime.Equal(in.Bundle.MTime), "bundle mtime %v, want %v", s.Bundle.MTime, in.Bundle.MTime)
	assert.Equal(t, in.Bundle.SHA256, s.Bundle.SHA256, "bundle %+v, want %+v", s.Bundle, in.Bundle)
	assert.Equal(t, in.Bundle.Asset, s.Bundle.Asset, "bundle %+v, want %+v", s.Bundle, in.Bundle)
	require.Len(t, s.Subjects, len(in.Files)+1)
	require.Len(t, s.Files, len(in.Files))
	require.Len(t, s.Members, 3, "members")
	a, g := s.Members[0], s.Members[2]
	assert.Equal(t, "alpha", a.Repo)
	assert.Equal(t, in.Members[0].Commit, a.Commit)
	assert.Equal(t, int64(101), a.RunID)
	assert.Equal(t, 2, a.Attempt)
	assert.Equal(t, 1, a.Reruns)
	assert.Equal(t, ".github/workflows/build.yml", a.Workflow)
	assert.Equal(t, in.Members[0].RunURL, a.RunURL)
	assert.Equal(t, "success", a.Conclusion)
	if assert.Len(t, a.Artifacts, 1, "alpha %+v", a) {
		assert.Equal(t, "alpha-linux", a.Artifacts[0].Name)
	}
	assert.Equal(t, "https://github.com/acme/alpha", a.RepoURL)
	assert.Equal(t, "gamma", g.Repo, "gamma %+v", g)
	assert.True(t, g.Skipped, "gamma %+v", g)
	assert.Equal(t, "skipped by operator", g.SkipReason, "gamma %+v", g)
}

func TestOpenRefuses(t *testing.T) {
	priv, pub := keyPair(t, AlgorithmECDSAP256)
	signer, err := LoadSignerFile(priv)
	require.NoError(t, err)
	rel := writeRelease(t, signer)
	good, err := os.ReadFile(filepath.Join(rel.dir, rel.provName))
	require.NoError(t, err)
	v, err := LoadVerifierFile(pub)
	require.NoError(t, err)
	_, otherPub := keyPair(t, AlgorithmEd25519)
	other, err := LoadVerifierFile(otherPub)
	require.NoError(t, err)
	ctx := context.Background()

	_, err = Open(ctx, good, []*Verifier{other})
	assert.ErrorIs(t, err, ErrBadSignature, "another key")
	// A changed payload (one subject's digest) must not verify.
	var env map[string]any
	require.NoError(t, json.Unmarshal(good, &env))
	payload, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
	tampered := bytes.Replace(payload, []byte(rel.input.Bundle.SHA256), []byte(strings.Repeat("0", 64)), 1)
	require.False(t, bytes.Equal(tampered, payload), "bundle digest not found in the payload")
	env["payload"] = base64.StdEncoding.EncodeToString(tampered)
	bad, _ := json.Marshal(env)
	_, err = Open(ctx, bad, []*Verifier{v})
	assert.ErrorIs(t, err, ErrBadSignature, "tampered payload")
	unsigned := writeRelease(t, nil)
	udata, err := os.ReadFile(filepath.Join(unsigned.dir, unsigned.provName))
	require.NoError(t, err)
	_, err = Open(ctx, udata, []*Verifier{v})
	assert.ErrorIs(t, err, ErrUnsigned, "unsigned with a key")
	o, err := Open(ctx, udata, nil)
	assert.NoError(t, err, "unsigned without a key: %+v, %v", o, err)
	assert.Zero(t, o.Signatures, "unsigned without a key: %+v, %v", o, err)
	assert.False(t, o.Verified, "unsigned without a key: %+v, %v", o, err)
	_, err = Open(ctx, append(append([]byte{}, good...), good...), nil)
	assert.Error(t, err, "two envelopes accepted")
}

func TestLoadSignerRefusesOtherKeys(t *testing.T) {
	_, pub := keyPair(t, AlgorithmECDSAP256)
	data, err := os.ReadFile(pub)
	require.NoError(t, err)
	_, err = LoadSigner(data)
	assert.ErrorContains(t, err, "public key", "public key as signer")
	_, err = LoadSigner([]byte("not a key"))
	assert.Error(t, err, "garbage accepted")
	_, err = LoadSignerFile("/nonexistent/key.pem")
	require.ErrorContains(t, err, "/nonexistent/key.pem", "a missing key file is named")
}

func TestSealIsDeterministicWithEd25519(t *testing.T) {
	priv, _ := keyPair(t, AlgorithmEd25519)
	signer, err := LoadSignerFile(priv)
	require.NoError(t, err)
	rel := writeRelease(t, signer)
	st, err := Build(rel.input)
	require.NoError(t, err)
	a, err := Seal(context.Background(), st, signer)
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(rel.dir, rel.provName))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(a, got), "sealing the same statement twice gave different bytes")
}

func TestCheckSums(t *testing.T) {
	rel := writeRelease(t, nil)
	o, err := OpenFile(context.Background(), filepath.Join(rel.dir, rel.provName), nil)
	require.NoError(t, err)
	sums := readSums(t, rel.dir)
	require.NoError(t, CheckSums(o.Summary, sums, rel.provName))
	missing, err := CheckFiles(rel.dir, o.Summary)
	require.NoError(t, err)
	require.Empty(t, missing)

	extra := append(append([]bundle.SumLine{}, sums...), bundle.SumLine{Name: "smuggled", SHA256: sha("x")})
	err = CheckSums(o.Summary, extra, rel.provName)
	assert.ErrorIs(t, err, ErrSubjectMismatch, "unattested file")
	assert.ErrorContains(t, err, "smuggled", "unattested file")
	changed := append([]bundle.SumLine{}, sums...)
	for i := range changed {
		if changed[i].Name == rel.input.Bundle.Asset {
			changed[i].SHA256 = sha("other")
		}
	}
	err = CheckSums(o.Summary, changed, rel.provName)
	assert.ErrorIs(t, err, ErrSubjectMismatch, "changed bundle digest")
	assert.ErrorContains(t, err, rel.input.Bundle.Asset, "changed bundle digest")
	require.NoError(t, os.WriteFile(filepath.Join(rel.dir, "tool"), []byte("swapped\n"), 0o644))
	_, err = CheckFiles(rel.dir, o.Summary)
	assert.ErrorIs(t, err, ErrSubjectMismatch, "swapped file")
	assert.ErrorContains(t, err, "tool", "swapped file")
}

func TestRebuildReproducesTheBundle(t *testing.T) {
	rel := writeRelease(t, nil)
	o, err := OpenFile(context.Background(), filepath.Join(rel.dir, rel.provName), nil)
	require.NoError(t, err)
	// A fresh folder holding only what a user downloads: member files and the provenance.
	fresh := t.TempDir()
	for _, f := range o.Files {
		require.NoError(t, copyFile(filepath.Join(rel.dir, f.Asset), filepath.Join(fresh, f.Asset)))
	}
	got, err := Rebuild(fresh, t.TempDir(), o.Summary)
	require.NoError(t, err)
	require.Equal(t, rel.input.Bundle.SHA256, got.Bundle.SHA256, "rebuilt %+v, want sha256 %s", got, rel.input.Bundle.SHA256)
	require.Equal(t, len(rel.input.Files), got.Files, "rebuilt %+v, want sha256 %s", got, rel.input.Bundle.SHA256)
	// The published copy is compared too.
	_, err = Rebuild(rel.dir, t.TempDir(), o.Summary)
	require.NoError(t, err)
	// A changed mtime is another bundle.
	s := o.Summary
	s.Bundle.MTime = s.Bundle.MTime.Add(1e9)
	_, err = Rebuild(fresh, t.TempDir(), s)
	assert.ErrorIs(t, err, ErrNotReproduced, "other mtime")
	require.NoError(t, os.Remove(filepath.Join(fresh, "tool")))
	_, err = Rebuild(fresh, t.TempDir(), o.Summary)
	assert.ErrorContains(t, err, "tool", "missing member file")
}

func readSums(t *testing.T, dir string) []bundle.SumLine {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, assetname.Sums))
	require.NoError(t, err)
	lines, err := bundle.ParseSHA256SUMS(data)
	require.NoError(t, err)
	return lines
}

// TestLoadSignerOpenSSLKeys loads keys made as the README says, with openssl.
func TestLoadSignerOpenSSLKeys(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	require.NoError(t, err, "openssl not installed (.ci/run installs it)")
	dir := t.TempDir()
	for _, args := range [][]string{
		{"genpkey", "-algorithm", "ed25519", "-out", "ed.pem"},
		{"pkey", "-in", "ed.pem", "-pubout", "-out", "ed.pub.pem"},
		{"ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem"}, // SEC 1
		{"ec", "-in", "ec.pem", "-pubout", "-out", "ec.pub.pem"},
		{"ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "p384.pem"},
	} {
		cmd := exec.Command(openssl, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "openssl %v: %v\n%s", args, err, out)
	}
	for _, k := range []string{"ed", "ec"} {
		s, err := LoadSignerFile(filepath.Join(dir, k+".pem"))
		require.NoError(t, err, "%s", k)
		rel := writeRelease(t, s)
		v, err := LoadVerifierFile(filepath.Join(dir, k+".pub.pem"))
		require.NoError(t, err)
		_, err = OpenFile(context.Background(), filepath.Join(rel.dir, rel.provName), []*Verifier{v})
		assert.NoError(t, err, "%s", k)
	}
	_, err = LoadSignerFile(filepath.Join(dir, "p384.pem"))
	assert.ErrorContains(t, err, "P-256", "P-384 key")
}

func TestOpenReleaseChecksSumsAndTheProvenanceFile(t *testing.T) {
	rel := writeRelease(t, nil)
	path := filepath.Join(rel.dir, rel.provName)
	_, sums, err := OpenRelease(context.Background(), rel.dir, path, nil)
	require.NoError(t, err)
	require.NotEmpty(t, sums)
	// SHA256SUMS naming another provenance digest: the file is not the one signed.
	lines := readSums(t, rel.dir)
	var b strings.Builder
	for _, l := range lines {
		if l.Name == rel.provName {
			l.SHA256 = sha("another provenance")
		}
		fmt.Fprintf(&b, "%s  %s\n", l.SHA256, l.Name)
	}
	require.NoError(t, os.WriteFile(filepath.Join(rel.dir, assetname.Sums), []byte(b.String()), 0o644))
	_, _, err = OpenRelease(context.Background(), rel.dir, path, nil)
	assert.ErrorIs(t, err, ErrSubjectMismatch, "provenance digest not the listed one")
	assert.ErrorContains(t, err, rel.provName, "provenance digest not the listed one")
}
