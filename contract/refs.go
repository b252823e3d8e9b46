package contract

// Run and file references: what payloads carry instead of bytes.

// RunRef identifies a build's GitHub Actions run.
type RunRef struct {
	Owner   string `json:"owner"`
	Repo    string `json:"repo"`
	ID      int64  `json:"id"`
	URL     string `json:"url"`
	Attempt int    `json:"attempt"`
	HeadSHA string `json:"head_sha,omitempty"`
}

// File names a collected file by its content digest in the artifact store.
type File struct {
	Repo       string `json:"repo"`
	Name       string `json:"name"` // slash path inside the repo's artifacts, e.g. "bllvm-node-linux-amd64"
	Size       int64  `json:"size"`
	SHA256     string `json:"sha256"` // hex; the store key is StoreKey(SHA256)
	Executable bool   `json:"executable,omitempty"`
}

// ManifestPreview is how many files (the first by name) a ManifestRef
// carries for the status; the rest are only in the manifest.
const ManifestPreview = 5

// ManifestRef addresses a manifest (the sorted list of a build's or a
// release's files) in the artifact store, with its counts and its first
// few files (at most ManifestPreview) for the status. Its size does not
// grow with the files.
type ManifestRef struct {
	// SHA256 is the hex digest of the manifest's JSON; the store key is StoreKey(SHA256).
	SHA256 string `json:"sha256"`
	// Files is the number of files and Bytes their total size.
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	// First holds the first files by name.
	First []File `json:"first,omitempty"`
}

// StorePrefix prefixes every key of the content-addressed artifact store:
// "sha256/<hex>".
const StorePrefix = "sha256/"

// StoreKey is the store key of content with this sha256 (hex).
func StoreKey(sha string) string { return StorePrefix + sha }
