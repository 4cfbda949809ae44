package auth

import (
	"context"
	"errors"
	"strings"

	"github.com/emersion/go-msgauth/dmarc"
)

// DMARCStatus is the DMARC verdict (RFC 7489 §11.2 / RFC 8601 words).
type DMARCStatus string

// DMARC results.
const (
	DMARCPass      DMARCStatus = "pass"      // an aligned SPF pass or DKIM signature
	DMARCFail      DMARCStatus = "fail"      // neither: see Policy
	DMARCNone      DMARCStatus = "none"      // no usable record: DMARC does not apply
	DMARCTempError DMARCStatus = "temperror" // the record could not be fetched now
	DMARCPermError DMARCStatus = "permerror" // the record is malformed
)

// DMARCPolicy is the requested treatment of failing mail.
type DMARCPolicy string

// DMARC policies.
const (
	PolicyNone       DMARCPolicy = "none"
	PolicyQuarantine DMARCPolicy = "quarantine"
	PolicyReject     DMARCPolicy = "reject"
)

// DMARCResult is the outcome of DMARC evaluation for one From domain.
type DMARCResult struct {
	Status DMARCStatus
	// Domain is the From domain evaluated; RecordDomain is where the record
	// was found (Domain or its organizational domain).
	Domain       string
	RecordDomain string
	// Policy is the policy that applies to this message when a record was
	// found: sp= for a subdomain covered by its organizational domain's
	// record, otherwise p=. It is reported for passing mail too.
	Policy DMARCPolicy
	// Percent is pct= (100 when absent). The policy is reported unchanged
	// whatever the percentage; no sampling is done (see docs/auth.md).
	Percent int
	// SPFAligned and DKIMAligned say which identifier made the message pass.
	SPFAligned  bool
	DKIMAligned bool
	// Reason explains none, temperror and permerror.
	Reason string
}

// EvaluateDMARC looks up the DMARC record for fromDomain (the author's
// domain, RFC5322.From) and evaluates spf and dkim against it. mailFromDomain
// is the envelope sender's domain; when empty, spf.Domain (the domain SPF
// actually checked, the HELO name for the null sender) is used.
func EvaluateDMARC(ctx context.Context, r Resolver, fromDomain string, spf SPFResult, mailFromDomain string, dkimRes []DKIMResult) DMARCResult {
	res := DMARCResult{Domain: clean(fromDomain, 253)}
	from := normDomain(fromDomain)
	if from == "" {
		res.Status, res.Reason = DMARCNone, "no usable From domain"
		return res
	}
	res.Domain = from
	rec, at, why := discoverDMARC(ctx, normResolver{r}, from)
	if rec == nil {
		res.Status, res.Reason = why.status, why.reason
		return res
	}
	res.RecordDomain = at
	res.Policy = DMARCPolicy(rec.Policy)
	if at != from && rec.SubdomainPolicy != "" {
		res.Policy = DMARCPolicy(rec.SubdomainPolicy)
	}
	res.Percent = 100
	if rec.Percent != nil {
		res.Percent = *rec.Percent
	}
	spfDom := normDomain(mailFromDomain)
	if spfDom == "" {
		spfDom = spf.Domain
	}
	res.SPFAligned = spf.Status == SPFPass && aligned(spfDom, from, rec.SPFAlignment)
	for _, d := range dkimRes {
		if d.Status == DKIMValid && aligned(normDomain(d.Domain), from, rec.DKIMAlignment) {
			res.DKIMAligned = true
			break
		}
	}
	res.Status = DMARCFail
	if res.SPFAligned || res.DKIMAligned {
		res.Status = DMARCPass
	}
	return res
}

// aligned compares an authenticated domain with the From domain in strict
// (exact) or relaxed (same organizational domain) mode (RFC 7489 §3.1).
func aligned(d, from string, mode dmarc.AlignmentMode) bool {
	if d == "" {
		return false
	}
	if d == from {
		return true
	}
	return mode != dmarc.AlignmentStrict && orgDomain(d) == orgDomain(from)
}

// outcome is why discovery found no record.
type outcome struct {
	status DMARCStatus
	reason string
}

// discoverDMARC finds the record at _dmarc.<from>, then at the organizational
// domain (RFC 7489 §6.6.3). It returns the parsed record and where it was
// found, or why there is none.
func discoverDMARC(ctx context.Context, r Resolver, from string) (*dmarc.Record, string, outcome) {
	names := []string{from}
	if org := orgDomain(from); org != from {
		names = append(names, org)
	}
	for _, name := range names {
		rec, o := fetchDMARC(ctx, r, name)
		if rec != nil {
			return rec, name, o
		}
		if o.status != DMARCNone {
			return nil, name, o
		}
	}
	return nil, "", outcome{DMARCNone, "no DMARC record"}
}

// fetchDMARC reads and parses the record of one domain.
func fetchDMARC(ctx context.Context, r Resolver, domain string) (*dmarc.Record, outcome) {
	txts, err := r.LookupTXT(ctx, "_dmarc."+domain)
	if err != nil {
		if isNotFound(err) {
			return nil, outcome{DMARCNone, "no DMARC record"}
		}
		return nil, outcome{DMARCTempError, clean(err.Error(), maxReason)}
	}
	var recs []string
	for _, t := range txts {
		if isDMARCRecord(t) {
			recs = append(recs, t)
		}
	}
	switch len(recs) {
	case 0:
		return nil, outcome{DMARCNone, "no DMARC record"}
	case 1:
	default: // RFC 7489 §6.6.3: several records mean no policy.
		return nil, outcome{DMARCNone, "several DMARC records"}
	}
	rec, err := parseDMARC(recs[0])
	if err != nil {
		return nil, outcome{DMARCPermError, clean(strings.TrimPrefix(err.Error(), "dmarc: "), maxReason)}
	}
	return rec, outcome{}
}

// isDMARCRecord reports whether a TXT string starts with the v=DMARC1 tag
// (RFC 7489 §6.6.3: others are discarded). The value is case-sensitive.
func isDMARCRecord(t string) bool {
	t = strings.TrimLeft(t, " \t")
	if !strings.HasPrefix(t, "v") {
		return false
	}
	t = strings.TrimLeft(t[1:], " \t")
	if !strings.HasPrefix(t, "=") {
		return false
	}
	t = strings.TrimLeft(t[1:], " \t")
	if !strings.HasPrefix(t, "DMARC1") {
		return false
	}
	t = strings.TrimLeft(t[len("DMARC1"):], " \t")
	return t == "" || t[0] == ';'
}

// maxDMARCRecord bounds the record parsed; real ones are under 1 KB.
const maxDMARCRecord = 4096

// parseDMARC parses a record with the library after lower-casing the values
// that RFC 7489's ABNF makes case-insensitive (p=Reject is valid).
func parseDMARC(txt string) (rec *dmarc.Record, err error) {
	if len(txt) > maxDMARCRecord {
		return nil, errors.New("record too long")
	}
	defer func() {
		if p := recover(); p != nil {
			rec, err = nil, errors.New("internal error parsing the record")
		}
	}()
	parts := strings.Split(txt, ";")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "p", "sp", "adkim", "aspf", "rf", "fo":
			parts[i] = k + "=" + strings.ToLower(v)
		}
	}
	return dmarc.Parse(strings.Join(parts, ";"))
}
