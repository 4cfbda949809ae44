package subject

import (
	"testing"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

func TestTrackingSuffix(t *testing.T) {
	for subj, want := range map[string]bool{
		"Make money fast 48213":                      true,
		"Your new offer   Q7Z3K9A":                   true,
		"Your Amazon.com order #112-4567890-1234567": false,
		"Invoice 2026-1187 for October":              false,
		"Invoice 20261187":                           false,
		"Re: [Bug 48213] crash on start":             false,
		"Support ticket 48213":                       false,
		"Your booking ref: ABC12DE3":                 false,
		"Meeting notes 2026":                         false,
		"Statement available 55512 (account ending)": false,
	} {
		in := &scoring.Input{Msg: &message.Message{Subject: subj}}
		if _, _, got := trackingSuffix(in); got != want {
			t.Errorf("%q: fired=%v, want %v", subj, got, want)
		}
	}
}
