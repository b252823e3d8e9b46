package bundle

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// opened turns Path inputs into Open inputs over the same bytes (Path
// cleared, Size and SHA256 set, as a caller streaming from a store does).
func opened(t *testing.T, in []Input) []Input {
	t.Helper()
	out := make([]Input, len(in))
	for i, x := range in {
		data, err := os.ReadFile(x.Path)
		require.NoError(t, err)
		sha, _, err := HashFile(x.Path)
		require.NoError(t, err)
		x.Path, x.Size, x.SHA256 = "", int64(len(data)), sha
		x.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		out[i] = x
	}
	return out
}

// Packing from Open gives the very bytes packing from files does.
func TestPackageFromOpenGolden(t *testing.T) {
	t.Parallel()
	entries := mustLayout(t, opened(t, testFiles(t, t.TempDir(), bigSize)))
	p := pack(t, entries, TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime})
	assert.Equal(t, goldenBundleSHA256, p.Tarball.SHA256, "bundle sha256 %s, golden %s: Open inputs pack differently from files", p.Tarball.SHA256, goldenBundleSHA256)
	files := mustLayout(t, testFiles(t, t.TempDir(), smallSize))
	want := pack(t, files, TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime})
	got := pack(t, mustLayout(t, opened(t, testFiles(t, t.TempDir(), smallSize))), TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime})
	require.Equal(t, want.Tarball.SHA256, got.Tarball.SHA256, "bundle %s from Open, %s from files", got.Tarball.SHA256, want.Tarball.SHA256)
	for i := range want.Assets {
		w, g := want.Assets[i], got.Assets[i]
		assert.Equal(t, g.Name, w.Name, "asset %d: %+v from Open, %+v from files", i, g, w)
		assert.Equal(t, g.Size, w.Size, "asset %d: %+v from Open, %+v from files", i, g, w)
		assert.Equal(t, g.SHA256, w.SHA256, "asset %d: %+v from Open, %+v from files", i, g, w)
	}
}

type closeErr struct{ io.Reader }

func (closeErr) Close() error { return errors.New("close failed") }

// Content that does not match the declared size or digest, or fails to
// open, read or close, fails the bundle and leaves no file behind.
func TestPackageFromOpenErrors(t *testing.T) {
	t.Parallel()
	content := []byte("binary content")
	sha := "0000000000000000000000000000000000000000000000000000000000000000"
	good, _ := func() (string, error) {
		dir := t.TempDir()
		s, _, err := HashFile(put(t, dir, "f", content))
		return s, err
	}()
	from := func(data []byte) func() (io.ReadCloser, error) {
		return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	}
	for _, c := range []struct {
		name string
		in   Input
		want string
	}{
		{"shorter", Input{Open: from(content[:5]), Size: int64(len(content)), SHA256: good}, "content ended after 5 bytes"},
		{"longer", Input{Open: from(append(content, 'x')), Size: int64(len(content)), SHA256: good}, "longer than"},
		{"digest", Input{Open: from(content), Size: int64(len(content)), SHA256: sha}, "sha256"},
		{"open", Input{Open: func() (io.ReadCloser, error) { return nil, errors.New("gone") }, Size: 1}, "gone"},
		{"read", Input{Open: func() (io.ReadCloser, error) {
			return io.NopCloser(io.MultiReader(bytes.NewReader(content[:3]), iotestErr{})), nil
		}, Size: int64(len(content))}, "broken read"},
		{"close", Input{Open: func() (io.ReadCloser, error) { return closeErr{bytes.NewReader(content)}, nil }, Size: int64(len(content)), SHA256: good}, "close failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.in.Repo, c.in.Name = "node", "bin/node"
			dir := t.TempDir()
			_, err := Package(dir, mustLayout(t, []Input{c.in}), TarballOptions{Name: "b", Tag: "v1", Time: releaseTime})
			require.ErrorContains(t, err, c.want)
			left, _ := os.ReadDir(dir)
			assert.Empty(t, left, "left behind")
		})
	}
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errors.New("broken read") }

// An input needs a path or an Open function.
func TestLayoutNeedsPathOrOpen(t *testing.T) {
	t.Parallel()
	_, err := Layout([]Input{{Repo: "node", Name: "bin"}})
	require.Error(t, err, "no path and no Open: want an error")
	_, err = Layout([]Input{{Repo: "node", Name: "bin", Open: func() (io.ReadCloser, error) { return nil, nil }}})
	require.NoError(t, err)
}
