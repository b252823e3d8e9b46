package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/ProtonMail/go-crypto/openpgp"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Verification failures, for errors.Is.
var (
	// ErrNotEnoughSignatures: fewer good signatures than required.
	ErrNotEnoughSignatures = errors.New("not enough good signatures")
	// ErrChecksumMismatch: a file in the folder does not match SHA256SUMS.
	ErrChecksumMismatch = errors.New("checksum mismatch")
)

// VerifyResult is the outcome of checking SHA256SUMS.asc (and, for
// [VerifyDir], the files).
type VerifyResult struct {
	// Good names each valid signature's key: fingerprint and user id (each
	// key once in VerifyDir's result).
	Good []string
	// Bad describes signatures from trusted keys that do not verify.
	Bad []string
	// Unknown counts signatures by keys not in the trusted set.
	Unknown int
	// Files are the SHA256SUMS entries checked by VerifyDir, in file order.
	Files []FileCheck
	// SignatureFiles are the signature files VerifyDir read.
	SignatureFiles []string
}

// FileCheck is one SHA256SUMS line checked against the folder.
type FileCheck struct {
	Name string
	// Status is "OK", "FAILED" (content differs) or "missing" (not in the
	// folder; like sha256sum --ignore-missing, not an error).
	Status string
}

// File check statuses.
const (
	FileOK      = "OK"
	FileFailed  = "FAILED"
	FileMissing = "missing"
)

// Verify checks every signature in asc (armored blocks, each holding one or
// more signature packets) over sums against the trusted keys. Invalid
// signatures are reported, not returned as errors; the error is for input
// that is not OpenPGP signatures at all.
func Verify(sums, asc []byte, trusted openpgp.EntityList) (VerifyResult, error) {
	return verifyFile(assetname.SumsSignature, sums, asc, trusted)
}

// verifyFile is [Verify] for the signature file called name.
func verifyFile(name string, sums, asc []byte, trusted openpgp.EntityList) (VerifyResult, error) {
	var res VerifyResult
	blocks := armorBlocks(asc)
	if len(blocks) == 0 {
		return res, fmt.Errorf("%s: no armored signature found", name)
	}
	n := 0
	for i, block := range blocks {
		body, err := decodeArmor(block, openpgp.SignatureType)
		if err != nil {
			return res, fmt.Errorf("%s block %d: %w", name, i+1, err)
		}
		sigs, err := signaturePackets(body)
		if err != nil {
			return res, fmt.Errorf("%s block %d: %w", name, i+1, err)
		}
		for _, sig := range sigs {
			n++
			checkSignature(&res, sums, sig, trusted)
		}
	}
	if n == 0 {
		return res, fmt.Errorf("%s: no signatures", name)
	}
	return res, nil
}

// SignatureFiles lists dir's signature files over SHA256SUMS, sorted:
// SHA256SUMS.asc (the train's) and every SHA256SUMS.<signer>.asc (an
// independent rebuilder's), as Bitcoin Core's verify.py collects them.
func SignatureFiles(dir string) ([]string, error) {
	var out []string
	if _, err := os.Stat(filepath.Join(dir, assetname.SumsSignature)); err == nil {
		out = append(out, assetname.SumsSignature)
	}
	more, err := filepath.Glob(filepath.Join(dir, assetname.Sums+".*.asc"))
	if err != nil {
		return nil, err
	}
	for _, m := range more {
		out = append(out, filepath.Base(m))
	}
	sort.Strings(out)
	return out, nil
}

// signaturePackets splits a binary signature body into one serialized
// packet per signature, so each is checked on its own.
func signaturePackets(body []byte) ([][]byte, error) {
	var out [][]byte
	r := packet.NewOpaqueReader(bytes.NewReader(body))
	for {
		p, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if p.Tag != 2 { // signature packet
			return nil, fmt.Errorf("packet tag %d is not a signature", p.Tag)
		}
		var buf bytes.Buffer
		if err := p.Serialize(&buf); err != nil {
			return nil, err
		}
		out = append(out, buf.Bytes())
	}
}

func checkSignature(res *VerifyResult, sums, sig []byte, trusted openpgp.EntityList) {
	signer, err := openpgp.CheckDetachedSignature(trusted, bytes.NewReader(sums), bytes.NewReader(sig), nil)
	switch {
	case err == nil:
		res.Good = append(res.Good, describe(signer))
	case errors.Is(err, pgperrors.ErrUnknownIssuer):
		res.Unknown++
	default:
		who := "unknown key"
		if p, perr := packet.Read(bytes.NewReader(sig)); perr == nil {
			if s, ok := p.(*packet.Signature); ok && s.IssuerKeyId != nil {
				who = fmt.Sprintf("key %016X", *s.IssuerKeyId)
				if keys := trusted.KeysById(*s.IssuerKeyId); len(keys) > 0 {
					who = describe(keys[0].Entity)
				}
			}
		}
		res.Bad = append(res.Bad, fmt.Sprintf("%s: %v", who, err))
	}
}

// VerifyDir checks every signature file over dir/SHA256SUMS
// ([SignatureFiles]: SHA256SUMS.asc and each SHA256SUMS.<signer>.asc) with
// the keys in keyring (armored or binary), requires good signatures by at
// least minGood distinct keys ([ErrNotEnoughSignatures]; a key that signed
// twice counts once), and checks every file listed in SHA256SUMS that is
// present in dir ([ErrChecksumMismatch]). The result is returned with the
// error so callers can show what was checked.
func VerifyDir(dir string, keyring io.Reader, minGood int) (VerifyResult, error) {
	if minGood < 1 {
		return VerifyResult{}, fmt.Errorf("min good signatures %d: want at least 1", minGood)
	}
	trusted, err := ReadKeyring(keyring)
	if err != nil {
		return VerifyResult{}, err
	}
	sums, err := os.ReadFile(filepath.Join(dir, assetname.Sums))
	if err != nil {
		return VerifyResult{}, fmt.Errorf("read %s: %w", assetname.Sums, err)
	}
	lines, err := ParseSHA256SUMS(sums)
	if err != nil {
		return VerifyResult{}, err
	}
	res, err := verifyFiles(dir, sums, trusted)
	if err != nil {
		return res, err
	}
	var failed []string
	for _, l := range lines {
		st, err := checkFile(dir, l)
		if err != nil {
			return res, err
		}
		res.Files = append(res.Files, FileCheck{Name: l.Name, Status: st})
		if st == FileFailed {
			failed = append(failed, l.Name)
		}
	}
	if len(res.Good) < minGood {
		return res, fmt.Errorf("%w: %d required, %d good, %d bad, %d by unknown keys",
			ErrNotEnoughSignatures, minGood, len(res.Good), len(res.Bad), res.Unknown)
	}
	if len(failed) > 0 {
		return res, fmt.Errorf("%w: %d of %d listed files (%s)", ErrChecksumMismatch, len(failed), len(lines), failed[0])
	}
	return res, nil
}

// verifyFiles checks every signature file in dir and merges the results;
// Good lists each key once.
func verifyFiles(dir string, sums []byte, trusted openpgp.EntityList) (VerifyResult, error) {
	var res VerifyResult
	names, err := SignatureFiles(dir)
	if err != nil {
		return res, err
	}
	if len(names) == 0 {
		return res, fmt.Errorf("no %s or %s in %s", assetname.SumsSignature, assetname.RebuilderSignature("<signer>"), dir)
	}
	seen := map[string]bool{}
	for _, name := range names {
		asc, err := readBounded(filepath.Join(dir, name), maxSignatureFile)
		if err != nil {
			return res, err
		}
		one, err := verifyFile(name, sums, asc, trusted)
		if err != nil {
			return res, err
		}
		res.SignatureFiles = append(res.SignatureFiles, name)
		for _, g := range one.Good {
			if !seen[g] {
				seen[g] = true
				res.Good = append(res.Good, g)
			}
		}
		res.Bad = append(res.Bad, one.Bad...)
		res.Unknown += one.Unknown
	}
	return res, nil
}

// maxSignatureFile bounds a signature file read before it is checked: a
// few hundred armored signatures.
const maxSignatureFile = 1 << 20

// readBounded reads a whole file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s: larger than %d bytes", filepath.Base(path), limit)
	}
	return data, nil
}

func checkFile(dir string, l SumLine) (string, error) {
	if !filepath.IsLocal(filepath.FromSlash(l.Name)) {
		return "", fmt.Errorf("%s: file name %q leaves the folder", assetname.Sums, l.Name)
	}
	p := filepath.Join(dir, filepath.FromSlash(l.Name))
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return FileMissing, nil
	}
	got, _, err := HashFile(p)
	if err != nil {
		return "", err
	}
	if got != l.SHA256 {
		return FileFailed, nil
	}
	return FileOK, nil
}
