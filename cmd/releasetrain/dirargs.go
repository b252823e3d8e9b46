package main

import (
	"errors"
	"flag"
	"strings"
)

// parseDirArgs parses a subcommand's flags with its one DIR before or after
// them (`verify DIR --keys K` and `verify --keys K DIR`) and returns the
// positional arguments. help is set for -h/--help (usage already printed).
func parseDirArgs(fs *flag.FlagSet, args []string) (dirs []string, help bool, err error) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dirs, args = args[:1], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, true, nil
		}
		return nil, false, usageError(err)
	}
	return append(dirs, fs.Args()...), false, nil
}
