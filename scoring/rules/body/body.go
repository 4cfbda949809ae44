// Package body holds the built-in body rules: what the visible text says
// (spam phrasing by category, shouting, large sums), how it hides it
// (look-alike letters, zero-width characters, spaced-out words, hidden
// HTML text) and how the HTML is built (HTML only, images with no text,
// alternatives that disagree).
//
// Phrase rules read the text through Fold, which undoes common
// obfuscation first, and match every phrase list in one pass of an
// Aho–Corasick automaton built at package init.
package body

import "github.com/mailsift/mailsift/scoring"

// rule is a body rule with one name.
func rule(name string, score float64, desc string, f func(*scoring.Input) (float64, string, bool)) scoring.Rule {
	return scoring.RuleFunc{I: scoring.Info{Name: name, Family: "body", Score: score, Desc: desc, Needs: scoring.NeedBody}, F: f}
}

// Rules returns the family's rules.
func Rules() []scoring.Rule {
	return []scoring.Rule{
		textRule{},
		hiddenRule{},
		imageRule{},
		shoutRule{},
		rule("HTML_ONLY", 0.5, "HTML mail without a text/plain alternative", htmlOnly),
		rule("HTML_ALT_MISMATCH", 1.0, "text/plain and text/html alternatives share few words", altMismatch),
		rule("HTML_FONT_BIG", 1.0, "HTML sets a huge font (<font size=5> or more, or +3 or more)", fontBig),
		rule("HTML_TABLE_BORDER_THICK", 0.5, "HTML draws a border 3 or more pixels thick", borderThick),
		rule("BODY_MILLION_AMOUNT", 1.5, "Names a sum of a million dollars or more", bigMoney),
		rule("BODY_EXCLAIM_TRIPLE", 0.5, "Text has a run of three exclamation marks", exclaimTriple),
		rule("BODY_HASHBUSTER", 1.5, "Random filler text that makes every copy of a bulk message differ", hashBuster),
	}
}

// Metas returns the family's meta rules.
func Metas() []*scoring.Meta {
	return []*scoring.Meta{
		scoring.MustMeta(scoring.Info{Name: "BODY_SPAM_MIX", Family: "body", Score: 1.5,
			Desc: "Spam phrasing from three or more categories"},
			"(BODY_SPAM_FOOTER + BODY_SPAM_PHRASES + BODY_URGENCY + BODY_MONEY + BODY_MLM + BODY_PHARMACY + BODY_MORTGAGE + BODY_ADULT) >= 3"),
		scoring.MustMeta(scoring.Info{Name: "BODY_OBFUSCATION_MIX", Family: "body", Score: 1.5,
			Desc: "Two or more kinds of word obfuscation"},
			"(BODY_LOOKALIKE_LETTERS + BODY_ZERO_WIDTH_IN_WORD + BODY_SPACED_LETTERS + BODY_FULLWIDTH_LATIN) >= 2"),
	}
}
