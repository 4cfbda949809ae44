package body

import (
	"sort"
	"testing"
)

func TestFold(t *testing.T) {
	cases := []struct {
		in, want string
		st       FoldStats
	}{
		{"plain  text\n\nhere", "plain text here", FoldStats{}},
		{"buy viаgrа now", "buy viagra now", FoldStats{Confusable: 1}},    // Cyrillic а
		{"ρharmacy", "pharmacy", FoldStats{Confusable: 1}},                // Greek rho
		{"привет мир", "привет мир", FoldStats{}},                         // real Russian stays
		{"ｆｒｅｅ offer", "free offer", FoldStats{Fullwidth: 1}},             // fullwidth
		{"mort\u200bgage now", "mortgage now", FoldStats{ZeroWidth: 1}},   // zero-width space
		{"re\u00admove", "remove", FoldStats{ZeroWidth: 1}},               // soft hyphen
		{"\ufeffhello", "hello", FoldStats{}},                             // BOM at start is not inside
		{"get v.i.a.g.r.a here", "get viagra here", FoldStats{Spaced: 1}}, // dotted
		{"m-o-r-t-g-a-g-e rates", "mortgage rates", FoldStats{Spaced: 1}}, // dashed
		{"f r e e and u.s.a.", "free and u.s.a.", FoldStats{Spaced: 1}},   // three letters stay
		{"e.g. i.e. a-b", "e.g. i.e. a-b", FoldStats{}},                   // abbreviations stay
		{"日本語のｐｃ", "日本語のpc", FoldStats{Fullwidth: 1, CJK: 1}},             // CJK context
	}
	for _, c := range cases {
		got, st := Fold(c.in)
		if got != c.want || st != c.st {
			t.Errorf("Fold(%q) = %q %+v, want %q %+v", c.in, got, st, c.want, c.st)
		}
	}
}

func TestMatcher(t *testing.T) {
	m := newMatcher([]string{"click here", "free", "100% free", "here", "$$$"})
	var got []string
	m.scan("get it 100% free! click here, freedom $$$$ nowhere", func(id int) { got = append(got, m.phrases[id]) })
	sort.Strings(got)
	want := []string{"$$$", "$$$", "100% free", "click here", "free", "here"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

func TestMillionAt(t *testing.T) {
	for s, want := range map[string]bool{
		"$1,000,000":       true,
		"$ 25 million":     false,
		"$1,500,000.00":    true,
		"$25,000":          false,
		"$19.99":           false,
		"$5000000":         true,
		"$1,234.56 a year": false,
	} {
		if _, got := millionAt(s, 1); got != want {
			t.Errorf("millionAt(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCapsWords(t *testing.T) {
	up, total := capsWords("FREE MONEY for YOU now, a ok B2B 2002")
	if up != 3 || total != 5 {
		t.Errorf("capsWords = %d/%d, want 3/5", up, total)
	}
}
