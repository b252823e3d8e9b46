package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/provenance"
)

const verifyUsage = `usage: releasetrain verify DIR --keys FILE [--min-good N] [--provenance-key PEM]

Checks the signatures over DIR/SHA256SUMS in SHA256SUMS.asc and every
SHA256SUMS.<signer>.asc: good signatures by at least N distinct keys
(default 1) among the public keys in FILE (armored or binary; several keys
may be concatenated), and every file listed in DIR/SHA256SUMS that is
present in DIR.

When DIR holds the release's provenance (<name>-<tag>.intoto.jsonl), its
subjects must match SHA256SUMS and the files, and it prints each member
repo's commit, run and attempt. With --provenance-key (the train's ECDSA
P-256 or Ed25519 public key, PEM) its DSSE signature must verify too;
without it the provenance is still covered by the OpenPGP signatures,
because SHA256SUMS lists it.`

// runVerify is the `verify` subcommand: exit 0 when satisfied, 1 with the
// reason when not, 2 on bad usage.
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, verifyUsage) }
	keys := fs.String("keys", "", "trusted public keys `FILE`")
	minGood := fs.Int("min-good", 1, "good signatures by distinct keys required")
	provKey := fs.String("provenance-key", "", "the provenance's public key `PEM` (its DSSE signature must verify)")

	dirs, help, err := parseDirArgs(fs, args)
	if help || err != nil {
		return err
	}
	switch {
	case len(dirs) != 1:
		return usageError(fmt.Errorf("verify: want one DIR, got %d\n%s", len(dirs), verifyUsage))
	case *keys == "":
		return usageError(fmt.Errorf("verify: --keys FILE is required\n%s", verifyUsage))
	case *minGood < 1:
		return usageError(fmt.Errorf("verify: --min-good %d: want at least 1", *minGood))
	}
	dir := dirs[0]

	f, err := os.Open(*keys)
	if err != nil {
		return fmt.Errorf("verify: keys: %w", err)
	}
	defer f.Close()
	res, err := bundle.VerifyDir(dir, f, *minGood)
	printVerify(stdout, res)
	if err != nil {
		return fmt.Errorf("verify %s: %w", dir, err)
	}
	ok, missing := 0, 0
	for _, c := range res.Files {
		if c.Status == bundle.FileOK {
			ok++
		} else {
			missing++
		}
	}
	if err := verifyProvenance(ctx, dir, *provKey, stdout); err != nil {
		return fmt.Errorf("verify %s: %w", dir, err)
	}
	fmt.Fprintf(stdout, "verified: %d good signature(s) (%d required) in %s; %d file(s) OK, %d not present\n",
		len(res.Good), *minGood, strings.Join(res.SignatureFiles, ", "), ok, missing)
	return nil
}

// verifyProvenance checks DIR's provenance, when it has one (required with
// a key): signature, subjects against SHA256SUMS and the files; it prints
// what each member contributed.
func verifyProvenance(ctx context.Context, dir, keyFile string, w io.Writer) error {
	path, err := provenance.FindFile(dir)
	if err != nil {
		if keyFile != "" {
			return err
		}
		fmt.Fprintln(w, "provenance: none in this folder")
		return nil
	}
	var keys []*provenance.Verifier
	if keyFile != "" {
		v, err := provenance.LoadVerifierFile(keyFile)
		if err != nil {
			return err
		}
		keys = append(keys, v)
	}
	o, _, err := provenance.OpenRelease(ctx, dir, path, keys)
	if err != nil {
		return err
	}
	if _, err := provenance.CheckFiles(dir, o.Summary); err != nil {
		return err
	}
	printProvenance(w, filepath.Base(path), o)
	return nil
}

func printProvenance(w io.Writer, name string, o provenance.Opened) {
	switch {
	case o.Verified:
		fmt.Fprintf(w, "provenance %s: signature verified (key id %s)\n", name, strings.Join(o.KeyIDs, ", "))
	case o.Signatures == 0:
		fmt.Fprintf(w, "provenance %s: UNSIGNED (the train had no %s); covered only by the signatures over %s\n", name, config.EnvProvenanceKeyFile, assetname.Sums)
	default:
		fmt.Fprintf(w, "provenance %s: signature not checked (no --provenance-key); covered by the signatures over %s\n", name, assetname.Sums)
	}
	fmt.Fprintf(w, "provenance: %d subjects match %s; built by %s, invocation %s, %s – %s\n",
		len(o.Subjects), assetname.Sums, o.BuilderID, o.InvocationID,
		o.StartedOn.Format(time.RFC3339), o.FinishedOn.Format(time.RFC3339))
	for _, m := range o.Members {
		if m.Skipped {
			fmt.Fprintf(w, "member %s: skipped (%s)\n", m.Repo, m.SkipReason)
			continue
		}
		fmt.Fprintf(w, "member %s: commit %s, run %d attempt %d (%s), %s\n", m.Repo, m.Commit, m.RunID, m.Attempt, m.Conclusion, m.RunURL)
	}
}

func printVerify(w io.Writer, res bundle.VerifyResult) {
	for _, g := range res.Good {
		fmt.Fprintf(w, "good signature: %s\n", g)
	}
	for _, b := range res.Bad {
		fmt.Fprintf(w, "BAD signature: %s\n", b)
	}
	if res.Unknown > 0 {
		fmt.Fprintf(w, "signatures by keys not in the keyring: %d\n", res.Unknown)
	}
	for _, c := range res.Files {
		fmt.Fprintf(w, "%s: %s\n", c.Name, c.Status)
	}
}
