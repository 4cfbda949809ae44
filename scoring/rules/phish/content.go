package phish

import (
	"net/netip"
	"strings"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

var passwordForm = scoring.RuleFunc{
	I: scoring.Info{Name: "PHISH_PASSWORD_FORM", Family: "phish", Score: 2.5,
		Desc: "HTML body asks for a password in a form field"},
	F: func(in *scoring.Input) (float64, string, bool) {
		if in.Msg.PasswordInputs == 0 {
			return 0, "", false
		}
		return 1, "", true
	},
}

var formAction = scoring.RuleFunc{
	I: scoring.Info{Name: "PHISH_FORM_ACTION", Family: "phish", Score: 0.3,
		Desc: "HTML body holds a form that submits to another site than the sender's"},
	F: func(in *scoring.Input) (float64, string, bool) {
		if in.Msg.Forms == 0 {
			return 0, "", false
		}
		own := ""
		if f := from(in.Msg); f != nil {
			own = site(f.Domain)
		}
		for _, u := range in.Msg.URIs {
			if u.Source == message.URIFromForm && (u.Scheme == "http" || u.Scheme == "https") && site(u.Host) != own {
				return 1, u.Host, true
			}
		}
		return 0, "", false
	},
}

var formToIP = scoring.RuleFunc{
	I: scoring.Info{Name: "PHISH_FORM_TO_IP", Family: "phish", Score: 2.0,
		Desc: "HTML form submits to a bare IP address"},
	F: func(in *scoring.Input) (float64, string, bool) {
		if in.Msg.Forms == 0 {
			return 0, "", false
		}
		for _, u := range in.Msg.URIs {
			if u.Source == message.URIFromForm && isIP(u.Host) {
				return 1, u.Host, true
			}
		}
		return 0, "", false
	},
}

// isIP reports whether host is an IPv4 or (bracketed) IPv6 literal.
func isIP(host string) bool {
	_, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil
}

// ext returns the lower-cased extension of a file name, ignoring the
// trailing dots and blanks Windows drops.
func ext(name string) string {
	name = strings.TrimRight(name, ". \t")
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(name[i+1:])
}

var htmlExts = map[string]bool{"htm": true, "html": true, "shtml": true, "xhtml": true, "xht": true, "mht": true, "mhtml": true}

var htmlAttachment = scoring.RuleFunc{
	I: scoring.Info{Name: "PHISH_HTML_ATTACHMENT", Family: "phish", Score: 1.0,
		Desc: "Attached HTML file (a local page that can show a fake login)"},
	F: func(in *scoring.Input) (float64, string, bool) {
		for _, a := range in.Msg.Attachments {
			if htmlExts[ext(a.Filename)] || a.Filename != "" && a.Declared == "text/html" {
				return 1, a.Filename, true
			}
		}
		return 0, "", false
	},
}

var svgAttachment = scoring.RuleFunc{
	I: scoring.Info{Name: "PHISH_SVG_ATTACHMENT", Family: "phish", Score: 2.0,
		Desc: "Attached SVG image (can carry script and links)"},
	F: func(in *scoring.Input) (float64, string, bool) {
		for _, a := range in.Msg.Attachments {
			e := ext(a.Filename)
			if e == "svg" || e == "svgz" || a.Declared == "image/svg+xml" || strings.HasPrefix(a.Sniffed, "image/svg") {
				return 1, a.Filename, true
			}
		}
		return 0, "", false
	},
}
