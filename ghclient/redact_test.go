package ghclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A blob URL's query is a signature (a credential for a minute or so): a
// failed download must not put it in the error text or anywhere down the
// error's chain (Temporal records the whole chain in the workflow history).
func TestBlobSignatureNeverInErrors(t *testing.T) {
	t.Parallel()
	t.Run("dropped connection", func(t *testing.T) { t.Parallel(); testBlobSignature(t, false) })
	// An expired signature: blob storage answers 403 (go-github's
	// ErrorResponse text names the request URL, query included).
	t.Run("403", func(t *testing.T) { t.Parallel(); testBlobSignature(t, true) })
}

func testBlobSignature(t *testing.T, refuse bool) {
	const sig = "sv=2025&sig=SUPERSECRETSIGNATURE"
	var base string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/actions/artifacts/1/zip"):
			w.Header().Set("Location", base+"/blob/artifact.zip?"+sig)
			w.WriteHeader(http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/blob/") && refuse:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"message":"Server failed to authenticate the request."}`))
		case strings.HasPrefix(r.URL.Path, "/blob/"):
			// Drop the connection without an answer.
			hj, ok := w.(http.Hijacker)
			if !assert.True(t, ok, "no hijacker") {
				return
			}
			conn, _, err := hj.Hijack()
			if err == nil {
				_ = conn.Close()
			}
		default:
			http.NotFound(w, r)
		}
	})
	c, srv, logs := newTestClient(t, h)
	base = srv.URL
	_, err := c.DownloadArtifact(context.Background(), "o", "r", Artifact{ID: 1, Name: "a"}, &bytes.Buffer{})
	require.Error(t, err, "download through a dropped connection succeeded")
	if !refuse {
		require.Equal(t, KindTransient, ErrorKind(err), "kind of %v", err)
	}
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		require.NotContains(t, e.Error(), "SUPERSECRET", "signature in error chain (%T)", e)
	}
	require.NotContains(t, fmt.Sprintf("%+v", err), "SUPERSECRET", "signature in %%+v")
	if !refuse {
		require.ErrorContains(t, err, "/blob/artifact.zip", "error should still name the blob path")
	}
	for _, entry := range logs.All() {
		require.NotContains(t, fmt.Sprint(entry.ContextMap()), "SUPERSECRET", "signature logged: %v", entry.ContextMap())
	}
}
