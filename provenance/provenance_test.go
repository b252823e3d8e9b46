package provenance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/stretchr/testify/require"
)

func TestSealOpenRoundTrip(t *testing.T) {
	for _, alg := range []string{AlgorithmECDSAP256, AlgorithmEd25519} {
		t.Run(alg, func(t *testing.T) {
			priv, pub := keyPair(t, alg)
			signer, err := LoadSignerFile(priv)
			if err != nil {
				t.Fatal(err)
			}
			rel := writeRelease(t, signer)
			v, err := LoadVerifierFile(pub)
			if err != nil {
				t.Fatal(err)
			}
			o, err := OpenFile(context.Background(), filepath.Join(rel.dir, rel.provName), []*Verifier{v})
			if err != nil {
				t.Fatal(err)
			}
			if !o.Verified || o.Signatures != 1 || len(o.KeyIDs) != 1 || o.KeyIDs[0] != signer.KeyID() {
				t.Fatalf("verified %v, %d signatures, key ids %v (signer %s)", o.Verified, o.Signatures, o.KeyIDs, signer.KeyID())
			}
			checkSummary(t, o.Summary, rel.input)
		})
	}
}

// checkSummary compares what Open read back with what Build was given.
func checkSummary(t *testing.T, s Summary, in Input) {
	t.Helper()
	if s.Tag != in.Tag || s.Name != in.Name || s.Owner != in.Owner || s.ConfigSHA256 != in.ConfigSHA256 || s.Trigger != in.Trigger {
		t.Errorf("summary %+v", s)
	}
	if s.InvocationID != "release-v1.0.0/run-1" || s.BuilderID != DefaultBuilderID {
		t.Errorf("invocation %q builder %q", s.InvocationID, s.BuilderID)
	}
	if !s.StartedOn.Equal(in.StartedOn) || !s.FinishedOn.Equal(in.FinishedOn) || !s.Bundle.MTime.Equal(in.Bundle.MTime) {
		t.Errorf("times %v %v %v", s.StartedOn, s.FinishedOn, s.Bundle.MTime)
	}
	if s.Bundle.SHA256 != in.Bundle.SHA256 || s.Bundle.Asset != in.Bundle.Asset {
		t.Errorf("bundle %+v, want %+v", s.Bundle, in.Bundle)
	}
	if len(s.Subjects) != len(in.Files)+1 || len(s.Files) != len(in.Files) {
		t.Fatalf("%d subjects, %d files; want %d files and the bundle", len(s.Subjects), len(s.Files), len(in.Files))
	}
	if len(s.Members) != 3 {
		t.Fatalf("members %+v", s.Members)
	}
	a, g := s.Members[0], s.Members[2]
	if a.Repo != "alpha" || a.Commit != in.Members[0].Commit || a.RunID != 101 || a.Attempt != 2 || a.Reruns != 1 ||
		a.Workflow != ".github/workflows/build.yml" || a.RunURL != in.Members[0].RunURL || a.Conclusion != "success" ||
		len(a.Artifacts) != 1 || a.Artifacts[0].Name != "alpha-linux" || a.RepoURL != "https://github.com/acme/alpha" {
		t.Errorf("alpha %+v", a)
	}
	if g.Repo != "gamma" || !g.Skipped || g.SkipReason != "skipped by operator" {
		t.Errorf("gamma %+v", g)
	}
}

func TestOpenRefuses(t *testing.T) {
	priv, pub := keyPair(t, AlgorithmECDSAP256)
	signer, err := LoadSignerFile(priv)
	if err != nil {
		t.Fatal(err)
	}
	rel := writeRelease(t, signer)
	good, err := os.ReadFile(filepath.Join(rel.dir, rel.provName))
	if err != nil {
		t.Fatal(err)
	}
	v, err := LoadVerifierFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	_, otherPub := keyPair(t, AlgorithmEd25519)
	other, err := LoadVerifierFile(otherPub)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	if _, err := Open(ctx, good, []*Verifier{other}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("another key: %v, want ErrBadSignature", err)
	}
	// A changed payload (one subject's digest) must not verify.
	var env map[string]any
	if err := json.Unmarshal(good, &env); err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
	tampered := bytes.Replace(payload, []byte(rel.input.Bundle.SHA256), []byte(strings.Repeat("0", 64)), 1)
	if bytes.Equal(tampered, payload) {
		t.Fatal("bundle digest not found in the payload")
	}
	env["payload"] = base64.StdEncoding.EncodeToString(tampered)
	bad, _ := json.Marshal(env)
	if _, err := Open(ctx, bad, []*Verifier{v}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tampered payload: %v, want ErrBadSignature", err)
	}
	unsigned := writeRelease(t, nil)
	udata, err := os.ReadFile(filepath.Join(unsigned.dir, unsigned.provName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, udata, []*Verifier{v}); !errors.Is(err, ErrUnsigned) {
		t.Errorf("unsigned with a key: %v, want ErrUnsigned", err)
	}
	o, err := Open(ctx, udata, nil)
	if err != nil || o.Signatures != 0 || o.Verified {
		t.Errorf("unsigned without a key: %+v, %v", o, err)
	}
	if _, err := Open(ctx, append(append([]byte{}, good...), good...), nil); err == nil {
		t.Error("two envelopes accepted")
	}
}

func TestLoadSignerRefusesOtherKeys(t *testing.T) {
	_, pub := keyPair(t, AlgorithmECDSAP256)
	data, err := os.ReadFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSigner(data); err == nil || !strings.Contains(err.Error(), "public key") {
		t.Errorf("public key as signer: %v", err)
	}
	if _, err := LoadSigner([]byte("not a key")); err == nil {
		t.Error("garbage accepted")
	}
	_, err = LoadSignerFile("/nonexistent/key.pem")
	require.ErrorContains(t, err, "/nonexistent/key.pem", "a missing key file is named")
}

func TestSealIsDeterministicWithEd25519(t *testing.T) {
	priv, _ := keyPair(t, AlgorithmEd25519)
	signer, err := LoadSignerFile(priv)
	if err != nil {
		t.Fatal(err)
	}
	rel := writeRelease(t, signer)
	st, err := Build(rel.input)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Seal(context.Background(), st, signer)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(rel.dir, rel.provName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, got) {
		t.Error("sealing the same statement twice gave different bytes")
	}
}

func TestCheckSums(t *testing.T) {
	rel := writeRelease(t, nil)
	o, err := OpenFile(context.Background(), filepath.Join(rel.dir, rel.provName), nil)
	if err != nil {
		t.Fatal(err)
	}
	sums := readSums(t, rel.dir)
	if err := CheckSums(o.Summary, sums, rel.provName); err != nil {
		t.Fatal(err)
	}
	missing, err := CheckFiles(rel.dir, o.Summary)
	if err != nil || len(missing) != 0 {
		t.Fatalf("files: missing %v, %v", missing, err)
	}

	extra := append(append([]bundle.SumLine{}, sums...), bundle.SumLine{Name: "smuggled", SHA256: sha("x")})
	if err := CheckSums(o.Summary, extra, rel.provName); !errors.Is(err, ErrSubjectMismatch) || !strings.Contains(err.Error(), "smuggled") {
		t.Errorf("unattested file: %v", err)
	}
	changed := append([]bundle.SumLine{}, sums...)
	for i := range changed {
		if changed[i].Name == rel.input.Bundle.Asset {
			changed[i].SHA256 = sha("other")
		}
	}
	if err := CheckSums(o.Summary, changed, rel.provName); !errors.Is(err, ErrSubjectMismatch) || !strings.Contains(err.Error(), rel.input.Bundle.Asset) {
		t.Errorf("changed bundle digest: %v", err)
	}
	if err := os.WriteFile(filepath.Join(rel.dir, "tool"), []byte("swapped\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckFiles(rel.dir, o.Summary); !errors.Is(err, ErrSubjectMismatch) || !strings.Contains(err.Error(), "tool") {
		t.Errorf("swapped file: %v", err)
	}
}

func TestRebuildReproducesTheBundle(t *testing.T) {
	rel := writeRelease(t, nil)
	o, err := OpenFile(context.Background(), filepath.Join(rel.dir, rel.provName), nil)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh folder holding only what a user downloads: member files and the provenance.
	fresh := t.TempDir()
	for _, f := range o.Files {
		if err := copyFile(filepath.Join(rel.dir, f.Asset), filepath.Join(fresh, f.Asset)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Rebuild(fresh, t.TempDir(), o.Summary)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bundle.SHA256 != rel.input.Bundle.SHA256 || got.Files != len(rel.input.Files) {
		t.Fatalf("rebuilt %+v, want sha256 %s", got, rel.input.Bundle.SHA256)
	}
	// The published copy is compared too.
	if _, err := Rebuild(rel.dir, t.TempDir(), o.Summary); err != nil {
		t.Fatal(err)
	}
	// A changed mtime is another bundle.
	s := o.Summary
	s.Bundle.MTime = s.Bundle.MTime.Add(1e9)
	if _, err := Rebuild(fresh, t.TempDir(), s); !errors.Is(err, ErrNotReproduced) {
		t.Errorf("other mtime: %v, want ErrNotReproduced", err)
	}
	if err := os.Remove(filepath.Join(fresh, "tool")); err != nil {
		t.Fatal(err)
	}
	if _, err := Rebuild(fresh, t.TempDir(), o.Summary); err == nil || !strings.Contains(err.Error(), "tool") {
		t.Errorf("missing member file: %v", err)
	}
}

func readSums(t *testing.T, dir string) []bundle.SumLine {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, assetname.Sums))
	if err != nil {
		t.Fatal(err)
	}
	lines, err := bundle.ParseSHA256SUMS(data)
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestLoadSignerOpenSSLKeys loads keys made as the README says, with openssl.
func TestLoadSignerOpenSSLKeys(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl not installed (.ci/run installs it)")
	}
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
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	for _, k := range []string{"ed", "ec"} {
		s, err := LoadSignerFile(filepath.Join(dir, k+".pem"))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		rel := writeRelease(t, s)
		v, err := LoadVerifierFile(filepath.Join(dir, k+".pub.pem"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := OpenFile(context.Background(), filepath.Join(rel.dir, rel.provName), []*Verifier{v}); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	if _, err := LoadSignerFile(filepath.Join(dir, "p384.pem")); err == nil || !strings.Contains(err.Error(), "P-256") {
		t.Errorf("P-384 key: %v", err)
	}
}

func TestOpenReleaseChecksSumsAndTheProvenanceFile(t *testing.T) {
	rel := writeRelease(t, nil)
	path := filepath.Join(rel.dir, rel.provName)
	if _, sums, err := OpenRelease(context.Background(), rel.dir, path, nil); err != nil || len(sums) == 0 {
		t.Fatalf("OpenRelease: %d bytes of sums, %v", len(sums), err)
	}
	// SHA256SUMS naming another provenance digest: the file is not the one signed.
	lines := readSums(t, rel.dir)
	var b strings.Builder
	for _, l := range lines {
		if l.Name == rel.provName {
			l.SHA256 = sha("another provenance")
		}
		fmt.Fprintf(&b, "%s  %s\n", l.SHA256, l.Name)
	}
	if err := os.WriteFile(filepath.Join(rel.dir, assetname.Sums), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenRelease(context.Background(), rel.dir, path, nil); !errors.Is(err, ErrSubjectMismatch) || !strings.Contains(err.Error(), rel.provName) {
		t.Errorf("provenance digest not the listed one: %v, want ErrSubjectMismatch naming %s", err, rel.provName)
	}
}
