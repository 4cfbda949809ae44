// Package gtube holds the test-string rule: a message carrying the
// well-known anti-UBE test string is spam by definition, so admins can
// check the whole path (tagging, rejection) with a harmless message.
package gtube

import (
	"strings"

	"github.com/mailsift/mailsift/scoring"
)

// String is the generic test for unsolicited bulk email, recognised by
// most spam filters.
const String = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

// Rules returns the family's rules.
func Rules() []scoring.Rule {
	return []scoring.Rule{scoring.RuleFunc{
		I: scoring.Info{Name: "GTUBE", Family: "gtube", Score: 1000, Desc: "Contains the GTUBE anti-spam test string"},
		F: func(in *scoring.Input) (float64, string, bool) {
			return 1, "", strings.Contains(in.Msg.Text, String)
		},
	}}
}

// Metas returns the family's meta rules (none).
func Metas() []*scoring.Meta { return nil }
