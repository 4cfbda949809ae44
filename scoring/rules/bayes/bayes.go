// Package bayes turns the Bayes classifier's opinions into ordinary named
// rules: one BAYES_* bucket per message, or BAYES_UNAVAILABLE when the token
// store could not be read (0 points; the message is scored on the rest).
// Second opinions from subsets of the same tokens name buckets of their
// own: BAYES_RCVD_* for the Received hops and BAYES_FROM_* for the sender
// (From, Reply-To, Message-ID domain); where the whole message is ambiguous,
// where it came from or who sent it often is not, and the fit decides how
// much that is worth. BAYES_UNSURE_RCVD_SPAM marks an ambiguous message with
// spammy Received hops. The probabilities are worked out by the pipeline
// before the rules run (scoring.Input.Bayes), so these rules do no I/O.
package bayes

import (
	"context"

	core "github.com/mailsift/mailsift/bayes"
	"github.com/mailsift/mailsift/scoring"
)

// Unavailable is the rule name for an unreadable store.
const Unavailable = "BAYES_UNAVAILABLE"

// UnsureReceivedSpam names a message whose content Bayes cannot decide on
// (20 to 80%) while its Received hops are sure to be spam's (95% or more):
// where the words are ambiguous, where the mail came from counts for more
// than BAYES_RCVD_* alone gives it.
const UnsureReceivedSpam = "BAYES_UNSURE_RCVD_SPAM"

type rule struct{}

// Rules returns the family's rules.
func Rules() []scoring.Rule { return []scoring.Rule{rule{}} }

// Metas returns the family's meta rules (none).
func Metas() []*scoring.Meta { return nil }

func (rule) Info() []scoring.Info {
	out := make([]scoring.Info, 0, len(core.Buckets)+len(core.ReceivedBuckets)+len(core.SenderBuckets)+2)
	for _, b := range core.Buckets {
		desc := b.Desc
		if b.Name == "BAYES_99" {
			desc = "Bayes spam probability is 99% or more"
		}
		out = append(out, scoring.Info{Name: b.Name, Family: "bayes", Score: b.Points, Desc: desc, Needs: scoring.NeedBayes})
	}
	for _, b := range append(append([]core.Bucket(nil), core.ReceivedBuckets...), core.SenderBuckets...) {
		out = append(out, scoring.Info{Name: b.Name, Family: "bayes", Score: b.Points, Desc: b.Desc, Needs: scoring.NeedBayes})
	}
	out = append(out, scoring.Info{Name: UnsureReceivedSpam, Family: "bayes", Score: 1.0, Needs: scoring.NeedBayes,
		Desc: "Bayes is unsure of the message (20 to 80%) but sure its Received hops are spam's (95% or more)"})
	return append(out, scoring.Info{Name: Unavailable, Family: "bayes", Score: 0,
		Desc: "The Bayes token store could not be read; scored without Bayes", Needs: scoring.NeedBayes})
}

func (rule) Eval(_ context.Context, in *scoring.Input, out *scoring.Hits) {
	op := in.Bayes
	switch {
	case op == nil:
	case op.Unavailable != "":
		out.Hit(Unavailable, 1, op.Unavailable)
	case op.Ready:
		for _, f := range firings(*op) {
			detail := formatProb(f.prob)
			if f.name == UnsureReceivedSpam {
				detail = formatProb(op.Prob) + ", Received " + detail
			}
			out.Hit(f.name, 1, detail)
		}
	}
}

// OpinionOf is the classifier's result as the rules read it.
func OpinionOf(r core.Result) scoring.BayesOpinion {
	return scoring.BayesOpinion{Ready: r.Ready, Prob: r.Prob, Received: r.Received, ReceivedUsed: r.ReceivedUsed,
		Sender: r.Sender, SenderUsed: r.SenderUsed}
}

// Fired returns every rule a ready opinion fires: the bucket of the whole
// message (Names), the bucket of its Received hops when any of their
// tokens was known and UnsureReceivedSpam, and the bucket of its sender
// when any of the sender's tokens was known.
func Fired(op scoring.BayesOpinion) []string {
	fs := firings(op)
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	return names
}

// firing is a rule an opinion fires and the probability it reports.
type firing struct {
	name string
	prob float64
}

func firings(op scoring.BayesOpinion) []firing {
	out := make([]firing, 0, 5)
	for _, name := range Names(op.Prob) {
		out = append(out, firing{name, op.Prob})
	}
	if op.ReceivedUsed > 0 {
		out = append(out, firing{core.ReceivedBucketOf(op.Received).Name, op.Received})
		if op.Prob >= 0.2 && op.Prob < 0.8 && op.Received >= 0.95 {
			out = append(out, firing{UnsureReceivedSpam, op.Received})
		}
	}
	if op.SenderUsed > 0 {
		out = append(out, firing{core.SenderBucketOf(op.Sender).Name, op.Sender})
	}
	return out
}

// Names returns the rules a probability fires: its bucket, and BAYES_99
// too for the 99.9% bucket, so that BAYES_99 means "99% or more" as admins
// expect and BAYES_999 adds to it.
func Names(prob float64) []string {
	b := core.BucketOf(prob)
	if b.Name == "BAYES_999" {
		return []string{"BAYES_99", "BAYES_999"}
	}
	return []string{b.Name}
}

func formatProb(p float64) string {
	// Two decimals of a percentage, without fmt on the hot path.
	v := int(p*10000 + 0.5)
	digits := []byte{byte('0' + v/10000%10), byte('0' + v/1000%10), byte('0' + v/100%10), '.', byte('0' + v/10%10), byte('0' + v%10), '%'}
	for len(digits) > 5 && digits[0] == '0' {
		digits = digits[1:]
	}
	return string(digits)
}
