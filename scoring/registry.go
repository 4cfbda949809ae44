package scoring

import (
	"fmt"
	"math"
	"regexp"
	"sort"
)

var nameRE = regexp.MustCompile(`^(__)?[A-Z][A-Z0-9_]*$`)

// Registry is a validated set of rules and meta rules. It is immutable once
// built and safe for concurrent use.
type Registry struct {
	rules []Rule
	metas []*Meta
	infos map[string]Info
	owner map[string]int // name -> index into rules, -1 for metas
	names []string       // sorted
}

// NewRegistry validates rules and metas and builds a registry. It fails when
// a name is malformed or duplicated, an Info lacks a family or description,
// a score is not finite, or a meta rule refers to an unknown name.
func NewRegistry(rules []Rule, metas []*Meta) (*Registry, error) {
	r := &Registry{infos: map[string]Info{}, owner: map[string]int{}}
	add := func(in Info, owner int) error {
		switch {
		case !nameRE.MatchString(in.Name):
			return fmt.Errorf("rule name %q is not UPPER_SNAKE", in.Name)
		case in.Family == "":
			return fmt.Errorf("rule %s has no family", in.Name)
		case in.Desc == "":
			return fmt.Errorf("rule %s has no description", in.Name)
		case math.IsNaN(in.Score) || math.IsInf(in.Score, 0):
			return fmt.Errorf("rule %s has a non-finite score", in.Name)
		}
		if _, dup := r.infos[in.Name]; dup {
			return fmt.Errorf("rule name %s is defined twice", in.Name)
		}
		r.infos[in.Name] = in
		r.owner[in.Name] = owner
		r.names = append(r.names, in.Name)
		return nil
	}
	for i, rule := range rules {
		for _, in := range rule.Info() {
			if err := add(in, i); err != nil {
				return nil, err
			}
		}
	}
	for _, m := range metas {
		if err := add(m.Info, -1); err != nil {
			return nil, err
		}
	}
	for _, m := range metas {
		for _, ref := range m.expr.names(nil) {
			if _, ok := r.infos[ref]; !ok {
				return nil, fmt.Errorf("meta rule %s refers to unknown rule %s", m.Info.Name, ref)
			}
		}
	}
	// Metas may refer to other metas: order them so each runs after what it reads.
	ordered, err := orderMetas(metas)
	if err != nil {
		return nil, err
	}
	sort.Strings(r.names)
	r.rules = rules
	r.metas = ordered
	return r, nil
}

// Info returns the description of name.
func (r *Registry) Info(name string) (Info, bool) {
	in, ok := r.infos[name]
	return in, ok
}

// Names returns every rule name, sorted.
func (r *Registry) Names() []string { return r.names }

// Infos returns every Info, sorted by name.
func (r *Registry) Infos() []Info {
	out := make([]Info, 0, len(r.names))
	for _, n := range r.names {
		out = append(out, r.infos[n])
	}
	return out
}

// Rules returns the non-meta rules in registration order.
func (r *Registry) Rules() []Rule { return r.rules }

// Metas returns the meta rules in evaluation order.
func (r *Registry) Metas() []*Meta { return r.metas }

func orderMetas(metas []*Meta) ([]*Meta, error) {
	byName := map[string]*Meta{}
	for _, m := range metas {
		byName[m.Info.Name] = m
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var out []*Meta
	var visit func(m *Meta) error
	visit = func(m *Meta) error {
		switch state[m.Info.Name] {
		case visiting:
			return fmt.Errorf("meta rule %s depends on itself", m.Info.Name)
		case done:
			return nil
		}
		state[m.Info.Name] = visiting
		for _, ref := range m.expr.names(nil) {
			if dep, ok := byName[ref]; ok {
				if err := visit(dep); err != nil {
					return err
				}
			}
		}
		state[m.Info.Name] = done
		out = append(out, m)
		return nil
	}
	for _, m := range metas {
		if err := visit(m); err != nil {
			return nil, err
		}
	}
	return out, nil
}
