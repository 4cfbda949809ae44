package net

import (
	"context"
	"testing"

	"github.com/mailsift/mailsift/dnsbl"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

func engine(t *testing.T, zones []dnsbl.Zone) *scoring.Engine {
	t.Helper()
	reg, err := scoring.NewRegistry(Rules(zones), Metas())
	if err != nil {
		t.Fatal(err)
	}
	eng, err := scoring.NewEngine(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// Every default zone's names and every auth name make a valid registry,
// with the documented default points.
func TestDefaultZonesRegister(t *testing.T) {
	eng := engine(t, dnsbl.DefaultZones())
	reg := eng.Registry()
	for name, want := range map[string]float64{
		"RCVD_IN_SBL": BlockPoints, "RCVD_IN_ZEN_FAIL": 0, "RCVD_IN_ZEN_BLOCKED": 0,
		"RCVD_IN_DNSWL_HI": AllowPoints, "RCVD_IN_DNSWL_NONE": 0, "URIBL_BLACK": BlockPoints,
		"SPF_PASS": -0.1, "DMARC_REJECT": 4, "DKIM_VALID_AU": -0.5,
	} {
		in, ok := reg.Info(name)
		if !ok {
			t.Errorf("%s not registered", name)
			continue
		}
		if in.Score != want || in.Family != Family || in.Needs != scoring.NeedNet || in.Desc == "" {
			t.Errorf("%s: %+v, want score %v in family net with NeedNet", name, in, want)
		}
	}
}

// Names in Input.Net fire with their points; a _FAIL name fires with 0;
// names the family does not declare are ignored.
func TestEval(t *testing.T) {
	zones := []dnsbl.Zone{{Name: "t", Domain: "bl.test", Rule: "RCVD_IN_T", Enabled: true}}
	eng := engine(t, zones)
	in := &scoring.Input{Msg: &message.Message{}, Env: &message.Envelope{}, Net: []scoring.NetHit{
		{Rule: "RCVD_IN_T", Detail: "192.0.2.1 in t: 127.0.0.2"},
		{Rule: "SPF_FAIL", Detail: "example.com"},
		{Rule: "RCVD_IN_OTHER_FAIL", Detail: "not declared"},
	}}
	v := eng.Run(context.Background(), in)
	if !v.Has("RCVD_IN_T") || !v.Has("SPF_FAIL") || v.Has("RCVD_IN_OTHER_FAIL") {
		t.Errorf("hits %+v", v.Hits)
	}
	if want := BlockPoints + 1.0; v.Score != want {
		t.Errorf("score %v, want %v", v.Score, want)
	}
	in = &scoring.Input{Msg: &message.Message{}, Env: &message.Envelope{}, Net: []scoring.NetHit{{Rule: "RCVD_IN_T_FAIL"}}}
	v = eng.Run(context.Background(), in)
	if !v.Has("RCVD_IN_T_FAIL") || v.Score != 0 {
		t.Errorf("fail: score %v, hits %+v", v.Score, v.Hits)
	}
}

// Two zones sharing a rule name register it once.
func TestSharedNames(t *testing.T) {
	zones := []dnsbl.Zone{
		{Name: "a", Domain: "a.test", Rule: "RCVD_IN_X"},
		{Name: "b", Domain: "b.test", Rule: "RCVD_IN_X", URIOnly: true, URIIPs: true},
	}
	engine(t, zones)
}

// Every unknown name is registered, and stands for registered names: a
// zone's _FAIL for its listings, DMARC_TEMPERROR for DMARC_REJECT among
// others, RDNS_TEMPERROR for RDNS_NONE.
func TestUnknowns(t *testing.T) {
	zones := dnsbl.DefaultZones()
	reg := engine(t, zones).Registry()
	u := Unknowns(zones)
	has := func(unknown, name string) bool {
		for _, set := range u[unknown] {
			for _, n := range set {
				if n == name {
					return true
				}
			}
		}
		return false
	}
	for unknown, alts := range u {
		if _, ok := reg.Info(unknown); !ok {
			t.Errorf("%s not registered", unknown)
		}
		for _, set := range alts {
			for _, n := range set {
				if _, ok := reg.Info(n); !ok {
					t.Errorf("%s: outcome %s not registered", unknown, n)
				}
			}
		}
	}
	for unknown, name := range map[string]string{
		"RCVD_IN_ZEN_FAIL": "RCVD_IN_SBL", "URIBL_URIBL_FAIL": "URIBL_BLACK", "DMARC_TEMPERROR": "DMARC_REJECT",
		"SPF_TEMPERROR": "SPF_FAIL", "DKIM_TEMPERROR": "DKIM_INVALID", "RDNS_TEMPERROR": "RDNS_NONE",
		"SENDER_TEMPERROR": "SENDER_NULL_MX", "FROM_TEMPERROR": "FROM_NO_MX", "HELO_TEMPERROR": "HELO_NO_RESOLVE",
	} {
		if !has(unknown, name) {
			t.Errorf("%s does not stand for %s: %v", unknown, name, u[unknown])
		}
	}
}
