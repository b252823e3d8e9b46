package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// secretWords returns the words that mark a key as a secret; such keys are refused.
func secretWords() []string {
	return []string{"token", "secret", "password", "passphrase", "private_key", "privatekey", "credential"}
}

// lines maps each key path present in the file ("repos[2].dispatch") to its line.
type lines map[string]int

// strictCheck walks the YAML tree against the Go type t before decoding, so
// unknown keys and wrong types are reported with their line and key path.
type strictCheck struct {
	file  string
	lines lines
}

func (c *strictCheck) errorf(line int, key, format string, args ...any) *Error {
	return &Error{File: c.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

func (c *strictCheck) walk(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	switch {
	case t.Kind() == reflect.Struct && t != reflect.TypeFor[time.Duration]():
		if n.Kind != yaml.MappingNode {
			return c.typeError(n, t, path)
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				return c.unknownKey(k, path)
			}
			sub := join(path, k.Value)
			c.lines[sub] = k.Line
			if err := c.walk(v, ft, sub); err != nil {
				return err
			}
		}
		return nil
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		if n.Kind != yaml.SequenceNode {
			return c.typeError(n, t, path)
		}
		for i, item := range n.Content {
			sub := fmt.Sprintf("%s[%d]", path, i)
			c.lines[sub] = item.Line
			if err := c.walk(item, t.Elem(), sub); err != nil {
				return err
			}
		}
		return nil
	default:
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			return c.typeError(n, t, path)
		}
		return nil
	}
}

func (c *strictCheck) unknownKey(k *yaml.Node, path string) error {
	lower := strings.ToLower(k.Value)
	for _, w := range secretWords() {
		if strings.Contains(lower, w) {
			return c.errorf(k.Line, join(path, k.Value),
				"key %q looks like a secret: secrets never go in the train file, set them in the environment (see .env.example)", k.Value)
		}
	}
	where := ""
	if path != "" {
		where = " in " + path
	}
	return c.errorf(k.Line, join(path, k.Value), "unknown key %q%s", k.Value, where)
}

func (c *strictCheck) typeError(n *yaml.Node, t reflect.Type, path string) error {
	label := path
	if label == "" {
		label = "train config"
	}
	return c.errorf(n.Line, path, "%s: want %s, got %s", label, describeType(t), describeNode(n))
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps the YAML keys of struct t to their types, flattening inline fields.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if slices.Contains(strings.Split(opts, ","), "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func describeType(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return "a duration such as 30s, 15m or 2h"
	case t.Kind() == reflect.Pointer:
		return describeType(t.Elem())
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "an integer"
	case t.Kind() == reflect.Slice:
		return "a list of " + plural(describeType(t.Elem()))
	case t.Kind() == reflect.Struct:
		return "a mapping of keys"
	}
	return t.String()
}

func plural(s string) string {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "a "), "an ")
	switch {
	case strings.HasPrefix(s, "mapping"):
		return "mappings" + strings.TrimPrefix(s, "mapping")
	case strings.HasPrefix(s, "duration"):
		return "durations" + strings.TrimPrefix(s, "duration")
	}
	return s + "s"
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}
