package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/BTCDecoded/releasetrain/releasetag"
)

// validTag checks a tag where it is looked up (the API's paths and filters):
// releasetag's rules, so every tag a train can have is found.
func validTag(tag string) error { return releasetag.Check(tag) }

// parseRunID accepts a run id as a JSON number or a numeric string; absent is 0.
func parseRunID(raw json.RawMessage) (int64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err == nil {
		return n, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("want a number, got %s", raw)
	}
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want a number: %w", err)
	}
	return n, nil
}

// decodePayload decodes a JSON object into the struct v, refusing keys v
// has no field for and naming every one of them (a typo such as
// "prerelase" must not silently start a final release).
func decodePayload(raw json.RawMessage, v any) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return fmt.Errorf("want a JSON object: %w", err)
	}
	known := jsonFields(reflect.TypeOf(v).Elem())
	var unknown []string
	for k := range keys {
		if !slices.Contains(known, k) {
			unknown = append(unknown, fmt.Sprintf("%q", k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("unknown key(s) %s; known: %s", strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// jsonFields lists a struct's JSON field names.
func jsonFields(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}
