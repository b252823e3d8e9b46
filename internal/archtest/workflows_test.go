package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goFile is a parsed Go file and its name.
type goFile struct {
	name string
	*ast.File
}

// parsePackage parses the non-test Go files of a package of the module.
func parsePackage(t *testing.T, m module, pkg string) []goFile {
	t.Helper()
	f := strings.Fields(goList(t, m.dir, "-f", "{{.Dir}}{{range .GoFiles}} {{.}}{{end}}", "./"+pkg))
	require.NotEmpty(t, f, "go list ./%s", pkg)
	fset := token.NewFileSet()
	var files []goFile
	for _, name := range f[1:] {
		file, err := parser.ParseFile(fset, filepath.Join(f[0], name), nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		files = append(files, goFile{name, file})
	}
	return files
}

// exportedKinds maps each exported top-level name of files to its kind:
// "type", "const", "var" or "func".
func exportedKinds(files []goFile) map[string]string {
	kinds := map[string]string{}
	for _, file := range files {
		for _, decl := range file.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					kinds[d.Name.Name] = "func"
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						kinds[s.Name.Name] = "type"
					case *ast.ValueSpec:
						for _, n := range s.Names {
							kinds[n.Name] = strings.ToLower(d.Tok.String())
						}
					}
				}
			}
		}
	}
	return kinds
}

// uses lists every name files select from the package imported as path,
// with the file it is used in.
func uses(files []goFile, path string) map[string][]string {
	out := map[string][]string{}
	for _, file := range files {
		local := ""
		for _, imp := range file.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == path {
				local = filepath.Base(p)
				if imp.Name != nil {
					local = imp.Name.Name
				}
			}
		}
		if local == "" {
			continue
		}
		ast.Inspect(file.File, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == local {
					out[sel.Sel.Name] = append(out[sel.Sel.Name], file.name)
				}
			}
			return true
		})
	}
	return out
}

// TestWorkflowsUseActivitiesOnlyForTypes: workflow code names the
// activities' types (payloads, and *Activities whose method values it
// executes) and constants, never a function or variable of the package,
// whose code would run inside the workflow instead of as an activity.
func TestWorkflowsUseActivitiesOnlyForTypes(t *testing.T) {
	m := findModule(t)
	kinds := exportedKinds(parsePackage(t, m, "activities"))
	used := uses(parsePackage(t, m, "workflows"), m.path+"/activities")
	require.NotEmpty(t, used, "workflows uses activities")
	for _, v := range typeOnlyViolations(kinds, used) {
		t.Error(v)
	}
}

// typeOnlyViolations lists the names in used that are not a type or a
// constant of the package, sorted.
func typeOnlyViolations(kinds map[string]string, used map[string][]string) []string {
	var out []string
	for name, where := range used {
		if k := kinds[name]; k != "type" && k != "const" {
			out = append(out, "workflows uses activities."+name+" ("+k+", in "+strings.Join(slices.Compact(slices.Sorted(slices.Values(where))), ", ")+
				"): workflow code may name the activities' types and constants only")
		}
	}
	slices.Sort(out)
	return out
}

func TestTypeOnlyViolations(t *testing.T) {
	var files []goFile
	for i, src := range []string{
		"package activities\ntype Activities struct{}\nfunc (a *Activities) Do() {}\ntype In struct{}\nconst Ok = \"ok\"\nvar Global = 1\nfunc Helper() {}\n",
		"package workflows\nimport acts \"x/activities\"\nfunc W() { var a *acts.Activities; _ = a.Do; _ = acts.In{}; _ = acts.Ok; acts.Helper(); _ = acts.Global }\n",
	} {
		name := []string{"activities.go", "release.go"}[i]
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
		require.NoError(t, err)
		files = append(files, goFile{name, f})
	}
	got := typeOnlyViolations(exportedKinds(files[:1]), uses(files[1:], "x/activities"))
	require.Len(t, got, 2, strings.Join(got, "\n"))
	assert.True(t, strings.HasPrefix(got[0], "workflows uses activities.Global (var"), got[0])
	assert.Equal(t, "workflows uses activities.Helper (func, in release.go): workflow code may name the activities' types and constants only", got[1])
}
