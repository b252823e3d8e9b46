package ghclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"
)

// Download is what DownloadArtifact wrote.
type Download struct {
	// SHA256 is the hex SHA-256 of the bytes written.
	SHA256 string
	// Size is the number of bytes written.
	Size int64
}

// apiArtifact decodes an artifact including digest, which go-github v62 lacks.
type apiArtifact struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	SizeInBytes int64   `json:"size_in_bytes"`
	Expired     bool    `json:"expired"`
	Digest      *string `json:"digest"`
}

type apiArtifactList struct {
	TotalCount int           `json:"total_count"`
	Artifacts  []apiArtifact `json:"artifacts"`
}

// ListArtifacts lists all artifacts of a run, following pagination.
func (c *Client) ListArtifacts(ctx context.Context, owner, repo string, runID int64) ([]Artifact, error) {
	call := fmt.Sprintf("list artifacts of run %d", runID)
	ctx = withKind(ctx, kindListArtifacts)
	var out []Artifact
	for page := 1; ; page++ {
		req, err := c.gh.NewRequest(http.MethodGet,
			fmt.Sprintf("repos/%s/%s/actions/runs/%d/artifacts?per_page=100&page=%d", owner, repo, runID, page), nil)
		if err != nil {
			return nil, c.classify(call, fullName(owner, repo), err)
		}
		var list apiArtifactList
		_, err = c.gh.Do(ctx, req, &list)
		if err != nil {
			return nil, c.classify(call, fullName(owner, repo), err)
		}
		for _, a := range list.Artifacts {
			art := Artifact{ID: a.ID, Name: a.Name, Size: a.SizeInBytes, Expired: a.Expired}
			if a.Digest != nil {
				art.Digest = *a.Digest
			}
			out = append(out, art)
		}
		if len(list.Artifacts) == 0 || len(out) >= list.TotalCount {
			return out, nil
		}
	}
}

// DownloadArtifact streams an artifact's zip to dst while hashing it: it asks
// GitHub for the archive, takes the 302's Location and fetches it without the
// Authorization header. Memory use does not depend on the artifact's size.
// When a.Digest is set the SHA-256 must match it ([ErrDigestMismatch],
// permanent; dst then holds untrusted bytes and must be discarded). An
// expired artifact (410) is a permanent error.
func (c *Client) DownloadArtifact(ctx context.Context, owner, repo string, a Artifact, dst io.Writer) (Download, error) {
	call := fmt.Sprintf("download artifact %q", a.Name)
	full := fullName(owner, repo)
	loc, want, err := c.artifactLocation(ctx, owner, repo, a, call)
	if err != nil {
		return Download{}, err
	}
	d, err := c.fetchBlob(withKind(ctx, kindArtifactBlob), loc, dst)
	if err != nil {
		return Download{}, c.classify(call, full, err)
	}
	return d, checkDigest(d, want, call, full)
}

// redirectURL GETs an API path that answers 302 and returns the Location.
func (c *Client) redirectURL(ctx context.Context, path, kind string) (string, error) {
	req, err := c.gh.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.noRedirect.Do(req.WithContext(withKind(ctx, kind)))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusFound, http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusSeeOther:
		loc, err := resp.Location()
		if err != nil {
			return "", fmt.Errorf("redirect without location: %w", err)
		}
		return loc.String(), nil
	}
	if err := github.CheckResponse(resp); err != nil {
		return "", err
	}
	return "", fmt.Errorf("expected a redirect, got %s", resp.Status)
}

// fetchBlob GETs url without credentials and copies the body to dst through SHA-256.
func (c *Client) fetchBlob(ctx context.Context, url string, dst io.Writer) (Download, error) {
	resp, err := c.getBlob(ctx, url, "")
	if err != nil {
		return Download{}, err
	}
	defer resp.Body.Close()
	return readBlob(resp, dst)
}

// readBlob copies a 200 answer's body to dst through SHA-256.
func readBlob(resp *http.Response, dst io.Writer) (Download, error) {
	h := sha256.New()
	n, err := copyHashed(dst, h, resp.Body)
	if err != nil {
		return Download{}, fmt.Errorf("blob download after %d bytes: %w", n, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return Download{}, fmt.Errorf("blob download: got %d of %d bytes", n, resp.ContentLength)
	}
	return Download{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// parseDigest turns "sha256:<hex>" into lower-case hex ("" for "").
func parseDigest(d string) (string, error) {
	if d == "" {
		return "", nil
	}
	algo, hexSum, ok := strings.Cut(d, ":")
	if !ok || algo != "sha256" || len(hexSum) != sha256.Size*2 {
		return "", fmt.Errorf("unsupported digest %q", d)
	}
	if _, err := hex.DecodeString(hexSum); err != nil {
		return "", fmt.Errorf("digest %q: %w", d, err)
	}
	return strings.ToLower(hexSum), nil
}
