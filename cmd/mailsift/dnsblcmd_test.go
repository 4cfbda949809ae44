package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mailsift/mailsift/dnsbl"
	"github.com/mailsift/mailsift/dnsbl/dnsbltest"
	"github.com/mailsift/mailsift/filter"
)

// contrib/zones.toml is what "mailsift dnsbl zones" prints, and it loads
// back to the built-in zones, all disabled. Regenerate it with
// UPDATE_ZONES=1 go test -run TestZonesFileIsCurrent ./cmd/mailsift
func TestZonesFileIsCurrent(t *testing.T) {
	if os.Getenv("UPDATE_ZONES") != "" {
		if err := os.WriteFile(filepath.Join("..", "..", zonesPath), zonesExample(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(filepath.Join("..", "..", zonesPath))
	if err != nil || !bytes.Equal(got, zonesExample()) {
		t.Fatalf("%s is stale: run 'UPDATE_ZONES=1 go test -run TestZonesFileIsCurrent ./cmd/mailsift' (%v)", zonesPath, err)
	}
	zones, err := filter.LoadZones(filepath.Join("..", "..", zonesPath))
	if err != nil {
		t.Fatal(err)
	}
	want := dnsbl.DefaultZones()
	for i := range want {
		want[i].Terms = ""
	}
	if !reflect.DeepEqual(zones, want) {
		t.Errorf("zones:\n got %+v\nwant %+v", zones, want)
	}
}

// dnsblCmd runs "mailsift dnsbl args...".
func dnsblCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runDNSBL(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDNSBLCheck(t *testing.T) {
	srv := dnsbltest.Start(t,
		"2.0.0.127.bl.test. 300 IN A 127.0.0.2",
		"2.0.0.127.off.test. 300 IN A 127.0.0.2",
		"spam.example.uri.test. 300 IN A 127.0.0.2")
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones.toml")
	src := `[[zone]]
name = "on"
domain = "bl.test"
rule = "RCVD_IN_ON"
enabled = true

[[zone]]
name = "off"
domain = "off.test"
rule = "RCVD_IN_OFF"

[[zone]]
name = "uri"
domain = "uri.test"
target = "domains"
rule = "URIBL_U"
enabled = true
`
	cfg := "[dns]\nservers = [\"" + srv.Addr + "\"]\ntimeout = \"300ms\"\nzones_file = \"" + zones + "\"\n"
	if err := os.WriteFile(zones, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "mailsift.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := dnsblCmd(t, "check", "127.0.0.2", "--config", cfgPath)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	for _, want := range []string{"RCVD_IN_ON", "RCVD_IN_OFF", "disabled", "health of the enabled lists", "on             healthy"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = dnsblCmd(t, "check", "--config", cfgPath, "www.spam.example")
	if code != 0 || !strings.Contains(out, "URIBL_U") {
		t.Errorf("domain: code %d, out %s, err %s", code, out, errOut)
	}
	if code, _, _ := dnsblCmd(t); code != 2 {
		t.Errorf("no subcommand: code %d", code)
	}
}
