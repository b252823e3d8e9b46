package operator

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/BTCDecoded/releasetrain/contract"
)

// Kind is what went wrong with an operator action, as a sentinel error:
// errors.Is(err, ErrNotFound).
type Kind string

func (k Kind) Error() string { return string(k) }

// The kinds of Error.
const (
	// ErrNotFound: no train has this tag.
	ErrNotFound Kind = "not found"
	// ErrConflict: the train's state does not allow the action now
	// (already paused, the build is not blocked, the train has finished).
	ErrConflict Kind = "conflict"
	// ErrInvalid: the request can never succeed (a bad tag, a repo not in
	// the train).
	ErrInvalid Kind = "invalid"
	// ErrUnavailable: Temporal (or the worker) did not answer in time; the
	// same request may succeed later.
	ErrUnavailable Kind = "unavailable"
)

// Kinds lists every Kind, for the tables that map them.
var Kinds = []Kind{ErrNotFound, ErrConflict, ErrInvalid, ErrUnavailable}

// Error is an operator action's failure of a known kind.
type Error struct {
	Kind Kind
	// Msg says what happened, naming the release (and repo).
	Msg string
	// Err is the cause, if any (a Temporal error).
	Err error
}

func (e *Error) Error() string { return e.Msg }

// Is matches the error's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf is err's Kind, "" when it has none (an unexpected failure).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// fail builds an Error.
func fail(kind Kind, msg string, cause error) *Error {
	return &Error{Kind: kind, Msg: msg, Err: cause}
}

// classify gives a Temporal error its Kind; ok is false for an error of no
// known kind. A not-found answer is left to the caller (notFound), which
// can tell a missing train from a finished one.
func classify(err error) (Kind, bool) {
	var app *temporal.ApplicationError
	var invalidArg *serviceerror.InvalidArgument
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &app) && app.Type() == contract.InvalidErrorType:
		return ErrInvalid, true
	case errors.As(err, &app):
		// A validator's conflict, or a handler that failed (GitHub refused
		// a signature): the workflow refused the action in its state.
		return ErrConflict, true
	case errors.As(err, &started):
		return ErrConflict, true
	case errors.As(err, &invalidArg):
		return ErrInvalid, true
	case isUnavailable(err):
		return ErrUnavailable, true
	case isNotFound(err):
		return ErrNotFound, true
	}
	return "", false
}

// isUnavailable reports whether err means Temporal could not be reached or
// did not answer in time.
func isUnavailable(err error) bool {
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	var exhausted *serviceerror.ResourceExhausted
	var canceled *serviceerror.Canceled
	var nsUnavailable *serviceerror.NamespaceUnavailable
	if errors.As(err, &unavailable) || errors.As(err, &deadline) ||
		errors.As(err, &exhausted) || errors.As(err, &canceled) || errors.As(err, &nsUnavailable) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Canceled:
		return true
	}
	return false
}

// isNotFound reports whether err is Temporal's answer for a workflow that
// does not exist or (for signals and updates) has finished.
func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// message is the words of a workflow's rejection without Temporal's
// wrapping (an application error's own message), else err's text.
func message(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}
