package operator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/releasetag"
)

// StartRequest asks for a tag's train.
type StartRequest struct {
	Tag string
	// Prerelease publishes the release as a prerelease; nil infers it from
	// the tag (releasetag.IsPrerelease: v1.2.0-rc.1 is one).
	Prerelease *bool
	// Only limits the train to these repos, named in any case (and, with
	// WithDependents, what depends on them).
	Only           []string
	WithDependents bool
	// Train is the train config the workflow runs, as its JSON document
	// (config.Train.JSON).
	Train json.RawMessage
	// Trigger says what started the train (e.g. "cli", "api").
	Trigger string
	// DraftID is the maintainer's draft whose webhook started the train.
	DraftID int64
}

// Start starts the tag's train, or joins the one already running, and says
// which (contract.Started.Joined). A train that already succeeded is never started again: ErrConflict.
// A bad tag or an Only repo not in the train is ErrInvalid.
func (c *Client) Start(ctx context.Context, req StartRequest) (contract.Started, error) {
	in, err := releaseInput(req)
	if err != nil {
		return contract.Started{}, err
	}
	ctx, cancel := c.bound(ctx)
	defer cancel()
	st, err := contract.StartOrJoin(ctx, c.temporal, in)
	if errors.Is(err, contract.ErrTrainFinished) {
		return st, fail(ErrConflict, fmt.Sprintf("release %s already succeeded (workflow %s, run %s) and is never published twice",
			req.Tag, st.WorkflowID, st.RunID), err)
	}
	if err != nil {
		return st, c.temporalError(ctx, req.Tag, "start", err)
	}
	return st, nil
}

// releaseInput checks a start request and makes the workflow's input.
func releaseInput(req StartRequest) (contract.ReleaseInput, error) {
	if err := releasetag.Check(req.Tag); err != nil {
		return contract.ReleaseInput{}, fail(ErrInvalid, fmt.Sprintf("release %q: %v", req.Tag, err), err)
	}
	only, err := canonicalOnly(req.Train, req.Only)
	if err != nil {
		return contract.ReleaseInput{}, fail(ErrInvalid, fmt.Sprintf("release %s: only: %v", req.Tag, err), err)
	}
	return contract.ReleaseInput{
		Tag:            req.Tag,
		Prerelease:     releasetag.IsPrerelease(req.Tag, req.Prerelease),
		Only:           only,
		WithDependents: req.WithDependents && len(only) > 0, // the whole train has no dependents to add
		Train:          req.Train,
		Trigger:        req.Trigger,
		DraftID:        req.DraftID,
	}, nil
}

// canonicalOnly spells the only repos as the train does, refusing names
// that are not in it; blank names are dropped.
func canonicalOnly(train json.RawMessage, only []string) ([]string, error) {
	if len(only) == 0 {
		return nil, nil
	}
	names, err := trainRepos(train)
	if err != nil {
		return nil, err
	}
	var out, unknown []string
	for _, name := range only {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		canon := contract.CanonicalRepo(names, name)
		if !slices.Contains(names, canon) {
			unknown = append(unknown, fmt.Sprintf("%q", name))
			continue
		}
		out = append(out, canon)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("not in the train: %s", strings.Join(unknown, ", "))
	}
	return out, nil
}

// trainRepos lists the train's repo names from its JSON document.
func trainRepos(raw json.RawMessage) ([]string, error) {
	var doc struct {
		Repos []struct {
			Name string `json:"name"`
		} `json:"repos"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("train config: %w", err)
	}
	names := make([]string, len(doc.Repos))
	for i, r := range doc.Repos {
		names[i] = r.Name
	}
	return names, nil
}
