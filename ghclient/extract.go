package ghclient

import (
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
)

// Extracted is what ExtractArtifact downloaded and wrote.
type Extracted struct {
	// Download is the zip's SHA-256 and size.
	Download
	Files []UnzippedFile
}

// ExtractArtifact downloads an artifact and unzips it into dest (created if
// missing) in one pass, without writing the zip: it reads the zip's central
// directory first with a ranged GET of its end (the last 1 MiB: a smaller
// archive arrives whole and needs nothing more) and checks it against lim
// (names, types, declared sizes) before anything is written, then streams
// the archive once — hashing it for the digest on one goroutine while each
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
	// fail reports an error of the download (classified) or of the archive.
	fail := func(err error) (Extracted, error) {
		var ge *Error
		if !errors.As(err, &ge) && isZipError(err) {
			return Extracted{}, unzipError(a.Name, err)
		}
		return Extracted{}, c.classify(call, full, err)
	}
	ctx = withKind(ctx, kindArtifactBlob)
	tail, tailStart, size, whole, err := c.archiveEnd(ctx, loc, a.Size)
	if err != nil {
		return fail(err)
	}
	if whole != nil {
		// No range support: this is the whole zip.
		defer whole.Body.Close()
		return c.spoolAndUnzip(whole, a, dest, lim, want, call, full)
	}
	dir, tail, tailStart, err := c.centralDirectory(ctx, loc, tail, tailStart, size)
	if err != nil {
		return fail(err)
	}
	if err := checkEntries(dir, lim); err != nil {
		return Extracted{}, unzipError(a.Name, err)
	}
	root, err := openDest(dest)
	if err != nil {
		return Extracted{}, unzipError(a.Name, err)
	}
	defer root.Close()

	var src io.Reader = bytes.NewReader(tail) // the whole archive came with the first read
	if tailStart > 0 {
		resp, err := c.getBlob(ctx, loc, "")
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
	switch {
	case body.err != nil && body.err != io.EOF:
		// The connection failed: the archive may be fine.
		return Extracted{}, c.classify(call, full, fmt.Errorf("blob download after %d bytes: %w", body.n, body.err))
	case body.err == io.EOF && body.n != size:
		// The body ended early (or ran long): the download, not the archive.
		return Extracted{}, c.classify(call, full, fmt.Errorf("blob download: got %d of %d bytes", body.n, size))
	case err != nil:
		return Extracted{}, unzipError(a.Name, err)
	}
	d := Download{SHA256: hex.EncodeToString(h.Sum(nil)), Size: body.n}
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

// isZipError reports whether err is about the archive's content.
func isZipError(err error) bool {
	return errors.Is(err, ErrBadZip) || errors.Is(err, ErrZipBomb) || errors.Is(err, ErrUnsafeEntry)
}

// spoolAndUnzip is ExtractArtifact for blob servers without ranges: resp's
// body (the whole zip) goes to a temporary file beside dest, then Unzip.
func (c *Client) spoolAndUnzip(resp *http.Response, a Artifact, dest string, lim UnzipLimits, want, call, full string) (Extracted, error) {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return Extracted{}, unzipError(a.Name, err)
	}
	f, err := os.CreateTemp(filepath.Dir(dest), ".artifact-*.zip")
	if err != nil {
		return Extracted{}, unzipError(a.Name, err)
	}
	defer os.Remove(f.Name())
	d, err := readBlob(resp, f)
	if cerr := f.Close(); err == nil && cerr != nil {
		return Extracted{}, unzipError(a.Name, cerr)
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
