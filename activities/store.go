package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// Store layout: every object lives under its content digest.
const (
	// StorePrefix prefixes every key: "sha256/<hex>".
	StorePrefix = "sha256/"
	// MetaExecutable is the blob metadata key recording a file's executable bit.
	MetaExecutable = "executable"
)

// StoreKey is the store key of content with this sha256 (hex).
func StoreKey(sha string) string { return StorePrefix + sha }

// putFile stores the file at path under its sha256 unless already present.
// sha is the digest computed while this activity wrote the file; it is not
// hashed again here, because every reader verifies what it takes from the
// store (bundle.Input.Open while packing, materialise before an upload).
func (a *Activities) putFile(ctx context.Context, path, sha string, executable bool) error {
	key := StoreKey(sha)
	ok, err := a.Store.Exists(ctx, key)
	if err != nil {
		return storeError("store exists "+key, err)
	}
	if ok {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("store put %s: %w", key, err)
	}
	defer f.Close()
	opts := &blob.WriterOptions{ContentType: "application/octet-stream"}
	if executable {
		opts.Metadata = map[string]string{MetaExecutable: "true"}
	}
	// Cancelling the writer's context before Close abandons the object, so a
	// failed copy never lands under the key.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := a.Store.NewWriter(wctx, key, opts)
	if err != nil {
		return storeError("store put "+key, err)
	}
	if _, err := w.ReadFrom(f); err != nil {
		cancel()
		_ = w.Close()
		return storeError("store put "+key, err)
	}
	if err := w.Close(); err != nil {
		return storeError("store put "+key, err)
	}
	return nil
}

// putBytes stores small content (SHA256SUMS, notes) and returns its sha256.
func (a *Activities) putBytes(ctx context.Context, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	key := StoreKey(sha)
	ok, err := a.Store.Exists(ctx, key)
	if err != nil {
		return "", storeError("store exists "+key, err)
	}
	if ok {
		return sha, nil
	}
	if err := a.Store.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: "application/octet-stream"}); err != nil {
		return "", storeError("store put "+key, err)
	}
	return sha, nil
}

// getBytes reads small content back, verifying its digest.
func (a *Activities) getBytes(ctx context.Context, sha string) ([]byte, error) {
	key := StoreKey(sha)
	data, err := a.Store.ReadAll(ctx, key)
	if err != nil {
		return nil, storeReadError(key, err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != sha {
		return nil, badInput("store get "+key, fmt.Errorf("content hashes to %s", got))
	}
	return data, nil
}

// materialise copies a stored object to path (creating parent folders) and
// verifies its digest while copying.
func (a *Activities) materialise(ctx context.Context, sha, path string, executable bool) error {
	key := StoreKey(sha)
	r, err := a.Store.NewReader(ctx, key, nil)
	if err != nil {
		return storeReadError(key, err)
	}
	defer r.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("materialise %s: %w", path, err)
	}
	mode := os.FileMode(0o644)
	if executable {
		mode = 0o755
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return fmt.Errorf("materialise %s: %w", path, err)
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return storeError("store get "+key, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return badInput("store get "+key, fmt.Errorf("content hashes to %s", got))
	}
	return nil
}

// storeReadError: a missing object can never appear by retrying.
func storeReadError(key string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return badInput("store get "+key, errors.New("object not found"))
	}
	return storeError("store get "+key, err)
}
