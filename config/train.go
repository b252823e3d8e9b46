package config

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/BTCDecoded/releasetrain/dag"
)

// Graph returns the train's dependency graph.
func (t *Train) Graph() (*dag.Graph, error) {
	g, err := t.graph()
	if err != nil {
		return nil, &Error{Msg: err.Error(), Err: err}
	}
	return g, nil
}

func (t *Train) graph() (*dag.Graph, error) {
	nodes := make([]dag.Node, len(t.Repos))
	for i, r := range t.Repos {
		nodes[i] = dag.Node{Name: r.Name, DependsOn: r.DependsOn}
	}
	return dag.New(nodes)
}

// Repo returns the repo called name.
func (t *Train) Repo(name string) (Repo, bool) {
	for _, r := range t.Repos {
		if r.Name == name {
			return r, true
		}
	}
	return Repo{}, false
}

// MatchArtifact reports whether an artifact called artifactName, built by
// repo, matches one of that repo's artifact patterns (path.Match syntax).
// Unknown repos match nothing.
func (t *Train) MatchArtifact(repo, artifactName string) bool {
	r, ok := t.Repo(repo)
	if !ok {
		return false
	}
	for _, p := range r.Artifacts {
		if ok, err := path.Match(p, artifactName); err == nil && ok {
			return true
		}
	}
	return false
}

// TriggeredBy reports whether a `release` event with action about a release
// (draft or not) in repo starts this train. In draft mode that is the
// maintainer saving a draft in the release repo (action created, draft);
// in release mode a published release (one of Trigger.Actions, not a
// draft) in one of Trigger.Repos. Repo names compare case-insensitively,
// as GitHub's do.
func (t *Train) TriggeredBy(repo, action string, draft bool) bool {
	same := func(name string) bool { return strings.EqualFold(name, repo) }
	if t.Trigger.Mode == ModeRelease {
		return !draft && slices.ContainsFunc(t.Trigger.Repos, same) && slices.Contains(t.Trigger.Actions, action)
	}
	return draft && action == "created" && same(t.Release.Repo)
}

// TriggeredByDispatch reports whether a releasetrain-release
// repository_dispatch sent from repo starts this train: from a trigger
// repo, and in draft mode also from the release repo (where a maintainer's
// draft starts one). Names compare case-insensitively.
func (t *Train) TriggeredByDispatch(repo string) bool {
	same := func(name string) bool { return strings.EqualFold(name, repo) }
	if t.Trigger.Mode != ModeRelease && same(t.Release.Repo) {
		return true
	}
	return slices.ContainsFunc(t.Trigger.Repos, same)
}

// JSON is the train as the JSON document a release train's input carries
// (contract.ReleaseInput.Train). A Train is plain data (strings, numbers,
// durations, lists), which encoding/json always encodes.
func (t Train) JSON() json.RawMessage {
	data, err := json.Marshal(t)
	if err != nil {
		panic(fmt.Sprintf("config: encode train: %v", err)) // unreachable for plain data
	}
	return data
}
