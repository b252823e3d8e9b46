package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/BTCDecoded/releasetrain/bundle"
)

const verifyUsage = `usage: releasetrain verify DIR --keys FILE [--min-good N]

Checks DIR/SHA256SUMS.asc: at least N good signatures (default 1) by the
public keys in FILE (armored or binary; several keys may be concatenated),
and every file listed in DIR/SHA256SUMS that is present in DIR.`

// runVerify is the `verify` subcommand: exit 0 when satisfied, 1 with the
// reason when not, 2 on bad usage.
func runVerify(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, verifyUsage) }
	keys := fs.String("keys", "", "trusted public keys `FILE`")
	minGood := fs.Int("min-good", 1, "good signatures required")

	// DIR may come before or after the flags.
	var dirs []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dirs, args = args[:1], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError(err)
	}
	dirs = append(dirs, fs.Args()...)
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
	fmt.Fprintf(stdout, "verified: %d good signature(s) (%d required); %d file(s) OK, %d not present\n",
		len(res.Good), *minGood, ok, missing)
	return nil
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
