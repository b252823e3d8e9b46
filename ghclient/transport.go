package ghclient

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Call kinds label requests in metrics and logs.
const (
	kindDispatch      = "dispatch"
	kindListRuns      = "list_runs"
	kindGetRun        = "get_run"
	kindRerun         = "rerun"
	kindCancel        = "cancel"
	kindListArtifacts = "list_artifacts"
	kindArtifactURL   = "artifact_url"
	kindArtifactBlob  = "artifact_blob"
	kindListReleases  = "list_releases"
	kindGetRelease    = "get_release"
	kindGetWorkflow   = "get_workflow"
	kindImmutable     = "immutable_releases"
	kindRateLimit     = "rate_limit"
	kindCreateRelease = "create_release"
	kindUpdateRelease = "update_release"
	kindListAssets    = "list_assets"
	kindUploadAsset   = "upload_asset"
	kindDeleteAsset   = "delete_asset"
	kindAssetBlob     = "asset_blob"
	kindAssetURL      = "asset_url"
	kindNotes         = "generate_notes"
	kindToken         = "installation_token"
	kindOther         = "other"
)

// notModifiedHeader marks an answer that was a 304 before accounting turned
// it into an empty 200 (go-github treats a raw 304 as an error).
const notModifiedHeader = "X-Releasetrain-Not-Modified"

type kindKey struct{}

// withKind labels the requests made under ctx.
func withKind(ctx context.Context, kind string) context.Context {
	return context.WithValue(ctx, kindKey{}, kind)
}

func kindOf(req *http.Request) string {
	if strings.HasSuffix(req.URL.Path, "/access_tokens") {
		return kindToken
	}
	if k, ok := req.Context().Value(kindKey{}).(string); ok {
		return k
	}
	return kindOther
}

// accounting sits under the auth transport: it sees every request to GitHub
// (including installation-token requests) and every blob download, counts
// them, tracks x-ratelimit-remaining, and turns 304 into a marked 200.
type accounting struct {
	next      http.RoundTripper
	m         *metrics
	log       *zap.Logger
	remaining *atomic.Int64
	budget    *atomic.Int64
	streak    *atomic.Int64
}

func (a *accounting) RoundTrip(req *http.Request) (*http.Response, error) {
	kind := kindOf(req)
	start := time.Now()
	resp, err := a.next.RoundTrip(req)
	if err != nil {
		a.m.requests.WithLabelValues(kind, "error").Inc()
		a.log.Debug("github request", zap.String("kind", kind), zap.String("method", req.Method),
			zap.String("path", req.URL.Path), zap.Duration("took", time.Since(start)), zap.String("status", "error"))
		return nil, err
	}
	status := resp.StatusCode
	a.m.requests.WithLabelValues(kind, strconv.Itoa(status)).Inc()
	if spendsBudget(kind, resp) {
		a.m.budget.Inc()
		a.budget.Add(1)
	}
	if v := resp.Header.Get("X-Ratelimit-Remaining"); v != "" {
		if n, perr := strconv.ParseInt(v, 10, 64); perr == nil {
			a.remaining.Store(n)
			a.m.remaining.Set(float64(n))
		}
	}
	if status >= 200 && status < 300 {
		a.streak.Store(0)
	}
	if status == http.StatusNotModified {
		resp.StatusCode = http.StatusOK
		resp.Status = "200 OK"
		resp.Header.Set(notModifiedHeader, "1")
	}
	a.log.Debug("github request", zap.String("kind", kind), zap.String("method", req.Method),
		zap.String("path", req.URL.Path), zap.Duration("took", time.Since(start)), zap.Int("status", status))
	return resp, nil
}

// spendsBudget says whether an answer counted against the primary rate limit:
// API answers other than 304, 401, 5xx and rate-limit refusals (403/429 with
// remaining 0 or a Retry-After). Blob downloads and installation-token
// requests do not count.
func spendsBudget(kind string, resp *http.Response) bool {
	switch kind {
	case kindArtifactBlob, kindAssetBlob, kindToken:
		return false
	}
	switch s := resp.StatusCode; {
	case s == http.StatusNotModified, s == http.StatusUnauthorized, s >= 500:
		return false
	case s == http.StatusForbidden || s == http.StatusTooManyRequests:
		return resp.Header.Get("X-Ratelimit-Remaining") != "0" && resp.Header.Get("Retry-After") == ""
	}
	return true
}

// tokenAuth adds "Authorization: Bearer <token>".
type tokenAuth struct {
	next  http.RoundTripper
	token string
}

func (t *tokenAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(r)
}
