package body

import (
	"context"
	"strconv"
	"strings"

	"github.com/mailsift/mailsift/scoring"
)

// Names emitted by textRule besides the phrase categories.
const (
	nameLookalike   = "BODY_LOOKALIKE_LETTERS"
	nameFullwidth   = "BODY_FULLWIDTH_LATIN"
	nameZeroWidth   = "BODY_ZERO_WIDTH_IN_WORD"
	nameSpaced      = "BODY_SPACED_LETTERS"
	nameObfuscated  = "BODY_OBFUSCATED_PHRASE"
	maxTextForMatch = 256 << 10 // folded bytes scanned for phrases
)

// phraseTable is the compiled automaton over every category's phrases.
var (
	phraseRefs  []phraseRef
	phraseMatch *matcher
)

// maxCategories bounds the phrase categories (scoreCategories counts them in
// fixed arrays, no allocation per message).
const maxCategories = 16

func init() {
	if len(categories) > maxCategories {
		panic("body: more phrase categories than maxCategories")
	}
	var all []string
	for ci, c := range categories {
		for _, p := range c.strongs {
			all = append(all, p)
			phraseRefs = append(phraseRefs, phraseRef{cat: ci, weight: weightStrong})
		}
		for _, p := range c.plain {
			all = append(all, p)
			phraseRefs = append(phraseRefs, phraseRef{cat: ci, weight: weightPlain})
		}
	}
	phraseMatch = newMatcher(all)
}

// textRule folds the visible text once, matches every phrase category in
// one pass, and reports the obfuscation the folding undid.
type textRule struct{}

// Info implements scoring.Rule.
func (textRule) Info() []scoring.Info {
	out := make([]scoring.Info, 0, len(categories)+5)
	for _, c := range categories {
		out = append(out, scoring.Info{Name: c.name, Family: "body", Score: c.score, Desc: c.desc, Needs: scoring.NeedBody})
	}
	return append(out,
		scoring.Info{Name: nameLookalike, Family: "body", Score: 2.0, Needs: scoring.NeedBody,
			Desc: "Cyrillic or Greek look-alike letters inside Latin words"},
		scoring.Info{Name: nameFullwidth, Family: "body", Score: 1.5, Needs: scoring.NeedBody,
			Desc: "Latin words in fullwidth letters in otherwise Western text"},
		scoring.Info{Name: nameZeroWidth, Family: "body", Score: 2.0, Needs: scoring.NeedBody,
			Desc: "Zero-width characters or soft hyphens hidden inside words"},
		scoring.Info{Name: nameSpaced, Family: "body", Score: 0.5, Needs: scoring.NeedBody,
			Desc: "Words spelled out with separators between letters (v.i.a.g.r.a)"},
		scoring.Info{Name: nameObfuscated, Family: "body", Score: 2.5, Needs: scoring.NeedBody,
			Desc: "A spam phrase that only matches after undoing obfuscation"},
	)
}

// Eval implements scoring.Rule.
func (textRule) Eval(_ context.Context, in *scoring.Input, out *scoring.Hits) {
	text := in.Msg.TextLower
	if len(text) > maxTextForMatch {
		text = text[:maxTextForMatch]
	}
	if text == "" {
		return
	}
	folded, st := Fold(text)
	seen := make([]bool, len(phraseRefs))
	phraseMatch.scan(folded, func(id int) { seen[id] = true })
	scoreCategories(seen, out)
	reportObfuscation(st, out)
	if st.Obfuscated() > 0 {
		if p, ok := obfuscatedPhrase(text, seen); ok {
			out.Hit(nameObfuscated, 1, p)
		}
	}
}

// scoreCategories fires each category that has a strong phrase and enough
// weight; the factor grows with the weight up to the category's cap.
func scoreCategories(seen []bool, out *scoring.Hits) {
	var weight, strong, first [maxCategories]int
	for id, ok := range seen {
		if !ok {
			continue
		}
		r := phraseRefs[id]
		if weight[r.cat] == 0 || r.weight > phraseRefs[first[r.cat]].weight {
			first[r.cat] = id
		}
		weight[r.cat] += r.weight
		if r.weight == weightStrong {
			strong[r.cat]++
		}
	}
	for ci, c := range categories {
		w := weight[ci]
		if strong[ci] < max(c.strong, 1) || w < c.min {
			continue
		}
		f := float64(min(w, c.cap)) / float64(c.cap)
		out.Hit(c.name, f, strconv.Itoa(w)+": "+phraseMatch.phrases[first[ci]])
	}
}

func reportObfuscation(st FoldStats, out *scoring.Hits) {
	if st.Confusable >= 2 {
		out.Hit(nameLookalike, 1, strconv.Itoa(st.Confusable)+" words")
	}
	if st.Fullwidth >= 3 && st.CJK == 0 {
		out.Hit(nameFullwidth, 1, strconv.Itoa(st.Fullwidth)+" words")
	}
	if st.ZeroWidth >= 2 {
		out.Hit(nameZeroWidth, 1, strconv.Itoa(st.ZeroWidth)+" words")
	}
	if st.Spaced >= 2 {
		out.Hit(nameSpaced, 1, strconv.Itoa(st.Spaced)+" runs")
	}
}

// obfuscatedPhrase returns a strong phrase found in the folded text that
// the text with only its white space collapsed does not contain.
func obfuscatedPhrase(text string, seen []bool) (string, bool) {
	plain := strings.Join(strings.Fields(text), " ")
	var inPlain []bool
	for id, ok := range seen {
		if !ok || phraseRefs[id].weight != weightStrong {
			continue
		}
		if inPlain == nil {
			inPlain = make([]bool, len(phraseRefs))
			phraseMatch.scan(plain, func(id int) { inPlain[id] = true })
		}
		if !inPlain[id] {
			return phraseMatch.phrases[id], true
		}
	}
	return "", false
}
