package config_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// envReaders are the standard library's calls that read the environment.
var envReaders = map[string][]string{
	"os":      {"Getenv", "LookupEnv", "Environ", "ExpandEnv"},
	"syscall": {"Getenv", "Environ"},
}

// Package config is the only code of the binary that reads the
// environment: every other package it links takes settings config read.
func TestOnlyConfigReadsTheEnvironment(t *testing.T) {
	t.Parallel()
	const module = "github.com/BTCDecoded/releasetrain"
	cmd := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}|{{.Dir}}|{{join .GoFiles ","}}`, "./cmd/releasetrain")
	cmd.Dir = ".."
	out, err := cmd.Output()
	require.NoError(t, err, "go list")
	var offenders []string
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.SplitN(line, "|", 3)
		require.Len(t, parts, 3, line)
		pkg, dir, files := parts[0], parts[1], parts[2]
		if !strings.HasPrefix(pkg, module+"/") || pkg == module+"/config" || files == "" {
			continue
		}
		for _, name := range strings.Split(files, ",") {
			path := filepath.Join(dir, name)
			offenders = append(offenders, envCalls(t, path)...)
			checked++
		}
	}
	require.Greater(t, checked, 50, "the binary's own files were scanned")
	require.Empty(t, offenders, "read the environment through config.Env (add the variable to config.EnvVars)")
}

// envCalls lists the calls in the file at path that read the environment.
func envCalls(t *testing.T, path string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	require.NoError(t, err)
	local := map[string]string{} // the name a file gives os or syscall → its path
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		require.NoError(t, err)
		if _, ok := envReaders[p]; !ok {
			continue
		}
		name := p
		if imp.Name != nil {
			name = imp.Name.Name
		}
		local[name] = p
	}
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		for _, fn := range envReaders[local[id.Name]] {
			if sel.Sel.Name == fn {
				found = append(found, fset.Position(sel.Pos()).String()+": "+id.Name+"."+fn)
			}
		}
		return true
	})
	return found
}
