package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker/go-units"

	"github.com/BTCDecoded/releasetrain/contract"
)

// writeStatus prints a status as a header line and one table row per repo,
// in layer order.
func writeStatus(w io.Writer, st contract.Status) error {
	state := st.State
	if st.Paused && state != contract.StatePaused {
		state += " (paused)"
	}
	fmt.Fprintf(w, "release %s: %s", st.Tag, state)
	if len(st.Layers) > 0 {
		fmt.Fprintf(w, ", layer %d/%d", min(st.Layer+1, len(st.Layers)), len(st.Layers))
	}
	if st.Prerelease {
		fmt.Fprint(w, ", prerelease")
	}
	fmt.Fprintln(w)
	if len(st.Blocked) > 0 {
		fmt.Fprintf(w, "blocked on: %s (send retry, skip or cancel)\n", strings.Join(st.Blocked, ", "))
	}
	if st.BlockedStep != "" {
		fmt.Fprintf(w, "blocked on: the %s step (send retry with no repo, or cancel)\n", st.BlockedStep)
	}
	if st.Error != "" {
		fmt.Fprintf(w, "error: %s\n", st.Error)
	}
	if pf := st.Preflight; pf != nil {
		for _, p := range pf.Problems {
			fmt.Fprintf(w, "preflight problem: %s\n", p)
		}
		if pf.State == contract.PreflightWaiting {
			fmt.Fprintf(w, "preflight: %s\n", pf.Message)
		}
	}
	if sw := st.SignatureWindow; sw != nil {
		signed := "none yet"
		if len(sw.Signatures) > 0 {
			signed = strings.Join(sw.Signatures, ", ")
		}
		if sw.Open {
			fmt.Fprintf(w, "signature window: draft %s open until %s (releasetrain release attach-signature %s FILE); attached: %s\n",
				sw.DraftURL, sw.Until.UTC().Format(time.RFC3339), st.Tag, signed)
		} else {
			fmt.Fprintf(w, "signature window: closed at %s; attached: %s\n", sw.Until.UTC().Format(time.RFC3339), signed)
		}
	}
	if st.ReleaseURL != "" {
		immutable := ""
		if st.ReleaseImmutable {
			immutable = " (immutable)"
		}
		fmt.Fprintf(w, "release: %s%s\n", st.ReleaseURL, immutable)
	}
	for _, name := range st.ForeignAssets {
		fmt.Fprintf(w, "attached by a person, not in SHA256SUMS: %s\n", name)
	}
	if st.Trigger != "" {
		fmt.Fprintf(w, "Trigger: %s\n", st.Trigger)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAYER\tREPO\tSTATE\tATTEMPT\tFILES\tRUN\tTIME\tERROR")
	if pf := st.Preflight; pf != nil {
		fmt.Fprintf(tw, "-\t(preflight)\t%s\t\t\t\t\t%s\n", pf.State, preflightNote(pf))
	}
	seen := map[string]bool{}
	row := func(layer, name string) {
		seen[name] = true
		rs := st.Repos[name]
		run := ""
		if rs.RunID != 0 {
			run = fmt.Sprint(rs.RunID)
		}
		if rs.RunURL != "" {
			run = rs.RunURL
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", layer, name, rs.State, rs.Attempt, files(rs), run, elapsed(rs), rs.Error)
	}
	for i, layer := range st.Layers {
		for _, name := range layer {
			row(fmt.Sprint(i), name)
		}
	}
	var rest []string
	for name := range st.Repos {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	for _, name := range rest {
		row("-", name)
	}
	return tw.Flush()
}

// preflightNote sums up the preflight for its table row.
func preflightNote(pf *contract.PreflightStatus) string {
	var parts []string
	if n := len(pf.Problems); n > 0 {
		parts = append(parts, fmt.Sprintf("%d problem(s), see above", n))
	}
	if pf.ReleaseImmutable != nil {
		parts = append(parts, fmt.Sprintf("immutable releases: %t", *pf.ReleaseImmutable))
	}
	if pf.DraftFound {
		parts = append(parts, "fills the tag's draft")
	}
	return strings.Join(parts, "; ")
}

// files is a build's collected file count and size ("" before collection);
// the list itself is in the manifest (--json shows its key and first files).
func files(rs contract.RepoStatus) string {
	if rs.Files == 0 {
		return ""
	}
	return fmt.Sprintf("%d (%s)", rs.Files, units.BytesSize(float64(rs.Bytes)))
}

// elapsed is a build's duration when it has finished.
func elapsed(rs contract.RepoStatus) string {
	if rs.StartedAt == nil || rs.FinishedAt == nil {
		return ""
	}
	return rs.FinishedAt.Sub(*rs.StartedAt).Round(time.Second).String()
}
