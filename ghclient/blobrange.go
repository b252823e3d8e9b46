package ghclient

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

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

// getBlob GETs a signed blob URL without credentials, with a Range header
// unless rng is "". It returns the response of a 200, or of a 206 or 416 to
// a ranged request (close its body), and an error for any other status.
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
	switch {
	case resp.StatusCode == http.StatusOK,
		rng != "" && (resp.StatusCode == http.StatusPartialContent || resp.StatusCode == http.StatusRequestedRangeNotSatisfiable):
		return resp, nil
	}
	defer resp.Body.Close()
	if err := github.CheckResponse(resp); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("blob download: %s", resp.Status)
}

// archiveEnd reads the last bytes of the archive at url: tail, its offset
// and the archive's size. Blob storage takes "bytes=start-" and
// "bytes=start-end" ranges but not suffix ranges ("bytes=-n": Azure Blob
// Storage, behind GitHub's artifact URLs, does not list them), so the start
// comes from sizeHint, the size GitHub reported; when that is wrong the
// answer says the real size and one more request gets the end. A server that
// ignores ranges answers 200: that response, the whole archive, is returned
// as whole instead (close its body).
func (c *Client) archiveEnd(ctx context.Context, url string, sizeHint int64) (tail []byte, start, size int64, whole *http.Response, err error) {
	from := max(0, sizeHint-c.tailFetch)
	for try := 0; ; try++ {
		resp, err := c.getBlob(ctx, url, fmt.Sprintf("bytes=%d-", from))
		if err != nil {
			return nil, 0, 0, nil, err
		}
		switch resp.StatusCode {
		case http.StatusOK:
			return nil, 0, 0, resp, nil
		case http.StatusRequestedRangeNotSatisfiable:
			resp.Body.Close()
			var total int64
			if _, err := fmt.Sscanf(resp.Header.Get("Content-Range"), "bytes */%d", &total); err != nil || try > 0 {
				// The size is unknown: read the whole archive.
				whole, err := c.getBlob(ctx, url, "")
				return nil, 0, 0, whole, err
			}
			if total == 0 {
				return nil, 0, 0, nil, fmt.Errorf("%w: empty archive", ErrBadZip)
			}
			from = max(0, total-c.tailFetch)
			continue
		}
		start, end, total, err := contentRange(resp)
		if err == nil && end != total-1 {
			err = fmt.Errorf("blob download: asked for bytes %d- of %d, got %d-%d", from, total, start, end)
		}
		if err == nil && end-start+1 > 2*c.tailFetch && try == 0 {
			// The reported size was short: ask for the end again.
			resp.Body.Close()
			from = total - c.tailFetch
			continue
		}
		if err == nil {
			tail, err = readRange(resp, start, end)
		}
		resp.Body.Close()
		return tail, start, total, nil, err
	}
}

// contentRange parses a 206's Content-Range: the bytes' first and last
// offsets and the blob's size.
func contentRange(resp *http.Response) (start, end, size int64, err error) {
	cr := resp.Header.Get("Content-Range")
	if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &start, &end, &size); err != nil {
		return 0, 0, 0, fmt.Errorf("blob download: Content-Range %q: %w", cr, err)
	}
	if start < 0 || end < start || end >= size {
		return 0, 0, 0, fmt.Errorf("blob download: Content-Range %q out of bounds", cr)
	}
	return start, end, size, nil
}

// readRange reads a 206's body of bytes start to end into memory.
func readRange(resp *http.Response, start, end int64) ([]byte, error) {
	if end-start+1 > maxCentralDirectory {
		return nil, fmt.Errorf("%w: central directory over %d bytes", ErrZipBomb, maxCentralDirectory)
	}
	b := make([]byte, end-start+1)
	if _, err := io.ReadFull(resp.Body, b); err != nil {
		return nil, fmt.Errorf("blob download of bytes %d-%d: %w", start, end, err)
	}
	return b, nil
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
		more, err := c.fetchRange(ctx, url, need.off, start-1)
		if err != nil {
			return nil, nil, 0, err
		}
		tail, start = append(more, tail...), need.off
	}
}

// fetchRange GETs bytes from to to (inclusive) of the blob at url.
func (c *Client) fetchRange(ctx context.Context, url string, from, to int64) ([]byte, error) {
	resp, err := c.getBlob(ctx, url, fmt.Sprintf("bytes=%d-%d", from, to))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent {
		return nil, fmt.Errorf("blob download of bytes %d-%d: %s", from, to, resp.Status)
	}
	start, end, _, err := contentRange(resp)
	if err == nil && (start != from || end != to) {
		err = fmt.Errorf("blob download: asked for bytes %d-%d, got %d-%d", from, to, start, end)
	}
	if err != nil {
		return nil, err
	}
	return readRange(resp, start, end)
}
