package devstack

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/BTCDecoded/releasetrain/workflows"
)

// Progress draws a release's status in a terminal: a live table redrawn in
// place on a TTY, or one line per change otherwise (logs, CI).
type Progress struct {
	w    io.Writer
	tty  bool
	now  func() time.Time
	last map[string]string // repo -> last printed line (non-TTY)
	rows int               // lines drawn last time (TTY)
}

// NewProgress returns a Progress writing to w; tty selects live redraw.
func NewProgress(w io.Writer, tty bool) *Progress {
	return &Progress{w: w, tty: tty, now: time.Now, last: map[string]string{}}
}

// Update draws st.
func (p *Progress) Update(st workflows.Status) {
	if p.tty {
		p.redraw(st)
		return
	}
	for _, line := range p.lines(st) {
		key := strings.Fields(line)[0]
		if p.last[key] != line {
			p.last[key] = line
			fmt.Fprintln(p.w, line)
		}
	}
}

func (p *Progress) redraw(st workflows.Status) {
	if p.rows > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA", p.rows)
	}
	lines := append([]string{Summary(st)}, p.lines(st)...)
	for _, l := range lines {
		fmt.Fprintf(p.w, "\x1b[2K%s\n", l)
	}
	p.rows = len(lines)
}

// lines renders one line per repo, in layer order.
func (p *Progress) lines(st workflows.Status) []string {
	var out []string
	for i, layer := range st.Layers {
		for _, name := range layer {
			r := st.Repos[name]
			line := fmt.Sprintf("%-16s layer %d  %-10s", name, i, r.State)
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

func (p *Progress) elapsed(r workflows.RepoStatus) time.Duration {
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
func Summary(st workflows.Status) string {
	names := make([]string, 0, len(st.Repos))
	for name := range st.Repos {
		names = append(names, name)
	}
	sort.Strings(names)
	done := 0
	for _, name := range names {
		switch st.Repos[name].State {
		case workflows.RepoSucceeded, workflows.RepoSkipped:
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
