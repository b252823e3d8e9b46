package activities

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gocloud.dev/blob/fileblob"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

// benchSize is the uncompressed artifact size of the collect benchmark.
const benchSize = 64 << 20

// zipFake serves one artifact from a zip file on disk.
type zipFake struct {
	fakeGitHub
	zipPath string
}

func (f *zipFake) ListArtifacts(context.Context, string, string, int64) ([]ghclient.Artifact, error) {
	return []ghclient.Artifact{{ID: 1, Name: "node-linux-x86_64"}}, nil
}

func (f *zipFake) ExtractArtifact(_ context.Context, _, _ string, a ghclient.Artifact, dest string, lim ghclient.UnzipLimits) (ghclient.Extracted, error) {
	files, err := ghclient.Unzip(f.zipPath, dest, a.Name, lim)
	return ghclient.Extracted{Files: files}, err
}

// benchZip writes a deflated zip holding benchSize bytes of real machine
// code (this test binary, repeated): artifacts are binaries, not random bytes.
func benchZip(b *testing.B) (zipPath string, zipSize int64) {
	b.Helper()
	exe, err := os.Executable()
	require.NoError(b, err)
	code, err := os.ReadFile(exe)
	require.NoError(b, err)
	zipPath = filepath.Join(b.TempDir(), "artifact.zip")
	f, err := os.Create(zipPath)
	require.NoError(b, err)
	zw := zip.NewWriter(f)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bllvm-node", Method: zip.Deflate})
	require.NoError(b, err)
	for left := benchSize; left > 0; left -= len(code) {
		_, err = w.Write(code[:min(left, len(code))])
		require.NoError(b, err)
	}
	require.NoError(b, zw.Close())
	require.NoError(b, f.Close())
	st, err := os.Stat(zipPath)
	require.NoError(b, err)
	return zipPath, st.Size()
}

// BenchmarkCollectArtifacts measures CollectArtifacts (download to disk,
// unzip with hashing, store into a file bucket) against a baseline on the
// same bytes in the same run: one streaming read of the zip, unzip and
// SHA-256 of its content — the least any collector must do.
func BenchmarkCollectArtifacts(b *testing.B) {
	zipPath, zipSize := benchZip(b)
	b.Run("baseline-unzip-hash", func(b *testing.B) {
		b.SetBytes(benchSize)
		for b.Loop() {
			zr, err := zip.OpenReader(zipPath)
			require.NoError(b, err)
			rc, err := zr.File[0].Open()
			require.NoError(b, err)
			_, err = io.Copy(sha256.New(), rc)
			require.NoError(b, err)
			require.NoError(b, rc.Close())
			require.NoError(b, zr.Close())
		}
	})
	b.Run("collect", func(b *testing.B) {
		bucket, err := fileblob.OpenBucket(b.TempDir(), &fileblob.Options{NoTempDir: true})
		require.NoError(b, err)
		defer bucket.Close()
		a := &Activities{GitHub: &zipFake{zipPath: zipPath}, Store: bucket, WorkDir: b.TempDir()}
		env, _ := newEnvWith(b, a)
		b.SetBytes(benchSize)
		for b.Loop() {
			// Each round stores afresh, as a new run's artifact would be.
			require.NoError(b, emptyBucketDir(bucket))
			_, err := env.ExecuteActivity(a.CollectArtifacts, CollectInput{Run: contract.RunRef{Owner: "o", Repo: "r", ID: 1}})
			require.NoError(b, err)
		}
		b.ReportMetric(float64(zipSize)/benchSize, "zip/raw")
	})
}
