// Command mailsift is the mailsift spam filter: a milter daemon and the
// tools to run it. Each subcommand lives in its own file; this file only
// dispatches.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"serve", "run the milter daemon", runServe},
		{"check", "score messages offline exactly as the milter would", runCheck},
		{"config", "check or show the configuration (config check FILE | config show)", runConfig},
		{"rules", "list the rules or fit their points (rules list [--markdown] | rules fit)", runRules},
		{"dnsbl", "DNS lists (dnsbl check IP|DOMAIN | serve --listen ADDR | zones)", runDNSBL},
		{"learn", "train Bayes on messages (learn --spam|--ham|--forget PATH... | learn --corpus DIR)", runLearn},
		{"bayes", "Bayes database tools (bayes stats | expire | export | import)", runBayes},
		{"version", "print the version", runVersion},
	}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "mailsift: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: mailsift COMMAND [options]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'mailsift COMMAND -h' for a command's options.")
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stdout, "mailsift", version)
	return 0
}

// splitList splits a comma-separated flag value.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
