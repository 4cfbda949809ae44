package dnsbl

import (
	"slices"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestZoneTOML(t *testing.T) {
	var cfg struct {
		Zone []Zone `toml:"zone"`
	}
	_, err := toml.Decode(`
[[zone]]
name = "dnswl"
domain = "list.dnswl.org"
kind = "allow"
match = "last-octet"
rule = "RCVD_IN_DNSWL"
codes = { "3" = "RCVD_IN_DNSWL_HI" }
blocked = ["127.0.0.255"]
ipv6 = true
enabled = true

[[zone]]
name = "mine"
domain = "uri.example.org"
target = "domains"
match = "bits"
rule = "URIBL_MINE"
codes = { "2" = "URIBL_MINE_BLACK" }
local = [{ format = "dnset", url = "https://example.org/mine.dnset" }]
`, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Zone) != 2 {
		t.Fatalf("%d zones", len(cfg.Zone))
	}
	z := cfg.Zone[0]
	if z.Kind != Allow || z.Match != MatchLastOctet || !z.IPv6 || !z.Enabled || z.Codes["3"] != "RCVD_IN_DNSWL_HI" {
		t.Errorf("zone 0: %+v", z)
	}
	if m := cfg.Zone[1]; m.Target != Domains || m.Match != MatchBits || len(m.Local) != 1 || m.Local[0].Format != "dnset" {
		t.Errorf("zone 1: %+v", m)
	}
	for _, z := range cfg.Zone {
		if err := z.Validate(); err != nil {
			t.Error(err)
		}
	}
	want := []string{"RCVD_IN_DNSWL", "RCVD_IN_DNSWL_BLOCKED", "RCVD_IN_DNSWL_FAIL", "RCVD_IN_DNSWL_HI"}
	if got := z.RuleNames(); !slices.Equal(got, want) {
		t.Errorf("RuleNames = %v", got)
	}
	var k Kind
	if err := k.UnmarshalText([]byte("maybe")); err == nil {
		t.Error("bad kind accepted")
	}
	if (&Zone{Name: "x", Domain: "a.b", Rule: "R", Match: 7}).Validate() == nil {
		t.Error("match out of range accepted")
	}
}
