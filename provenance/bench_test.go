package provenance

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/stretchr/testify/require"
)

// BenchmarkBuildSeal measures building and signing (Ed25519) the provenance
// of a train with 50 repos of 20 files each, and reports its size.
func BenchmarkBuildSeal(b *testing.B) {
	priv := filepath.Join(b.TempDir(), "key.pem")
	require.NoError(b, GenerateKeyFiles(AlgorithmEd25519, priv, priv+".pub"))
	signer, err := LoadSignerFile(priv)
	require.NoError(b, err)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	in := Input{Owner: "o", ReleaseRepo: "r0", Name: "n", Tag: "v1", WorkflowID: "release-v1", RunID: "x",
		StartedOn: now, FinishedOn: now,
		Bundle: Bundle{Asset: "n-v1.tar.gz", SHA256: sha("b"), Name: "n", Tag: "v1", MTime: now,
			GzipLevel: bundle.GzipLevel, GzipBlockSize: bundle.GzipBlockSize}}
	for r := range 50 {
		repo := fmt.Sprintf("r%d", r)
		in.Members = append(in.Members, Member{Repo: repo, RepoURL: "https://github.com/o/" + repo,
			Workflow: ".github/workflows/build.yml", Commit: fmt.Sprintf("%040x", r), RunID: int64(r), Attempt: 1,
			RunURL: fmt.Sprintf("https://github.com/o/%s/actions/runs/%d", repo, r), Conclusion: "success",
			Artifacts: []Artifact{{Name: repo + "-linux", SHA256: sha(repo)}}})
		for f := range 20 {
			in.Files = append(in.Files, File{Asset: fmt.Sprintf("%s-f%d", repo, f), SHA256: sha(repo), Repo: repo, Path: fmt.Sprintf("f%d", f)})
		}
	}
	var size int
	for b.Loop() {
		st, err := Build(in)
		require.NoError(b, err)
		data, err := Seal(context.Background(), st, signer)
		require.NoError(b, err)
		size = len(data)
	}
	b.ReportMetric(float64(size), "bytes/file")
}
