package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeFile writes src to a temporary mailsift.toml and returns its path.
func writeFile(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mailsift.toml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// loadErrors loads src and returns its Errors; it fails when Load succeeds.
func loadErrors(t *testing.T, src string) Errors {
	t.Helper()
	_, err := Load(writeFile(t, src))
	if err == nil {
		t.Fatalf("Load succeeded, want an error for:\n%s", src)
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load error is %T (%v), want Errors", err, err)
	}
	return errs
}

func TestDefaultValidates(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
}

const everyKey = `[listen]
address = "unix:/run/mailsift/milter.sock"
socket_mode = "0600"
socket_owner = "postfix:postfix"

[log]
level = "debug"
format = "console"

[store]
path = "/var/lib/mailsift/state.db"

[limits]
scan_bytes = 2097152
header_bytes = 131072
mime_depth = 10
mime_parts = 100
uris = 200
sessions = 32
frame_bytes = 2097152
deadline = "2s"
idle_timeout = "1m"

[bayes]
enabled = false
min_ham = 50
min_spam = 60
autolearn = false
autolearn_spam = 12.0
autolearn_ham = 0.5
spam_at_99 = true
per_user = true
expire_after = "720h"
queue_size = 10

[dns]
servers = ["127.0.0.1:5353", "::1"]
timeout = "500ms"
retries = 2
cache_size = 100
max_uri_lookups = 5
zones_file = ""
check_private = true
trusted_networks = ["192.0.2.0/24", "2001:db8::1"]
check_relay = false
degraded = "all"

[auth]
spf = false
dkim = false
dmarc = false
authserv_id = "mx.example.org"
our_names = ["mx.example.org", "192.0.2.25"]

[metrics]
listen = "127.0.0.1:9339"
path = "/stats"

[actions]
tag_threshold = 4
reject_threshold = 12.5
subject_tag = "*** SPAM *** "
reject_text = "5.7.1 No thanks"
fail_safe = "accept"
tempfail_text = "4.7.1 Later"

[scores]
HDR_DATE_FUTURE = 2.5
BAYES_99 = 4

[[meta]]
name = "LOCAL_COMBO"
expr = "__A && !__B"
score = 1.5
description = "A without B"

[[meta]]
name = "__LOCAL_HELPER"
expr = "(X + Y + Z) >= 2"
`

func TestLoadEveryKey(t *testing.T) {
	c, err := Load(writeFile(t, everyKey))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Listen: Listen{Address: "unix:/run/mailsift/milter.sock", SocketMode: "0600", SocketUser: "postfix:postfix"},
		Log:    Log{Level: "debug", Format: "console"},
		Store:  Store{Path: "/var/lib/mailsift/state.db"},
		Limits: Limits{ScanBytes: 2 << 20, HeaderBytes: 128 << 10, MIMEDepth: 10, MIMEParts: 100, URIs: 200,
			Sessions: 32, FrameBytes: 2 << 20, Deadline: Duration{2 * time.Second}, IdleTimeout: Duration{time.Minute}},
		Bayes: Bayes{MinHam: 50, MinSpam: 60, AutolearnSpam: 12, AutolearnHam: 0.5, SpamAt99: true, PerUser: true,
			ExpireAfter: Duration{720 * time.Hour}, QueueSize: 10},
		Actions: Actions{TagThreshold: 4, RejectThreshold: 12.5, SubjectTag: "*** SPAM *** ",
			RejectText: "5.7.1 No thanks", FailSafe: "accept", TempfailText: "4.7.1 Later"},
		DNS: DNS{Servers: []string{"127.0.0.1:5353", "::1"}, Timeout: Duration{500 * time.Millisecond}, Retries: 2,
			CacheSize: 100, MaxURILookups: 5, CheckPrivate: true, Degraded: "all", Enabled: true,
			TrustedNetworks: []string{"192.0.2.0/24", "2001:db8::1"}},
		Auth:    Auth{AuthservID: "mx.example.org", OurNames: []string{"mx.example.org", "192.0.2.25"}},
		Metrics: Metrics{Listen: "127.0.0.1:9339", Path: "/stats"},
		Scores:  map[string]float64{"HDR_DATE_FUTURE": 2.5, "BAYES_99": 4},
		Meta: []MetaRule{
			{Name: "LOCAL_COMBO", Expr: "__A && !__B", Score: 1.5, Desc: "A without B"},
			{Name: "__LOCAL_HELPER", Expr: "(X + Y + Z) >= 2"},
		},
	}
	if got := *c; !reflect.DeepEqual(got, want) {
		t.Errorf("Load:\n got %+v\nwant %+v", got, want)
	}
	if ms, err := c.MetaRules(); err != nil || len(ms) != 2 {
		t.Errorf("MetaRules() = %d rules, %v; want 2", len(ms), err)
	}
	if n, a := c.Listen.Network(); n != "unix" || a != "/run/mailsift/milter.sock" {
		t.Errorf("Network() = %q, %q", n, a)
	}
	if m := c.Listen.FileMode(); m != 0o600 {
		t.Errorf("FileMode() = %o, want 600", m)
	}
}

func TestEmptyFileIsDefault(t *testing.T) {
	c, err := Load(writeFile(t, "# nothing\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := *c, *Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("empty file:\n got %+v\nwant %+v", got, want)
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want os.ErrNotExist", err)
	}
}

func TestSyntaxErrorLine(t *testing.T) {
	src := "[limits]\nscan_bytes = 1048576\n\n[actions]\ntag_threshold = = 5\n"
	errs := loadErrors(t, src)
	if len(errs) != 1 || errs[0].Line != 5 {
		t.Fatalf("errors = %v, want one on line 5", errs)
	}
	if !strings.Contains(errs.Error(), "mailsift.toml:5: ") {
		t.Errorf("Error() = %q, want file:5:", errs.Error())
	}
}

func TestUnknownKeyLine(t *testing.T) {
	src := `# mailsift
[listen]
address = "127.0.0.1:11339"

[limits]
mime_depth = 10
scan_byts = 5

[nosuch]
x = 1
`
	errs := loadErrors(t, src)
	want := []Error{
		{Line: 7, Key: "limits.scan_byts"},
		{Line: 9, Key: "nosuch"},
	}
	if len(errs) != len(want) {
		t.Fatalf("errors = %v, want %d", errs, len(want))
	}
	for i, w := range want {
		if errs[i].Line != w.Line || errs[i].Key != w.Key || !strings.HasPrefix(errs[i].Msg, "unknown key") {
			t.Errorf("error %d = %+v, want unknown key %s on line %d", i, errs[i], w.Key, w.Line)
		}
	}
	if !strings.Contains(errs[0].Msg, "did you mean scan_bytes?") {
		t.Errorf("error %q has no suggestion", errs[0].Msg)
	}
	if got := errs[0].Error(); !strings.HasSuffix(got, "mailsift.toml:7: limits.scan_byts: unknown key (did you mean scan_bytes?)") {
		t.Errorf("Error() = %q", got)
	}
}
