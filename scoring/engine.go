package scoring

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// Engine scores messages with a registry and a set of weights. It is
// immutable and safe for concurrent use; build a new one to change weights.
type Engine struct {
	reg    *Registry
	points map[string]float64
	// bayesPoints, when set, replace points for messages the Bayes
	// classifier had an opinion on: weights fitted with Bayes present are
	// lower for the rules Bayes overlaps with, and must not apply when
	// Bayes has not learned enough yet (a fresh install).
	bayesPoints map[string]float64
	overrides   map[string]float64
	// ruleNames[i] is the set of names rule i may emit.
	ruleNames []map[string]bool
}

// NewEngine builds an engine. overrides replace default points by name; an
// override for an unknown name is an error (a typo in a config file must not
// pass silently).
func NewEngine(reg *Registry, overrides map[string]float64) (*Engine, error) {
	e := &Engine{reg: reg, points: make(map[string]float64, len(reg.infos)), overrides: overrides}
	for name, in := range reg.infos {
		e.points[name] = in.Score
	}
	var unknown []string
	for name, p := range overrides {
		if _, ok := reg.infos[name]; !ok {
			unknown = append(unknown, name)
			continue
		}
		if math.IsNaN(p) || math.IsInf(p, 0) {
			return nil, fmt.Errorf("score for %s is not finite", name)
		}
		e.points[name] = p
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("scores for unknown rules: %s", strings.Join(unknown, ", "))
	}
	e.ruleNames = make([]map[string]bool, len(reg.rules))
	for i, r := range reg.rules {
		set := map[string]bool{}
		for _, in := range r.Info() {
			set[in.Name] = true
		}
		e.ruleNames[i] = set
	}
	return e, nil
}

// Registry returns the engine's registry.
func (e *Engine) Registry() *Registry { return e.reg }

// Points returns the configured points of name for factor 1 (the set used
// without a Bayes opinion).
func (e *Engine) Points(name string) float64 { return e.points[name] }

// WithBayesSet returns a copy of e that scores messages with a ready Bayes
// opinion with set (default points by name, for the names it has) instead
// of the registry's defaults. The engine's overrides still win.
func (e *Engine) WithBayesSet(set map[string]float64) (*Engine, error) {
	c := *e
	c.bayesPoints = make(map[string]float64, len(e.points))
	for name, p := range e.points {
		c.bayesPoints[name] = p
	}
	for name, p := range set {
		if _, ok := e.reg.infos[name]; !ok {
			return nil, fmt.Errorf("Bayes score set: unknown rule %s", name)
		}
		if _, over := e.overrides[name]; !over {
			c.bayesPoints[name] = p
		}
	}
	return &c, nil
}

// RuleError records a rule that failed (panicked or emitted an undeclared
// name). The rule's hits are discarded and the message is scored without it.
type RuleError struct {
	Rule string `json:"rule"`
	Err  string `json:"error"`
}

// Verdict is the result of scoring one message.
type Verdict struct {
	Score float64 `json:"score"`
	// Hits lists every rule that fired and scores, largest points first.
	// Names starting "__" are left out.
	Hits   []Hit       `json:"rules"`
	Errors []RuleError `json:"errors,omitempty"`
	// Incomplete is true when the context ended before every rule ran.
	Incomplete bool          `json:"incomplete,omitempty"`
	Elapsed    time.Duration `json:"-"`
}

// Has reports whether the verdict contains a hit for name.
func (v *Verdict) Has(name string) bool {
	for _, h := range v.Hits {
		if h.Rule == name {
			return true
		}
	}
	return false
}

// Run scores one message. It never panics because of a rule: a panicking
// rule is recorded in Verdict.Errors and skipped. When ctx ends, the rules
// not yet run are skipped and Verdict.Incomplete is set.
func (e *Engine) Run(ctx context.Context, in *Input) *Verdict {
	start := time.Now()
	v := &Verdict{Hits: []Hit{}}
	hits := &Hits{list: make([]Hit, 0, 16)}
	for i, r := range e.reg.rules {
		if ctx.Err() != nil {
			v.Incomplete = true
			break
		}
		before := len(hits.list)
		if err := evalGuarded(ctx, r, in, hits); err != nil {
			hits.list = hits.list[:before]
			v.Errors = append(v.Errors, RuleError{Rule: firstName(r), Err: err.Error()})
			continue
		}
		if msg := e.checkHits(i, hits.list[before:]); msg != "" {
			hits.list = hits.list[:before]
			v.Errors = append(v.Errors, RuleError{Rule: firstName(r), Err: msg})
		}
	}
	e.runMetas(v, hits)
	points := e.points
	if e.bayesPoints != nil && in.Bayes != nil && in.Bayes.Ready {
		points = e.bayesPoints
	}
	for _, h := range hits.list {
		if strings.HasPrefix(h.Rule, "__") {
			continue
		}
		h.Points = round3(points[h.Rule] * h.Factor)
		v.Hits = append(v.Hits, h)
		v.Score += h.Points
	}
	v.Score = round3(v.Score)
	sort.SliceStable(v.Hits, func(i, j int) bool {
		a, b := math.Abs(v.Hits[i].Points), math.Abs(v.Hits[j].Points)
		if a != b {
			return a > b
		}
		return v.Hits[i].Rule < v.Hits[j].Rule
	})
	v.Elapsed = time.Since(start)
	return v
}

// checkHits validates what rule i reported: only its own names, with
// finite factors.
func (e *Engine) checkHits(i int, hs []Hit) string {
	for _, h := range hs {
		if !e.ruleNames[i][h.Rule] {
			return "emitted undeclared name " + h.Rule
		}
		if math.IsNaN(h.Factor) || math.IsInf(h.Factor, 0) {
			return fmt.Sprintf("non-finite factor for %s", h.Rule)
		}
	}
	return ""
}

// runMetas evaluates the meta rules. A meta rule that reads a name of a
// failed rule is skipped: a failed check is unknown, never "did not fire".
func (e *Engine) runMetas(v *Verdict, hits *Hits) {
	var failed map[string]bool
	for _, re := range v.Errors {
		if failed == nil {
			failed = map[string]bool{}
		}
		for _, in := range e.reg.rules[e.reg.owner[re.Rule]].Info() {
			failed[in.Name] = true
		}
	}
	fired := func(name string) bool { return hits.Has(name) }
	for _, m := range e.reg.metas {
		if failed != nil && m.reads(failed) {
			failed[m.Info.Name] = true // metas reading this one are unknown too
			continue
		}
		if m.eval(fired) {
			hits.Hit(m.Info.Name, 1, "")
		}
	}
}

func evalGuarded(ctx context.Context, r Rule, in *Input, out *Hits) (err error) {
	defer func() {
		if p := recover(); p != nil {
			stack := string(debug.Stack())
			if len(stack) > 600 {
				stack = stack[:600]
			}
			err = fmt.Errorf("panic: %v [%s]", p, strings.ReplaceAll(stack, "\n", " | "))
		}
	}()
	r.Eval(ctx, in, out)
	return nil
}

func firstName(r Rule) string {
	if in := r.Info(); len(in) > 0 {
		return in[0].Name
	}
	return "?"
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
