package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mailsift/mailsift/dnsbl"
)

// The shipped zones file loads back to the built-in zones, all disabled.
func TestZonesExampleLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zones.toml")
	if err := os.WriteFile(path, ZonesExample(), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := DNS{ZonesFile: path}.LoadZones()
	if err != nil {
		t.Fatal(err)
	}
	want := dnsbl.DefaultZones()
	for i := range want {
		want[i].Terms = ""
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("zones:\n got %+v\nwant %+v", got, want)
	}
	for _, z := range got {
		if z.Enabled {
			t.Errorf("zone %s is enabled in the example", z.Name)
		}
	}
}

func TestZonesFileErrors(t *testing.T) {
	for name, src := range map[string]string{
		"bad rule":  "[[zone]]\nname = \"x\"\ndomain = \"bl.example\"\nrule = \"lower\"\n",
		"duplicate": "[[zone]]\nname = \"x\"\ndomain = \"a.example\"\nrule = \"A\"\n[[zone]]\nname = \"x\"\ndomain = \"b.example\"\nrule = \"B\"\n",
		"unknown":   "[[zone]]\nname = \"x\"\ndomain = \"a.example\"\nrule = \"A\"\ncolour = 1\n",
		"bad kind":  "[[zone]]\nname = \"x\"\ndomain = \"a.example\"\nrule = \"A\"\nkind = \"maybe\"\n",
	} {
		path := filepath.Join(t.TempDir(), "zones.toml")
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		errs := loadErrors(t, "[dns]\nzones_file = "+quote(path)+"\n")
		if len(errs) != 1 || errs[0].Key != "dns.zones_file" {
			t.Errorf("%s: errors %v, want one on dns.zones_file", name, errs)
		}
	}
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

func TestResolverOptionsZeroMeansNone(t *testing.T) {
	o := DNS{Retries: 0, CacheSize: 0}.ResolverOptions()
	if o.Retries != -1 || o.CacheSize != -1 {
		t.Errorf("ResolverOptions = %+v, want Retries and CacheSize -1", o)
	}
}
