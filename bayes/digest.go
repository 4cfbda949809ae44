package bayes

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// digestFields are the header fields the author's software writes. Relays
// add Received, Return-Path, Delivered-To, DKIM and ARC signatures,
// Authentication-Results and X-Spam-* fields, and sometimes re-fold lines;
// none of that changes the digest.
var digestFields = []string{"from", "to", "cc", "subject", "date", "message-id"}

// Digest returns the identity of a raw message for learning: "v1:" and the
// hex SHA-256 of the whitespace-normalised values of From, To, Cc, Subject,
// Date and Message-ID, in that order, and of the body with line ends made
// LF and trailing white space removed from lines and from the end. The same
// message relayed twice, or learned once from a Maildir and once from an
// mbox, has the same digest.
func Digest(raw []byte) string {
	head, body := splitRaw(raw)
	values := make(map[string]string, len(digestFields))
	for _, line := range unfold(head) {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		for _, f := range digestFields {
			if f == name {
				values[name] += " " + strings.Join(strings.Fields(value), " ")
			}
		}
	}
	h := sha256.New()
	for _, f := range digestFields {
		h.Write([]byte(f + ":" + strings.TrimSpace(values[f]) + "\n"))
	}
	h.Write([]byte{0})
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		h.Write(bytes.TrimRight(line, " \t\r"))
		h.Write([]byte{'\n'})
	}
	return "v1:" + hex.EncodeToString(h.Sum(nil))
}

// splitRaw splits raw at the first empty line; trailing blank lines of the
// body are dropped.
func splitRaw(raw []byte) (head, body []byte) {
	i := bytes.Index(raw, []byte("\n\n"))
	j := bytes.Index(raw, []byte("\n\r\n"))
	switch {
	case i < 0 && j < 0:
		return raw, nil
	case j >= 0 && (i < 0 || j < i):
		head, body = raw[:j], raw[j+3:]
	default:
		head, body = raw[:i], raw[i+2:]
	}
	return head, bytes.TrimRight(body, " \t\r\n")
}

// unfold returns the logical header lines of head.
func unfold(head []byte) []string {
	var out []string
	for _, l := range strings.Split(string(head), "\n") {
		l = strings.TrimRight(l, "\r")
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(out) > 0 {
			out[len(out)-1] += " " + strings.TrimSpace(l)
			continue
		}
		out = append(out, l)
	}
	return out
}
