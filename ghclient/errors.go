package ghclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
)

// Kind says how a failed GitHub call should be retried.
type Kind int

const (
	// KindTransient: 5xx, connection resets, timeouts. Retry with backoff.
	KindTransient Kind = iota
	// KindPrimaryRateLimit: the hourly budget is spent. Retry after x-ratelimit-reset.
	KindPrimaryRateLimit
	// KindSecondaryRateLimit: too fast. Retry after retry-after, else ≥60 s with backoff.
	KindSecondaryRateLimit
	// KindPermanent: 401, 403 permission, 404, 410, 422 validation. Do not retry.
	KindPermanent
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindTransient:
		return "transient"
	case KindPrimaryRateLimit:
		return "primary rate limit"
	case KindSecondaryRateLimit:
		return "secondary rate limit"
	case KindPermanent:
		return "permanent"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// ErrRunNotListed means run discovery gave up: GitHub did not list a run
// carrying the correlation id within the listing timeout.
var ErrRunNotListed = errors.New("run not listed")

// ErrDigestMismatch means a downloaded artifact's SHA-256 differs from the
// digest GitHub reported for it.
var ErrDigestMismatch = errors.New("digest mismatch")

// ErrAssetConflict means a release already has an asset of that name with
// different content that this train did not upload.
var ErrAssetConflict = errors.New("asset exists with different content")

// ErrPayloadTooLarge means a dispatch payload breaks GitHub's limits
// (10 top-level keys, 64 KB of JSON); it is checked before sending.
var ErrPayloadTooLarge = errors.New("dispatch payload over GitHub's limits")

// Error is a classified GitHub failure.
type Error struct {
	Kind Kind
	// Call names the operation, e.g. "dispatch workflow build.yml".
	Call string
	// Repo is "owner/repo".
	Repo string
	// Status is the HTTP status, 0 when no answer arrived.
	Status int
	// Message is GitHub's message (or the transport error's text).
	Message string
	// RetryAfter is the wait GitHub asked for (rate limits), 0 if none.
	RetryAfter time.Duration
	// Err is the underlying error.
	Err error
}

// Error reads "<call> <owner/repo>: <status> <GitHub message>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Call)
	if e.Repo != "" {
		b.WriteString(" ")
		b.WriteString(e.Repo)
	}
	b.WriteString(": ")
	if e.Status != 0 {
		b.WriteString(strconv.Itoa(e.Status))
		b.WriteString(" ")
	}
	b.WriteString(e.Message)
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after ")
		b.WriteString(e.RetryAfter.String())
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// RetryDelay returns the wait GitHub asked for, if err carries one.
func RetryDelay(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// IsPermanent reports whether err must not be retried.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindPermanent
}

// ErrorKind returns the kind of a classified error; unclassified errors are
// transient.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindTransient
}

const (
	// minSecondaryWait is GitHub's advice when a secondary limit names no wait.
	minSecondaryWait = 60 * time.Second
	// maxSecondaryWait caps the doubling of minSecondaryWait.
	maxSecondaryWait = 16 * time.Minute
	// minPrimaryWait guards against a reset in the past (clock skew).
	minPrimaryWait = time.Second
)

// classify turns an error from go-github, ghinstallation or net/http into an
// *Error. A nil err gives nil; an *Error passes through.
func (c *Client) classify(call, repo string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	err = redactURL(err)
	e := &Error{Kind: KindTransient, Call: call, Repo: repo, Err: err}

	var (
		rle   *github.RateLimitError
		abuse *github.AbuseRateLimitError
		er    *github.ErrorResponse
		ie    *ghinstallation.HTTPError
	)
	switch {
	case errors.As(err, &rle):
		e.Kind = KindPrimaryRateLimit
		e.Status = statusOf(rle.Response)
		e.Message = rle.Message
		e.RetryAfter = c.untilReset(rle.Rate.Reset.Time)
	case errors.As(err, &abuse):
		e.Kind = KindSecondaryRateLimit
		e.Status = statusOf(abuse.Response)
		e.Message = abuse.Message
		if abuse.RetryAfter != nil && *abuse.RetryAfter > 0 {
			e.RetryAfter = *abuse.RetryAfter
		} else {
			e.RetryAfter = c.secondaryBackoff()
		}
	case errors.As(err, &er):
		e.Status = statusOf(er.Response)
		e.Message = responseMessage(er)
		c.classifyStatus(e, er.Response, er.DocumentationURL)
	case errors.As(err, &ie):
		e.Message = "installation token: " + ie.Message
		if ie.Response != nil {
			// ghinstallation leaves a refused token answer's body open;
			// close it so the connection is released.
			_ = ie.Response.Body.Close()
			e.Status = ie.Response.StatusCode
			e.Message = "installation token: " + ie.Response.Status
			c.classifyStatus(e, ie.Response, "")
		}
	case errors.Is(err, context.Canceled):
		e.Message = "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		e.Message = "timed out"
	default:
		e.Message = err.Error()
	}
	return e
}

// classifyStatus sets Kind and RetryAfter from an HTTP error answer.
func (c *Client) classifyStatus(e *Error, resp *http.Response, docURL string) {
	status := e.Status
	var h http.Header
	if resp != nil {
		h = resp.Header
	}
	secondary := strings.HasSuffix(docURL, "secondary-rate-limits") ||
		strings.HasSuffix(docURL, "#abuse-rate-limits") ||
		strings.Contains(strings.ToLower(e.Message), "secondary rate limit")
	switch {
	case (status == http.StatusForbidden || status == http.StatusTooManyRequests) && !secondary && h.Get("X-Ratelimit-Remaining") == "0":
		e.Kind = KindPrimaryRateLimit
		e.RetryAfter = c.untilReset(resetOf(h))
	case status == http.StatusTooManyRequests || (status == http.StatusForbidden && secondary):
		e.Kind = KindSecondaryRateLimit
		switch {
		case h.Get("Retry-After") != "":
			if s, err := strconv.ParseInt(h.Get("Retry-After"), 10, 64); err == nil && s > 0 {
				e.RetryAfter = time.Duration(s) * time.Second
			}
		case h.Get("X-Ratelimit-Remaining") == "0":
			e.RetryAfter = c.untilReset(resetOf(h))
		}
		if e.RetryAfter <= 0 {
			e.RetryAfter = c.secondaryBackoff()
		}
	case status >= 500 || status == http.StatusRequestTimeout:
		e.Kind = KindTransient
	default:
		e.Kind = KindPermanent
	}
}

// redactURL drops the query of the URL a *url.Error names, in the error and
// its text. A blob-storage redirect target (artifact zip, release asset)
// carries a signature in its query, a credential valid for minutes; it must
// reach neither errors nor logs nor the workflow history, which records the
// whole Unwrap chain.
func redactURL(err error) error {
	// go-github's ErrorResponse text names its request's URL.
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.Request != nil && er.Response.Request.URL != nil {
		if u := er.Response.Request.URL; u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			clean := *u
			clean.RawQuery, clean.Fragment, clean.User = "", "", nil
			// The request is finished: point it at a copy without the query.
			er.Response.Request.URL = &clean
		}
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return &redactedError{msg: strings.ReplaceAll(err.Error(), ue.URL, "<unparsable URL>"), err: ue.Err}
	}
	if u.RawQuery == "" && u.Fragment == "" && u.User == nil {
		return err
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	clean := u.String() + "?<redacted>"
	safe := &url.Error{Op: ue.Op, URL: clean, Err: ue.Err}
	if err == error(ue) {
		return safe
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), ue.URL, clean), err: safe}
}

// redactedError is an error whose text had a URL query removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// untilReset is the wait until a rate-limit reset time, at least a second.
func (c *Client) untilReset(reset time.Time) time.Duration {
	if reset.IsZero() {
		return minSecondaryWait
	}
	d := reset.Sub(c.now())
	if d < minPrimaryWait {
		d = minPrimaryWait
	}
	return d
}

// secondaryBackoff doubles from 60 s for consecutive secondary limits without
// a named wait; a successful answer resets it.
func (c *Client) secondaryBackoff() time.Duration {
	n := c.secondaryStreak.Add(1) - 1
	d := minSecondaryWait
	for i := int64(0); i < n && d < maxSecondaryWait; i++ {
		d *= 2
	}
	if d > maxSecondaryWait {
		d = maxSecondaryWait
	}
	return d
}

// resetOf parses x-ratelimit-reset (epoch seconds).
func resetOf(h http.Header) time.Time {
	s, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

func statusOf(r *http.Response) int {
	if r == nil {
		return 0
	}
	return r.StatusCode
}

// responseMessage is GitHub's message plus validation details, e.g.
// "Validation Failed (Release.tag_name already_exists)".
func responseMessage(er *github.ErrorResponse) string {
	msg := er.Message
	if msg == "" && er.Response != nil {
		msg = http.StatusText(er.Response.StatusCode)
	}
	var parts []string
	for _, d := range er.Errors {
		switch {
		case d.Message != "" && d.Code == "":
			parts = append(parts, d.Message)
		case d.Message != "":
			parts = append(parts, fmt.Sprintf("%s.%s %s: %s", d.Resource, d.Field, d.Code, d.Message))
		default:
			parts = append(parts, fmt.Sprintf("%s.%s %s", d.Resource, d.Field, d.Code))
		}
	}
	if len(parts) > 0 {
		msg += " (" + strings.Join(parts, "; ") + ")"
	}
	return msg
}

// hasErrorCode reports whether err is a GitHub validation error with the code
// (e.g. "already_exists") on the resource.
func hasErrorCode(err error, resource, code string) bool {
	var er *github.ErrorResponse
	if !errors.As(err, &er) {
		return false
	}
	for _, d := range er.Errors {
		if d.Code == code && (resource == "" || d.Resource == resource) {
			return true
		}
	}
	return false
}

// statusCode is the HTTP status an error carries, 0 if none.
func statusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) {
		return statusOf(er.Response)
	}
	return 0
}
