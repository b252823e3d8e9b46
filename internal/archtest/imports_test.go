package archtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// module is the module's path and the folder it lives in.
type module struct{ path, dir string }

// goList runs `go list ARGS…` in the module's folder and returns its output.
func goList(t *testing.T, dir string, args ...string) string {
	t.Helper()
	// go test puts its own toolchain first on the PATH of the tests.
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	var stderr []byte
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	require.NoError(t, err, "go list %s\n%s", strings.Join(args, " "), stderr)
	return string(out)
}

func findModule(t *testing.T) module {
	t.Helper()
	fields := strings.Fields(goList(t, ".", "-m", "-f", "{{.Path}} {{.Dir}}"))
	require.Len(t, fields, 2, "go list -m")
	return module{path: fields[0], dir: fields[1]}
}

// graph maps a package to what its own code imports, both module-relative
// for project packages ("webhook", "cmd/releasetrain").
type graph map[string][]string

// parseGraph reads lines of `go list -f '{{.ImportPath}}{{range .Imports}} {{.}}{{end}}'`,
// keeping the module's packages and their imports of project packages.
func parseGraph(modPath, out string) graph {
	g := graph{}
	rel := func(p string) (string, bool) {
		r, ok := strings.CutPrefix(p, modPath+"/")
		return r, ok
	}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		pkg, ok := rel(f[0])
		if !ok {
			continue
		}
		g[pkg] = []string{}
		for _, imp := range f[1:] {
			if r, ok := rel(imp); ok {
				g[pkg] = append(g[pkg], r)
			}
		}
	}
	return g
}

// ruleFor is the row of the map that covers pkg.
func ruleFor(rs []rule, pkg string) (rule, bool) {
	for _, r := range rs {
		base, tree := strings.CutSuffix(r.pkg, "/...")
		if pkg == base || tree && strings.HasPrefix(pkg, base+"/") {
			return r, true
		}
	}
	return rule{}, false
}

// violations lists every import the map does not allow, and every package
// it does not name, sorted by package.
func violations(rs []rule, g graph) []string {
	var out []string
	pkgs := make([]string, 0, len(g))
	for p := range g {
		pkgs = append(pkgs, p)
	}
	slices.Sort(pkgs)
	for _, pkg := range pkgs {
		r, ok := ruleFor(rs, pkg)
		if !ok {
			out = append(out, pkg+": not in the package map (internal/archtest/rules_test.go, docs/architecture.md)")
			continue
		}
		if slices.Equal(r.may, anything) {
			continue
		}
		for _, imp := range g[pkg] {
			if !slices.Contains(r.may, imp) {
				may := "no project package"
				if len(r.may) > 0 {
					may = strings.Join(r.may, ", ")
				}
				out = append(out, pkg+" imports "+imp+": "+r.pkg+" may import "+may+" ("+r.why+")")
			}
		}
	}
	return out
}

// TestImportRules checks every package of the module against the map.
func TestImportRules(t *testing.T) {
	m := findModule(t)
	g := parseGraph(m.path, goList(t, m.dir, "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./..."))
	require.Contains(t, g, "webhook", "go list saw the module's packages")
	for _, v := range violations(rules, g) {
		t.Error(v)
	}
}

// TestWebhookLinksNoWorkerDependency checks `go list -deps ./webhook`:
// the receiver (releasetrain serve) links none of the worker's packages,
// gocloud or OpenPGP. A failure names the import chain that pulls it in.
func TestWebhookLinksNoWorkerDependency(t *testing.T) {
	m := findModule(t)
	out := goList(t, m.dir, "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./webhook")
	imports := map[string][]string{}
	for line := range strings.Lines(out) {
		if f := strings.Fields(line); len(f) > 0 {
			imports[f[0]] = f[1:]
		}
	}
	root := m.path + "/webhook"
	require.Contains(t, imports, root)
	for _, bad := range webhookNeverLinks {
		bad = strings.ReplaceAll(bad, "$MODULE", m.path)
		chain := chainTo(imports, root, bad)
		assert.Nil(t, chain, "webhook links %s: %s", bad, strings.ReplaceAll(strings.Join(chain, " -> "), m.path+"/", ""))
	}
}

// chainTo is the shortest import chain from root to a package that is
// prefix or under it, nil if none.
func chainTo(imports map[string][]string, root, prefix string) []string {
	hit := func(p string) bool { return p == prefix || strings.HasPrefix(p, prefix+"/") }
	from := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if hit(p) {
			var chain []string
			for ; p != ""; p = from[p] {
				chain = append(chain, p)
			}
			slices.Reverse(chain)
			return chain
		}
		for _, next := range imports[p] {
			if _, seen := from[next]; !seen {
				from[next] = p
				queue = append(queue, next)
			}
		}
	}
	return nil
}

// TestRulesCatchViolations feeds the checker a made-up module that breaks
// each kind of rule once.
func TestRulesCatchViolations(t *testing.T) {
	g := graph{
		"webhook":          {"contract", "workflows"},
		"activities":       {"ghclient", "workflows"},
		"ghsim":            {"config"},
		"worker":           {"workflows", "bundle"},
		"workflows":        {"contract", "activities", "bundle"},
		"cmd/releasetrain": {"webhook", "ghsim", "internal/devstack"},
		"internal/e2e":     {"worker", "ghsim"},
		"newpkg":           {},
	}
	got := violations(rules, g)
	want := []string{"activities imports workflows", "ghsim imports config", "newpkg: not in the package map",
		"webhook imports workflows", "worker imports bundle", "workflows imports bundle"}
	require.Len(t, got, len(want), strings.Join(got, "\n"))
	for i := range want {
		assert.True(t, strings.HasPrefix(got[i], want[i]), "violation %d = %q, want %q…", i, got[i], want[i])
	}

	imports := map[string][]string{"w": {"fmt", "c"}, "c": {"x"}, "x": {"gocloud.dev/blob"}, "gocloud.dev/blob": nil}
	assert.Equal(t, []string{"w", "c", "x", "gocloud.dev/blob"}, chainTo(imports, "w", "gocloud.dev"))
	assert.Nil(t, chainTo(imports, "w", "github.com/ProtonMail/go-crypto"))
}

// docRow matches a row of the package table in docs/architecture.md:
// | `pkg/` | what lives there | may import |.
var docRow = regexp.MustCompile("^\\| `([a-z/]+)/` \\|[^|]*\\|([^|]*)\\|\\s*$")

var backticked = regexp.MustCompile("`([a-z/]+)`")

// TestArchitectureDocMatchesRules compares the package table of
// docs/architecture.md with the rules: same packages, same "may import".
func TestArchitectureDocMatchesRules(t *testing.T) {
	m := findModule(t)
	data, err := os.ReadFile(filepath.Join(m.dir, "docs", "architecture.md"))
	require.NoError(t, err)
	doc := map[string][]string{}
	for line := range strings.Lines(string(data)) {
		row := docRow.FindStringSubmatch(strings.TrimRight(line, "\n"))
		if row == nil {
			continue
		}
		may := []string{}
		switch cell := strings.TrimSpace(row[2]); {
		case strings.HasPrefix(cell, "anything"):
			may = anything
		case strings.HasPrefix(cell, "nothing"):
		default:
			for _, b := range backticked.FindAllStringSubmatch(cell, -1) {
				may = append(may, b[1])
			}
		}
		doc[row[1]] = may
	}
	for _, r := range rules {
		base, _ := strings.CutSuffix(r.pkg, "/...")
		got, ok := doc[base]
		if !assert.True(t, ok, "docs/architecture.md has no row for `%s/`", base) {
			continue
		}
		want := slices.Sorted(slices.Values(r.may))
		assert.Equal(t, want, slices.Sorted(slices.Values(got)), "docs/architecture.md: what `%s/` may import", base)
		delete(doc, base)
	}
	assert.Empty(t, doc, "docs/architecture.md names packages the rules do not")
}
