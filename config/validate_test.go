package config

import (
	"strings"
	"testing"
)

// TestBadValues loads files with one bad value each, always on the last
// line, and wants exactly one error naming that key and line.
func TestBadValues(t *testing.T) {
	cases := []struct{ src, key string }{
		{"[actions]\ntag_threshold = nan", "actions.tag_threshold"},
		{"[actions]\nreject_threshold = inf", "actions.reject_threshold"},
		{"[actions]\nreject_threshold = 15.0\ntag_threshold = 20", "actions.tag_threshold"},
		{"[actions]\nfail_safe = \"reject\"", "actions.fail_safe"},
		{"[actions]\nsubject_tag = \"[SPAM]\\r\\nBcc: x\"", "actions.subject_tag"},
		{"[actions]\nreject_text = \"4.7.1 no\"", "actions.reject_text"},
		{"[actions]\ntempfail_text = \"Try later\"", "actions.tempfail_text"},
		{"[log]\nlevel = \"verbose\"", "log.level"},
		{"[log]\nformat = \"xml\"", "log.format"},
		{"[listen]\naddress = \"localhost\"", "listen.address"},
		{"[listen]\naddress = \"127.0.0.1:99999\"", "listen.address"},
		{"[listen]\naddress = \"unix:\"", "listen.address"},
		{"[listen]\nsocket_mode = \"0689\"", "listen.socket_mode"},
		{"[listen]\nsocket_mode = \"01777\"", "listen.socket_mode"},
		{"[listen]\nsocket_owner = \"postfix:\"", "listen.socket_owner"},
		{"[store]\npath = \"\"", "store.path"},
		{"[metrics]\nlisten = \"9339\"", "metrics.listen"},
		{"[metrics]\nlisten = \"127.0.0.1:0\"", "metrics.listen"},
		{"[metrics]\nlisten = \"unix:/run/m.sock\"", "metrics.listen"},
		{"[metrics]\npath = \"metrics\"", "metrics.path"},
		{"[metrics]\npath = \"/m?x=1\"", "metrics.path"},
		{"[limits]\nscan_bytes = 1024", "limits.scan_bytes"},
		{"[limits]\nscan_bytes = 1073741824", "limits.scan_bytes"},
		{"[limits]\nframe_bytes = 4096", "limits.frame_bytes"},
		{"[limits]\nheader_bytes = 0", "limits.header_bytes"},
		{"[limits]\nmime_depth = -1", "limits.mime_depth"},
		{"[limits]\nmime_parts = 0", "limits.mime_parts"},
		{"[limits]\nuris = 0", "limits.uris"},
		{"[limits]\nsessions = 0", "limits.sessions"},
		{"[limits]\ndeadline = \"10ms\"", "limits.deadline"},
		{"[limits]\ndeadline = \"1h\"", "limits.deadline"},
		{"[limits]\nidle_timeout = \"0s\"", "limits.idle_timeout"},
		{"[scores]\nlower_case = 1.0", "scores.lower_case"},
		{"[scores]\nBAYES_99 = nan", "scores.BAYES_99"},
		{"[[meta]]\nexpr = \"A\"\nname = \"bad name\"", "meta[0].name"},
		{"[[meta]]\nname = \"M1\"\nexpr = \"A &&\"", "meta[0].expr"},
		{"[[meta]]\nname = \"M1\"\nexpr = \"A\"\n[[meta]]\nexpr = \"B\"\nname = \"M1\"", "meta[1].name"},
		{"[[meta]]\nname = \"__M1\"\nexpr = \"A\"\nscore = 2.0", "meta[0].score"},
		{"[[meta]]\nname = \"M1\"\nexpr = \"A\"\nweight = 1.0", "meta[0].weight"},
		// type errors
		{"[limits]\nscan_bytes = \"1MB\"", "limits.scan_bytes"},
		{"[limits]\ndeadline = 8", "limits.deadline"},
		{"[limits]\ndeadline = \"8 seconds\"", "limits.deadline"},
		{"[actions]\ntag_threshold = \"5\"", "actions.tag_threshold"},
		{"[log]\nlevel = 3", "log.level"},
		{"listen = 5", "listen"},
		{"[scores]\nBAYES_99 = true", "scores.BAYES_99"},
		{"meta = 1", "meta"},
	}
	for _, tc := range cases {
		errs := loadErrors(t, tc.src)
		line := strings.Count(tc.src, "\n") + 1
		if len(errs) != 1 || errs[0].Key != tc.key || errs[0].Line != line {
			t.Errorf("%q:\n got %v\nwant one error for %s on line %d", tc.src, errs, tc.key, line)
		}
	}
}

func TestAllErrorsAtOnce(t *testing.T) {
	src := `[limits]
scan_bytes = "big"
deadline = "1h"
typo = 1

[actions]
fail_safe = "drop"
`
	errs := loadErrors(t, src)
	want := []struct {
		line int
		key  string
	}{{2, "limits.scan_bytes"}, {3, "limits.deadline"}, {4, "limits.typo"}, {7, "actions.fail_safe"}}
	if len(errs) != len(want) {
		t.Fatalf("errors:\n%v\nwant %d", errs, len(want))
	}
	for i, w := range want {
		if errs[i].Line != w.line || errs[i].Key != w.key {
			t.Errorf("error %d = %v, want %s on line %d", i, errs[i], w.key, w.line)
		}
	}
	if n := strings.Count(errs.Error(), "\n"); n != len(want)-1 {
		t.Errorf("Error() has %d newlines, want one error per line:\n%s", n, errs.Error())
	}
}

// A validation error for a key that is not in the file has no line.
func TestValidationErrorWithoutLine(t *testing.T) {
	errs := loadErrors(t, "[actions]\nreject_threshold = 3.0\n")
	if len(errs) != 1 || errs[0].Key != "actions.tag_threshold" || errs[0].Line != 0 {
		t.Fatalf("errors = %v, want actions.tag_threshold without a line", errs)
	}
	if got := errs[0].Error(); !strings.Contains(got, "mailsift.toml: actions.tag_threshold: ") {
		t.Errorf("Error() = %q", got)
	}
}

func TestRejectDisabled(t *testing.T) {
	c := Default()
	c.Actions.RejectThreshold = 0
	c.Actions.TagThreshold = 8
	if err := c.Validate(); err != nil {
		t.Fatalf("reject_threshold = 0: %v", err)
	}
	if c.Actions.RejectEnabled() {
		t.Error("RejectEnabled() with reject_threshold = 0")
	}
	if !Default().Actions.RejectEnabled() {
		t.Error("default does not reject")
	}
}

func TestInlineTableLine(t *testing.T) {
	errs := loadErrors(t, "\nlog = { level = \"loud\" }\n")
	if len(errs) != 1 || errs[0].Key != "log.level" || errs[0].Line != 2 {
		t.Fatalf("errors = %v, want log.level on line 2", errs)
	}
}

func TestLocateKeys(t *testing.T) {
	src := `top = 1
[a]
x = [
  "y = 2",
  3,
]
z = """
w = 1
"""
"q.k" = 1
[[m]]
n = 1
[[m]]
n = 2
[m.sub]
k = 1
`
	kl := locateKeys(src)
	want := map[string]int{
		"top": 1, "a": 2, "a.x": 3, "a.z": 7, "a.q.k": 10, "m[0]": 11, "m[0].n": 12,
		"m[1]": 13, "m[1].n": 14, "m[1].sub": 15, "m[1].sub.k": 16,
	}
	for k, n := range want {
		if kl[k] != n {
			t.Errorf("line of %s = %d, want %d", k, kl[k], n)
		}
	}
	for _, k := range []string{"a.y", "a.w"} {
		if _, ok := kl[k]; ok {
			t.Errorf("%s found inside a value", k)
		}
	}
}
