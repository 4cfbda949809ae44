// Package filter is the per-message pipeline shared by the milter and
// `mailsift check`: parse once, score, decide, and describe the result as
// headers and a log line. It holds no connection state, so scoring a file
// offline gives exactly what the milter would.
package filter

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/policy"
	"github.com/mailsift/mailsift/scoring"
	"github.com/mailsift/mailsift/scoring/rules"
)

// Runtime is an immutable snapshot of everything a verdict depends on: the
// configuration and the engine built from it. Reloads build a new Runtime.
type Runtime struct {
	Config     *config.Config
	Engine     *scoring.Engine
	Limits     message.Limits
	Thresholds policy.Thresholds
}

// New builds a Runtime from cfg: the built-in rules plus cfg's meta rules,
// weighted by cfg's score overrides.
func New(cfg *config.Config) (*Runtime, error) {
	metas, err := cfg.MetaRules()
	if err != nil {
		return nil, err
	}
	reg, err := rules.Registry(metas...)
	if err != nil {
		return nil, err
	}
	eng, err := scoring.NewEngine(reg, cfg.Scores)
	if err != nil {
		return nil, err
	}
	l := cfg.Limits
	return &Runtime{
		Config: cfg,
		Engine: eng,
		Limits: message.Limits{
			ScanBytes: l.ScanBytes, HeaderBytes: l.HeaderBytes, MaxDepth: l.MIMEDepth,
			MaxParts: l.MIMEParts, MaxURIs: l.URIs,
		}.WithDefaults(),
		Thresholds: policy.Thresholds{Tag: cfg.Actions.TagThreshold, Reject: cfg.Actions.RejectThreshold},
	}, nil
}

// Result is the outcome for one message.
type Result struct {
	Msg     *message.Message
	Verdict *scoring.Verdict
	Action  policy.Action
	// Reason says why the fail-safe applied ("deadline", "incomplete",
	// "panic: ..."); empty on a normal verdict.
	Reason string
}

// Evaluate parses and scores raw. When ctx ends before every rule ran, the
// result's Action is Tempfail with Reason "deadline" (the caller maps it to
// the configured fail-safe).
func (rt *Runtime) Evaluate(ctx context.Context, env *message.Envelope, raw []byte) *Result {
	msg := message.Parse(raw, rt.Limits)
	now := env.Received
	if now.IsZero() {
		now = time.Now()
	}
	v := rt.Engine.Run(ctx, &scoring.Input{Msg: msg, Env: env, Now: now})
	res := &Result{Msg: msg, Verdict: v, Action: policy.Decide(v.Score, rt.Thresholds)}
	if v.Incomplete {
		res.Action, res.Reason = policy.Tempfail, "deadline"
	}
	return res
}

// Header is one header field to add.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Headers returns the X-Spam-* fields describing res, in order. Values have
// no leading blank; multi-line values are folded with "\n\t".
func (rt *Runtime) Headers(res *Result) []Header {
	v := res.Verdict
	flag := "No"
	if res.Action.IsSpam() {
		flag = "Yes"
	}
	status := fmt.Sprintf("%s, score=%.1f required=%.1f", flag, v.Score, rt.Thresholds.Tag)
	if len(v.Errors) > 0 {
		names := make([]string, 0, len(v.Errors))
		for _, e := range v.Errors {
			names = append(names, e.Rule)
		}
		status += " degraded=" + strings.Join(names, ",")
	}
	return []Header{
		{"X-Spam-Score", fmt.Sprintf("%.1f", v.Score)},
		{"X-Spam-Status", status},
		{"X-Spam-Report", Report(v)},
	}
}

// Report renders every rule that fired with its points, one per folded
// line, largest first.
func Report(v *scoring.Verdict) string {
	var b strings.Builder
	fmt.Fprintf(&b, "score=%.1f", v.Score)
	for _, h := range v.Hits {
		fmt.Fprintf(&b, "\n\t* %5.1f %s", h.Points, h.Rule)
		if h.Detail != "" {
			b.WriteString(" (")
			b.WriteString(cleanDetail(h.Detail))
			b.WriteString(")")
		}
	}
	return b.String()
}

// cleanDetail keeps a rule's detail on one printable line.
func cleanDetail(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// TagSubject returns subject with the configured tag in front, and false
// when no change is due: tagging is disabled, or the Subject already starts
// with the tag, as written or once decoded (an encoded "=?utf-8?q?=5BSPAM=5D?="
// or a lower-case "[spam]" counts). raw is the header value as received
// (its leading blank is ignored), decoded the RFC 2047-decoded Subject.
func (rt *Runtime) TagSubject(raw, decoded string) (string, bool) {
	tag := rt.Config.Actions.SubjectTag
	if tag == "" {
		return raw, false
	}
	s := strings.TrimLeft(raw, " \t")
	bare := strings.TrimSpace(tag)
	if hasPrefixFold(s, bare) || hasPrefixFold(strings.TrimSpace(decoded), bare) {
		return raw, false
	}
	return tag + s, true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
