package scoring

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mailsift/mailsift/message"
)

func fn(name string, score float64, fire bool) Rule {
	return RuleFunc{
		I: Info{Name: name, Family: "test", Score: score, Desc: "test rule " + name},
		F: func(*Input) (float64, string, bool) { return 1, "", fire },
	}
}

type multi struct{}

func (multi) Info() []Info {
	return []Info{{Name: "M_ONE", Family: "test", Score: 1, Desc: "one"}, {Name: "M_TWO", Family: "test", Score: 2, Desc: "two"}}
}
func (multi) Eval(_ context.Context, _ *Input, out *Hits) {
	out.Hit("M_ONE", 1, "")
	out.Hit("M_TWO", 0.5, "half")
	out.Hit("M_ONE", 1, "again") // ignored: first hit wins
}

type liar struct{}

func (liar) Info() []Info {
	return []Info{{Name: "LIAR", Family: "test", Score: 1, Desc: "emits others"}}
}
func (liar) Eval(_ context.Context, _ *Input, out *Hits) {
	out.Hit("LIAR", 1, "")
	out.Hit("NOT_MINE", 1, "")
}

type panicker struct{}

func (panicker) Info() []Info {
	return []Info{{Name: "BOOM", Family: "test", Score: 9, Desc: "panics"}}
}
func (panicker) Eval(context.Context, *Input, *Hits) {
	var m map[string]int
	m["x"] = 1
}

func run(t *testing.T, rules []Rule, metas []*Meta, overrides map[string]float64) *Verdict {
	t.Helper()
	reg, err := NewRegistry(rules, metas)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := NewEngine(reg, overrides)
	if err != nil {
		t.Fatal(err)
	}
	return eng.Run(context.Background(), &Input{Msg: &message.Message{}, Env: &message.Envelope{}, Now: time.Now()})
}

func TestEngineSumsWeightTimesFactor(t *testing.T) {
	v := run(t, []Rule{fn("A_RULE", 1.5, true), fn("B_RULE", 4, false), multi{}}, nil, map[string]float64{"A_RULE": 2.5})
	if v.Score != 2.5+1+1 {
		t.Fatalf("score %v, want 4.5 (hits %v)", v.Score, v.Hits)
	}
	if v.Hits[0].Rule != "A_RULE" || v.Has("B_RULE") {
		t.Errorf("hits %v", v.Hits)
	}
	for _, h := range v.Hits {
		if h.Rule == "M_TWO" && (h.Points != 1 || h.Detail != "half") {
			t.Errorf("M_TWO %+v", h)
		}
	}
}

func TestEngineIsolatesBadRules(t *testing.T) {
	v := run(t, []Rule{fn("OK_RULE", 1, true), panicker{}, liar{}}, nil, nil)
	if v.Score != 1 || len(v.Errors) != 2 {
		t.Fatalf("score %v errors %+v", v.Score, v.Errors)
	}
	if v.Errors[0].Rule != "BOOM" || !strings.Contains(v.Errors[0].Err, "panic") {
		t.Errorf("errors %+v", v.Errors)
	}
	if v.Has("LIAR") || v.Has("NOT_MINE") {
		t.Errorf("a rule emitting undeclared names must be dropped whole: %v", v.Hits)
	}
}

func TestMetaRules(t *testing.T) {
	base := []Rule{fn("__A", 0, true), fn("__B", 0, false), fn("C_RULE", 0.5, true), fn("D_RULE", 0.5, true)}
	cases := []struct {
		expr string
		fire bool
	}{
		{"__A && !__B", true},
		{"__A && __B", false},
		{"__B || C_RULE", true},
		{"(__A + __B + C_RULE + D_RULE) >= 3", true},
		{"(__A + __B + C_RULE + D_RULE) > 3", false},
		{"!(__A || __B)", false},
		{"__A && (C_RULE == 1) && -1 < 0", true},
	}
	for _, c := range cases {
		m, err := NewMeta(Info{Name: "META_X", Score: 3, Desc: "meta"}, c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		v := run(t, base, []*Meta{m}, nil)
		if v.Has("META_X") != c.fire {
			t.Errorf("%s: fired=%v", c.expr, !c.fire)
		}
		if v.Has("__A") {
			t.Errorf("__ names must not be listed")
		}
	}
}

func TestMetaOnMeta(t *testing.T) {
	m1 := MustMeta(Info{Name: "__M1", Desc: "inner"}, "__A")
	m2 := MustMeta(Info{Name: "M_OUTER", Score: 2, Desc: "outer"}, "__M1 && C_RULE")
	v := run(t, []Rule{fn("__A", 0, true), fn("C_RULE", 1, true)}, []*Meta{m2, m1}, nil)
	if !v.Has("M_OUTER") || v.Score != 3 {
		t.Errorf("hits %v score %v", v.Hits, v.Score)
	}
}

func TestRegistryRejects(t *testing.T) {
	bad := []struct {
		name  string
		rules []Rule
		metas func() []*Meta
	}{
		{"duplicate", []Rule{fn("A_RULE", 1, true), fn("A_RULE", 1, true)}, nil},
		{"lower case", []Rule{fn("a_rule", 1, true)}, nil},
		{"no desc", []Rule{RuleFunc{I: Info{Name: "X_RULE", Family: "t"}}}, nil},
		{"unknown ref", []Rule{fn("A_RULE", 1, true)}, func() []*Meta { return []*Meta{MustMeta(Info{Name: "M", Desc: "m"}, "NOPE")} }},
		{"cycle", nil, func() []*Meta {
			return []*Meta{MustMeta(Info{Name: "M_A", Desc: "m"}, "M_B"), MustMeta(Info{Name: "M_B", Desc: "m"}, "M_A")}
		}},
	}
	for _, c := range bad {
		var metas []*Meta
		if c.metas != nil {
			metas = c.metas()
		}
		if _, err := NewRegistry(c.rules, metas); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	reg, _ := NewRegistry([]Rule{fn("A_RULE", 1, true)}, nil)
	if _, err := NewEngine(reg, map[string]float64{"TYPO_RULE": 1}); err == nil {
		t.Error("override of an unknown rule accepted")
	}
}

func TestBadMetaExpressions(t *testing.T) {
	for _, e := range []string{"", "A &&", "(A", "A B", "A & B", "A ||| B", strings.Repeat("(", 500) + "A" + strings.Repeat(")", 500)} {
		if _, err := NewMeta(Info{Name: "M_X", Desc: "x"}, e); err == nil {
			t.Errorf("%q accepted", e)
		}
	}
}

func TestDeadlineMarksIncomplete(t *testing.T) {
	reg, _ := NewRegistry([]Rule{fn("A_RULE", 1, true)}, nil)
	eng, _ := NewEngine(reg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v := eng.Run(ctx, &Input{Msg: &message.Message{}, Env: &message.Envelope{}})
	if !v.Incomplete || v.Has("A_RULE") {
		t.Errorf("verdict %+v", v)
	}
}

func FuzzMetaExpr(f *testing.F) {
	for _, s := range []string{"__A && !__B", "(A + B) >= 2", "!(A||B)&&C", "1 - - 2 > A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := NewMeta(Info{Name: "M_F", Desc: "f"}, s)
		if err != nil {
			return
		}
		m.eval(func(string) bool { return true })
	})
}

type nanRule struct{}

func (nanRule) Info() []Info {
	return []Info{{Name: "NAN_RULE", Family: "test", Score: 1, Desc: "NaN factor"}}
}
func (nanRule) Eval(_ context.Context, _ *Input, out *Hits) {
	zero := 0.0
	out.Hit("NAN_RULE", zero/zero, "")
}

// A failed rule is unknown: metas reading it (directly or through another
// meta) are skipped rather than evaluated as "did not fire".
func TestMetaSkipsFailedRules(t *testing.T) {
	inner := MustMeta(Info{Name: "__NOT_BOOM", Desc: "m"}, "!BOOM")
	outer := MustMeta(Info{Name: "M_OUTER", Score: 5, Desc: "m"}, "__NOT_BOOM && OK_RULE")
	other := MustMeta(Info{Name: "M_OTHER", Score: 1, Desc: "m"}, "!NAN_RULE || OK_RULE")
	v := run(t, []Rule{fn("OK_RULE", 1, true), panicker{}, nanRule{}}, []*Meta{inner, outer, other}, nil)
	if v.Has("M_OUTER") || v.Has("M_OTHER") {
		t.Errorf("metas over failed rules fired: %v", v.Hits)
	}
	if len(v.Errors) != 2 || v.Score != 1 {
		t.Errorf("errors %+v score %v", v.Errors, v.Score)
	}
}
