package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/internal/corpus"
	"github.com/mailsift/mailsift/policy"
	"github.com/mailsift/mailsift/scoring"
)

// TestCorpusTable: the error counts per group, and each rule's hit rates
// with the points it actually scored (their mean over its hits: a fitted
// Bayes set or a factor changes them), not a registry default.
func TestCorpusTable(t *testing.T) {
	st := &corpusStats{groups: map[string]*groupStats{}, ruleHits: map[string]*ruleStats{}}
	res := func(a policy.Action, hits ...scoring.Hit) *filter.Result {
		return &filter.Result{Action: a, Verdict: &scoring.Verdict{Hits: hits}}
	}
	ham, spam := corpus.Entry{Group: "easy-ham-1"}, corpus.Entry{Group: "spam-2", Spam: true}
	st.add(ham, res(policy.Accept, scoring.Hit{Rule: "R_A", Points: 1}))
	st.add(ham, res(policy.Tag, scoring.Hit{Rule: "R_A", Points: 2}, scoring.Hit{Rule: "R_B", Points: -0.5}))
	st.add(spam, res(policy.Accept, scoring.Hit{Rule: "R_A", Points: 3}))
	st.add(spam, res(policy.Tag))
	var b bytes.Buffer
	st.print(&b)
	out := b.String()
	for _, want := range []string{
		"easy-ham-1          2  FP 1 (50.00%)",
		"spam-2              2  FN 1 (50.00%)",
		"R_A                               2.00  100.00   50.00   0.33",
		"R_B                              -0.50   50.00    0.00   0.00",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}
