package auth

import (
	"strings"

	"github.com/emersion/go-msgauth/authres"
)

// Results gathers what was checked for one message, for the
// Authentication-Results header. A nil pointer means "not checked" and is
// left out of the header.
type Results struct {
	SPF  *SPFResult // MAIL FROM (or HELO for the null sender)
	HELO *SPFResult // separate HELO check, if any
	// DKIM holds one result per signature; DKIMChecked says verification ran,
	// so that an empty DKIM reads "dkim=none" rather than nothing.
	DKIM        []DKIMResult
	DKIMChecked bool
	DMARC       *DMARCResult
}

// AuthResultsHeader formats the value of an Authentication-Results field
// (RFC 8601) for authservID, on one line, without the field name. Every
// value taken from the message or DNS is reduced to safe printable ASCII.
func AuthResultsHeader(authservID string, rs Results) string {
	var list []authres.Result
	if rs.SPF != nil {
		list = append(list, spfAR(*rs.SPF))
	}
	if rs.HELO != nil {
		h := *rs.HELO
		h.Identity = IdentityHELO
		list = append(list, spfAR(h))
	}
	if rs.DKIMChecked && len(rs.DKIM) == 0 {
		list = append(list, &authres.DKIMResult{Value: authres.ResultNone})
	}
	for _, d := range rs.DKIM {
		list = append(list, dkimAR(d))
	}
	if rs.DMARC != nil {
		list = append(list, dmarcAR(*rs.DMARC))
	}
	s := authres.Format(authservToken(authservID), list)
	// The library leaves a blank before ";" and at the end when a result has
	// no properties.
	s = strings.ReplaceAll(s, " ;", ";")
	return strings.TrimRight(s, " ")
}

// authservToken returns id if it is a plain host-name-like token, else
// "localhost": the authserv-id comes from config and must not break the field.
func authservToken(id string) string {
	id = strings.TrimSuffix(id, ".")
	if id == "" || len(id) > 253 || !isAlnum(id[0]) {
		return "localhost"
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isAlnum(c) && c != '.' && c != '-' && c != '_' {
			return "localhost"
		}
	}
	return id
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func spfAR(r SPFResult) authres.Result {
	out := &authres.SPFResult{Value: authres.ResultValue(r.Status), Reason: clean(r.Reason, maxReason)}
	if r.Identity == IdentityHELO {
		out.Helo = clean(r.Sender, 255)
	} else {
		out.From = clean(r.Sender, 320)
	}
	return out
}

func dkimAR(d DKIMResult) authres.Result {
	return &authres.GenericResult{
		Method: "dkim",
		Value:  authres.ResultValue(d.Status),
		Params: map[string]string{
			"reason":   clean(d.Reason, maxReason),
			"header.d": clean(d.Domain, 253),
			"header.i": clean(d.Identifier, 255),
			"header.s": clean(d.Selector, 63),
			"header.a": clean(d.Algorithm, 32),
			"header.b": clean(d.BPrefix, 8),
		},
	}
}

func dmarcAR(d DMARCResult) authres.Result {
	reason := d.Reason
	if d.Status == DMARCFail || d.Status == DMARCPass {
		reason = ""
	}
	p := map[string]string{
		"reason":      clean(reason, maxReason),
		"header.from": clean(d.Domain, 253),
	}
	if d.Policy != "" {
		p["policy.dmarc"] = string(d.Policy)
	}
	return &authres.GenericResult{Method: "dmarc", Value: authres.ResultValue(d.Status), Params: p}
}

// IsOurAuthResults reports whether an Authentication-Results field value
// (as received, leading blank and folding included) claims authservID. Such
// fields are forged or stale and must be removed before ours is added (RFC
// 8601 §5). Junk that cannot be parsed is read as leniently as possible: the
// first word before ";" after comments are dropped.
func IsOurAuthResults(value, authservID string) bool {
	want := strings.TrimSuffix(strings.TrimSpace(authservID), ".")
	if want == "" {
		return false
	}
	if id, ok := parseAuthservID(value); ok && strings.EqualFold(id, want) {
		return true
	}
	return strings.EqualFold(lenientAuthservID(value), want)
}

// parseAuthservID uses the library's parser, guarded against panics.
func parseAuthservID(value string) (id string, ok bool) {
	defer func() {
		if recover() != nil {
			id, ok = "", false
		}
	}()
	id, _, err := authres.Parse(strings.TrimSpace(value))
	if id == "" && err != nil {
		return "", false
	}
	return strings.TrimSuffix(strings.Trim(id, `"`), "."), true
}

// lenientAuthservID extracts the authserv-id by hand: comments removed,
// text before the first ";", first word, quotes and a final dot dropped.
func lenientAuthservID(value string) string {
	s := stripComments(value)
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.TrimSuffix(strings.Trim(f[0], `"`), ".")
}

// stripComments removes RFC 5322 comments (nested, with quoted-pairs),
// replacing each by a blank.
func stripComments(s string) string {
	var b strings.Builder
	depth, esc := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case c == '\\' && depth > 0:
			esc = true
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}
