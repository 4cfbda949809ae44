package auth

// RuleInfo describes one rule name the auth results can fire, with suggested
// default points (negative for authenticated mail, positive for failures, 0
// where the result is unknown). The caller registers them as ordinary rules;
// config may override the points.
type RuleInfo struct {
	Name   string
	Points float64
	Desc   string
}

// Rules is every name SPFRule, HELORule, DKIMRules and DMARCRule can return.
// The points are starting values, to be fitted on the corpus.
var Rules = []RuleInfo{
	{"SPF_PASS", -0.1, "SPF: the client is authorised to send for the envelope sender domain"},
	{"SPF_FAIL", 1.0, "SPF: the envelope sender domain says the client may not send for it"},
	{"SPF_SOFTFAIL", 0.7, "SPF: the envelope sender domain says the client is probably not allowed"},
	{"SPF_NEUTRAL", 0.2, "SPF: the envelope sender domain makes no assertion about the client"},
	{"SPF_NONE", 0.1, "SPF: the envelope sender domain publishes no SPF record"},
	{"SPF_TEMPERROR", 0, "SPF: the envelope sender's record could not be fetched (unknown)"},
	{"SPF_PERMERROR", 0.2, "SPF: the envelope sender's record is broken or needs too many lookups"},
	{"SPF_HELO_PASS", -0.05, "SPF: the client is authorised to use its HELO name"},
	{"SPF_HELO_FAIL", 0.5, "SPF: the HELO domain says the client may not use that name"},
	{"SPF_HELO_SOFTFAIL", 0.3, "SPF: the HELO domain says the client is probably not allowed"},
	{"SPF_HELO_NEUTRAL", 0.1, "SPF: the HELO domain makes no assertion about the client"},
	{"SPF_HELO_NONE", 0.05, "SPF: the HELO name publishes no SPF record or is not a domain"},
	{"SPF_HELO_TEMPERROR", 0, "SPF: the HELO name's record could not be fetched (unknown)"},
	{"SPF_HELO_PERMERROR", 0.1, "SPF: the HELO name's record is broken or needs too many lookups"},
	{"DKIM_VALID", -0.1, "DKIM: the message has at least one valid signature"},
	{"DKIM_VALID_AU", -0.5, "DKIM: a valid signature from the author's (From) organisational domain"},
	{"DKIM_INVALID", 0.5, "DKIM: signed, but no signature is valid (tampered, broken or no key)"},
	{"DKIM_NONE", 0.1, "DKIM: the message is not signed"},
	{"DKIM_TEMPERROR", 0, "DKIM: a signing key could not be fetched (unknown)"},
	{"DMARC_PASS", -0.5, "DMARC: the From domain is authenticated by aligned SPF or DKIM"},
	{"DMARC_REJECT", 4.0, "DMARC: fails, and the From domain asks to reject such mail"},
	{"DMARC_QUARANTINE", 2.5, "DMARC: fails, and the From domain asks to quarantine such mail"},
	{"DMARC_NONE_POLICY", 0.5, "DMARC: fails; the From domain only monitors (p=none)"},
	{"DMARC_MISSING", 0.1, "DMARC: the From domain publishes no DMARC record"},
	{"DMARC_TEMPERROR", 0, "DMARC: the From domain's record could not be fetched (unknown)"},
	{"DMARC_PERMERROR", 0, "DMARC: the From domain's record is malformed"},
}

// SPFRule is the rule name for the MAIL FROM check (SPF_PASS, SPF_FAIL, ...);
// "" for an unknown status.
func SPFRule(r SPFResult) string {
	return spfRule("SPF_", r.Status)
}

// HELORule is the rule name for a separate HELO check (SPF_HELO_PASS, ...).
func HELORule(r SPFResult) string {
	return spfRule("SPF_HELO_", r.Status)
}

func spfRule(prefix string, s SPFStatus) string {
	switch s {
	case SPFPass, SPFFail, SPFSoftFail, SPFNeutral, SPFNone, SPFTempError, SPFPermError:
		return prefix + upper(string(s))
	}
	return ""
}

// DKIMRules are the names for the signatures of one message: DKIM_NONE when
// unsigned; DKIM_VALID when one signature is valid, plus DKIM_VALID_AU when
// such a signature's domain shares the From domain's organisational domain;
// otherwise DKIM_INVALID (a signature failed or is unusable) and/or
// DKIM_TEMPERROR (a key could not be fetched).
func DKIMRules(res []DKIMResult, fromDomain string) []string {
	if len(res) == 0 {
		return []string{"DKIM_NONE"}
	}
	from := normDomain(fromDomain)
	var valid, au, invalid, temp bool
	for _, r := range res {
		switch r.Status {
		case DKIMValid:
			valid = true
			if from != "" && aligned(normDomain(r.Domain), from, "r") {
				au = true
			}
		case DKIMInvalid, DKIMPermError:
			invalid = true
		case DKIMTempError:
			temp = true
		}
	}
	switch {
	case au:
		return []string{"DKIM_VALID", "DKIM_VALID_AU"}
	case valid:
		return []string{"DKIM_VALID"}
	}
	var out []string
	if invalid {
		out = append(out, "DKIM_INVALID")
	}
	if temp {
		out = append(out, "DKIM_TEMPERROR")
	}
	return out
}

// DMARCRule is the name for a DMARC result: DMARC_PASS; DMARC_REJECT,
// DMARC_QUARANTINE or DMARC_NONE_POLICY for a failure by the applicable
// policy; DMARC_MISSING, DMARC_TEMPERROR, DMARC_PERMERROR.
func DMARCRule(r DMARCResult) string {
	switch r.Status {
	case DMARCPass:
		return "DMARC_PASS"
	case DMARCFail:
		switch r.Policy {
		case PolicyReject:
			return "DMARC_REJECT"
		case PolicyQuarantine:
			return "DMARC_QUARANTINE"
		}
		return "DMARC_NONE_POLICY"
	case DMARCNone:
		return "DMARC_MISSING"
	case DMARCTempError:
		return "DMARC_TEMPERROR"
	case DMARCPermError:
		return "DMARC_PERMERROR"
	}
	return ""
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
