// Package phish holds the built-in phishing rules: brand impersonation,
// credential forms, links to free hosting, IPFS and look-alike domains,
// free-mail reply addresses, HTML and SVG attachments, and the usual
// pretexts (mailbox full, password expiry, parcel held, shared document).
//
// The 2002 corpus holds almost no modern phishing, so points are set by
// hand; the corpus only shows that the rules stay quiet on ham. Single
// signals score modestly and meta rules combining a pretext or a brand with a
// credential form or a throw-away link score high.
package phish

import "github.com/mailsift/mailsift/scoring"

// Rules returns the family's rules.
func Rules() []scoring.Rule {
	return []scoring.Rule{
		brandFromName,
		brandSubject,
		nameIsAddress,
		replyToFreemail,
		lureRule{},
		linkRule{},
		passwordForm,
		formAction,
		formToIP,
		htmlAttachment,
		svgAttachment,
	}
}

// Metas returns the family's meta rules.
func Metas() []*scoring.Meta {
	return []*scoring.Meta{
		scoring.MustMeta(scoring.Info{Name: "PHISH_BRAND_SUBJECT_LURE", Family: "phish", Score: 2.0,
			Desc: "Brand named in the Subject of a pretext mail from an unrelated domain"},
			"__PHISH_BRAND_SUBJECT && __PHISH_LURE"),
		scoring.MustMeta(scoring.Info{Name: "PHISH_BRAND_LOGIN_FORM", Family: "phish", Score: 3.0,
			Desc: "Brand impersonation with a password or login form"},
			"(PHISH_BRAND_FROM_NAME && (PHISH_PASSWORD_FORM || PHISH_FORM_ACTION)) || (__PHISH_BRAND_SUBJECT && PHISH_PASSWORD_FORM)"),
		scoring.MustMeta(scoring.Info{Name: "PHISH_LURE_LOGIN_FORM", Family: "phish", Score: 2.5,
			Desc: "Phishing pretext with a password form"},
			"__PHISH_LURE && PHISH_PASSWORD_FORM"),
		scoring.MustMeta(scoring.Info{Name: "PHISH_LURE_FREE_HOSTING", Family: "phish", Score: 2.5,
			Desc: "Phishing pretext linking to free hosting, IPFS or a look-alike domain"},
			"__PHISH_LURE && (PHISH_FREE_HOSTING_LINK || PHISH_IPFS_LINK || PHISH_PUNYCODE_LINK)"),
		scoring.MustMeta(scoring.Info{Name: "PHISH_BRAND_FREE_HOSTING", Family: "phish", Score: 2.5,
			Desc: "Brand impersonation linking to free hosting, IPFS or a look-alike domain"},
			"(PHISH_BRAND_FROM_NAME || __PHISH_BRAND_SUBJECT) && (PHISH_FREE_HOSTING_LINK || PHISH_IPFS_LINK || PHISH_PUNYCODE_LINK)"),
		scoring.MustMeta(scoring.Info{Name: "PHISH_LURE_HTML_ATTACH", Family: "phish", Score: 2.5,
			Desc: "Phishing pretext or brand impersonation with an HTML or SVG attachment"},
			"(__PHISH_LURE || PHISH_BRAND_FROM_NAME) && (PHISH_HTML_ATTACHMENT || PHISH_SVG_ATTACHMENT)"),
		scoring.MustMeta(scoring.Info{Name: "PHISH_BRAND_REPLYTO_FREEMAIL", Family: "phish", Score: 1.5,
			Desc: "Brand impersonation with replies going to a free-mail address"},
			"(PHISH_BRAND_FROM_NAME || __PHISH_BRAND_SUBJECT) && PHISH_REPLYTO_FREEMAIL"),
	}
}
