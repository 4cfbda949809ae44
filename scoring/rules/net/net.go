// Package net turns the outcome of the DNS checks into ordinary named
// rules: the DNS lists (DNSBL, DNSWL, URIBL) configured in the zones file,
// and SPF, DKIM and DMARC. The lookups themselves are done by the pipeline
// before the rules run, concurrently and under the message's deadline, and
// arrive in scoring.Input.Net; these rules do no I/O.
//
// The list names come from the configuration, so the family is built from
// the zones (Rules) rather than registered once. A listing in a block list
// defaults to BlockPoints, in an allow list to AllowPoints; the <RULE>_FAIL
// (lookup failed: unknown) and <RULE>_BLOCKED (the operator refuses our
// resolver) names are worth 0 points. [scores] overrides any of them.
package net

import (
	"context"
	"strings"

	"github.com/mailsift/mailsift/auth"
	"github.com/mailsift/mailsift/dnsbl"
	"github.com/mailsift/mailsift/scoring"
)

// Family is the family name of every rule here.
const Family = "net"

// Default points of a listing, before [scores] overrides.
const (
	BlockPoints = 2.0
	AllowPoints = -2.0
)

type rule struct {
	infos []scoring.Info
	names map[string]bool
}

// Rules returns the family for zones: one rule emitting every name in
// scoring.Input.Net that it declares. Names shared by several zones are
// declared once, by the first zone.
func Rules(zones []dnsbl.Zone) []scoring.Rule {
	r := &rule{names: map[string]bool{}}
	add := func(in scoring.Info) {
		if r.names[in.Name] {
			return
		}
		in.Family, in.Needs = Family, scoring.NeedNet
		r.names[in.Name] = true
		r.infos = append(r.infos, in)
	}
	for _, z := range zones {
		for _, in := range zoneInfos(z) {
			add(in)
		}
	}
	for _, a := range auth.Rules {
		add(scoring.Info{Name: a.Name, Score: a.Points, Desc: a.Desc})
	}
	for _, in := range SenderRules {
		add(in)
	}
	return []scoring.Rule{r}
}

// Unknowns maps every name that says "this check failed: unknown" (a
// zone's <RULE>_FAIL, SPF_TEMPERROR, RDNS_TEMPERROR, ...) to the outcomes
// the check could have had: alternatives, each the set of names that fire
// together. The pipeline sums each set's points to bound what a failed
// check could have added or taken away (degraded verdicts).
func Unknowns(zones []dnsbl.Zone) map[string][][]string {
	out := map[string][][]string{}
	for _, z := range zones {
		var names []string
		for _, n := range z.RuleNames() {
			if n != z.FailRule() && n != z.BlockedRule() {
				names = append(names, n)
			}
		}
		out[z.FailRule()] = append(out[z.FailRule()], alternatives(names, z.Match == dnsbl.MatchBits)...)
	}
	var spf, helo, dmarc []string
	for _, a := range auth.Rules {
		switch {
		case strings.HasSuffix(a.Name, "ERROR"):
		case strings.HasPrefix(a.Name, "SPF_HELO_"):
			helo = append(helo, a.Name)
		case strings.HasPrefix(a.Name, "SPF_"):
			spf = append(spf, a.Name)
		case strings.HasPrefix(a.Name, "DMARC_"):
			dmarc = append(dmarc, a.Name)
		}
	}
	out["SPF_TEMPERROR"] = alternatives(spf, false)
	out["SPF_HELO_TEMPERROR"] = alternatives(helo, false)
	out["DMARC_TEMPERROR"] = alternatives(dmarc, false)
	out["DKIM_TEMPERROR"] = [][]string{{"DKIM_INVALID"}, {"DKIM_VALID", "DKIM_VALID_AU"}}
	for k, v := range senderUnknowns {
		out[k] = v
	}
	return out
}

// alternatives is names as exclusive outcomes, or as one set when they can
// all fire together (bit-mask answers).
func alternatives(names []string, together bool) [][]string {
	if together {
		return [][]string{names}
	}
	out := make([][]string, len(names))
	for i, n := range names {
		out[i] = []string{n}
	}
	return out
}

// Metas returns the family's meta rules (none).
func Metas() []*scoring.Meta { return nil }

// zoneInfos describes every name zone z may fire.
func zoneInfos(z dnsbl.Zone) []scoring.Info {
	what := "Client IP"
	if z.Target == dnsbl.Domains {
		what = "A URI domain"
	}
	listed := what + " listed by " + z.Name + " (" + z.Domain + ")"
	codes := map[string]string{}
	for code, name := range z.Codes {
		if c, ok := codes[name]; !ok || code < c {
			codes[name] = code
		}
	}
	var out []scoring.Info
	for _, name := range z.RuleNames() {
		in := scoring.Info{Name: name, Score: listingPoints(z, name), Desc: listed}
		switch name {
		case z.FailRule():
			in.Score, in.Desc = 0, "Lookup in "+z.Name+" ("+z.Domain+") failed: unknown, no points"
		case z.BlockedRule():
			in.Score, in.Desc = 0, z.Name+" ("+z.Domain+") refuses our resolver: no answer, no points"
		default:
			if c, ok := codes[name]; ok {
				in.Desc += ", answer " + c
			}
		}
		out = append(out, in)
	}
	return out
}

// listingPoints is the default for a listing: BlockPoints or AllowPoints,
// 0 for an allow list's "no trust statement" level (a name ending _NONE).
func listingPoints(z dnsbl.Zone, name string) float64 {
	if z.Kind == dnsbl.Allow {
		if strings.HasSuffix(name, "_NONE") {
			return 0
		}
		return AllowPoints
	}
	return BlockPoints
}

func (r *rule) Info() []scoring.Info { return r.infos }

func (r *rule) Eval(_ context.Context, in *scoring.Input, out *scoring.Hits) {
	for _, h := range in.Net {
		if r.names[h.Rule] {
			out.Hit(h.Rule, 1, h.Detail)
		}
	}
}
