package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultName is the file name errors use for the embedded default.
const DefaultName = "btcdecoded.yaml"

//go:embed btcdecoded.yaml
var defaultYAML []byte

// Default returns the built-in BTCDecoded train, resolved. Each call
// returns a fresh value the caller may change.
func Default() *Train {
	t, err := Parse(DefaultName, defaultYAML)
	if err != nil {
		panic(fmt.Sprintf("config: embedded %s is invalid: %v", DefaultName, err)) // a build defect, caught by the tests
	}
	return t
}

// Load reads and parses the train file at path; errors name the path.
func Load(path string) (*Train, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read train config: %w", err)
	}
	return Parse(path, data)
}

// LoadOrDefault loads path, or returns Default() when path is "".
func LoadOrDefault(path string) (*Train, error) {
	if path == "" {
		return Default(), nil
	}
	return Load(path)
}

// Parse decodes, resolves and validates a train file. name is used in
// error messages (usually the file's path).
func Parse(name string, data []byte) (*Train, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(name, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &Error{File: name, Msg: "empty train config: want owner and repos"}
	}
	check := &strictCheck{file: name, lines: lines{}}
	if err := check.walk(doc.Content[0], reflect.TypeFor[Train](), ""); err != nil {
		return nil, err
	}
	var t Train
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return nil, syntaxError(name, err)
	}
	if err := t.resolve(validator{file: name, lines: check.lines}); err != nil {
		return nil, err
	}
	return &t, nil
}

// Resolve applies the defaults to a train built in code and validates it,
// as Parse does for a file.
func (t *Train) Resolve() error {
	return t.resolve(validator{})
}

// Resolved returns a resolved copy of t (defaults applied, validated),
// leaving t as it was: what a consumer given a train built in code uses,
// so it never derives a default itself. Resolving a resolved train changes
// nothing.
func (t *Train) Resolved() (*Train, error) {
	c := *t
	c.Repos = slices.Clone(t.Repos)
	for i := range c.Repos {
		c.Repos[i].DependsOn = slices.Clone(c.Repos[i].DependsOn)
	}
	c.Trigger.Repos = slices.Clone(t.Trigger.Repos)
	c.Trigger.Actions = slices.Clone(t.Trigger.Actions)
	if err := c.Resolve(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (t *Train) resolve(v validator) error {
	if !validOwner(t.Owner) {
		if t.Owner == "" {
			return v.errAt("owner", nil, "owner is required")
		}
		return v.errAt("owner", nil, "owner %q is not a valid GitHub user or organisation", t.Owner)
	}
	if len(t.Repos) == 0 {
		return v.errAt("repos", nil, "repos: at least one repo is required")
	}
	if err := v.checkExplicit("defaults", "defaults", t.Defaults); err != nil {
		return err
	}
	for i, r := range t.Repos {
		if err := v.checkExplicit(fmt.Sprintf("repo %q", r.Name), fmt.Sprintf("repos[%d]", i), r.Settings); err != nil {
			return err
		}
	}
	g, err := v.checkGraph(t)
	if err != nil {
		return err
	}
	t.applyDefaults(g.Layers()[0][0])
	return v.checkTrain(t, g)
}

// yamlLine matches the "line N: " that go-yaml puts in its messages.
func yamlLine(msg string) (int, string, bool) {
	m := regexp.MustCompile(`^(?:yaml: )?(?:unmarshal errors:\n\s*)?line (\d+): (.*)$`).FindStringSubmatch(msg)
	if m == nil {
		return 0, msg, false
	}
	n, _ := strconv.Atoi(m[1])
	return n, m[2], true
}

// syntaxError turns a go-yaml error into an *Error with the file and line.
func syntaxError(name string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		line, msg, _ := yamlLine(te.Errors[0])
		return &Error{File: name, Line: line, Msg: msg, Err: err}
	}
	line, msg, _ := yamlLine(err.Error())
	if line > 0 && parserProblem(msg) {
		line++
	}
	return &Error{File: name, Line: line, Msg: strings.TrimPrefix(msg, "yaml: "), Err: err}
}

// parserProblem reports whether msg is one of go-yaml's parser (not
// scanner) problems. go-yaml prints those with a 0-based line: the line where
// the enclosing block or flow collection starts.
func parserProblem(msg string) bool {
	for _, p := range []string{"did not find expected", "found duplicate %", "found incompatible YAML document", "found undefined tag handle"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
