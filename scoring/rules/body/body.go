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

// Rules returns the family's rules.
func Rules() []scoring.Rule {
	return []scoring.Rule{
		textRule{},
		hiddenRule{},
		imageRule{},
		shoutRule{},
		scoring.RuleFunc{I: scoring.Info{Name: "HTML_ONLY", Family: "body", Score: 0.5, Needs: scoring.NeedBody,
			Desc: "HTML mail without a text/plain alternative"}, F: htmlOnly},
		scoring.RuleFunc{I: scoring.Info{Name: "HTML_ALT_MISMATCH", Family: "body", Score: 1.0, Needs: scoring.NeedBody,
			Desc: "text/plain and text/html alternatives share few words"}, F: altMismatch},
		scoring.RuleFunc{I: scoring.Info{Name: "BODY_MILLION_AMOUNT", Family: "body", Score: 1.5, Needs: scoring.NeedBody,
			Desc: "Names a sum of a million dollars or more"}, F: bigMoney},
		styleRule{},
		scoring.RuleFunc{I: scoring.Info{Name: "BODY_DEAR_FRIEND", Family: "body", Score: 1.0, Needs: scoring.NeedBody,
			Desc: "Opens with an impersonal salutation (Dear friend, Dear sir or madam, Dear valued customer)"}, F: dearFriend},
		scoring.RuleFunc{I: scoring.Info{Name: "BODY_EXCLAIM_TRIPLE", Family: "body", Score: 0.5, Needs: scoring.NeedBody,
			Desc: "Text has a run of three exclamation marks"}, F: exclaimTriple},
		scoring.RuleFunc{I: scoring.Info{Name: "BODY_HASHBUSTER", Family: "body", Score: 1.5, Needs: scoring.NeedBody,
			Desc: "Random filler text that makes every copy of a bulk message differ"}, F: hashBuster},
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
