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
