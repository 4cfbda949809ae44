package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mailsift/mailsift/scoring/rules"
	netrules "github.com/mailsift/mailsift/scoring/rules/net"
)

func runRules(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "fit" {
		return runFit(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "list" {
		fmt.Fprintln(stderr, "usage: mailsift rules list [--markdown] | mailsift rules fit [--corpus DIR]")
		return 2
	}
	fs := flag.NewFlagSet("rules list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	md := fs.Bool("markdown", false, "print docs/rules.md")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	// The built-in rules plus the sender-authentication rules of the net
	// family; DNS-list rules depend on the configured zones (docs/dns.md).
	eng, err := rules.Engine(nil, netrules.Rules(nil))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	reg := eng.Registry()
	if *md {
		fmt.Fprint(stdout, rules.Markdown(reg))
		return 0
	}
	for _, in := range reg.Infos() {
		if strings.HasPrefix(in.Name, "__") {
			continue
		}
		fmt.Fprintf(stdout, "%-30s %-8s %7.2f  %s\n", in.Name, in.Family, in.Score, in.Desc)
	}
	return 0
}
