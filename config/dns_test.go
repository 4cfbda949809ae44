package config

import (
	"strings"
	"testing"
)

func TestZonesFileMissing(t *testing.T) {
	errs := loadErrors(t, "[dns]\nzones_file = \"/nonexistent/zones.toml\"\n")
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "dns.zones_file") {
		t.Errorf("missing file: %v", errs)
	}
}

func TestDNSBadValues(t *testing.T) {
	errs := loadErrors(t, "[dns]\nservers = [\"not an ip\", \"127.0.0.1:99999\"]\ntimeout = \"1ms\"\nretries = -1\nmax_uri_lookups = 0\n[auth]\nauthserv_id = \"a b\"\n")
	keys := map[string]bool{}
	for _, e := range errs {
		keys[e.Key] = true
	}
	for _, k := range []string{"dns.servers[0]", "dns.servers[1]", "dns.timeout", "dns.retries", "dns.max_uri_lookups", "auth.authserv_id"} {
		if !keys[k] {
			t.Errorf("no error for %s in %v", k, errs)
		}
	}
}

func TestTrustedNetworks(t *testing.T) {
	d := DNS{TrustedNetworks: []string{"192.0.2.77/24", " 2001:db8::1 ", "::ffff:198.51.100.7", "::ffff:10.1.2.3/104"}}
	got := d.TrustedPrefixes()
	want := []string{"192.0.2.0/24", "2001:db8::1/128", "198.51.100.7/32", "10.0.0.0/8"}
	if len(got) != len(want) {
		t.Fatalf("TrustedPrefixes = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("prefix %d = %s, want %s", i, got[i], want[i])
		}
	}
	cfg := Default()
	cfg.DNS.TrustedNetworks = []string{"10.0.0.0/8", "mx.example.org", "10.0.0.0/33"}
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "dns.trusted_networks[1]") || !strings.Contains(err.Error(), "dns.trusted_networks[2]") {
		t.Fatalf("Validate = %v, want errors for entries 1 and 2", err)
	}
	if strings.Contains(err.Error(), "dns.trusted_networks[0]") {
		t.Errorf("Validate refused a valid prefix: %v", err)
	}
}
