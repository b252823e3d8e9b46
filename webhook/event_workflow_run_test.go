package webhook

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Requested and in_progress runs are answered 202 without a signal (the mock
// client fails the test on any unexpected call); only completions wake a build.
func TestWorkflowRunOnlyCompletionsForwarded(t *testing.T) {
	tests := []struct{ give, action string }{
		{give: "queued", action: "requested"},
		{give: "in_progress", action: "in_progress"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			f := newFixture(t)
			body := string(fixtureFile(t, "workflow_run.completed.json"))
			body = strings.Replace(body, `"status": "completed"`, `"status": "`+tt.give+`"`, 1)
			body = strings.Replace(body, `"conclusion": "success"`, `"conclusion": null`, 1)
			body = strings.Replace(body, `"action": "completed"`, `"action": "`+tt.action+`"`, 1)
			rec := f.deliver(t, "workflow_run", "d-"+tt.give, []byte(body), "")
			require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
			assert.Equal(t, outcomeIgnored, decode[reply](t, rec).Outcome)
		})
	}
}
