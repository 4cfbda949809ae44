// Package mime holds the built-in rules on the MIME structure of a message:
// parser flaws (broken MIME adds points and the message is scored on what
// could be read), a body scanned only up to the limit, attachments that run
// code or hide what they are, and structures bulk tools produce.
package mime

import "github.com/mailsift/mailsift/scoring"

// Rules returns the family's rules.
func Rules() []scoring.Rule {
	return []scoring.Rule{
		flawRule{},
		noTextPart,
		base64Text,
		altSingle,
		htmlBare,
		manyPartsRule,
		exeAttachment,
		doubleExt,
		typeMismatch,
		diskImage,
		macroAttachment,
	}
}

// Metas returns the family's meta rules.
func Metas() []*scoring.Meta {
	return nil
}
