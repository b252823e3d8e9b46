package provenance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
)

// ErrSubjectMismatch: the subjects and SHA256SUMS (or the files) disagree.
var ErrSubjectMismatch = errors.New("provenance subjects do not match")

// FindFile returns the one *.intoto.jsonl file in dir.
func FindFile(dir string) (string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.intoto.jsonl"))
	if err != nil {
		return "", err
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("no *.intoto.jsonl provenance in %s", dir)
	case 1:
		return matches[0], nil
	default:
		return "", fmt.Errorf("%d *.intoto.jsonl files in %s, want one", len(matches), dir)
	}
}

// CheckSums compares the subjects with SHA256SUMS: every subject must be
// listed with the same sha256, and every listed file but the provenance
// itself (provName) must be a subject. It returns every disagreement.
func CheckSums(s Summary, sums []bundle.SumLine, provName string) error {
	listed := map[string]string{}
	for _, l := range sums {
		listed[l.Name] = l.SHA256
	}
	var problems []string
	if _, ok := listed[provName]; !ok {
		problems = append(problems, fmt.Sprintf("%s does not list %s", assetname.Sums, provName))
	}
	subjects := map[string]bool{}
	for _, sub := range s.Subjects {
		subjects[sub.Name] = true
		got, ok := listed[sub.Name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("subject %s is not in %s", sub.Name, assetname.Sums))
		case got != sub.SHA256:
			problems = append(problems, fmt.Sprintf("subject %s: sha256 %s, %s says %s", sub.Name, sub.SHA256, assetname.Sums, got))
		}
	}
	for name := range listed {
		if name != provName && !subjects[name] {
			problems = append(problems, fmt.Sprintf("%s lists %s, which the provenance does not attest", assetname.Sums, name))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("%w: %s", ErrSubjectMismatch, strings.Join(problems, "; "))
	}
	return nil
}

// CheckFiles hashes every subject present in dir and returns the names of
// those that differ ([ErrSubjectMismatch]) and of those not present.
func CheckFiles(dir string, s Summary) (missing []string, err error) {
	var bad []string
	for _, sub := range s.Subjects {
		if !filepath.IsLocal(sub.Name) || strings.ContainsAny(sub.Name, `/\`) {
			return nil, fmt.Errorf("provenance subject %q is not a plain file name", sub.Name)
		}
		p := filepath.Join(dir, sub.Name)
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			missing = append(missing, sub.Name)
			continue
		}
		got, _, err := bundle.HashFile(p)
		if err != nil {
			return missing, err
		}
		if got != sub.SHA256 {
			bad = append(bad, sub.Name)
		}
	}
	if len(bad) > 0 {
		return missing, fmt.Errorf("%w: %s differ from their subjects", ErrSubjectMismatch, strings.Join(bad, ", "))
	}
	return missing, nil
}

// OpenRelease opens the provenance at path, a downloaded release's
// *.intoto.jsonl in dir, with keys (nil: the signature is not checked), and
// checks it against dir's SHA256SUMS: the subjects match the listed files
// ([CheckSums]) and the provenance file is the one SHA256SUMS lists. The
// files themselves are left to [CheckFiles]. It also returns SHA256SUMS' bytes
// as read (what a signer signs).
func OpenRelease(ctx context.Context, dir, path string, keys []*Verifier) (Opened, []byte, error) {
	o, err := OpenFile(ctx, path, keys)
	if err != nil {
		return Opened{}, nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, assetname.Sums))
	if err != nil {
		return Opened{}, nil, err
	}
	lines, err := bundle.ParseSHA256SUMS(data)
	if err != nil {
		return Opened{}, nil, fmt.Errorf("%s: %w", assetname.Sums, err)
	}
	name := filepath.Base(path)
	if err := CheckSums(o.Summary, lines, name); err != nil {
		return Opened{}, nil, err
	}
	sha, _, err := bundle.HashFile(path)
	if err != nil {
		return Opened{}, nil, err
	}
	for _, l := range lines {
		if l.Name == name && l.SHA256 != sha {
			return Opened{}, nil, fmt.Errorf("%w: %s hashes to %s, %s says %s", ErrSubjectMismatch, name, sha, assetname.Sums, l.SHA256)
		}
	}
	return o, data, nil
}
