package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOneAssertionStyle keeps the tests in one style: a check is a testify
// require (the test cannot go on) or assert (it can), never an if whose
// body only fails the test. t.Fatal stays for failures with no condition
// of their own (a select that timed out, a switch case).
func TestOneAssertionStyle(t *testing.T) {
	m := findModule(t)
	var found []string
	err := filepath.WalkDir(m.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "tools" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != m.dir {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		src, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		for _, line := range ifThenFail(fset, src) {
			rel, _ := filepath.Rel(m.dir, path)
			found = append(found, rel+":"+line)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, found, "an if whose body only fails the test: use require or assert")
}

// TestIfThenFailIsFound shows the check catches the old style and passes
// the new.
func TestIfThenFailIsFound(t *testing.T) {
	fset := token.NewFileSet()
	src, err := parser.ParseFile(fset, "x_test.go", `package x
func TestX(t *testing.T) {
	if got != 1 {
		t.Fatalf("got %d", got)
	}
	if err != nil { t.Error(err) }
	require.Equal(t, 1, got)
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("timed out")
	}
}`, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"3", "6"}, ifThenFail(fset, src))
}

// ifThenFail lists the lines of the ifs whose body is one call of a
// test's Fatal, Fatalf, Error or Errorf.
func ifThenFail(fset *token.FileSet, f *ast.File) []string {
	var lines []string
	ast.Inspect(f, func(n ast.Node) bool {
		ifs, ok := n.(*ast.IfStmt)
		if !ok || len(ifs.Body.List) != 1 || ifs.Else != nil {
			return true
		}
		es, ok := ifs.Body.List[0].(*ast.ExprStmt)
		if !ok {
			return true
		}
		call, ok := es.X.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		switch sel.Sel.Name {
		case "Fatal", "Fatalf", "Error", "Errorf":
			lines = append(lines, strconv.Itoa(fset.Position(ifs.Pos()).Line))
		}
		return true
	})
	return lines
}
