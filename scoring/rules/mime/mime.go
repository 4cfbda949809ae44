// Package mime holds the built-in mime rules.
package mime

import "github.com/mailsift/mailsift/scoring"

// Rules returns the family's rules.
func Rules() []scoring.Rule {
	return nil
}

// Metas returns the family's meta rules.
func Metas() []*scoring.Meta {
	return nil
}
