package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
)

// maxPayload is the size no payload of a train may reach, whatever its
// file count: an eighth of Temporal's 2 MB limit.
const maxPayload = 256 << 10

// TestPayloadsStayReferences collects 20,000 files in one train (25 repos
// of 800 files in five layers) against ghsim and the dev server, and
// measures every payload in the release's and its layers' histories: lists
// that grow with the files live in the store as manifests, so none passes
// maxPayload (before, ~160 bytes a file passed the 2 MB limit at ~13,000
// files and wedged the train). The files are more than one GitHub release
// can hold as assets, so packaging refuses them with a clear reason and
// the train blocks at the package step, where cancel ends it.
func TestPayloadsStayReferences(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	const (
		layers, perLayer, perRepo = 5, 5, 800
		tag                       = "v20.0.0"
	)
	sc := &ghsim.Scenario{Owner: "acme"}
	yaml := "owner: acme\nrelease: {repo: r00}\nrepos:\n"
	for l := range layers {
		for i := range perLayer {
			name := fmt.Sprintf("r%d%d", l, i)
			files := make([]ghsim.FileSpec, perRepo)
			for f := range files {
				files[f] = ghsim.FileSpec{Name: fmt.Sprintf("html/%s-page-%04d.html", name, f), Size: 64}
			}
			sc.Repos = append(sc.Repos, ghsim.RepoScenario{Name: name, Artifacts: []ghsim.ArtifactSpec{{Name: "docs", Files: files}}})
			yaml += "  - name: " + name + "\n"
			if l > 0 {
				yaml += fmt.Sprintf("    depends_on: [r%d%d]\n", l-1, i)
			}
		}
	}
	parsed, err := config.Parse("payload.yaml", []byte(yaml))
	require.NoError(t, err)
	train := *parsed
	for i := range train.Repos {
		train.Repos[i].Settings.PollInterval = 200 * time.Millisecond
	}

	s := devstack.StartTest(t, devstack.Options{Train: &train, Sim: ghsim.Options{Scenario: sc, Seed: 20}})
	sim, c := s.Sim, s.Client
	run := traintest.StartTrain(t, c, tag, train)

	var st contract.Status
	require.Eventually(t, func() bool {
		v, err := c.QueryWorkflow(context.Background(), run.GetID(), "", contract.QueryStatus)
		if err != nil || v.Get(&st) != nil {
			return false
		}
		return st.BlockedStep == contract.StepPackage || st.State == contract.StateFailed
	}, 10*time.Minute, 200*time.Millisecond, "train reaches the package step")
	files := 0
	for name, rs := range st.Repos {
		assert.Equal(t, contract.RepoSucceeded, rs.State, name)
		assert.Equal(t, perRepo, rs.Files, name)
		assert.Len(t, rs.Artifacts, contract.ManifestPreview, name)
		assert.NotEmpty(t, rs.Manifest, name)
		files += rs.Files
	}
	require.Equal(t, layers*perLayer*perRepo, files)
	assert.Contains(t, st.Error, fmt.Sprintf("%d files", files))
	assert.Contains(t, st.Error, fmt.Sprintf("a GitHub release holds at most %d", activities.MaxReleaseAssets))
	assert.Empty(t, sim.Stats().Uploads, "nothing published")
	status, err := json.Marshal(st)
	require.NoError(t, err)
	assert.Less(t, len(status), maxPayload, "status query answer")
	t.Logf("status query answer: %d bytes for %d files", len(status), files)

	require.NoError(t, c.CancelWorkflow(context.Background(), run.GetID(), ""))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var cancelled *temporal.CanceledError
	require.ErrorAs(t, run.Get(ctx, nil), &cancelled)

	ids := []string{contract.ReleaseWorkflowID(tag)}
	for l := range layers {
		ids = append(ids, contract.LayerWorkflowID(tag, l))
	}
	largest, where := 0, ""
	for _, id := range ids {
		size, at, events := largestPayload(t, c, id)
		t.Logf("%s: %d events, largest payload %d bytes (%s)", id, events, size, at)
		if size > largest {
			largest, where = size, id+" "+at
		}
	}
	t.Logf("largest payload of the train: %d bytes, %s", largest, where)
	assert.Less(t, largest, maxPayload, "largest payload: %s", where)
}

// largestPayload reads a workflow's whole history and returns the size of
// its largest payload set (a Payloads message, or a lone Payload), the
// event it is in, and the number of events.
func largestPayload(t *testing.T, c client.Client, id string) (size int, at string, events int) {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err, id)
		events++
		walkPayloads(ev.ProtoReflect(), func(m proto.Message) {
			if n := proto.Size(m); n > size {
				size, at = n, fmt.Sprintf("event %d %s", ev.GetEventId(), ev.GetEventType())
			}
		})
	}
	require.Positive(t, events, id)
	return size, at, events
}

// walkPayloads calls fn on every Payloads and Payload message inside m
// (a Payload inside a Payloads is measured with its set).
func walkPayloads(m protoreflect.Message, fn func(proto.Message)) {
	switch m.Interface().(type) {
	case *commonpb.Payloads, *commonpb.Payload:
		fn(m.Interface())
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := range v.List().Len() {
				walkPayloads(v.List().Get(i).Message(), fn)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				walkPayloads(mv.Message(), fn)
				return true
			})
		case fd.Message() != nil && !fd.IsList() && !fd.IsMap():
			walkPayloads(v.Message(), fn)
		}
		return true
	})
}
