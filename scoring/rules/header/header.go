// Package header holds the built-in header rules: the Received chain, the
// recipient fields, mailer and spamware fingerprints, and Message-ID shapes.
// Format violations as such (a missing Date, a broken From) belong to the
// rfc family; this family looks for what senders of bulk mail do.
package header

import "github.com/mailsift/mailsift/scoring"

const family = "header"

func rule(name string, score float64, desc string, f func(*scoring.Input) (float64, string, bool)) scoring.Rule {
	return scoring.RuleFunc{I: scoring.Info{Name: name, Family: family, Score: score, Desc: desc}, F: f}
}

// Rules returns the family's rules.
func Rules() []scoring.Rule {
	return []scoring.Rule{
		rule("HDR_RCVD_FORGED_BIGISP", 2.0, "Received HELO claims a big mail provider but reverse DNS disagrees", forgedBigISP),
		rule("HDR_FROM_BIGISP_NO_RCVD", 1.5, "From a big mail provider, but no Received field mentions it", fromBigISPNoRcvd),
		rule("HDR_RCVD_HELO_BAREIP", 1.0, "Received HELO is a bare IP address without brackets", heloBareIP),
		rule("__HDR_RCVD_HELO_NODOT", 0, "Received HELO from a public address is a single word", heloNoDot),
		rule("HDR_NO_RCVD", 0.5, "No Received field on mail from an outside client", noReceived),
		rule("HDR_RCVD_TIME_BACKWARDS", 1.0, "Received dates go backwards by hours along the chain", rcvdBackwards),
		rule("HDR_TO_UNDISCLOSED", 0.7, "To is an undisclosed-recipients placeholder", toUndisclosed),
		rule("HDR_TO_NO_ADDR", 1.0, "To field present but names no address", toNoAddr),
		rule("HDR_MANY_RCPTS", 1.5, "Many visible To/Cc recipients", manyRecipients),
		rule("HDR_RCPTS_SORTED", 1.0, "Five or more visible recipients in alphabetical order", rcptsSorted),
		rule("HDR_TO_EQ_FROM", 0.5, "The only To address is the From address", toEqFrom),
		rule("HDR_FROM_NAME_OTHER_ADDR", 1.0, "From display name shows a different email address", fromNameOtherAddr),
		rule("HDR_BULK_MAILER", 2.5, "X-Mailer or User-Agent names a mass-mailing tool", bulkMailer),
		rule("HDR_XMAILER_GIBBERISH", 2.0, "X-Mailer is a random token", xmailerGibberish),
		rule("HDR_SPAMWARE_XHDR", 2.0, "X- fields typical of mass-mailing kits", spamwareXHeaders),
		rule("HDR_MSGID_FAKE_OE", 2.5, "Message-ID imitates Outlook Express with an impossible time stamp", msgidFakeOE),
		rule("__HDR_PRIORITY_HIGH", 0, "X-Priority 1 or X-MSMail-Priority High", priorityHigh),
		rule("HDR_RCVD_DATE_BAD", 0.5, "A Received field's date is not in RFC 5322 form", rcvdDateBad),
		rule("HDR_FROM_NAME_CAPS", 1.0, "From display name is written in capitals", fromNameCaps),
		rule("HDR_XMAILER_OE_NO_MIMEOLE", 1.0, "X-Mailer claims Outlook Express, which always adds X-MimeOLE, but there is none", oeNoMimeOLE),
		rule("__HDR_XMAILER_OUTLOOK", 0, "X-Mailer names Outlook or Outlook Express", xmailerOutlook),
		rule("HDR_MSGID_OE_NO_XMAILER", 1.5, "Message-ID in Outlook's form, but no X-Mailer", outlookMsgIDNoMailer),
	}
}

// Metas returns the family's meta rules.
func Metas() []*scoring.Meta {
	return []*scoring.Meta{
		scoring.MustMeta(scoring.Info{Name: "HDR_PRIORITY_BULK", Family: family, Score: 1.0,
			Desc: "High priority set on mail with bulk-mailer or forgery signs"},
			"__HDR_PRIORITY_HIGH && (HDR_BULK_MAILER || HDR_XMAILER_GIBBERISH || HDR_SPAMWARE_XHDR || HDR_MSGID_FAKE_OE || RFC_MISSING_MSGID || HDR_TO_NO_ADDR || HDR_TO_UNDISCLOSED)"),
		scoring.MustMeta(scoring.Info{Name: "HDR_XMAILER_OUTLOOK_BARE_HTML", Family: family, Score: 1.5,
			Desc: "X-Mailer claims Outlook for a bare text/html message, which Outlook does not send"},
			"__HDR_XMAILER_OUTLOOK && MIME_HTML_ONLY_BARE"),
		scoring.MustMeta(scoring.Info{Name: "HDR_RCVD_SUSPECT", Family: family, Score: 1.0,
			Desc: "Two or more oddities in the Received chain"},
			"(__HDR_RCVD_HELO_NODOT + HDR_RCVD_HELO_BAREIP + HDR_RCVD_TIME_BACKWARDS + HDR_RCVD_FORGED_BIGISP + HDR_FROM_BIGISP_NO_RCVD) >= 2"),
	}
}
