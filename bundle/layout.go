package bundle

import (
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/BTCDecoded/releasetrain/assetname"
)

// ErrNoArtifacts reports an empty artifact set. A release with nothing to
// publish is an error unless every repo was skipped on purpose; callers that
// know the latter check errors.Is(err, ErrNoArtifacts).
var ErrNoArtifacts = errors.New("no artifacts to publish")

// Input is one collected artifact file.
type Input struct {
	// Repo is the member repository that built the file.
	Repo string
	// Name is the slash path inside the repo's artifacts, e.g. "linux/bllvm".
	Name string
	// Path is the local file. Unused when Open is set.
	Path string
	// Open, when set, supplies the content instead of Path (e.g. straight
	// from a blob store, with no local copy). Size is then the exact size
	// (0 means empty): the stream must hold exactly Size bytes. Each call
	// must return the content from its start.
	Open func() (io.ReadCloser, error)
	// Size is the file size in bytes; with Path, 0 means unknown (taken
	// from the file).
	Size int64
	// SHA256 is the hex digest; empty means not yet known (computed).
	SHA256 string
	// Executable marks files packed with mode 0755.
	Executable bool
}

// Entry is an Input with its release asset name.
type Entry struct {
	Input
	// Asset is the collision-free release asset name: the file's base name,
	// or <repo>-<base> when two repos ship the same base name.
	Asset string
}

// Layout assigns every input its asset name and returns the entries sorted by
// repo and name. It fails on an empty set ([ErrNoArtifacts]), invalid repo or
// file names, the same file twice, and names that cannot be disambiguated
// (one repo shipping the same base name twice, or a <repo>-<base> name that
// another file already uses).
func Layout(inputs []Input) ([]Entry, error) {
	if len(inputs) == 0 {
		return nil, ErrNoArtifacts
	}
	entries := make([]Entry, len(inputs))
	for i, in := range inputs {
		if err := validRepo(in.Repo); err != nil {
			return nil, err
		}
		if err := validName(in.Name); err != nil {
			return nil, fmt.Errorf("repo %q: %w", in.Repo, err)
		}
		if in.Path == "" && in.Open == nil {
			return nil, fmt.Errorf("repo %q file %q: empty local path", in.Repo, in.Name)
		}
		entries[i] = Entry{Input: in}
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].Repo != entries[j].Repo {
			return entries[i].Repo < entries[j].Repo
		}
		return entries[i].Name < entries[j].Name
	})

	// repos by base name, and the first name each repo uses for a base.
	owners := map[string][]string{}
	seen := map[string]string{} // repo + "\x00" + base -> name
	for i, e := range entries {
		if i > 0 && entries[i-1].Repo == e.Repo && entries[i-1].Name == e.Name {
			return nil, fmt.Errorf("repo %q: file %q listed twice", e.Repo, e.Name)
		}
		base := path.Base(e.Name)
		key := e.Repo + "\x00" + base
		if prev, ok := seen[key]; ok {
			return nil, fmt.Errorf("repo %q ships two files named %q (%s and %s): asset names cannot be disambiguated", e.Repo, base, prev, e.Name)
		}
		seen[key] = e.Name
		owners[base] = append(owners[base], e.Repo)
	}

	used := map[string]string{} // asset -> repo/name
	for i := range entries {
		e := &entries[i]
		base := path.Base(e.Name)
		e.Asset = base
		if len(owners[base]) > 1 {
			e.Asset = e.Repo + "-" + base
		}
		if e.Asset == assetname.Sums || e.Asset == assetname.SumsSignature {
			return nil, fmt.Errorf("repo %q file %q: asset name %q is reserved", e.Repo, e.Name, e.Asset)
		}
		if err := assetname.Check(e.Asset); err != nil {
			return nil, fmt.Errorf("repo %q file %q: %w", e.Repo, e.Name, err)
		}
		if prev, ok := used[e.Asset]; ok {
			return nil, fmt.Errorf("asset name %q used by both %s and %s/%s: cannot be disambiguated", e.Asset, prev, e.Repo, e.Name)
		}
		used[e.Asset] = e.Repo + "/" + e.Name
	}
	return entries, nil
}

func validRepo(repo string) error {
	if repo == "" || repo == "." || repo == ".." || strings.ContainsAny(repo, "/\\\x00") {
		return fmt.Errorf("invalid repo name %q", repo)
	}
	return nil
}

func validName(name string) error {
	if name == "" || path.IsAbs(name) || path.Clean(name) != name || name == "." ||
		name == ".." || strings.HasPrefix(name, "../") || strings.ContainsAny(name, "\\\x00\n\r") {
		return fmt.Errorf("invalid artifact file name %q: want a clean relative slash path", name)
	}
	return nil
}
