package ghsim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// faultJSON is a Fault with durations written as strings ("250ms") for curl users.
type faultJSON struct {
	Fault
	Latency    string `json:"latency,omitempty"`
	RetryAfter string `json:"retry_after,omitempty"`
}

// controlRoutes serves /_sim/: the HTTP mirror of the Go API.
func (s *Sim) controlRoutes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Stats()) })
	m.HandleFunc("GET /_sim/clock", func(w http.ResponseWriter, r *http.Request) { s.writeNow(w) })
	m.HandleFunc("POST /_sim/clock/advance", s.ctlAdvance)
	m.HandleFunc("POST /_sim/scenario", s.ctlScenario)
	m.HandleFunc("GET /_sim/faults", s.ctlGetFaults)
	m.HandleFunc("POST /_sim/faults", s.ctlSetFaults)
	m.HandleFunc("POST /_sim/budget/spend", func(w http.ResponseWriter, r *http.Request) {
		s.SpendBudget()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sim/releases", s.ctlPublish)
	m.HandleFunc("GET /_sim/releases/{owner}/{repo}/{tag}", s.ctlRelease)
	m.HandleFunc("GET /_sim/releases/{owner}/{repo}/{tag}/assets/{name}", s.ctlAsset)
	m.HandleFunc("GET /_sim/deliveries", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Deliveries()) })
	m.HandleFunc("POST /_sim/deliveries/{id}/redeliver", s.ctlRedeliver)
	return m
}

func (s *Sim) writeNow(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]string{"now": s.Now().UTC().Format(time.RFC3339Nano)})
}

// ctlAdvance: POST /_sim/clock/advance?by=5m (or body {"by":"5m"}).
func (s *Sim) ctlAdvance(w http.ResponseWriter, r *http.Request) {
	by := r.URL.Query().Get("by")
	if by == "" {
		var body struct {
			By string `json:"by"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeError(w, http.StatusBadRequest, "advance: want ?by=DURATION or {\"by\": DURATION}")
			return
		}
		by = body.By
	}
	d, err := time.ParseDuration(by)
	if err != nil || d < 0 {
		writeError(w, http.StatusBadRequest, "advance: invalid duration "+by)
		return
	}
	s.Advance(d)
	s.writeNow(w)
}

// ctlScenario: POST /_sim/scenario with a YAML body.
func (s *Sim) ctlScenario(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	sc, err := ParseScenario(data)
	if err == nil {
		err = s.SetScenario(sc)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) ctlGetFaults(w http.ResponseWriter, r *http.Request) {
	out := []faultJSON{}
	for _, f := range s.Faults() {
		fj := faultJSON{Fault: f}
		if f.Latency > 0 {
			fj.Latency = f.Latency.String()
		}
		if f.RetryAfter > 0 {
			fj.RetryAfter = f.RetryAfter.String()
		}
		out = append(out, fj)
	}
	writeJSON(w, http.StatusOK, out)
}

// ctlSetFaults: POST /_sim/faults with a JSON array of faults (replaces all).
func (s *Sim) ctlSetFaults(w http.ResponseWriter, r *http.Request) {
	var in []faultJSON
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "faults: "+err.Error())
		return
	}
	faults := make([]Fault, 0, len(in))
	for _, fj := range in {
		f := fj.Fault
		for _, d := range []struct {
			s   string
			dst *time.Duration
		}{{fj.Latency, &f.Latency}, {fj.RetryAfter, &f.RetryAfter}} {
			if d.s == "" {
				continue
			}
			v, err := time.ParseDuration(d.s)
			if err != nil {
				writeError(w, http.StatusBadRequest, "faults: invalid duration "+d.s)
				return
			}
			*d.dst = v
		}
		faults = append(faults, f)
	}
	s.SetFaults(faults)
	w.WriteHeader(http.StatusNoContent)
}

// ctlPublish: POST /_sim/releases {"owner","repo","tag","prerelease","draft",
// "name","body"} → 201 {"id"}. With draft: true it saves a draft (SaveDraft),
// else it publishes (PublishRelease; name defaults to the tag). 404 for an
// unknown repo, 422 for a taken or burned tag.
func (s *Sim) ctlPublish(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Owner      string `json:"owner"`
		Repo       string `json:"repo"`
		Tag        string `json:"tag"`
		Prerelease bool   `json:"prerelease"`
		Draft      bool   `json:"draft"`
		Name       string `json:"name"`
		Body       string `json:"body"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil || body.Repo == "" || body.Tag == "" {
		writeError(w, http.StatusBadRequest, "releases: want {\"owner\", \"repo\", \"tag\", \"prerelease\", \"draft\", \"name\", \"body\"}")
		return
	}
	if body.Owner == "" {
		body.Owner = s.owner()
	}
	opts := DraftOptions{Name: body.Name, Body: body.Body, Prerelease: body.Prerelease}
	var id int64
	var err error
	if body.Draft {
		id, err = s.SaveDraft(body.Owner, body.Repo, body.Tag, opts)
	} else {
		if opts.Name == "" {
			opts.Name = body.Tag
		}
		id, err = s.publishAsMaintainer(body.Owner, body.Repo, body.Tag, opts)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		notFound(w)
	case err != nil:
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	default:
		writeJSON(w, http.StatusCreated, map[string]int64{"id": id})
	}
}

func (s *Sim) ctlRelease(w http.ResponseWriter, r *http.Request) {
	ri, ok := s.Release(r.PathValue("owner"), r.PathValue("repo"), r.PathValue("tag"))
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, ri)
}

func (s *Sim) ctlAsset(w http.ResponseWriter, r *http.Request) {
	data, err := s.ReleaseAsset(r.PathValue("owner"), r.PathValue("repo"), r.PathValue("tag"), r.PathValue("name"))
	if err != nil {
		notFound(w)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}

func (s *Sim) ctlRedeliver(w http.ResponseWriter, r *http.Request) {
	err := s.Redeliver(r.PathValue("id"))
	switch {
	case errors.Is(err, ErrNotFound):
		notFound(w)
	case err != nil:
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}
