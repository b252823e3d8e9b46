package webhook

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/releasetag"
)

// fromRepo rewrites a fixture's repository to name.
func fromRepo(body, from, to string) string {
	body = strings.ReplaceAll(body, `"name": "`+from+`"`, `"name": "`+to+`"`)
	return strings.ReplaceAll(body, "BTCDecoded/"+from, "BTCDecoded/"+to)
}

// A release dispatch starts a train only from a trigger repo, a build
// report is taken only from a member repo: any other repository of the
// owner is ignored and nothing reaches Temporal (the mock fails on any call).
func TestRepositoryDispatchOnlyFromTheTrain(t *testing.T) {
	release := string(fixtureFile(t, "repository_dispatch.release.json"))
	build := string(fixtureFile(t, "repository_dispatch.build-complete.json"))
	tests := []struct {
		name     string
		triggers []string
		body     string
	}{
		{name: "release from a repo outside the train", body: fromRepo(release, "bllvm-node", "website")},
		{name: "release from a member that is not a trigger repo", triggers: []string{"bllvm-protocol"}, body: release},
		{name: "build report from a repo outside the train", body: fromRepo(build, "bllvm-sdk", "website")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(o *Options) { o.Train.Trigger.Repos = tt.triggers })
			rec := f.deliver(t, "repository_dispatch", "d", []byte(tt.body), "")
			require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
			assert.Equal(t, outcomeIgnored, decode[reply](t, rec).Outcome)
		})
	}
}

// client_payload is decoded strictly: every unknown key is named, and a
// repo reports only its own builds.
func TestRepositoryDispatchStrictPayload(t *testing.T) {
	release := string(fixtureFile(t, "repository_dispatch.release.json"))
	build := string(fixtureFile(t, "repository_dispatch.build-complete.json"))
	tests := []struct {
		name string
		body string
		want int
		msg  []string
	}{
		{name: "typo of prerelease", body: strings.Replace(release, `"prerelease": false`, `"prerelase": true`, 1),
			want: http.StatusBadRequest, msg: []string{`"prerelase"`}},
		{name: "two unknown keys", body: strings.Replace(release, `"prerelease": false`, `"Prerelease": true, "extra": 1`, 1),
			want: http.StatusBadRequest, msg: []string{`"Prerelease"`, `"extra"`}},
		{name: "payload not an object", body: strings.Replace(build, `"client_payload": {`, `"client_payload": ["x", {`, 1) + "]",
			want: http.StatusBadRequest},
		{name: "unknown key in a build report", body: strings.Replace(build, `"status": "completed"`, `"staus": "completed"`, 1),
			want: http.StatusBadRequest, msg: []string{`"staus"`}},
		{name: "build report for another repo", body: strings.Replace(build, "rt:v1.2.3:bllvm-sdk:1", "rt:v1.2.3:bllvm-node:1", 1),
			want: http.StatusUnprocessableEntity, msg: []string{"bllvm-node", "bllvm-sdk"}},
		{name: "build report with a bad tag", body: strings.Replace(build, `"correlation_id": "rt:v1.2.3:bllvm-sdk:1"`, `"tag": "a/b"`, 1),
			want: http.StatusUnprocessableEntity, msg: []string{"a/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rec := f.deliver(t, "repository_dispatch", "d", []byte(tt.body), "")
			require.Equal(t, tt.want, rec.Code, rec.Body.String())
			for _, m := range tt.msg {
				assert.Contains(t, decode[errorMessage](t, rec).Message, m)
			}
		})
	}
}

// Every door refuses a tag the train cannot package, says why, and counts it.
func TestTagRefusedAtEveryDoor(t *testing.T) {
	const tag = "release/1.0" // a legal git tag with a '/'
	t.Run("release webhook", func(t *testing.T) {
		f := newFixture(t)
		body := strings.ReplaceAll(string(fixtureFile(t, "release.published.json")), `"v1.2.3"`, `"`+tag+`"`)
		rec := f.deliver(t, "release", "d", []byte(body), "")
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
		assert.Contains(t, decode[errorMessage](t, rec).Message, "'/'")
		assert.Equal(t, 1.0, testutil.ToFloat64(f.srv.metrics.tagsRefused.WithLabelValues(sourceRelease, string(releasetag.RuleSlash))))
	})
	t.Run("repository_dispatch", func(t *testing.T) {
		f := newFixture(t)
		body := strings.Replace(string(fixtureFile(t, "repository_dispatch.release.json")), `"v2.0.0"`, `"`+tag+`"`, 1)
		rec := f.deliver(t, "repository_dispatch", "d", []byte(body), "")
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
		assert.Contains(t, decode[errorMessage](t, rec).Message, "'/'")
		assert.Equal(t, 1.0, testutil.ToFloat64(f.srv.metrics.tagsRefused.WithLabelValues(sourceDispatch, string(releasetag.RuleSlash))))
	})
	t.Run("operator API", func(t *testing.T) {
		f := newFixture(t)
		rec := f.api(t, http.MethodPost, "/api/releases", "tok-123", StartRequest{Tag: "v1.lock"})
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
		assert.Contains(t, decode[errorMessage](t, rec).Message, ".lock")
		assert.Equal(t, 1.0, testutil.ToFloat64(f.srv.metrics.tagsRefused.WithLabelValues(sourceAPI, string(releasetag.RuleGit))))
	})
}
