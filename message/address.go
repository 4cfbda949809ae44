package message

import (
	"io"
	"mime"
	"net/mail"
	"strings"
)

// wordDecoder decodes encoded words in display names with every charset
// this package knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: func(label string, r io.Reader) (io.Reader, error) {
	enc, utf, ok := lookupCharset(label)
	switch {
	case utf:
		return r, nil
	case !ok:
		return nil, errUnknownCharset
	}
	return enc.NewDecoder().Reader(r), nil
}}

type charsetError string

func (e charsetError) Error() string { return string(e) }

const errUnknownCharset = charsetError("unknown charset")

var addrParser = &mail.AddressParser{WordDecoder: wordDecoder}

// parseAddresses parses an address-list field value. net/mail is tried
// first; when it fails, as it does on much real mail, addresses are
// extracted leniently.
func parseAddresses(raw string) []Address {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	if list, err := addrParser.ParseList(raw); err == nil && len(list) > 0 {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			name, _ := decodeHeader(a.Name)
			out = append(out, newAddress(name, a.Address))
		}
		return out
	}
	return lenientAddresses(raw)
}

func newAddress(name, addr string) Address {
	a := Address{Name: name, Addr: addr}
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		a.Domain = strings.ToLower(strings.TrimRight(addr[i+1:], ". >"))
	}
	return a
}

// lenientAddresses extracts "Name <addr>" and bare "addr" entries from a
// value that is not RFC 5322, splitting on commas and semicolons outside
// quotes and angle brackets.
func lenientAddresses(raw string) []Address {
	var out []Address
	for _, item := range splitAddressList(raw) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if lt := strings.LastIndexByte(item, '<'); lt >= 0 {
			gt := strings.IndexByte(item[lt:], '>')
			addr := item[lt+1:]
			if gt >= 0 {
				addr = item[lt+1 : lt+gt]
			}
			name := strings.Trim(strings.TrimSpace(item[:lt]), `"' `)
			name, _ = decodeHeader(name)
			out = append(out, newAddress(name, strings.TrimSpace(addr)))
			continue
		}
		out = append(out, bareAddress(item))
	}
	return out
}

// bareAddress handles an item without angle brackets: the word holding an
// '@' is the address, the rest (quotes and parentheses removed) the name.
func bareAddress(item string) Address {
	words := strings.Fields(item)
	addr, name := "", make([]string, 0, len(words))
	for _, w := range words {
		if addr == "" && strings.Contains(w, "@") {
			addr = strings.Trim(w, `"'()<>,;`)
			continue
		}
		name = append(name, w)
	}
	if addr == "" {
		n, _ := decodeHeader(strings.Trim(item, `"' `))
		return Address{Name: n}
	}
	n, _ := decodeHeader(strings.Trim(strings.Join(name, " "), `"'() `))
	return newAddress(n, addr)
}

func splitAddressList(s string) []string {
	var out []string
	inQuote, inAngle := false, false
	last := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case c == '<' && !inQuote:
			inAngle = true
		case c == '>' && !inQuote:
			inAngle = false
		case (c == ',' || c == ';') && !inQuote && !inAngle:
			out = append(out, s[last:i])
			last = i + 1
		}
	}
	if last < len(s) {
		out = append(out, s[last:])
	}
	return out
}
