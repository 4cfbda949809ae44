package body

import (
	"context"
	"strings"

	"github.com/mailsift/mailsift/scoring"
)

// Names of the HTML styling rules.
const (
	nameFontBig     = "HTML_FONT_BIG"
	nameBorderThick = "HTML_TABLE_BORDER_THICK"
)

// styleRule looks at how the HTML is dressed up: huge fonts and thick
// table borders are the look of a printed flyer, not of a letter or a
// newsletter template. One pass over the tags serves both names.
type styleRule struct{}

func (styleRule) Info() []scoring.Info {
	return []scoring.Info{
		{Name: nameFontBig, Family: "body", Score: 1.0, Needs: scoring.NeedBody,
			Desc: "HTML sets a huge font (<font size=5> or more, or +3 or more)"},
		{Name: nameBorderThick, Family: "body", Score: 0.5, Needs: scoring.NeedBody,
			Desc: "HTML draws a border 3 or more pixels thick"},
	}
}

func (styleRule) Eval(_ context.Context, in *scoring.Input, out *scoring.Hits) {
	big, thick := scanStyle(in.Msg.HTML)
	if big != "" {
		out.Hit(nameFontBig, 1, "size="+big)
	}
	if thick != "" {
		out.Hit(nameBorderThick, 1, "border="+thick)
	}
}

// scanStyle returns the first huge font size and the first thick border
// value found in the tags of h ("" when none).
func scanStyle(h string) (big, thick string) {
	for i := 0; i < len(h) && (big == "" || thick == ""); i++ {
		if h[i] != '<' {
			continue
		}
		end := strings.IndexByte(h[i:], '>')
		if end < 0 {
			end = len(h) - i
		}
		tag := h[i+1 : i+end]
		i += end
		name, attrs := cutTagName(tag)
		if big == "" && strings.EqualFold(name, "font") {
			if v := attrValue(attrs, "size"); hugeFontSize(v) {
				big = v
			}
		}
		if thick == "" {
			if v := attrValue(attrs, "border"); len(v) > 0 && v[0] >= '3' && v[0] <= '9' {
				thick = v
			}
		}
	}
	return big, thick
}

// hugeFontSize: an HTML font size of 5 to 7, or a relative +3 or more.
func hugeFontSize(v string) bool {
	switch {
	case len(v) >= 2 && v[0] == '+':
		return v[1] >= '3' && v[1] <= '9'
	case len(v) >= 1:
		return v[0] >= '5' && v[0] <= '7'
	}
	return false
}

// cutTagName splits "font size=5 color=red" into its name and the rest.
func cutTagName(tag string) (name, rest string) {
	for j := 0; j < len(tag); j++ {
		switch tag[j] {
		case ' ', '\t', '\r', '\n', '/':
			return tag[:j], tag[j:]
		}
	}
	return tag, ""
}

// attrValue returns the value of the first attribute key (ASCII
// case-insensitive) in attrs, without quotes; "" when absent.
func attrValue(attrs, key string) string {
	for j := 0; j+len(key) <= len(attrs); j++ {
		if !strings.EqualFold(attrs[j:j+len(key)], key) {
			continue
		}
		if j > 0 && !isSpace(attrs[j-1]) && attrs[j-1] != '"' && attrs[j-1] != '\'' {
			continue // part of a longer name: "data-size"
		}
		k := skipSpace(attrs, j+len(key))
		if k >= len(attrs) || attrs[k] != '=' {
			continue
		}
		k = skipSpace(attrs, k+1)
		if k < len(attrs) && (attrs[k] == '"' || attrs[k] == '\'') {
			k++
		}
		e := k
		for e < len(attrs) && !isSpace(attrs[e]) && attrs[e] != '"' && attrs[e] != '\'' {
			e++
		}
		return attrs[k:e]
	}
	return ""
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func skipSpace(s string, k int) int {
	for k < len(s) && isSpace(s[k]) {
		k++
	}
	return k
}

// salutations open a letter to no one in particular, as mail sent to
// bought address lists does.
var salutations = []string{
	"dear friend", "dear sir", "dear madam", "dear valued", "dear customer",
	"dear homeowner", "dear member", "dear business",
}

// dearFriend: an impersonal salutation in the visible text.
func dearFriend(in *scoring.Input) (float64, string, bool) {
	text := in.Msg.TextLower
	if len(text) > maxTextForMatch {
		text = text[:maxTextForMatch]
	}
	for _, s := range salutations {
		if strings.Contains(text, s) {
			return 1, s, true
		}
	}
	return 0, "", false
}

// exclaimTriple: "!!!" in the visible text.
func exclaimTriple(in *scoring.Input) (float64, string, bool) {
	return 1, "", strings.Contains(in.Msg.Text, "!!!")
}
