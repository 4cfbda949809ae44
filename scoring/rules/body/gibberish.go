package body

import (
	"strings"

	"github.com/mailsift/mailsift/scoring"
)

// hashBuster reports random filler that bulk mailers add to make every copy
// of a message differ: a blank-free run of at least 30 characters mixing
// letters with the shift-row symbols !@#$%^&*, or a line that is one
// "word" of 22 or more letters.
func hashBuster(in *scoring.Input) (float64, string, bool) {
	s := in.Msg.TextLower
	for len(s) > 0 {
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if tok, ok := busterLine(line); ok {
			return 1, tok, true
		}
	}
	return 0, "", false
}

// busterLine checks one line of lower-cased text.
func busterLine(line string) (string, bool) {
	if len(line) < 22 {
		return "", false
	}
	for _, tok := range strings.Fields(line) {
		if len(tok) < 30 {
			continue
		}
		letters, symbols := 0, 0
		for i := 0; i < len(tok); i++ {
			c := tok[i]
			switch {
			case c >= 'a' && c <= 'z':
				letters++
			case strings.IndexByte("!@#$%^&*", c) >= 0:
				symbols++
			case c == '/' || c == '.' || c == '=' || c == ':':
				return "", false // a link, path or encoded data
			}
		}
		if symbols >= 4 && letters >= 20 {
			return tok[:20], true
		}
	}
	t := strings.TrimSpace(line)
	if len(t) < 22 || len(t) > 60 {
		return "", false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < 'a' || t[i] > 'z' {
			return "", false
		}
	}
	return t, true
}
