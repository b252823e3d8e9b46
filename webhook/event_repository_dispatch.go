package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/operator"
)

// repository_dispatch event types releasetrain answers.
const (
	DispatchRelease       = "releasetrain-release"
	DispatchBuildComplete = "releasetrain-build-complete"
)

// nameList decodes a JSON array of names or one comma-separated string
// (workflow inputs are strings).
type nameList []string

// UnmarshalJSON implements json.Unmarshaler.
func (l *nameList) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*l = list
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a list of names or a comma-separated string: %w", err)
	}
	*l = nil
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}

// flexBool decodes true/false or the strings "true"/"false" (workflow inputs are strings).
type flexBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "true", `"true"`:
		*f = true
	case "false", `"false"`, `""`, "null":
		*f = false
	default:
		return fmt.Errorf("want a boolean, got %s", b)
	}
	return nil
}

// ptr is the flag as the operator client takes it: nil when not given.
func (f *flexBool) ptr() *bool {
	if f == nil {
		return nil
	}
	v := bool(*f)
	return &v
}

// releasePayload is the client_payload of releasetrain-release.
type releasePayload struct {
	Tag string `json:"tag"`
	// Prerelease: absent or null leaves it to the tag.
	Prerelease     *flexBool `json:"prerelease"`
	Only           nameList  `json:"only"`
	WithDependents flexBool  `json:"with_dependents"`
}

// buildCompletePayload is the client_payload of releasetrain-build-complete.
type buildCompletePayload struct {
	CorrelationID string          `json:"correlation_id"`
	Tag           string          `json:"tag"`
	Repo          string          `json:"repo"`
	RunID         json.RawMessage `json:"run_id"`
	Status        string          `json:"status"`
	Conclusion    string          `json:"conclusion"`
}

// onRepositoryDispatch starts a train or forwards a build-complete event.
func (s *Server) onRepositoryDispatch(ctx context.Context, ev *github.RepositoryDispatchEvent) (reply, error) {
	owner, name := repoOwnerName(ev.GetRepo())
	kind := ev.GetAction()
	if kind != DispatchRelease && kind != DispatchBuildComplete {
		return ignored("repository_dispatch %q is not for releasetrain", kind), nil
	}
	if !s.ownedByTrain(owner) {
		return ignored("%s/%s is not owned by %s", owner, name, s.train.Owner), nil
	}
	// Any repository of the owner can send a dispatch: only the train's
	// trigger repos start a train, only its member repos report builds.
	if kind == DispatchRelease && !s.train.TriggeredByDispatch(name) {
		return ignored("%s/%s is not a trigger repo: %s ignored", owner, name, kind), nil
	}
	if kind == DispatchBuildComplete && !s.trainRepos[strings.ToLower(name)] {
		return ignored("%s/%s is not in the train: %s ignored", owner, name, kind), nil
	}
	if len(ev.ClientPayload) == 0 || string(ev.ClientPayload) == "null" {
		return rejected(http.StatusUnprocessableEntity, "%s without client_payload", kind), nil
	}
	if kind == DispatchRelease {
		return s.dispatchRelease(ctx, ev.ClientPayload, owner+"/"+name)
	}
	return s.dispatchBuildComplete(ctx, ev.ClientPayload, name)
}

func (s *Server) dispatchRelease(ctx context.Context, raw json.RawMessage, from string) (reply, error) {
	var p releasePayload
	if err := decodePayload(raw, &p); err != nil {
		return rejected(http.StatusBadRequest, "client_payload: %v", err), nil
	}
	return s.startTrain(ctx, sourceDispatch, operator.StartRequest{
		Tag:            p.Tag,
		Prerelease:     p.Prerelease.ptr(),
		Only:           p.Only,
		WithDependents: bool(p.WithDependents),
		Trigger:        "repository_dispatch " + from,
	})
}

func (s *Server) dispatchBuildComplete(ctx context.Context, raw json.RawMessage, repoName string) (reply, error) {
	var p buildCompletePayload
	if err := decodePayload(raw, &p); err != nil {
		return rejected(http.StatusBadRequest, "client_payload: %v", err), nil
	}
	tag, repo := p.Tag, p.Repo
	if t, r, _, ok := contract.ParseCorrelationID(p.CorrelationID); ok {
		tag, repo = t, r
	}
	if repo == "" {
		repo = repoName
	}
	if tag == "" {
		return rejected(http.StatusUnprocessableEntity, "client_payload needs correlation_id or tag"), nil
	}
	if err := validTag(tag); err != nil {
		return rejected(http.StatusUnprocessableEntity, "client_payload: %v", err), nil
	}
	// A repo reports its own builds, as a workflow_run's correlation id must name its own repo.
	if !strings.EqualFold(repo, repoName) {
		return rejected(http.StatusUnprocessableEntity, "client_payload names repo %q but was sent by %s", repo, repoName), nil
	}
	runID, err := parseRunID(p.RunID)
	if err != nil {
		return rejected(http.StatusBadRequest, "client_payload.run_id: %v", err), nil
	}
	status := p.Status
	if status == "" {
		status = "completed"
	}
	return s.forwardBuildEvent(ctx, tag, contract.BuildEvent{Repo: s.canonicalRepo(repo), RunID: runID, Status: status, Conclusion: p.Conclusion})
}
