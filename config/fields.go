package config

import (
	"reflect"
	"strings"
)

// field is one TOML key of a config struct, read from its tags.
type field struct {
	key     string // toml tag
	index   []int
	typ     reflect.Type
	doc     string // doc tag
	def     string // default tag, as documented
	static  bool   // static tag: a change needs a restart
	example string // example tag: the value shown in a commented-out example
}

type fieldList []field

// fieldsOf lists the tagged fields of the struct type t in declaration order.
func fieldsOf(t reflect.Type) fieldList {
	var fl fieldList
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		key, _, _ := strings.Cut(sf.Tag.Get("toml"), ",")
		if !sf.IsExported() || key == "" || key == "-" {
			continue
		}
		fl = append(fl, field{
			key: key, index: sf.Index, typ: sf.Type,
			doc: sf.Tag.Get("doc"), def: sf.Tag.Get("default"),
			static: sf.Tag.Get("static") == "true", example: sf.Tag.Get("example"),
		})
	}
	return fl
}

func (fl fieldList) byKey(k string) (field, bool) {
	for _, f := range fl {
		if f.key == k {
			return f, true
		}
	}
	return field{}, false
}

// suggest returns " (did you mean x?)" for the known key closest to k, or "".
func (fl fieldList) suggest(k string) string {
	best, bestD := "", 3
	for _, f := range fl {
		if d := editDistance(k, f.key); d < bestD {
			best, bestD = f.key, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
