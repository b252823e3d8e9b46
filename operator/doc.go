// Package operator is the one client for a release train's operator
// actions: Start, Status, List, Pause, Resume, Cancel, Retry, Skip and
// AttachSignature. The CLI (`releasetrain release …`), the HTTP API
// (/api/releases) and the webhook receiver's train starts all call it, so
// the same request behaves the same on every surface.
//
// # Checks
//
// Actions on a running train are the Release workflow's Updates: the
// workflow's update validators are the only checks, and the answer is the
// train's status after the change. The client checks only what must be
// known before there is a workflow to ask: a start's tag, its prerelease
// flag (inferred from the tag unless given, releasetag.IsPrerelease) and
// its --only repos (matched to the train's names in any case, as GitHub
// matches repo names).
//
// # Errors
//
// Every error a method returns that a person can act on is an [*Error]
// whose [Kind] is one of [ErrNotFound], [ErrConflict], [ErrInvalid] or
// [ErrUnavailable]; test with errors.Is(err, operator.ErrConflict). A
// validator's rejection carries its kind as the application error type
// (contract.InvalidErrorType, contract.ConflictErrorType). Each surface
// maps kinds to its answers in one table: HTTP statuses in webhook,
// exit statuses in cmd/releasetrain.
package operator
