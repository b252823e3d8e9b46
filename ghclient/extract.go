package ghclient

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/google/go-github/v62/github"
)

const (
	// defaultTailFetch is the first ranged read from the end of an archive:
	// its end record (with a comment of up to 64 KiB) and, usually, its whole
	// central directory — or the whole archive when it is this small, which
	// then needs no second request.
	defaultTailFetch = 1 << 20
	// maxCentralDirectory bounds the central directory read into memory.
	maxCentralDirectory = 64 << 20
)

// Extracted is what ExtractArtifact downloaded and wrote.
type Extracted struct {
	// Download is the zip's SHA-256 and size.
	Download
	Files []UnzippedFile
}

// ExtractArtifact downloads an artifact and unzips it into dest (created if
// missing) in one pass, without writing the zip: it reads the zip's central
// directory first with a ranged GET from the end (1 MiB: a smaller archive
// arrives whole, and needs nothing more) and checks it against lim (names,
// types, declared sizes) before anything is written, then streams the
// archive once — hashing it for the digest on one goroutine while each
// entry is inflated, CRC-checked, hashed and written under dest — and checks
// the entries against the directory (see [Unzip] for what is rejected).
// Blob servers that ignore Range get the two-step path: the zip spooled to a
// temporary file beside dest, then [Unzip].
//
// Errors reaching GitHub or the blob server are *Error (classified as
// DownloadArtifact's are, a digest mismatch included); an unsafe or
// malformed archive is an error wrapping ErrUnsafeEntry, ErrZipBomb or
// ErrBadZip that names the artifact and entry. On any error dest may hold
// untrusted, partial files and must be discarded.
func (c *Client) ExtractArtifact(ctx context.Context, owner, repo string, a Artifact, dest string, lim UnzipLimits) (Extracted, error) {
	call := fmt.Sprintf("download artifact %q", a.Name)
	full := fullName(owner, repo)
	loc, want, err := c.artifactLocation(ctx, owner, repo, a, call)
	if err != nil {
		return Extracted{}, err
	}
	ctx = withKind(ctx, kindArtifactBlob)
	resp, err := c.getBlob(ctx, loc, fmt.Sprintf("bytes=-%d", c.tailFetch))
	if err != nil {
		return Extracted{}, c.classify(call, full, err)
	}
	if resp.StatusCode == http.StatusOK {
		// No range support: this is the whole zip.
		defer resp.Body.Close()
		return c.spoolAndUnzip(resp, a, dest, lim, want, call, full)
	}
	tail, tailStart, size, err := readTail(resp)
	if err != nil {
		return Extracted{}, c.classify(call, full, err)
	}
	dir, tail, tailStart, err := c.centralDirectory(ctx, loc, tail, tailStart, size)
	if err != nil {
		var ge *Error
		if errors.As(err, &ge) || !isZipError(err) {
			return Extracted{}, c.classify(call, full, err)
		}
		return Extracted{}, fmt.Errorf("unzip artifact %q: %w", a.Name, err)
	}
	if err := checkEntries(dir, lim); err != nil {
		return Extracted{}, fmt.Errorf("unzip artifact %q: %w", a.Name, err)
	}
	root, err := openDest(dest)
	if err != nil {
		return Extracted{}, fmt.Errorf("unzip artifact %q: %w", a.Name, err)
	}
	defer root.Close()

	var src io.Reader = bytes.NewReader(tail) // the whole archive came with the first read
	if tailStart > 0 {
		resp, err = c.getBlob(ctx, loc, "")
		if err != nil {
			return Extracted{}, c.classify(call, full, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || (resp.ContentLength >= 0 && resp.ContentLength != size) {
			return Extracted{}, c.classify(call, full, fmt.Errorf("blob download: %s, %d bytes; the ranged read said %d", resp.Status, resp.ContentLength, size))
		}
		src = resp.Body
	}
	h := sha256.New()
	body := newHashingReader(src, h)
	files, err := extractStream(body, dir, tail, tailStart, root, dest, lim)
	body.Close()
	if body.err != nil && body.err != io.EOF {
		// The connection failed: the archive may be fine.
		return Extracted{}, c.classify(call, full, fmt.Errorf("blob download after %d bytes: %w", body.n, body.err))
	}
	if err != nil {
		return Extracted{}, fmt.Errorf("unzip artifact %q: %w", a.Name, err)
	}
	d := Download{SHA256: hex.EncodeToString(h.Sum(nil)), Size: body.n}
	if body.n != size {
		return Extracted{}, c.classify(call, full, fmt.Errorf("blob download: got %d of %d bytes", body.n, size))
	}
	if err := checkDigest(d, want, call, full); err != nil {
		return Extracted{}, err
	}
	return Extracted{Download: d, Files: files}, nil
}

// artifactLocation checks that the artifact can be downloaded and returns
// its signed blob URL and expected digest (hex, "" when GitHub has none).
func (c *Client) artifactLocation(ctx context.Context, owner, repo string, a Artifact, call string) (loc, want string, err error) {
	full := fullName(owner, repo)
	if a.Expired {
		return "", "", &Error{Kind: KindPermanent, Call: call, Repo: full, Status: http.StatusGone, Message: "artifact expired"}
	}
	want, err = parseDigest(a.Digest)
	if err != nil {
		return "", "", &Error{Kind: KindPermanent, Call: call, Repo: full, Message: err.Error()}
	}
	loc, err = c.redirectURL(ctx, fmt.Sprintf("repos/%s/%s/actions/artifacts/%d/zip", owner, repo, a.ID), kindArtifactURL)
	if err != nil {
		return "", "", c.classify(call, full, err)
	}
	return loc, want, nil
}

// checkDigest compares a download with the digest GitHub reported.
func checkDigest(d Download, want, call, full string) error {
	if want != "" && d.SHA256 != want {
		return &Error{Kind: KindPermanent, Call: call, Repo: full, Err: ErrDigestMismatch,
			Message: fmt.Sprintf("digest mismatch: got sha256:%s, GitHub says sha256:%s", d.SHA256, want)}
	}
	return nil
}

// getBlob GETs a signed blob URL without credentials, with a Range header
// unless rng is "". It returns the response of a 200 or 206 (close its
// body) and an error for any other status.
func (c *Client) getBlob(ctx context.Context, url, rng string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := c.blob.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusOK || (rng != "" && resp.StatusCode == http.StatusPartialContent) {
		return resp, nil
	}
	defer resp.Body.Close()
	if rng != "" && resp.StatusCode == http.StatusRequestedRangeNotSatisfiable {
		return nil, &Error{Kind: KindPermanent, Status: resp.StatusCode, Err: ErrBadZip, Message: "empty archive"}
	}
	if err := github.CheckResponse(resp); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("blob download: %s", resp.Status)
}

// readTail reads a 206 answer: the bytes, their offset and the blob's size.
func readTail(resp *http.Response) (tail []byte, start, size int64, err error) {
	defer resp.Body.Close()
	var end int64
	if _, err := fmt.Sscanf(resp.Header.Get("Content-Range"), "bytes %d-%d/%d", &start, &end, &size); err != nil {
		return nil, 0, 0, fmt.Errorf("blob download: Content-Range %q: %w", resp.Header.Get("Content-Range"), err)
	}
	if start < 0 || end < start || end >= size || end-start+1 > maxCentralDirectory {
		return nil, 0, 0, fmt.Errorf("blob download: Content-Range %q out of bounds", resp.Header.Get("Content-Range"))
	}
	tail = make([]byte, end-start+1)
	if _, err := io.ReadFull(resp.Body, tail); err != nil {
		return nil, 0, 0, fmt.Errorf("blob download of the archive's end: %w", err)
	}
	return tail, start, size, nil
}

// centralDirectory parses the archive's central directory from its tail,
// fetching the bytes before the tail that it turns out to need (a long
// directory or comment). It returns the entries and the extended tail.
func (c *Client) centralDirectory(ctx context.Context, url string, tail []byte, start, size int64) ([]*zip.File, []byte, int64, error) {
	for {
		zr, err := zip.NewReader(&tailReaderAt{start: start, b: tail}, size)
		var need *needBytes
		if !errors.As(err, &need) {
			if err != nil {
				return nil, nil, 0, fmt.Errorf("%w: %w", ErrBadZip, err)
			}
			return zr.File, tail, start, nil
		}
		if size-need.off > maxCentralDirectory {
			return nil, nil, 0, fmt.Errorf("%w: central directory over %d bytes", ErrZipBomb, maxCentralDirectory)
		}
		resp, err := c.getBlob(ctx, url, fmt.Sprintf("bytes=%d-%d", need.off, start-1))
		if err != nil {
			return nil, nil, 0, err
		}
		more, moreStart, _, err := readTail(resp)
		if err != nil {
			return nil, nil, 0, err
		}
		if moreStart != need.off || moreStart+int64(len(more)) != start {
			return nil, nil, 0, fmt.Errorf("blob download: asked for bytes %d-%d, got %d-%d", need.off, start-1, moreStart, moreStart+int64(len(more))-1)
		}
		tail, start = append(more, tail...), need.off
	}
}

// isZipError reports whether err is about the archive's content.
func isZipError(err error) bool {
	return errors.Is(err, ErrBadZip) || errors.Is(err, ErrZipBomb) || errors.Is(err, ErrUnsafeEntry)
}

// spoolAndUnzip is ExtractArtifact for blob servers without ranges: resp's
// body (the whole zip) goes to a temporary file beside dest, then Unzip.
func (c *Client) spoolAndUnzip(resp *http.Response, a Artifact, dest string, lim UnzipLimits, want, call, full string) (Extracted, error) {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return Extracted{}, fmt.Errorf("unzip artifact %q: %w", a.Name, err)
	}
	f, err := os.CreateTemp(filepath.Dir(dest), ".artifact-*.zip")
	if err != nil {
		return Extracted{}, fmt.Errorf("unzip artifact %q: %w", a.Name, err)
	}
	defer os.Remove(f.Name())
	d, err := readBlob(resp, f)
	if cerr := f.Close(); err == nil && cerr != nil {
		return Extracted{}, fmt.Errorf("unzip artifact %q: %w", a.Name, cerr)
	}
	if err != nil {
		return Extracted{}, c.classify(call, full, err)
	}
	if err := checkDigest(d, want, call, full); err != nil {
		return Extracted{}, err
	}
	files, err := Unzip(f.Name(), dest, a.Name, lim)
	if err != nil {
		return Extracted{}, err
	}
	return Extracted{Download: d, Files: files}, nil
}

// openDest creates dest if missing and opens it as the root every entry is
// written under.
func openDest(dest string) (*os.Root, error) {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, err
	}
	return os.OpenRoot(dest)
}
