package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/BTCDecoded/releasetrain/contract"
)

// Store layout: every object lives under its content digest.
const (
	// MetaExecutable is the blob metadata key recording a file's executable bit.
	MetaExecutable = "executable"
)

// putFile stores the file at path under the sha256 of the bytes it writes.
// want is the digest the caller computed earlier (while unzipping or
// packing); the object is written under StoreKey(want) only if the bytes
// read now hash to it: a mismatch (the file changed since, e.g. another zip
// entry overwrote it) abandons the write and is a non-retryable error naming
// the file, so no key ever holds other bytes than its digest says. An object
// already stored under want is kept (it was verified when it was written).
func (a *Activities) putFile(ctx context.Context, path, want string, executable bool) error {
	key := contract.StoreKey(want)
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
	// failed or mismatched copy never lands under the key.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := a.Store.NewWriter(wctx, key, opts)
	if err != nil {
		return storeError("store put "+key, err)
	}
	h := sha256.New()
	// A buffer sized to the file (up to copyBuf): blob.Writer.ReadFrom
	// allocates 1 MiB each time, which dominated storing small files.
	size := int64(copyBuf)
	if st, err := f.Stat(); err == nil {
		size = min(max(st.Size(), 512), copyBuf)
	}
	if _, err := io.CopyBuffer(writerOnly{w}, io.TeeReader(f, h), make([]byte, size)); err != nil {
		cancel()
		_ = w.Close()
		return storeError("store put "+key, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		cancel()
		_ = w.Close()
		return badInput("store put "+key, fmt.Errorf("file %s hashes to sha256:%s, not the sha256:%s it was stored for", path, got, want))
	}
	if err := w.Close(); err != nil {
		return storeError("store put "+key, err)
	}
	return nil
}

// copyBuf is putFile's largest copy buffer.
const copyBuf = 1 << 20

// writerOnly hides a writer's ReadFrom, so io.CopyBuffer uses the buffer.
type writerOnly struct{ io.Writer }

// putBytes stores small content (SHA256SUMS, notes) and returns its sha256.
func (a *Activities) putBytes(ctx context.Context, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	key := contract.StoreKey(sha)
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
	key := contract.StoreKey(sha)
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

// storeReadError: a missing object can never appear by retrying.
func storeReadError(key string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return badInput("store get "+key, errors.New("object not found"))
	}
	return storeError("store get "+key, err)
}
