package worker

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"gocloud.dev/blob"
)

// TestCloudStoreSchemesAreRegistered keeps the README's promise that the
// artifact store can be a shared bucket when workers span machines: every
// documented scheme resolves to a driver (opening does not contact the cloud;
// a driver may still refuse for missing credentials, which is not a missing
// scheme).
func TestCloudStoreSchemesAreRegistered(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AZURE_STORAGE_ACCOUNT", "releasetrain")
	for _, url := range []string{
		"file://" + t.TempDir(),
		"mem://",
		"s3://releasetrain-artifacts?region=us-east-1",
		"gs://releasetrain-artifacts",
		"azblob://releasetrain-artifacts",
	} {
		b, err := blob.OpenBucket(context.Background(), url)
		if err != nil {
			assert.NotContains(t, err.Error(), "no driver registered", "%s: %v", url, err)
			continue
		}
		_ = b.Close()
	}
}
