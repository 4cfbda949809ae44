package phish

import (
	"strings"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// from returns the first From address, or nil.
func from(m *message.Message) *message.Address {
	if len(m.From) == 0 {
		return nil
	}
	return &m.From[0]
}

var brandFromName = scoring.RuleFunc{
	I: scoring.Info{Name: "PHISH_BRAND_FROM_NAME", Family: "phish", Score: 2.5,
		Desc: "From display name names a well-known brand but the address is on an unrelated domain"},
	F: func(in *scoring.Input) (float64, string, bool) {
		f := from(in.Msg)
		if f == nil || f.Name == "" || f.Domain == "" {
			return 0, "", false
		}
		// QUIRK: Exchange sends its own bounces as "Microsoft Outlook"
		// <MicrosoftExchange…@the-organisation> on the organisation's domain.
		if strings.HasPrefix(strings.ToLower(f.Addr), "microsoftexchange") {
			return 0, "", false
		}
		b := findBrand(strings.ToLower(f.Name), true)
		if b == nil || b.legit(f.Domain) {
			return 0, "", false
		}
		return 1, b.name + " from " + f.Domain, true
	},
}

var brandSubject = scoring.RuleFunc{
	I: scoring.Info{Name: "__PHISH_BRAND_SUBJECT", Family: "phish",
		Desc: "Subject names a well-known brand and the From domain is unrelated"},
	F: func(in *scoring.Input) (float64, string, bool) {
		f := from(in.Msg)
		if f == nil || f.Domain == "" || in.Msg.Subject == "" {
			return 0, "", false
		}
		b := findBrand(strings.ToLower(in.Msg.Subject), false)
		if b == nil || b.legit(f.Domain) {
			return 0, "", false
		}
		return 1, b.name, true
	},
}

var nameIsAddress = scoring.RuleFunc{
	I: scoring.Info{Name: "PHISH_NAME_IS_OTHER_ADDRESS", Family: "phish", Score: 1.0,
		Desc: "From display name is an email address on another domain than the real sender"},
	F: func(in *scoring.Input) (float64, string, bool) {
		f := from(in.Msg)
		if f == nil || f.Domain == "" || !strings.Contains(f.Name, "@") {
			return 0, "", false
		}
		d := addrDomainIn(f.Name)
		if d == "" || site(d) == site(f.Domain) {
			return 0, "", false
		}
		return 1, d + " vs " + f.Domain, true
	},
}

// addrDomainIn returns the lower-cased domain of the first email address
// written in s, or "" when there is none.
func addrDomainIn(s string) string {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '"' || r == '\'' || r == '<' || r == '>' || r == '(' || r == ')' || r == ',' || r == '[' || r == ']'
	}) {
		i := strings.LastIndexByte(w, '@')
		if i <= 0 || i == len(w)-1 {
			continue
		}
		d := strings.TrimRight(strings.ToLower(w[i+1:]), ".;:")
		if strings.Contains(d, ".") {
			return d
		}
	}
	return ""
}

var replyToFreemail = scoring.RuleFunc{
	I: scoring.Info{Name: "PHISH_REPLYTO_FREEMAIL", Family: "phish", Score: 1.5,
		Desc: "Reply-To is a free-mail address on another domain than From"},
	F: func(in *scoring.Input) (float64, string, bool) {
		f := from(in.Msg)
		if f == nil || f.Domain == "" {
			return 0, "", false
		}
		fs := site(f.Domain)
		for _, r := range in.Msg.ReplyTo {
			if isFreemail(r.Domain) && site(r.Domain) != fs {
				return 1, r.Domain, true
			}
		}
		return 0, "", false
	},
}
