package phish

import (
	"context"
	"strings"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// lureScan bounds how much of the text the lure phrases are looked for in:
// phishing lures are short, and long newsletters mention everything.
const lureScan = 16 << 10

// lure is one family of phishing pretexts with its phrases (lower case,
// single spaces).
type lure struct {
	info    scoring.Info
	phrases []string
}

var lures = []lure{
	{scoring.Info{Name: "PHISH_MAILBOX_LURE", Family: "phish", Score: 2.0,
		Desc: "Mailbox full, storage quota or held incoming mail pretext"}, []string{
		"mailbox is full", "mailbox is almost full", "mailbox has exceeded", "mailbox quota",
		"mailbox storage", "storage quota", "storage is full", "storage is almost full",
		"exceeded the storage limit", "exceeded your storage", "exceeded its storage",
		"email quota", "mail quota", "quota exceeded", "quota has been exceeded",
		"incoming messages have been suspended", "incoming emails have been suspended",
		"messages are on hold", "emails are on hold", "messages have been held",
		"mailbox will be deactivated", "mailbox will be disabled", "mailbox will be suspended",
		"mailbox will be closed", "upgrade your mailbox", "mailbox upgrade", "mailbox verification",
		"validate your mailbox", "verify your mailbox", "webmail account will",
	}},
	{scoring.Info{Name: "PHISH_PASSWORD_LURE", Family: "phish", Score: 1.5,
		Desc: "Password expiry or unusual sign-in pretext"}, []string{
		"password expires today", "password will expire", "password has expired", "password is expiring",
		"password expiration notice", "password expiry notice", "keep your current password",
		"keep same password", "keep my current password", "keep using the same password",
		"unusual sign-in activity", "unusual sign in activity", "suspicious sign-in attempt",
		"suspicious login attempt", "unusual login attempt", "someone tried to sign in to your",
		"unauthorized login attempt", "unrecognized sign-in",
	}},
	{scoring.Info{Name: "PHISH_ACCOUNT_LURE", Family: "phish", Score: 1.0,
		Desc: "Account suspended, locked or to be verified pretext"}, []string{
		"account has been suspended", "account will be suspended", "account has been locked",
		"account will be locked", "account has been limited", "account access has been limited",
		"account has been restricted", "account will be restricted", "account will be closed",
		"account will be terminated", "account will be deactivated", "account has been disabled",
		"account has been temporarily", "confirm your account information", "verify your account information",
		"verify your identity", "confirm your identity", "update your account information",
		"update your billing information", "update your payment information", "update your payment details",
		"unable to process your payment", "payment was declined", "payment method was declined",
		"restore your account", "restore full access", "avoid account suspension", "avoid suspension",
		"to avoid losing access", "failure to verify", "failure to do so will result",
		"failure to comply will result", "permanently suspended", "permanently deleted within",
	}},
	{scoring.Info{Name: "PHISH_INVOICE_LURE", Family: "phish", Score: 0.8,
		Desc: "Invoice attached, overdue payment or remittance pretext"}, []string{
		"invoice attached", "attached invoice", "attached is your invoice", "attached is the invoice",
		"find attached invoice", "find attached the invoice", "see attached invoice",
		"find the attached invoice", "overdue invoice", "overdue payment", "payment is overdue",
		"payment overdue", "unpaid invoice", "invoice is overdue", "past due invoice",
		"invoice is past due", "remittance advice", "payment remittance", "proof of payment",
		"swift copy", "wire transfer confirmation", "payment confirmation attached",
	}},
	{scoring.Info{Name: "PHISH_PARCEL_LURE", Family: "phish", Score: 1.5,
		Desc: "Parcel held, failed delivery or customs fee pretext"}, []string{
		"parcel is on hold", "package is on hold", "shipment is on hold", "parcel on hold",
		"package on hold", "shipment on hold", "delivery attempt failed", "failed delivery attempt",
		"delivery was unsuccessful", "unable to deliver your package", "unable to deliver your parcel",
		"unable to deliver your shipment", "package could not be delivered", "parcel could not be delivered",
		"shipment could not be delivered", "customs fee", "customs duty", "customs charges",
		"pay the customs", "redelivery fee", "re-delivery fee", "schedule a redelivery",
		"schedule your redelivery", "address is incomplete", "incomplete address",
		"confirm your delivery address", "update your delivery address", "your package is waiting",
		"your parcel is waiting", "unpaid shipping", "shipping fee is unpaid", "small shipping fee",
	}},
}

// shareInfo is the shared-file lure; it also needs a link away from the
// brands that really send such notices.
var shareInfo = scoring.Info{Name: "PHISH_SHARED_FILE_LURE", Family: "phish", Score: 1.5,
	Desc: "Secure message or shared document lure linking to an unrelated site"}

var sharePhrases = []string{
	"sent you a secure message", "you have a secure message", "you have received a secure message",
	"you have a new secure message", "secure message from", "encrypted message from",
	"encrypted document", "secured document",
	"shared a file with you", "shared a document with you", "shared a folder with you",
	"has shared a file", "has shared a document", "shared the following document",
	"sent you a document", "sent you documents", "sent you files", "view shared document",
	"view the shared document", "review and sign", "invited you to view", "invited you to edit",
	"you have a new fax", "you have received a fax", "you have a new voicemail",
	"you have received a voice message", "new voice message", "documents have been shared",
}

// anyLure is the helper every lure sets, for meta rules.
var anyLure = scoring.Info{Name: "__PHISH_LURE", Family: "phish", Desc: "Any phishing pretext phrase"}

// phraseRef is one phrase of lure group group (len(lures) = the share
// phrases).
type phraseRef struct {
	phrase string
	group  int
}

// phrasesByFirst indexes every lure phrase by its first word, so the text
// is scanned once whatever the number of phrases.
var phrasesByFirst = func() map[string][]phraseRef {
	idx := map[string][]phraseRef{}
	add := func(p string, g int) {
		w := p[:wordEnd(p, 0)]
		idx[w] = append(idx[w], phraseRef{p, g})
	}
	for g, l := range lures {
		for _, p := range l.phrases {
			add(p, g)
		}
	}
	for _, p := range sharePhrases {
		add(p, len(lures))
	}
	return idx
}()

// wordEnd returns the index after the word starting at i.
func wordEnd(s string, i int) int {
	for i < len(s) && isWordByte(s[i]) {
		i++
	}
	return i
}

// matchLures scans text once and returns, per group, the first phrase
// found ("" when none).
func matchLures(text string) []string {
	found := make([]string, len(lures)+1)
	for i := 0; i < len(text); {
		if !isWordByte(text[i]) {
			i++
			continue
		}
		j := wordEnd(text, i)
		for _, r := range phrasesByFirst[text[i:j]] {
			if found[r.group] == "" && strings.HasPrefix(text[i:], r.phrase) {
				found[r.group] = r.phrase
			}
		}
		i = j
	}
	return found
}

// lureRule matches every lure family over the subject and the start of the
// text, normalised once per message.
type lureRule struct{}

// Info implements scoring.Rule.
func (lureRule) Info() []scoring.Info {
	out := make([]scoring.Info, 0, len(lures)+2)
	for _, l := range lures {
		out = append(out, l.info)
	}
	return append(out, shareInfo, anyLure)
}

// Eval implements scoring.Rule.
func (lureRule) Eval(_ context.Context, in *scoring.Input, out *scoring.Hits) {
	text := lureText(in.Msg)
	if text == "" {
		return
	}
	found := matchLures(text)
	fired := false
	for g, l := range lures {
		if found[g] != "" {
			out.Hit(l.info.Name, 1, found[g])
			fired = true
		}
	}
	if p := found[len(lures)]; p != "" {
		if host := foreignLink(in.Msg); host != "" {
			out.Hit(shareInfo.Name, 1, p+" -> "+host)
			fired = true
		}
	}
	if fired {
		out.Hit(anyLure.Name, 1, "")
	}
}

// lureText is the lower-cased subject and the first lureScan bytes of the
// lower-cased text, with whitespace runs (and no-break spaces) folded to one
// space and curly apostrophes made straight.
func lureText(m *message.Message) string {
	t := m.TextLower
	if len(t) > lureScan {
		t = t[:lureScan]
	}
	if m.Subject == "" && t == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(m.Subject) + len(t) + 1)
	space := false
	for _, s := range [...]string{strings.ToLower(m.Subject), t} {
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
				space = true
				continue
			case c == 0xc2 && i+1 < len(s) && s[i+1] == 0xa0: // U+00A0
				space = true
				i++
				continue
			case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2] == 0x99: // U+2019
				c = '\''
				i += 2
			}
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(c)
		}
		space = true
	}
	return b.String()
}

// foreignLink returns the host of the first web link that belongs neither
// to a listed brand nor to the sender's own site, or "".
func foreignLink(m *message.Message) string {
	from := ""
	if len(m.From) > 0 {
		from = site(m.From[0].Domain)
	}
	for i := range m.URIs {
		u := &m.URIs[i]
		if u.Source == message.URIFromSrc || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			continue
		}
		if (from != "" && site(u.Host) == from) || anyBrandLegit(u.Host) || shareService[site(u.Host)] {
			continue
		}
		return u.Host
	}
	return ""
}

// shareService are document services whose own notices link to themselves.
var shareService = map[string]bool{
	"box.com": true, "sharefile.com": true, "egnyte.com": true, "hightail.com": true,
	"citrix.com": true, "proofpoint.com": true, "mimecast.com": true, "zixmail.net": true,
	"zixcorp.com": true, "virtru.com": true, "hellosign.com": true, "pandadoc.com": true,
}
