package dnsbl

// The built-in zone set: well-known public lists, every one disabled.
// Turning one on is the admin's decision because each operator has usage
// terms; the notes in Terms summarise them as published by the operators
// when this was written. Read the operator's current terms before enabling.
//
// Return codes are those the operators document. A code without a name in
// Codes fires the zone's Rule (see Zone.IgnoreUnnamed).

// DefaultZones returns the built-in zone set (fresh copies, all disabled).
func DefaultZones() []Zone {
	return []Zone{
		{
			// Spamhaus ZEN = SBL + CSS + XBL + PBL in one query.
			Name: "zen", Domain: "zen.spamhaus.org", Kind: Block, Target: IPs, IPv6: true,
			Rule: "RCVD_IN_ZEN",
			Codes: map[string]string{
				"127.0.0.2":  "RCVD_IN_SBL",      // Spamhaus Block List: spam sources
				"127.0.0.3":  "RCVD_IN_SBL_CSS",  // CSS: snowshoe spam sources
				"127.0.0.4":  "RCVD_IN_XBL",      // XBL: exploited hosts (CBL data)
				"127.0.0.9":  "RCVD_IN_SBL_DROP", // DROP/EDROP: hijacked netblocks
				"127.0.0.10": "RCVD_IN_PBL",      // PBL, ISP maintained: end-user ranges
				"127.0.0.11": "RCVD_IN_PBL",      // PBL, Spamhaus maintained
			},
			// 127.255.255.252 typing error, .254 public/open resolver,
			// .255 excessive queries: all in 127.255.255.0/24 (Blocked).
			Terms: "Free only for low-volume, non-commercial use, and never through public " +
				"resolvers (8.8.8.8, 1.1.1.1, ...), which Spamhaus answers with 127.255.255.254. " +
				"Commercial or high-volume sites need the Spamhaus Data Query Service.",
		},
		{
			Name: "spamcop", Domain: "bl.spamcop.net", Kind: Block, Target: IPs,
			Rule:  "RCVD_IN_SPAMCOP",
			Codes: map[string]string{"127.0.0.2": "RCVD_IN_SPAMCOP"},
			Terms: "Free to query. SpamCop lists on user reports and delists quickly; its " +
				"operators advise scoring rather than rejecting on it alone.",
		},
		{
			Name: "barracuda", Domain: "b.barracudacentral.org", Kind: Block, Target: IPs,
			Rule:  "RCVD_IN_BARRACUDA",
			Codes: map[string]string{"127.0.0.2": "RCVD_IN_BARRACUDA"},
			Terms: "Free, but the IP addresses of the DNS servers that query it must be " +
				"registered with Barracuda Central first; unregistered queries may get no answer.",
		},
		{
			Name: "uceprotect1", Domain: "dnsbl-1.uceprotect.net", Kind: Block, Target: IPs,
			Rule:  "RCVD_IN_UCEPROTECT1",
			Codes: map[string]string{"127.0.0.2": "RCVD_IN_UCEPROTECT1"},
			Terms: "Level 1 lists single IPs only (levels 2 and 3 list whole networks and are " +
				"not recommended for scoring). Free DNS queries within the operator's volume " +
				"limits; heavy users are expected to mirror the zone (rsync).",
		},
		{
			// dnswl.org answers 127.0.<category>.<trust>; the trust level
			// in the last octet is what matters for scoring.
			Name: "dnswl", Domain: "list.dnswl.org", Kind: Allow, Target: IPs, IPv6: true,
			Rule: "RCVD_IN_DNSWL", Match: MatchLastOctet,
			Codes: map[string]string{
				"0": "RCVD_IN_DNSWL_NONE", // known sender, no trust statement
				"1": "RCVD_IN_DNSWL_LOW",
				"2": "RCVD_IN_DNSWL_MED",
				"3": "RCVD_IN_DNSWL_HI",
			},
			Blocked: []string{"127.0.0.255"}, // excessive queries or public resolver
			Terms: "Free for low query volumes and non-commercial use; above the published " +
				"limit a subscription (or a data feed to mirror) is required.",
		},
		{
			Name: "mspike", Domain: "bl.mailspike.net", Kind: Block, Target: IPs,
			Rule: "RCVD_IN_MSPIKE",
			Codes: map[string]string{
				"127.0.0.2":  "RCVD_IN_MSPIKE_BL", // on the blocklist
				"127.0.0.10": "RCVD_IN_MSPIKE_L5", // worst reputation
				"127.0.0.11": "RCVD_IN_MSPIKE_L4",
				"127.0.0.12": "RCVD_IN_MSPIKE_L3",
				"127.0.0.13": "RCVD_IN_MSPIKE_L2",
				"127.0.0.14": "RCVD_IN_MSPIKE_L1",
			},
			Terms: "Free for low-volume, non-commercial use; commercial use needs a licence.",
		},
		{
			Name: "mspike-wl", Domain: "wl.mailspike.net", Kind: Allow, Target: IPs,
			Rule: "RCVD_IN_MSPIKE_WL",
			Codes: map[string]string{
				"127.0.0.18": "RCVD_IN_MSPIKE_H3", // good reputation
				"127.0.0.19": "RCVD_IN_MSPIKE_H4",
				"127.0.0.20": "RCVD_IN_MSPIKE_H5", // excellent reputation
			},
			Terms: "Same terms as bl.mailspike.net.",
		},
		{
			Name: "dbl", Domain: "dbl.spamhaus.org", Kind: Block, Target: Domains,
			Rule: "URIBL_DBL",
			Codes: map[string]string{
				"127.0.1.2":   "URIBL_DBL_SPAM",
				"127.0.1.4":   "URIBL_DBL_PHISH",
				"127.0.1.5":   "URIBL_DBL_MALWARE",
				"127.0.1.6":   "URIBL_DBL_BOTNETCC",
				"127.0.1.102": "URIBL_DBL_ABUSE_SPAM", // abused legitimate domains
				"127.0.1.103": "URIBL_DBL_ABUSE_REDIR",
				"127.0.1.104": "URIBL_DBL_ABUSE_PHISH",
				"127.0.1.105": "URIBL_DBL_ABUSE_MALW",
				"127.0.1.106": "URIBL_DBL_ABUSE_BOTCC",
			},
			Blocked: []string{"127.0.1.255"}, // IP queries are not allowed
			Terms:   "Same terms as Spamhaus ZEN: low-volume non-commercial use, no public resolvers.",
		},
		{
			// SURBL answers a bit mask on the last octet.
			Name: "surbl", Domain: "multi.surbl.org", Kind: Block, Target: Domains, URIIPs: true,
			Rule: "URIBL_SURBL", Match: MatchBits,
			Codes: map[string]string{
				"8":   "URIBL_SURBL_PH",    // phishing
				"16":  "URIBL_SURBL_MW",    // malware
				"64":  "URIBL_SURBL_ABUSE", // spam and abuse
				"128": "URIBL_SURBL_CR",    // cracked sites
			},
			TestListed: "test.surbl.org",
			Terms:      "Free for low-volume use (small sites); larger sites need a data feed subscription.",
		},
		{
			// URIBL answers a bit mask; 127.0.0.1 means "query refused".
			Name: "uribl", Domain: "multi.uribl.com", Kind: Block, Target: Domains,
			Rule: "URIBL_URIBL", Match: MatchBits, IgnoreUnnamed: true,
			Codes: map[string]string{
				"2": "URIBL_BLACK",
				"4": "URIBL_GREY",
				"8": "URIBL_RED",
			},
			Blocked:    []string{"127.0.0.1"},
			TestListed: "test.uribl.com",
			Terms: "Free for low-volume use; heavy or commercial users need a data feed. " +
				"Queries through public resolvers are refused (127.0.0.1).",
		},
	}
}
