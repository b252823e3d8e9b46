package provenance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

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
		problems = append(problems, fmt.Sprintf("%s does not list %s", bundle.SumsName, provName))
	}
	subjects := map[string]bool{}
	for _, sub := range s.Subjects {
		subjects[sub.Name] = true
		got, ok := listed[sub.Name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("subject %s is not in %s", sub.Name, bundle.SumsName))
		case got != sub.SHA256:
			problems = append(problems, fmt.Sprintf("subject %s: sha256 %s, %s says %s", sub.Name, sub.SHA256, bundle.SumsName, got))
		}
	}
	for name := range listed {
		if name != provName && !subjects[name] {
			problems = append(problems, fmt.Sprintf("%s lists %s, which the provenance does not attest", bundle.SumsName, name))
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
