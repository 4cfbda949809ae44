// Package rules assembles the built-in rule families into the default
// registry. Adding a family means one import and one line in families.
package rules

import (
	"github.com/mailsift/mailsift/scoring"
	"github.com/mailsift/mailsift/scoring/rules/bayes"
	"github.com/mailsift/mailsift/scoring/rules/body"
	"github.com/mailsift/mailsift/scoring/rules/gtube"
	"github.com/mailsift/mailsift/scoring/rules/header"
	"github.com/mailsift/mailsift/scoring/rules/mime"
	"github.com/mailsift/mailsift/scoring/rules/phish"
	"github.com/mailsift/mailsift/scoring/rules/rfc"
	"github.com/mailsift/mailsift/scoring/rules/subject"
	"github.com/mailsift/mailsift/scoring/rules/uri"
)

// Family is one package of built-in rules.
type Family struct {
	Name  string
	Rules func() []scoring.Rule
	Metas func() []*scoring.Meta
}

// Families lists the built-in families in evaluation order.
func Families() []Family {
	return []Family{
		{"gtube", gtube.Rules, gtube.Metas},
		{"header", header.Rules, header.Metas},
		{"rfc", rfc.Rules, rfc.Metas},
		{"subject", subject.Rules, subject.Metas},
		{"body", body.Rules, body.Metas},
		{"uri", uri.Rules, uri.Metas},
		{"mime", mime.Rules, mime.Metas},
		{"phish", phish.Rules, phish.Metas},
		{"bayes", bayes.Rules, bayes.Metas},
	}
}

// Builtin returns every built-in rule and meta rule.
func Builtin() ([]scoring.Rule, []*scoring.Meta) {
	var rs []scoring.Rule
	var ms []*scoring.Meta
	for _, f := range Families() {
		rs = append(rs, f.Rules()...)
		ms = append(ms, f.Metas()...)
	}
	return rs, ms
}

// Registry builds the default registry of built-in rules plus extra meta
// rules (from the configuration), with the fitted default points of
// scores.toml applied.
func Registry(extra ...*scoring.Meta) (*scoring.Registry, error) {
	return registry(nil, extra)
}

// registry is Registry with rules built from the configuration (the net
// family, whose names come from the zones file) added to the built-in ones.
func registry(extraRules []scoring.Rule, extra []*scoring.Meta) (*scoring.Registry, error) {
	fitted, _, err := Fitted()
	if err != nil {
		return nil, err
	}
	rs, ms := Builtin()
	for i, r := range rs {
		rs[i] = rescored{r, fitted}
	}
	for i, m := range ms {
		if p, ok := fitted[m.Info.Name]; ok {
			c := *m
			c.Info.Score = p
			ms[i] = &c
		}
	}
	for _, r := range extraRules {
		rs = append(rs, rescored{r, fitted})
	}
	return scoring.NewRegistry(rs, append(ms, extra...))
}

// HandSetRegistry builds the registry with every rule's hand-set points,
// ignoring scores.toml: the starting point and prior of `rules fit`.
func HandSetRegistry() (*scoring.Registry, error) {
	rs, ms := Builtin()
	return scoring.NewRegistry(rs, ms)
}

// Engine builds the default engine: the built-in rules plus extraRules
// (families built from the configuration, such as net.Rules(zones)) plus
// the extra meta rules, the configuration's overrides, and the fitted Bayes
// score set.
func Engine(overrides map[string]float64, extraRules []scoring.Rule, extra ...*scoring.Meta) (*scoring.Engine, error) {
	reg, err := registry(extraRules, extra)
	if err != nil {
		return nil, err
	}
	eng, err := scoring.NewEngine(reg, overrides)
	if err != nil {
		return nil, err
	}
	_, withBayes, err := Fitted()
	if err != nil || len(withBayes) == 0 {
		return eng, err
	}
	return eng.WithBayesSet(withBayes)
}
