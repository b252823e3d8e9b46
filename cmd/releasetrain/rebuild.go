package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/provenance"
)

const rebuildUsage = `usage: releasetrain rebuild DIR [--sign KEY [--signer NAME]]

Rebuilds the bundle of a downloaded release from its member files, with the
settings its provenance (<name>-<tag>.intoto.jsonl) records, and checks that
the result is byte-identical to the published bundle: exit 0 and the digest
printed, 1 when it differs. DIR must hold SHA256SUMS, the provenance and
every member file; the bundle itself may be left out.

With --sign KEY (an armored OpenPGP secret key; passphrase in
RELEASETRAIN_SIGNING_PASSPHRASE) it then writes this rebuilder's detached
signature over SHA256SUMS to DIR/SHA256SUMS.<NAME>.asc (NAME defaults to
the key id), for the maintainers to attach to the release
(releasetrain release attach-signature TAG FILE).`

// signerName keeps a signer's name to what GitHub accepts in asset names.
var signerName = regexp.MustCompile(`^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,63}$`)

// runRebuild is the `rebuild` subcommand.
func runRebuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, rebuildUsage) }
	key := fs.String("sign", "", "armored OpenPGP secret `KEY` file signing SHA256SUMS after a good rebuild")
	name := fs.String("signer", "", "`NAME` in SHA256SUMS.<NAME>.asc (default: the key id)")
	dirs, help, err := parseDirArgs(fs, args)
	if help || err != nil {
		return err
	}
	switch {
	case len(dirs) != 1:
		return usageError(fmt.Errorf("rebuild: want one DIR, got %d\n%s", len(dirs), rebuildUsage))
	case *name != "" && *key == "":
		return usageError(errors.New("rebuild: --signer needs --sign KEY"))
	case *name != "" && !signerName.MatchString(*name):
		return usageError(fmt.Errorf("rebuild: --signer %q: use letters, digits, '.', '_', '-', '+' (no leading '.')", *name))
	}
	dir := dirs[0]
	// Load the key first, so a wrong passphrase fails before the work.
	var signers []bundle.Signer
	if *key != "" {
		var err error
		signers, err = bundle.LoadSignerFiles([]string{*key}, config.OSEnv().SigningPassphrase())
		if err != nil {
			return fmt.Errorf("rebuild: %w", err)
		}
		if len(signers) != 1 {
			return fmt.Errorf("rebuild: %s holds %d keys, want one", *key, len(signers))
		}
	}

	sums, err := rebuild(ctx, dir, stdout)
	if err != nil {
		return fmt.Errorf("rebuild %s: %w", dir, err)
	}
	if len(signers) == 0 {
		return nil
	}
	who := *name
	if who == "" {
		who = signers[0].Entity().PrimaryKey.KeyIdString()
	}
	asc, err := bundle.Sign(sums, signers)
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	out := filepath.Join(dir, assetname.RebuilderSignature(who))
	if err := os.WriteFile(out, asc, 0o644); err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	fmt.Fprintf(stdout, "signed %s with %s: %s\n", assetname.Sums, signers[0], out)
	return nil
}

// rebuild checks the provenance against SHA256SUMS, rebuilds the bundle and
// returns SHA256SUMS' bytes (what a rebuilder signs).
func rebuild(ctx context.Context, dir string, stdout io.Writer) ([]byte, error) {
	path, err := provenance.FindFile(dir)
	if err != nil {
		return nil, err
	}
	o, sums, err := provenance.OpenRelease(ctx, dir, path, nil)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "releasetrain-rebuild-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	got, err := provenance.Rebuild(dir, work, o.Summary)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "rebuilt %s from %d member files (mtime %s): sha256 %s\n",
		got.Bundle.Name, got.Files, o.Bundle.MTime.Format("2006-01-02T15:04:05Z"), got.Bundle.SHA256)
	fmt.Fprintf(stdout, "identical to the published bundle (%s lists the same sha256)\n", assetname.Sums)
	return sums, nil
}
