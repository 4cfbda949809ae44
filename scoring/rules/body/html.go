package body

import (
	"context"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mailsift/mailsift/scoring"
)

// countWords counts runs of letters (a word needs at least one letter).
func countWords(s string) int {
	n, in := 0, false
	for i := 0; i < len(s); {
		c := s[i]
		letter := false
		if c < utf8.RuneSelf {
			letter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			letter = unicode.IsLetter(r)
			i += size
		}
		if letter && !in {
			n++
		}
		in = letter
	}
	return n
}

// htmlOnly fires on mail whose only text is HTML.
func htmlOnly(in *scoring.Input) (float64, string, bool) {
	m := in.Msg
	if !m.HasHTML || m.HasPlain {
		return 0, "", false
	}
	return 1, "", true
}

// Hidden-text bands: the share of HTML words a reader does not see.
const (
	nameHiddenSome = "HTML_HIDDEN_TEXT_SOME"
	nameHiddenMuch = "HTML_HIDDEN_TEXT_MUCH"
	nameHiddenMost = "HTML_HIDDEN_TEXT_MOST"
	minHiddenWords = 15
)

// hiddenRule reports one band of hidden-text share.
type hiddenRule struct{}

// Info implements scoring.Rule.
func (hiddenRule) Info() []scoring.Info {
	return []scoring.Info{
		{Name: nameHiddenSome, Family: "body", Score: 0.7, Needs: scoring.NeedBody,
			Desc: "HTML hides 15-35% of its words from the reader"},
		{Name: nameHiddenMuch, Family: "body", Score: 1.5, Needs: scoring.NeedBody,
			Desc: "HTML hides 35-65% of its words from the reader"},
		{Name: nameHiddenMost, Family: "body", Score: 2.5, Needs: scoring.NeedBody,
			Desc: "HTML hides most of its words from the reader"},
	}
}

// Eval implements scoring.Rule.
func (hiddenRule) Eval(_ context.Context, in *scoring.Input, out *scoring.Hits) {
	m := in.Msg
	if !m.HasHTML || m.Hidden == "" {
		return
	}
	// Comments are hidden text too, but newsletters fill them with
	// template markers: only text hidden by styling (m.Hidden, which holds
	// no comment text) counts here.
	hidden := countWords(m.Hidden)
	if hidden < minHiddenWords {
		return
	}
	visible := countWords(m.HTMLText)
	share := float64(hidden) / float64(hidden+visible)
	detail := strconv.Itoa(hidden) + "/" + strconv.Itoa(hidden+visible) + " words hidden"
	switch {
	case share >= 0.65:
		out.Hit(nameHiddenMost, 1, detail)
	case share >= 0.35:
		out.Hit(nameHiddenMuch, 1, detail)
	case share >= 0.15:
		out.Hit(nameHiddenSome, 1, detail)
	}
}

// Image bands: HTML that is images with little or no text.
const (
	nameImageOnly   = "HTML_IMAGE_ONLY"
	nameImageMostly = "HTML_IMAGE_MOSTLY"
)

// imageRule reports HTML made of images with almost no words.
type imageRule struct{}

// Info implements scoring.Rule.
func (imageRule) Info() []scoring.Info {
	return []scoring.Info{
		{Name: nameImageOnly, Family: "body", Score: 1.5, Needs: scoring.NeedBody,
			Desc: "HTML mail that is images with fewer than 15 words of text"},
		{Name: nameImageMostly, Family: "body", Score: 0.7, Needs: scoring.NeedBody,
			Desc: "HTML mail with several images and under 40 words per image"},
	}
}

// Eval implements scoring.Rule.
func (imageRule) Eval(_ context.Context, in *scoring.Input, out *scoring.Hits) {
	m := in.Msg
	if !m.HasHTML || m.Images == 0 {
		return
	}
	words := countWords(m.Text)
	detail := strconv.Itoa(m.Images) + " images, " + strconv.Itoa(words) + " words"
	switch {
	case words < 15:
		out.Hit(nameImageOnly, 1, detail)
	case m.Images >= 3 && words < 40*m.Images && words < 300:
		out.Hit(nameImageMostly, 1, detail)
	}
}

// altMismatch fires when the text/plain and text/html alternatives share
// few words: the filter reads one text, the victim sees another.
func altMismatch(in *scoring.Input) (float64, string, bool) {
	m := in.Msg
	if !m.HasPlain || !m.HasHTML {
		return 0, "", false
	}
	if strings.Contains(m.Plain, "HTML") || strings.Contains(m.Plain, "html") {
		return 0, "", false // "your mail program cannot show the HTML version"
	}
	plain := wordSet(lowerASCII(m.Plain), 400)
	html := wordSet(lowerASCII(m.HTMLText), 400)
	if len(plain) < 12 || len(html) < 12 {
		return 0, "", false
	}
	small, big := plain, html
	if len(small) > len(big) {
		small, big = big, small
	}
	shared := 0
	for w := range small {
		if _, ok := big[w]; ok {
			shared++
		}
	}
	overlap := float64(shared) / float64(len(small))
	if overlap >= 0.25 {
		return 0, "", false
	}
	return 1, strconv.Itoa(int(overlap*100)) + "% shared words", true
}

// lowerASCII lower-cases ASCII letters only (enough for word overlap).
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// wordSet collects up to limit distinct words of three or more letters.
func wordSet(s string, limit int) map[string]struct{} {
	set := make(map[string]struct{}, 64)
	start := -1
	for i := 0; i <= len(s); i++ {
		letter := i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 0x80)
		if letter {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= 3 {
			set[s[start:i]] = struct{}{}
			if len(set) >= limit {
				return set
			}
		}
		start = -1
	}
	return set
}
