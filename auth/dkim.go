package auth

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/textproto"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIMStatus is the result of verifying one DKIM signature; the values are
// the words used in Authentication-Results (RFC 8601 §2.7.1).
type DKIMStatus string

// DKIM results.
const (
	DKIMValid     DKIMStatus = "pass"      // the signature verifies
	DKIMInvalid   DKIMStatus = "fail"      // it does not (tampered, wrong key, l= tag)
	DKIMTempError DKIMStatus = "temperror" // the key could not be fetched now
	DKIMPermError DKIMStatus = "permerror" // unusable: bad syntax, no key, bad algorithm
)

// DKIMResult is the outcome of one DKIM-Signature field.
type DKIMResult struct {
	Status DKIMStatus
	// Domain is the signing domain (d=), lower case; Selector is s=.
	Domain   string
	Selector string
	// Identifier is i= (or "@" + d= when absent); Algorithm is a=.
	Identifier string
	Algorithm  string
	// BPrefix is the first 8 characters of b=, which tells signatures of the
	// same domain apart in Authentication-Results (header.b, RFC 6008).
	BPrefix string
	// Reason says why the signature is not valid.
	Reason string
}

// DKIMOptions tune VerifyDKIMWithOptions. The zero value is safe.
type DKIMOptions struct {
	// MaxSignatures is how many DKIM-Signature fields are verified, in header
	// order; the rest are ignored. 0 means DefaultMaxDKIMSignatures.
	MaxSignatures int
}

// DefaultMaxDKIMSignatures bounds the signatures verified per message.
const DefaultMaxDKIMSignatures = 5

// VerifyDKIM verifies the DKIM signatures of a raw message (header and body
// as received, CRLF or LF line ends) and returns one result per signature,
// in header order; none when the message is unsigned. Key lookups use r and
// are bounded by ctx.
func VerifyDKIM(ctx context.Context, r Resolver, raw []byte) []DKIMResult {
	return VerifyDKIMWithOptions(ctx, r, raw, DKIMOptions{})
}

// VerifyDKIMWithOptions is VerifyDKIM with options.
func VerifyDKIMWithOptions(ctx context.Context, r Resolver, raw []byte, o DKIMOptions) []DKIMResult {
	max := o.MaxSignatures
	if max <= 0 {
		max = DefaultMaxDKIMSignatures
	}
	sigs := dkimSignatures(raw, max)
	if len(sigs) == 0 {
		return nil
	}
	nr := normResolver{r}
	vo := &dkim.VerifyOptions{
		MaxVerifications: max,
		LookupTXT: func(name string) ([]string, error) {
			return keyRecords(nr.LookupTXT(ctx, name))
		},
	}
	verifs, err := runDKIM(withHeaderEnd(raw), vo)
	out := make([]DKIMResult, len(sigs))
	for i, s := range sigs {
		out[i] = s
		if i >= len(verifs) || verifs[i] == nil {
			out[i].Status, out[i].Reason = DKIMTempError, "not verified"
			if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
				out[i].Reason = clean(err.Error(), maxReason)
			}
			continue
		}
		classifyDKIM(&out[i], verifs[i].Err)
		if ctx.Err() != nil && out[i].Status != DKIMValid && out[i].Status != DKIMInvalid {
			out[i].Status, out[i].Reason = DKIMTempError, "deadline: "+ctx.Err().Error()
		}
	}
	return out
}

// maxDKIMKeyRecord bounds a key record: a 16384-bit RSA key fits, while a
// key of hundreds of kilobits (possible in a 64 KB DNS answer) would cost
// seconds of CPU per verification.
const maxDKIMKeyRecord = 3072

// keyRecords refuses oversized key records with a permanent error.
func keyRecords(txts []string, err error) ([]string, error) {
	for _, t := range txts {
		if len(t) > maxDKIMKeyRecord {
			return nil, &net.DNSError{Err: "key record too large", Name: "key"}
		}
	}
	return txts, err
}

// runDKIM calls the library with a panic guard.
func runDKIM(raw []byte, vo *dkim.VerifyOptions) (v []*dkim.Verification, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, errors.New("internal error verifying the signatures")
		}
	}()
	return dkim.VerifyWithOptions(bytes.NewReader(raw), vo)
}

// classifyDKIM maps the library's error classes onto a status.
func classifyDKIM(res *DKIMResult, err error) {
	switch {
	case err == nil:
		res.Status = DKIMValid
		return
	case dkim.IsTempFail(err):
		res.Status = DKIMTempError
	case dkim.IsPermFail(err):
		res.Status = DKIMPermError
	default: // signature or body hash mismatch, l= tag
		res.Status = DKIMInvalid
	}
	res.Reason = clean(strings.TrimPrefix(err.Error(), "dkim: "), maxReason)
}

// withHeaderEnd makes sure the header section is terminated: the library
// refuses a message whose header runs to the end of the data.
func withHeaderEnd(raw []byte) []byte {
	if bytes.HasPrefix(raw, []byte("\r\n")) || bytes.HasPrefix(raw, []byte("\n")) ||
		bytes.Contains(raw, []byte("\n\r\n")) || bytes.Contains(raw, []byte("\n\n")) {
		return raw
	}
	out := make([]byte, 0, len(raw)+4)
	out = append(out, raw...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, "\r\n"...)
	}
	return append(out, "\r\n"...)
}

// dkimSignatures finds the first max DKIM-Signature fields the way the
// library does (same line reader, same unfolding) and reads the tags the
// library does not report (s=, a=, b=).
func dkimSignatures(raw []byte, max int) []DKIMResult {
	tr := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	var fields []string
	for {
		l, err := tr.ReadLine()
		if err != nil || l == "" {
			break
		}
		if len(fields) > 0 && (l[0] == ' ' || l[0] == '\t') {
			fields[len(fields)-1] += l
			continue
		}
		fields = append(fields, l)
	}
	var out []DKIMResult
	for _, f := range fields {
		k, v, _ := strings.Cut(f, ":")
		if !strings.EqualFold(strings.TrimSpace(k), "DKIM-Signature") {
			continue
		}
		out = append(out, dkimTags(v))
		if len(out) == max {
			break
		}
	}
	return out
}

// dkimTags reads d=, s=, i=, a= and the start of b= from a signature value,
// leniently: a broken tag list still yields what could be read.
func dkimTags(v string) DKIMResult {
	var r DKIMResult
	for _, part := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		val = stripWSP(val)
		switch strings.TrimSpace(k) {
		case "d":
			r.Domain = clean(strings.ToLower(val), 253)
		case "s":
			r.Selector = clean(val, 63)
		case "i":
			r.Identifier = clean(val, 255)
		case "a":
			r.Algorithm = clean(strings.ToLower(val), 32)
		case "b":
			r.BPrefix = clean(val[:min(len(val), 8)], 8)
		}
	}
	if r.Identifier == "" && r.Domain != "" {
		r.Identifier = "@" + r.Domain
	}
	return r
}

func stripWSP(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
}
