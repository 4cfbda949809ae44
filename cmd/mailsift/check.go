package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/internal/corpus"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/policy"
)

type checkFlags struct {
	cfgPath, ip, helo, from, rcpts string
	asJSON, noDNS                  bool
	corpusDir, list, split         string
	workers                        int
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f checkFlags
	fs.StringVar(&f.cfgPath, "config", "", "configuration file (default: built-in defaults)")
	fs.BoolVar(&f.asJSON, "json", false, "print the verdict as JSON")
	fs.BoolVar(&f.noDNS, "no-dns", false, "skip the DNS checks (lists, SPF, DKIM, DMARC); --corpus never does them")
	fs.StringVar(&f.ip, "ip", "", "client IP of the envelope")
	fs.StringVar(&f.helo, "helo", "", "HELO name of the envelope")
	fs.StringVar(&f.from, "from", "", "envelope sender")
	fs.StringVar(&f.rcpts, "rcpt", "", "envelope recipients, comma-separated")
	fs.StringVar(&f.corpusDir, "corpus", "", "score a corpus directory (groups as subdirectories) instead of one message")
	fs.StringVar(&f.list, "list", "", "with --corpus: file listing the messages to score, one path per line relative to the corpus directory")
	fs.StringVar(&f.split, "split", "", "with --corpus and no --list: the fixed split to score (train, test or all)")
	fs.IntVar(&f.workers, "workers", 2, "with --corpus: messages scored in parallel")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mailsift check [options] [FILE|-]\n       mailsift check --corpus DIR (--list FILE | --split test)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := loadConfig(f.cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	log, _ := newLogger(stderr, "console", "warn")
	deps, closeDeps := checkDeps(cfg, log)
	defer closeDeps()
	if f.corpusDir == "" && !f.noDNS {
		// The same DNS checks as the milter. Not for a corpus: its
		// messages are old, and today's DNS says nothing about them.
		if deps.Net, err = checkNet(cfg, log); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	rt, err := filter.New(cfg, deps)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if f.corpusDir != "" {
		return checkCorpus(rt, f, stdout, stderr)
	}
	path := "-"
	if fs.NArg() > 1 {
		fs.Usage()
		return 2
	} else if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	env, err := f.envelope()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	raw, err := readMessage(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Limits.Deadline.Duration)
	defer cancel()
	res := rt.Evaluate(ctx, env, raw)
	if f.asJSON {
		return printJSON(stdout, stderr, rt, res)
	}
	printVerdict(stdout, rt, res)
	return 0
}

// checkNet builds the resolver and lists for one check and loads the local
// list mirrors; the health probes are not run (one message, one answer).
func checkNet(cfg *config.Config, log zerolog.Logger) (filter.Net, error) {
	n, err := filter.NewNet(cfg, log)
	if err != nil || n.Checker == nil {
		return n, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := n.Checker.LoadLocal(ctx); err != nil {
		log.Warn().Err(err).Msg("loading local DNS list data")
	}
	return n, nil
}

func (f *checkFlags) envelope() (*message.Envelope, error) {
	env := &message.Envelope{Helo: f.helo, MailFrom: f.from, Rcpts: splitList(f.rcpts), Received: time.Now()}
	if f.ip != "" {
		ip, err := netip.ParseAddr(f.ip)
		if err != nil {
			return nil, fmt.Errorf("--ip: %w", err)
		}
		env.ClientIP = ip
	}
	return env, nil
}

func readMessage(path string) ([]byte, error) {
	var raw []byte
	var err error
	if path == "-" {
		raw, err = io.ReadAll(os.Stdin)
	} else {
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	return filter.StripSpamFields(corpus.StripFromLine(raw)), nil
}

func printVerdict(w io.Writer, rt *filter.Runtime, res *filter.Result) {
	v := res.Verdict
	fmt.Fprintf(w, "score:  %.1f (tag at %.1f, reject at %.1f)\naction: %s\n", v.Score, rt.Thresholds.Tag, rt.Thresholds.Reject, res.Action)
	if res.Reason != "" {
		fmt.Fprintf(w, "reason: %s\n", res.Reason)
	}
	fmt.Fprintln(w, "rules:")
	for _, h := range v.Hits {
		info, _ := rt.Engine.Registry().Info(h.Rule)
		fmt.Fprintf(w, "  %6.1f  %-28s %s", h.Points, h.Rule, info.Desc)
		if h.Detail != "" {
			fmt.Fprintf(w, " [%s]", h.Detail)
		}
		fmt.Fprintln(w)
	}
	for _, e := range v.Errors {
		fmt.Fprintf(w, "  error   %-28s %s\n", e.Rule, e.Err)
	}
	if res.AuthResults != "" {
		fmt.Fprintf(w, "%s: %s\n", filter.AuthResultsName, res.AuthResults)
	}
}

type jsonVerdict struct {
	Score     float64         `json:"score"`
	Action    policy.Action   `json:"action"`
	Reason    string          `json:"reason,omitempty"`
	Tag       float64         `json:"tag_threshold"`
	Reject    float64         `json:"reject_threshold"`
	Rules     []jsonRule      `json:"rules"`
	Errors    interface{}     `json:"errors,omitempty"`
	MessageID string          `json:"message_id"`
	Flaws     []message.Flaw  `json:"flaws,omitempty"`
	Headers   []filter.Header `json:"headers"`
}

type jsonRule struct {
	Rule   string  `json:"rule"`
	Points float64 `json:"points"`
	Detail string  `json:"detail,omitempty"`
	Desc   string  `json:"description"`
}

func printJSON(stdout, stderr io.Writer, rt *filter.Runtime, res *filter.Result) int {
	v := res.Verdict
	out := jsonVerdict{Score: v.Score, Action: res.Action, Reason: res.Reason, Tag: rt.Thresholds.Tag,
		Reject: rt.Thresholds.Reject, Rules: []jsonRule{}, MessageID: res.Msg.MsgID, Flaws: res.Msg.Flaws,
		Headers: rt.Headers(res)}
	if len(v.Errors) > 0 {
		out.Errors = v.Errors
	}
	for _, h := range v.Hits {
		info, _ := rt.Engine.Registry().Info(h.Rule)
		out.Rules = append(out.Rules, jsonRule{h.Rule, h.Points, h.Detail, info.Desc})
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
