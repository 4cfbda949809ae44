package rules

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// FixtureNow is the time rules see when fixtures are scored. Fixtures with
// dates are written relative to it.
var FixtureNow = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// TestRegistryLint checks the whole built-in rule set: valid unique names,
// descriptions, families and finite scores (NewRegistry), at least 50 rules,
// and for every scoring name the two fixtures, the hit one firing the rule
// and the miss one not.
func TestRegistryLint(t *testing.T) {
	reg, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := scoring.NewEngine(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	scoringNames := 0
	for _, in := range reg.Infos() {
		if strings.HasPrefix(in.Name, "__") {
			continue
		}
		scoringNames++
		if in.Needs&(scoring.NeedBayes|scoring.NeedNet) != 0 {
			// Their outcome depends on trained statistics or DNS, not on
			// the message alone: they are tested in their family with a
			// real store or a loopback DNS server, not with fixtures.
			continue
		}
		in := in
		t.Run(in.Name, func(t *testing.T) {
			dir := filepath.Join(in.Family, "testdata")
			for _, kind := range []string{"hit", "miss"} {
				path := filepath.Join(dir, in.Name+"."+kind+".eml")
				raw, err := os.ReadFile(path)
				if err != nil {
					t.Errorf("fixture missing: %v", err)
					continue
				}
				v := scoreFixture(eng, raw)
				if len(v.Errors) > 0 {
					t.Errorf("%s: rule errors: %+v", path, v.Errors)
				}
				if got := v.Has(in.Name); got != (kind == "hit") {
					t.Errorf("%s: %s fired=%v, want %v (hits: %v)", path, in.Name, got, kind == "hit", v.Hits)
				}
			}
		})
	}
	if scoringNames < 50 {
		t.Errorf("only %d scoring rules, want at least 50", scoringNames)
	}
}

// TestFixturesHaveRules fails on fixture files whose rule no longer exists.
func TestFixturesHaveRules(t *testing.T) {
	reg, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Families() {
		files, _ := filepath.Glob(filepath.Join(f.Name, "testdata", "*.eml"))
		for _, file := range files {
			base := filepath.Base(file)
			name := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(base, ".eml"), ".hit"), ".miss")
			in, ok := reg.Info(name)
			if !ok {
				t.Errorf("%s: no rule named %s", file, name)
			} else if in.Family != f.Name {
				t.Errorf("%s: rule %s belongs to family %s", file, name, in.Family)
			}
		}
	}
}

// fixtureLimits reads the optional first line "X-Fixture-Scan-Bytes: N" of a
// fixture, so that a truncation fixture need not be a megabyte long.
func fixtureLimits(raw []byte) message.Limits {
	const key = "X-Fixture-Scan-Bytes: "
	if !bytes.HasPrefix(raw, []byte(key)) {
		return message.Limits{}
	}
	line, _, _ := bytes.Cut(raw[len(key):], []byte("\n"))
	n, err := strconv.Atoi(strings.TrimSpace(string(line)))
	if err != nil {
		return message.Limits{}
	}
	return message.Limits{ScanBytes: n}
}

func scoreFixture(eng *scoring.Engine, raw []byte) *scoring.Verdict {
	msg := message.Parse(raw, fixtureLimits(raw))
	env := &message.Envelope{Received: FixtureNow}
	return eng.Run(context.Background(), &scoring.Input{Msg: msg, Env: env, Now: FixtureNow})
}

// TestFittedScoresNameRules fails when scores.toml names a rule that does not
// exist (renamed or removed): its points would silently stop applying.
func TestFittedScoresNameRules(t *testing.T) {
	plain, withBayes, err := Fitted()
	if err != nil {
		t.Fatal(err)
	}
	reg, err := HandSetRegistry()
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []map[string]float64{plain, withBayes} {
		for name := range set {
			if _, ok := reg.Info(name); !ok {
				t.Errorf("%s names unknown rule %s", ScoresFile, name)
			}
		}
	}
}
