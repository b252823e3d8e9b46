package contract

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
)

// TaskQueue is the one task queue workers poll.
const TaskQueue = "releasetrain"

// Workflow type names, as registered and as seen in the Web UI.
const (
	ReleaseWorkflowName = "Release"
	LayerWorkflowName   = "Layer"
)

// Signal and query names on the Release workflow (the operator contract).
const (
	SignalPause      = "pause"
	SignalResume     = "resume"
	SignalCancel     = "cancel"
	SignalRetry      = "retry"
	SignalSkip       = "skip"
	SignalBuildEvent = "build-event"
	QueryStatus      = "status"
)

// Update names on the Release workflow. They mirror the signals of the same
// names but answer synchronously: the workflow's validators reject what it
// cannot do (an unknown repo, a retry of a build that is not blocked, an
// action on a finished train) before anything is recorded, and the result
// is the release's Status after the change.
const (
	UpdatePause  = SignalPause
	UpdateResume = SignalResume
	UpdateCancel = SignalCancel
	UpdateRetry  = SignalRetry
	UpdateSkip   = SignalSkip
	// UpdateAttachSignature adds a rebuilder's signature over SHA256SUMS to
	// the release while its signature window is open.
	UpdateAttachSignature = "attach-signature"
)

// Search attributes kept current by the Release workflow.
var (
	ReleaseTagKey   = temporal.NewSearchAttributeKeyKeyword("ReleaseTag")
	ReleaseStateKey = temporal.NewSearchAttributeKeyKeyword("ReleaseState")
)

// ReleaseWorkflowID is the business id of a tag's release train.
func ReleaseWorkflowID(tag string) string { return "release-" + tag }

// LayerWorkflowID is the business id of layer n of a tag's train.
func LayerWorkflowID(tag string, n int) string { return fmt.Sprintf("release-%s-layer-%d", tag, n) }
