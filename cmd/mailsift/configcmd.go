package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/mailsift/mailsift/filter"
)

func runConfig(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: mailsift config check FILE | mailsift config show [--config FILE]")
		return 2
	}
	switch args[0] {
	case "check":
		if len(args) != 2 {
			fmt.Fprintln(stderr, "usage: mailsift config check FILE")
			return 2
		}
		cfg, err := loadConfig(args[1])
		if err == nil {
			_, err = filter.New(cfg, filter.Deps{}) // score overrides and meta rules against the registry
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: ok\n", args[1])
		return 0
	case "show":
		fs := flag.NewFlagSet("config show", flag.ContinueOnError)
		fs.SetOutput(stderr)
		path := fs.String("config", "", "configuration file (default: built-in defaults)")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		cfg, err := loadConfig(*path)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		if err := cfg.WriteTOML(stdout); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "mailsift config: unknown subcommand %q\n", args[0])
	return 2
}
