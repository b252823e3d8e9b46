package devstack

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BTCDecoded/releasetrain/contract"
)

// SummaryEvery is how often a non-terminal Progress prints a summary line
// when nothing else changes.
const SummaryEvery = 30 * time.Second

// Progress draws a release's status in a terminal: a live table redrawn in
// place on a TTY; otherwise (logs, CI) a line only when a repo's state,
// attempt or error changes, a summary line every SummaryEvery, and once per
// block the reason and the exact commands that unblock it.
type Progress struct {
	// CLI starts the unblocking commands shown (contract.DefaultCLI when
	// empty).
	CLI string
	w   io.Writer
	tty bool
	now func() time.Time
	// Non-TTY: the last printed state of each repo and blocker, when the
	// train was first seen, and when the last summary was printed.
	last        map[string]string
	blocks      map[string]string
	start       time.Time
	lastSummary time.Time
	rows        int // lines drawn last time (TTY)
}

// NewProgress returns a Progress writing to w; tty selects live redraw.
func NewProgress(w io.Writer, tty bool) *Progress {
	return &Progress{w: w, tty: tty, now: time.Now, last: map[string]string{}, blocks: map[string]string{}}
}

// Update draws st.
func (p *Progress) Update(st contract.Status) {
	if p.tty {
		p.redraw(st)
		return
	}
	now := p.now()
	if p.start.IsZero() {
		p.start = now
	}
	changed := false
	for i, line := range p.lines(st) {
		name := p.repoAt(st, i)
		rs := st.Repos[name]
		key := fmt.Sprintf("%s|%d|%s|%v", rs.State, rs.Attempt, rs.Error, slices.Contains(st.Blocked, name))
		if p.last[name] != key {
			p.last[name] = key
			changed = true
			fmt.Fprintln(p.w, line)
		}
	}
	for _, b := range contract.Blockers(st, p.CLI) {
		id := b.Repo + "|" + b.Step
		key := b.Reason + "|" + fmt.Sprint(st.Repos[b.Repo].Attempt)
		if p.blocks[id] == key {
			continue
		}
		p.blocks[id] = key
		changed = true
		for _, l := range blockerLines(st, b) {
			fmt.Fprintln(p.w, l)
		}
	}
	for id := range p.blocks {
		if !p.stillBlocked(st, id) {
			delete(p.blocks, id)
		}
	}
	final := st.State == contract.StateSucceeded || st.State == contract.StateFailed || st.State == contract.StateCancelled
	if p.lastSummary.IsZero() || now.Sub(p.lastSummary) >= SummaryEvery || final && changed {
		p.lastSummary = now
		fmt.Fprintf(p.w, "%s · %s elapsed\n", Summary(st), now.Sub(p.start).Round(time.Second))
	}
}

// stillBlocked reports whether the blocker id ("repo|step") is in st.
func (p *Progress) stillBlocked(st contract.Status, id string) bool {
	for _, b := range contract.Blockers(st, p.CLI) {
		if b.Repo+"|"+b.Step == id {
			return true
		}
	}
	return false
}

// blockerLines says why the train is blocked and how to unblock it.
func blockerLines(st contract.Status, b contract.Blocker) []string {
	var out []string
	if b.Repo != "" {
		out = append(out, fmt.Sprintf("%s is blocked at attempt %d: %s", b.Repo, st.Repos[b.Repo].Attempt, b.Reason))
	} else {
		out = append(out, fmt.Sprintf("release %s: the %s step is blocked: %s", st.Tag, b.Step, b.Reason))
	}
	for i, c := range b.Commands {
		out = append(out, fmt.Sprintf("  %-7s %s", b.Actions[i]+":", c))
	}
	return out
}

func (p *Progress) redraw(st contract.Status) {
	if p.rows > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA", p.rows)
	}
	lines := append([]string{Summary(st)}, p.lines(st)...)
	for _, b := range contract.Blockers(st, p.CLI) {
		lines = append(lines, blockerLines(st, b)...)
	}
	for _, l := range lines {
		fmt.Fprintf(p.w, "\x1b[2K%s\n", l)
	}
	// A block that ended leaves lines below the table: clear them.
	for i := len(lines); i < p.rows; i++ {
		fmt.Fprint(p.w, "\x1b[2K\n")
	}
	if extra := p.rows - len(lines); extra > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA", extra)
	}
	p.rows = len(lines)
}

// repoAt is the name of the i-th repo in layer order (the order of lines).
func (p *Progress) repoAt(st contract.Status, i int) string {
	for _, layer := range st.Layers {
		if i < len(layer) {
			return layer[i]
		}
		i -= len(layer)
	}
	return ""
}

// lines renders one line per repo, in layer order.
func (p *Progress) lines(st contract.Status) []string {
	var out []string
	for i, layer := range st.Layers {
		for _, name := range layer {
			r := st.Repos[name]
			state := r.State
			if slices.Contains(st.Blocked, name) {
				state = "blocked"
			}
			line := fmt.Sprintf("%-16s layer %d  %-10s", name, i, state)
			if r.Attempt > 0 {
				line += fmt.Sprintf("  attempt %d", r.Attempt)
			}
			if d := p.elapsed(r); d > 0 {
				line += fmt.Sprintf("  %s", d.Round(time.Second))
			}
			if r.Files > 0 {
				line += fmt.Sprintf("  %d files", r.Files)
			}
			if r.RunURL != "" {
				line += "  " + r.RunURL
			}
			if r.Error != "" {
				line += "  ! " + r.Error
			}
			out = append(out, line)
		}
	}
	return out
}

func (p *Progress) elapsed(r contract.RepoStatus) time.Duration {
	if r.StartedAt == nil {
		return 0
	}
	end := p.now()
	if r.FinishedAt != nil {
		end = *r.FinishedAt
	}
	return end.Sub(*r.StartedAt)
}

// Summary is a one-line overview with a progress bar:
// "release v0.1.0 running [######------] 3/7 done · layer 2/5".
func Summary(st contract.Status) string {
	names := make([]string, 0, len(st.Repos))
	for name := range st.Repos {
		names = append(names, name)
	}
	sort.Strings(names)
	done := 0
	for _, name := range names {
		switch st.Repos[name].State {
		case contract.RepoSucceeded, contract.RepoSkipped:
			done++
		}
	}
	const width = 20
	filled := 0
	if len(names) > 0 {
		filled = done * width / len(names)
	}
	bar := strings.Repeat("#", filled) + strings.Repeat("-", width-filled)
	s := fmt.Sprintf("release %s %s [%s] %d/%d done", st.Tag, st.State, bar, done, len(names))
	if len(st.Layers) > 0 {
		s += fmt.Sprintf(" · layer %d/%d", min(st.Layer+1, len(st.Layers)), len(st.Layers))
	}
	if len(st.Blocked) > 0 {
		s += " · blocked: " + strings.Join(st.Blocked, ", ")
	}
	return s
}
