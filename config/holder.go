package config

import (
	"reflect"
	"sync/atomic"
)

// Holder holds the current Config and swaps it atomically on reload.
// Readers call Load once per unit of work (a milter session) and keep the
// *Config they got, which never changes.
type Holder struct {
	cur atomic.Pointer[Config]
}

// NewHolder returns a Holder holding c.
func NewHolder(c *Config) *Holder {
	h := &Holder{}
	h.cur.Store(c)
	return h
}

// Load returns the current Config.
func (h *Holder) Load() *Config { return h.cur.Load() }

// Reload loads path and, when it is valid, makes it current. When it is not,
// the current Config stays and the error (Errors for a bad file) is
// returned. restart lists the static keys (such as listen.address) whose
// value changed in the file: they take effect only after a restart, so the
// new Config keeps their running values and everything else is swapped in.
func (h *Holder) Reload(path string) (restart []string, err error) {
	c, err := Load(path)
	if err != nil {
		return nil, err
	}
	if old := h.cur.Load(); old != nil {
		restart = StaticChanges(old, c)
		KeepStatic(old, c)
	}
	h.cur.Store(c)
	return restart, nil
}

// StaticChanges lists the keys marked static (they need a restart) whose
// values differ between a and b.
func StaticChanges(a, b *Config) []string {
	var keys []string
	eachStatic(a, b, func(key string, fa, fb reflect.Value) {
		if !reflect.DeepEqual(fa.Interface(), fb.Interface()) {
			keys = append(keys, key)
		}
	})
	return keys
}

// KeepStatic copies the static settings (those that need a restart) of old into c.
func KeepStatic(old, c *Config) {
	eachStatic(old, c, func(_ string, fold, fc reflect.Value) { fc.Set(fold) })
}

// eachStatic calls fn with each static key and its field in a and in b.
// Static keys live in the top-level tables.
func eachStatic(a, b *Config, fn func(key string, fa, fb reflect.Value)) {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for _, f := range fieldsOf(va.Type()) {
		if f.typ.Kind() != reflect.Struct {
			continue
		}
		ta, tb := va.FieldByIndex(f.index), vb.FieldByIndex(f.index)
		for _, sf := range fieldsOf(f.typ) {
			if sf.static {
				fn(f.key+"."+sf.key, ta.FieldByIndex(sf.index), tb.FieldByIndex(sf.index))
			}
		}
	}
}
