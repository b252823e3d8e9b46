package ghsim

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxSearchResults is GitHub's cap on filtered run listings.
const maxSearchResults = 1000

// pageParams reads per_page (default 30, at most 100) and page (default 1).
func pageParams(q url.Values) (perPage, page int) {
	perPage, page = 30, 1
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	return perPage, page
}

// paginate slices n items and sets the Link header like GitHub.
func paginate(w http.ResponseWriter, req *http.Request, base string, n int) (lo, hi int) {
	perPage, page := pageParams(req.URL.Query())
	last := max(1, (n+perPage-1)/perPage)
	link := func(p int, rel string) string {
		q := req.URL.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(perPage))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, base, req.URL.Path, q.Encode(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(min(page-1, last), "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	lo = min((page-1)*perPage, n)
	hi = min(lo+perPage, n)
	return lo, hi
}

// runsPage is the list-runs answer.
type runsPage struct {
	TotalCount   int       `json:"total_count"`
	WorkflowRuns []runJSON `json:"workflow_runs"`
}

var runStatuses = map[string]bool{"requested": true, "queued": true, "pending": true, "waiting": true, "in_progress": true, "completed": true}

// handleListRuns lists a repo's runs (or one workflow's), newest first. Runs
// younger than the listing delay are not listed yet, as on GitHub.
func (s *Sim) handleListRuns(byWorkflow bool) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		q := req.URL.Query()
		created, err := parseCreated(q.Get("created"))
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, "Validation Failed: "+err.Error())
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		var repo *repoState
		workflow := ""
		if byWorkflow {
			var ok bool
			if repo, workflow, ok = s.pathWorkflowLocked(w, req); !ok {
				return
			}
		} else if repo = s.pathRepoLocked(w, req); repo == nil {
			return
		}
		now := s.clock.Now()
		delay := time.Duration(s.scenario.ListingDelay)
		filtered := q.Get("event") != "" || q.Get("status") != "" || q.Get("created") != "" ||
			q.Get("branch") != "" || q.Get("head_sha") != "" || q.Get("actor") != ""
		var out []*run
		for i := len(repo.runs) - 1; i >= 0; i-- {
			r := repo.runs[i]
			if now.Before(r.created.Add(delay)) {
				continue
			}
			p := r.phaseAt(now)
			switch {
			case workflow != "" && r.workflow != workflow,
				q.Get("event") != "" && q.Get("event") != r.event,
				q.Get("branch") != "" && q.Get("branch") != r.branch,
				q.Get("head_sha") != "" && q.Get("head_sha") != r.sha,
				q.Get("actor") != "" && q.Get("actor") != botUser.Login,
				q.Get("status") != "" && !statusMatches(q.Get("status"), p),
				created != nil && !created(r.created.Truncate(time.Second)):
				continue
			}
			out = append(out, r)
		}
		if filtered && len(out) > maxSearchResults {
			out = out[:maxSearchResults]
		}
		lo, hi := paginate(w, req, s.baseURL, len(out))
		page := runsPage{TotalCount: len(out), WorkflowRuns: []runJSON{}}
		for _, r := range out[lo:hi] {
			page.WorkflowRuns = append(page.WorkflowRuns, s.runJSONLocked(r, r.phaseAt(now)))
		}
		writeJSON(w, http.StatusOK, page)
	}
}

// statusMatches: GitHub's status filter takes a status or a conclusion.
func statusMatches(want string, p phase) bool {
	if runStatuses[want] {
		return p.status == want
	}
	return p.conclusion == want
}

// parseCreated parses GitHub's date search syntax: ">=T", ">T", "<=T", "<T",
// "A..B" (either side may be "*"), or "T" (that day for a date, else that second).
func parseCreated(v string) (func(time.Time) bool, error) {
	if v == "" {
		return nil, nil
	}
	if a, b, ok := strings.Cut(v, ".."); ok {
		lo, hi := time.Time{}, time.Time{}
		var err error
		if a != "*" {
			if lo, _, err = parseSearchTime(a); err != nil {
				return nil, err
			}
		}
		if b != "*" {
			var day bool
			if hi, day, err = parseSearchTime(b); err != nil {
				return nil, err
			}
			if day {
				hi = hi.Add(24*time.Hour - time.Second)
			}
		}
		return func(t time.Time) bool {
			return (lo.IsZero() || !t.Before(lo)) && (hi.IsZero() || !t.After(hi))
		}, nil
	}
	for _, op := range []string{">=", "<=", ">", "<"} {
		rest, ok := strings.CutPrefix(v, op)
		if !ok {
			continue
		}
		b, day, err := parseSearchTime(rest)
		if err != nil {
			return nil, err
		}
		switch op {
		case ">=":
			return func(t time.Time) bool { return !t.Before(b) }, nil
		case "<=":
			if day {
				b = b.Add(24*time.Hour - time.Second)
			}
			return func(t time.Time) bool { return !t.After(b) }, nil
		case ">":
			if day {
				b = b.Add(24*time.Hour - time.Second)
			}
			return func(t time.Time) bool { return t.After(b) }, nil
		default:
			return func(t time.Time) bool { return t.Before(b) }, nil
		}
	}
	b, day, err := parseSearchTime(v)
	if err != nil {
		return nil, err
	}
	if day {
		return func(t time.Time) bool { return !t.Before(b) && t.Before(b.Add(24*time.Hour)) }, nil
	}
	return func(t time.Time) bool { return t.Equal(b) }, nil
}

// parseSearchTime parses an ISO 8601 date or time; day reports a bare date.
func parseSearchTime(v string) (t time.Time, day bool, err error) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Truncate(time.Second), false, nil
		}
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, true, nil
	}
	return time.Time{}, false, fmt.Errorf("invalid created qualifier %q", v)
}
