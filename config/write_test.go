package config

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated docs/config.md and contrib/mailsift.toml")

func TestWriteTOMLRoundTrip(t *testing.T) {
	orig, err := Parse("every.toml", []byte(everyKey))
	if err != nil {
		t.Fatal(err)
	}
	orig.Actions.SubjectTag = "\"quoted\" \\ tab\t"
	for _, c := range []*Config{Default(), orig} {
		var b bytes.Buffer
		if err := c.WriteTOML(&b); err != nil {
			t.Fatal(err)
		}
		back, err := Parse("show.toml", b.Bytes())
		if err != nil {
			t.Fatalf("output does not load: %v\n%s", err, b.String())
		}
		if got, want := *back, *c; !reflect.DeepEqual(got, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v\n%s", got, want, b.String())
		}
		var again bytes.Buffer
		if err := back.WriteTOML(&again); err != nil {
			t.Fatal(err)
		}
		if again.String() != b.String() {
			t.Errorf("WriteTOML is not stable:\n%s\n---\n%s", b.String(), again.String())
		}
	}
}

// Every key appears in WriteTOML output, even at its zero value.
func TestWriteTOMLEveryKey(t *testing.T) {
	var b bytes.Buffer
	if err := Default().WriteTOML(&b); err != nil {
		t.Fatal(err)
	}
	kl := locateKeys(b.String())
	walkKeys(reflect.TypeFor[Config](), "", func(key string, f field) {
		if strings.Contains(key, "[") || f.typ.Kind() == reflect.Slice {
			return // an empty array of tables has nothing to print
		}
		if _, ok := kl[key]; !ok {
			t.Errorf("WriteTOML output lacks %s", key)
		}
	})
}

func TestExampleLoadsToDefault(t *testing.T) {
	c, err := Parse(ExamplePath, Example())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := *c, *Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("example:\n got %+v\nwant %+v", got, want)
	}
}

// walkKeys calls fn for every key of the struct type t, tables included.
func walkKeys(t reflect.Type, prefix string, fn func(key string, f field)) {
	for _, f := range fieldsOf(t) {
		key := joinKey(prefix, f.key)
		fn(key, f)
		switch f.typ.Kind() {
		case reflect.Struct:
			if f.typ != durationType {
				walkKeys(f.typ, key, fn)
			}
		case reflect.Slice:
			if f.typ.Elem().Kind() == reflect.Struct {
				walkKeys(f.typ.Elem(), key+"[0]", fn)
			}
		}
	}
}

func TestEveryKeyDocumented(t *testing.T) {
	walkKeys(reflect.TypeFor[Config](), "", func(key string, f field) {
		if f.doc == "" {
			t.Errorf("%s has no doc tag", key)
		}
	})
}

// The default tags shown in docs agree with Default().
func TestDefaultTags(t *testing.T) {
	def := reflect.ValueOf(Default()).Elem()
	for _, table := range fieldsOf(def.Type()) {
		if table.typ.Kind() != reflect.Struct {
			continue
		}
		tv := def.FieldByIndex(table.index)
		for _, f := range fieldsOf(table.typ) {
			key := table.key + "." + f.key
			got := tv.FieldByIndex(f.index)
			want := reflect.New(f.typ).Elem()
			if f.def != "" {
				var errs Errors
				decodeValue(want, tagValue(f), key, &errs)
				if len(errs) > 0 {
					t.Errorf("%s: default tag %q: %v", key, f.def, errs)
					continue
				}
			}
			if !reflect.DeepEqual(got.Interface(), want.Interface()) {
				t.Errorf("%s: Default() has %v, default tag says %q", key, got, f.def)
			}
		}
	}
}

// tagValue reads a default tag as the TOML value it would be in a file.
func tagValue(f field) any {
	switch f.typ.Kind() {
	case reflect.Int:
		var n int64
		_, err := fmt.Sscan(f.def, &n)
		if err != nil {
			return f.def
		}
		return n
	case reflect.Float64:
		var x float64
		if _, err := fmt.Sscan(f.def, &x); err != nil {
			return f.def
		}
		return x
	case reflect.Bool:
		return f.def == "true"
	}
	return f.def
}

// TestGeneratedFiles fails when docs/config.md or contrib/mailsift.toml
// differ from what the code generates; go test -update rewrites them.
func TestGeneratedFiles(t *testing.T) {
	for path, want := range map[string][]byte{DocPath: Markdown(), ExamplePath: Example()} {
		full := filepath.Join("..", filepath.FromSlash(path))
		if *update {
			if err := os.WriteFile(full, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(full)
		if err != nil {
			t.Fatalf("%v (run go generate ./config)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date: run go generate ./config", path)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		text  string
		width int
		want  []string
	}{
		{"", 10, nil},
		{"one two three four", 9, []string{"one two", "three", "four"}},
		{"  spaced   out  ", 20, []string{"spaced out"}},
		{"a verylongwordindeed b", 5, []string{"a", "verylongwordindeed", "b"}},
	}
	for _, tc := range tests {
		if got := Wrap(tc.text, tc.width); !slices.Equal(got, tc.want) {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tc.text, tc.width, got, tc.want)
		}
	}
}
