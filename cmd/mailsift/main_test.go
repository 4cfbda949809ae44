package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsift/mailsift/scoring/rules/gtube"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const hamMsg = "From: Alice <alice@example.net>\nTo: bob@example.com\nSubject: lunch\n" +
	"Date: Thu, 15 Jan 2026 11:00:00 +0000\nMessage-ID: <lunch.1@example.net>\n\nSee you at noon.\n"

func TestCheckReportsEveryRule(t *testing.T) {
	spam := writeFile(t, "spam.eml", "From mbox-line Thu Jan 15 2026\n"+strings.Replace(hamMsg, "See you at noon.", gtube.String, 1))
	code, out, errs := runCmd(t, "check", "--no-dns", spam)
	if code != 0 || !strings.Contains(out, "action: reject") || !strings.Contains(out, "GTUBE") {
		t.Fatalf("code %d out %q err %q", code, out, errs)
	}
	code, out, _ = runCmd(t, "check", "--no-dns", "--json", spam)
	var v struct {
		Score  float64
		Action string
		Rules  []struct {
			Rule   string
			Points float64
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 {
		t.Fatalf("json: %v (%q)", err, out)
	}
	sum := 0.0
	for _, r := range v.Rules {
		sum += r.Points
	}
	if v.Action != "reject" || v.Score < 1000 || sum < v.Score-0.01 || sum > v.Score+0.01 {
		t.Errorf("verdict %+v: points must add up to the score", v)
	}
}

func TestCheckHonoursConfig(t *testing.T) {
	cfg := writeFile(t, "m.toml", "[scores]\nGTUBE = 6.0\n")
	spam := writeFile(t, "spam.eml", strings.Replace(hamMsg, "See you at noon.", gtube.String, 1))
	code, out, errs := runCmd(t, "check", "--no-dns", "--config", cfg, spam)
	if code != 0 || !strings.Contains(out, "action: tag") {
		t.Fatalf("code %d out %q err %q", code, out, errs)
	}
}

func TestConfigCheck(t *testing.T) {
	good := writeFile(t, "good.toml", "[actions]\ntag_threshold = 4.0\n")
	if code, out, errs := runCmd(t, "config", "check", good); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("good: %d %q %q", code, out, errs)
	}
	bad := writeFile(t, "bad.toml", "[actions]\ntag_threshold = 4.0\n\n[limits]\nscan_byts = 5\n")
	code, _, errs := runCmd(t, "config", "check", bad)
	if code != 1 || !strings.Contains(errs, ":5:") || !strings.Contains(errs, "scan_byts") {
		t.Fatalf("bad: %d %q", code, errs)
	}
	typo := writeFile(t, "typo.toml", "[scores]\nNO_SUCH_RULE = 1.0\n")
	if code, _, errs := runCmd(t, "config", "check", typo); code != 1 || !strings.Contains(errs, "NO_SUCH_RULE") {
		t.Fatalf("unknown rule score: %d %q", code, errs)
	}
	if code, out, _ := runCmd(t, "config", "show"); code != 0 || !strings.Contains(out, "tag_threshold") {
		t.Fatalf("show: %d %q", code, out)
	}
}

func TestRulesList(t *testing.T) {
	code, out, _ := runCmd(t, "rules", "list")
	if code != 0 || !strings.Contains(out, "GTUBE") || strings.Count(out, "\n") < 50 {
		t.Fatalf("code %d, %d lines", code, strings.Count(out, "\n"))
	}
}

func TestRulesDocIsCurrent(t *testing.T) {
	_, out, _ := runCmd(t, "rules", "list", "--markdown")
	want, err := os.ReadFile("../../docs/rules.md")
	if err != nil || string(want) != out {
		t.Fatalf("docs/rules.md is stale: run 'go run ./cmd/mailsift rules list --markdown > docs/rules.md'")
	}
}

func TestUnknownCommand(t *testing.T) {
	if code, _, _ := runCmd(t, "frobnicate"); code != 2 {
		t.Fatalf("code %d", code)
	}
}

// TestReadmeConfigExample keeps the README's configuration example valid.
func TestReadmeConfigExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```toml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md has no ```toml example")
	}
	path := writeFile(t, "readme.toml", example)
	if code, _, errs := runCmd(t, "config", "check", path); code != 0 {
		t.Fatalf("README example: %s", errs)
	}
}

// TestCheckCorpusList scores a small labelled corpus given by --list and
// counts errors per group: the GTUBE message in the ham group is a false
// positive, the plain one in the spam group a false negative.
func TestCheckCorpusList(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"my-ham/1.eml":  hamMsg,
		"my-ham/2.eml":  strings.Replace(hamMsg, "See you at noon.", gtube.String, 1),
		"my-spam/1.eml": strings.Replace(hamMsg, "See you at noon.", gtube.String, 1),
		"my-spam/2.eml": hamMsg,
		"my-spam/3.eml": strings.Replace(hamMsg, "See you at noon.", gtube.String, 1),
	}
	var list strings.Builder
	for name, body := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		list.WriteString(name + "\n")
	}
	listFile := writeFile(t, "list.txt", "# comment\n"+list.String())
	code, out, errs := runCmd(t, "check", "--corpus", dir, "--list", listFile)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	for _, want := range []string{"my-ham              2  FP 1 (50.00%)", "my-spam             3  FN 1 (33.33%)", "GTUBE"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
