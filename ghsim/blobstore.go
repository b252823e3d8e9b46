package ghsim

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// errStoreClosed answers a materialisation after Close.
var errStoreClosed = errors.New("ghsim: blob store closed")

// blobStore is the simulator's blob storage: artifact zips are written once
// to files, hashed on the way, and then served from those files with Range
// support, like the blob storage behind GitHub's artifact downloads. A zip is
// a pure function of (seed, repo, spec), so artifacts with the same inputs
// (the same repo's artifact in two runs) share one file.
type blobStore struct {
	given string // Options.BlobDir ("" = a temp dir of our own)

	// busy is held for reading while a zip is written and for writing by
	// close, so close never removes the directory under a half-written file.
	busy sync.RWMutex

	mu      sync.Mutex
	dir     string // "" until first needed
	owned   bool   // dir was made by the store: close removes it
	closed  bool
	entries map[string]*blobEntry // by content key

	generated atomic.Int64 // zips written (tests)
}

// blobEntry is one zip of the store: generated at most once.
type blobEntry struct {
	mu   sync.Mutex
	done bool
	file blobFile
}

// blobFile is a materialised zip: its path, digest ("sha256:…") and size.
type blobFile struct {
	path   string
	digest string
	size   int64
}

func newBlobStore(dir string) *blobStore {
	return &blobStore{given: dir, entries: map[string]*blobEntry{}}
}

// contentKey names the zip of (seed, repo, spec): equal keys, equal bytes.
func contentKey(seed int64, repo string, spec ArtifactSpec) string {
	spec.Compression = spec.compression()
	b, err := json.Marshal(struct {
		Seed int64
		Repo string
		Spec ArtifactSpec
	}{seed, repo, spec})
	if err != nil { // plain data: cannot happen
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// materialise returns the file of the zip named key, writing it with write
// the first time. Concurrent callers for one key wait for the one writer;
// a failed write is retried by the next caller.
func (st *blobStore) materialise(key string, write func(io.Writer) error) (blobFile, error) {
	st.mu.Lock()
	e := st.entries[key]
	if e == nil {
		e = &blobEntry{}
		st.entries[key] = e
	}
	st.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done {
		return e.file, nil
	}
	f, err := st.generate(key, write)
	if err != nil {
		return blobFile{}, err
	}
	e.file, e.done = f, true
	return f, nil
}

// generate streams a zip to a temporary file while hashing it, then renames
// it into place: no reader ever sees a half-written zip.
func (st *blobStore) generate(key string, write func(io.Writer) error) (_ blobFile, err error) {
	st.busy.RLock()
	defer st.busy.RUnlock()
	dir, err := st.directory()
	if err != nil {
		return blobFile{}, err
	}
	tmp, err := os.CreateTemp(dir, "."+key[:16]+"-*.tmp")
	if err != nil {
		return blobFile{}, fmt.Errorf("ghsim blob store: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(tmp, h), 256<<10)
	cw := &countWriter{w: bw}
	if err = write(cw); err != nil {
		return blobFile{}, err
	}
	if err = bw.Flush(); err != nil {
		return blobFile{}, fmt.Errorf("ghsim blob store: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return blobFile{}, fmt.Errorf("ghsim blob store: %w", err)
	}
	path := filepath.Join(dir, key+".zip")
	if err = os.Rename(tmp.Name(), path); err != nil {
		return blobFile{}, fmt.Errorf("ghsim blob store: %w", err)
	}
	st.generated.Add(1)
	return blobFile{path: path, digest: "sha256:" + hex.EncodeToString(h.Sum(nil)), size: cw.n}, nil
}

// directory is the store's directory, made on first need.
func (st *blobStore) directory() (string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.closed:
		return "", errStoreClosed
	case st.dir != "":
		return st.dir, nil
	case st.given != "":
		if err := os.MkdirAll(st.given, 0o755); err != nil {
			return "", fmt.Errorf("ghsim blob store: %w", err)
		}
		st.dir = st.given
	default:
		dir, err := os.MkdirTemp("", "ghsim-blobs-")
		if err != nil {
			return "", fmt.Errorf("ghsim blob store: %w", err)
		}
		st.dir, st.owned = dir, true
	}
	return st.dir, nil
}

// close refuses further zips and removes the directory if the store made it
// (a given BlobDir is left as it is). It waits for zips being written.
func (st *blobStore) close() error {
	st.busy.Lock()
	defer st.busy.Unlock()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.closed = true
	if !st.owned {
		return nil
	}
	st.owned = false
	return os.RemoveAll(st.dir)
}

// serveFile answers a blob download from a materialised zip with
// http.ServeContent: Accept-Ranges, single ranges (206, Content-Range),
// suffix and open ranges, 416 when unsatisfiable, HEAD, and the standard
// conditional headers against the blob's ETag.
func serveFile(w http.ResponseWriter, req *http.Request, f blobFile) error {
	file, err := os.Open(f.path)
	if err != nil {
		return err
	}
	defer file.Close()
	w.Header().Set("ETag", blobETag(f.digest))
	http.ServeContent(w, req, "", time.Time{}, file) // no Last-Modified: simulated time
	return nil
}

// blobETag is an Azure-like strong ETag derived from the digest.
func blobETag(digest string) string {
	return `"0x` + strings.ToUpper(strings.TrimPrefix(digest, "sha256:")[:16]) + `"`
}

// writerOnly hides a writer's ReadFrom from io.Copy.
type writerOnly struct{ io.Writer }
