package contract

import "encoding/json"

// ReleaseInput starts a train. The train's config travels with it so the
// workflow never reads files.
type ReleaseInput struct {
	Tag        string `json:"tag"`
	Prerelease bool   `json:"prerelease"`
	// Only limits the train to these repos (and, with WithDependents, what depends on them).
	Only           []string `json:"only,omitempty"`
	WithDependents bool     `json:"with_dependents,omitempty"`
	// Train is the resolved train config (config.Train) as its JSON
	// document: the contract carries the document, package config owns its
	// shape, defaults and checks (config.Train.JSON encodes it).
	Train json.RawMessage `json:"train"`
	// Trigger says what started the train (e.g. "release webhook bllvm-consensus", "cli").
	Trigger string `json:"trigger,omitempty"`
	// DraftID is the maintainer's draft release whose `created` webhook
	// started the train (draft mode); the preflight requires it to exist.
	// Zero for every other start, which fills the tag's draft if there is
	// one and creates its own otherwise.
	DraftID int64 `json:"draft_id,omitempty"`
}

// CancelSignal is the payload of the cancel signal and update.
type CancelSignal struct {
	Reason string `json:"reason"`
}

// RepoSignal is the payload of the retry and skip signals and updates. A
// retry with an empty Repo retries the blocked release step (preflight,
// package or publish).
type RepoSignal struct {
	Repo string `json:"repo"`
}

// BuildEvent is the payload of the build-event signal: a workflow_run webhook
// (or a releasetrain-build-complete dispatch) about one of the train's runs.
type BuildEvent struct {
	Repo       string `json:"repo"`
	RunID      int64  `json:"run_id"`
	Status     string `json:"status"`
	Conclusion string `json:"conclusion"`
}

// AttachSignature is the payload of the attach-signature update.
type AttachSignature struct {
	// Name is SHA256SUMS.<signer>.asc (CheckSignatureName).
	Name string `json:"name"`
	// Signature is the armored detached signature (at most MaxSignatureSize bytes).
	Signature []byte `json:"signature"`
}
