package message

import (
	"net/netip"
	"strings"
)

// Hop is what one Received field says about the connection it records.
type Hop struct {
	Helo string     // the name the client gave, lower-cased ("" when unknown)
	RDNS string     // the reverse-DNS name the receiver recorded, lower-cased ("" when none: "unknown", an address)
	IP   netip.Addr // the client address, invalid when none was recorded
	// Recorded says the receiver wrote a "(...)" comment about the client
	// after the first word, as MTAs do for an SMTP connection (web mail's
	// "from IP by host with HTTP" and scanners' "from IP by host" do not).
	Recorded bool
	// Stamp is the text after the last ';', the date ("" when none).
	Stamp string
}

// ParseHop reads the common Received shapes of Postfix, Sendmail, qmail,
// Exim and Exchange: "from HELO (RDNS [IP])", "from RDNS (HELO x) (IP)",
// "from RDNS ([IP] helo=x)" and "from HELO ([IP])". Fields it cannot read
// give a Hop with empty names and an invalid IP.
func ParseHop(v string) Hop {
	var h Hop
	if i := strings.LastIndexByte(v, ';'); i >= 0 {
		h.Stamp = v[i+1:]
		v = v[:i]
	}
	low := strings.ToLower(strings.TrimLeft(v, " \t\r\n"))
	if !strings.HasPrefix(low, "from ") {
		return h
	}
	rest := strings.TrimLeft(low[5:], " \t")
	first, rest := cutWord(rest)
	h.Helo = first
	comment := ""
	if strings.HasPrefix(rest, "(") {
		if j := strings.IndexByte(rest, ')'); j > 0 {
			comment = rest[1:j]
			h.Recorded = true
		}
	}
	// The address is the one the receiver recorded, never a bracketed
	// literal the client chose: in the Postfix and Sendmail forms the first
	// word is the client's HELO ("from [10.0.0.1] (unknown [198.51.100.7])"),
	// so only the comment counts; in the qmail and Exim forms the first word
	// is the receiver's own record and the HELO is in the comment.
	recorded := comment
	if x, ok := afterWord(comment, "helo "); ok {
		h.Helo = x // qmail: "from rdns (HELO helo) (IP)", "from IP (HELO helo)"
		h.RDNS = rdnsName(first)
		recorded = first // the comment holds the client's HELO, perhaps "[10.0.0.1]"
		if a := qmailAddr(first, rest[len(comment)+2:]); a.IsValid() {
			h.IP = a
			return h
		}
	} else if x, ok := afterWord(comment, "helo="); ok {
		h.Helo = x // Exim: "from rdns ([IP] helo=x)", "from [IP] (helo=x)"
		h.RDNS = rdnsName(first)
		recorded = first + " " + comment
	} else {
		w, _ := cutWord(comment)
		h.RDNS = rdnsName(w)
	}
	h.IP = firstBracketIP(recorded)
	return h
}

// rdnsName returns the host name in a receiver's record of the client, ""
// when it recorded none ("unknown", an address or an address literal).
func rdnsName(w string) string {
	w = strings.TrimSuffix(w, ".")
	if at := strings.LastIndexByte(w, '@'); at >= 0 {
		w = w[at+1:] // Sendmail's "ident@host"
	}
	if w == "unknown" || strings.HasPrefix(w, "[") {
		return ""
	}
	if _, err := netip.ParseAddr(w); err == nil {
		return ""
	}
	return w
}

// qmailAddr returns the client address of qmail's form: the unbracketed
// "(IP)" comment it writes after "(HELO x)", else a first word that is an
// address (no reverse DNS). Both are the receiver's words, not the client's.
func qmailAddr(first, after string) netip.Addr {
	after = strings.TrimLeft(after, " \t\r\n")
	if strings.HasPrefix(after, "(") {
		if j := strings.IndexByte(after, ')'); j > 0 {
			if a, err := netip.ParseAddr(strings.Trim(after[1:j], "[]")); err == nil {
				return a
			}
		}
	}
	if a, err := netip.ParseAddr(first); err == nil {
		return a
	}
	return netip.Addr{}
}

func cutWord(s string) (word, rest string) {
	s = strings.TrimLeft(s, " \t\r\n")
	i := strings.IndexAny(s, " \t\r\n")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t\r\n")
}

func afterWord(s, key string) (string, bool) {
	i := strings.Index(s, key)
	if i < 0 {
		return "", false
	}
	w, _ := cutWord(s[i+len(key):])
	return strings.Trim(w, "()"), w != ""
}

// firstBracketIP returns the first "[address]" (or "[IPv6:address]") of s.
func firstBracketIP(s string) netip.Addr {
	for {
		i := strings.IndexByte(s, '[')
		if i < 0 {
			return netip.Addr{}
		}
		j := strings.IndexByte(s[i:], ']')
		if j < 0 {
			return netip.Addr{}
		}
		lit := strings.TrimPrefix(s[i+1:i+j], "ipv6:")
		if a, err := netip.ParseAddr(lit); err == nil {
			return a
		}
		s = s[i+j:]
	}
}
