package config

//go:generate go test -run TestGeneratedFiles -update

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
)

// Generated files, relative to the repository root.
const (
	DocPath     = "docs/config.md"
	ExamplePath = "contrib/mailsift.toml"
)

// Example returns the commented example file: every key at its default,
// each with its description.
func Example() []byte {
	var b bytes.Buffer
	b.WriteString(`# mailsift.toml: every setting at its default, with its description.
# Generated from the config package (go generate ./config); do not edit.
# The reference with types and defaults is docs/config.md.

`)
	tw := &tomlWriter{w: &b, comments: true}
	tw.config(reflect.ValueOf(Default()).Elem())
	return b.Bytes()
}

// Markdown returns docs/config.md: one section per table, one row per key
// with its type, default, whether a change needs a restart, and description.
func Markdown() []byte {
	var b bytes.Buffer
	b.WriteString(mdIntro)
	def := reflect.ValueOf(Default()).Elem()
	for _, f := range fieldsOf(def.Type()) {
		fv := def.FieldByIndex(f.index)
		switch fv.Kind() {
		case reflect.Struct:
			fmt.Fprintf(&b, "\n## [%s]\n\n%s\n\n", f.key, f.doc)
			mdTable(&b, fv)
		case reflect.Map:
			fmt.Fprintf(&b, "\n## [%s]\n\n%s\n\n", f.key, f.doc)
			fmt.Fprintf(&b, "Each key is a rule name, each value a %s. Default: empty "+
				"(every rule scores its built-in points, listed in `docs/rules.md`).\n", typeName(f.typ.Elem()))
		case reflect.Slice:
			fmt.Fprintf(&b, "\n## [[%s]]\n\n%s Each `[[%s]]` table is one rule. Default: none.\n\n",
				f.key, f.doc, f.key)
			mdTable(&b, reflect.New(f.typ.Elem()).Elem())
		}
	}
	return b.Bytes()
}

const mdIntro = `# Configuration reference

<!-- Generated from the config package by go generate ./config; do not edit. -->

mailsift reads one TOML file. Every key is optional: a missing key keeps the
default shown here, and ` + "`contrib/mailsift.toml`" + ` lists every key at its default.
Loading reports every problem at once as ` + "`file:line: key: message`" + `: syntax
errors, unknown keys, values of the wrong type and values out of range.
` + "`mailsift config check FILE`" + ` checks a file; ` + "`mailsift config show`" + ` prints the
effective configuration with every key.

On SIGHUP the file is read again. A file with any error is refused and the
running configuration kept. Keys marked *restart* in the Reload column are
read only at start: a reload that changes them says so and keeps their
running value until the next restart.

Durations are strings such as ` + "`\"8s\"`, `\"250ms\"` or `\"5m\"`" + `.
`

// mdTable prints one Markdown row per key of the struct value v.
func mdTable(b *bytes.Buffer, v reflect.Value) {
	b.WriteString("| Key | Type | Default | Reload | Description |\n")
	b.WriteString("|-----|------|---------|--------|-------------|\n")
	for _, f := range fieldsOf(v.Type()) {
		reload := "yes"
		if f.static {
			reload = "restart"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s |\n",
			f.key, typeName(f.typ), mdDefault(f, v.FieldByIndex(f.index)), reload, mdEscape(f.doc))
	}
}

func mdDefault(f field, v reflect.Value) string {
	s := "`" + formatValue(v) + "`"
	if v.Kind() == reflect.Int && strings.HasSuffix(f.key, "_bytes") && v.Int() >= kib {
		s += " (" + humanBytes(v.Int()) + ")"
	}
	return mdEscape(s)
}

func humanBytes(n int64) string {
	switch {
	case n%mib == 0:
		return fmt.Sprintf("%d MiB", n/mib)
	case n%kib == 0:
		return fmt.Sprintf("%d KiB", n/kib)
	}
	return fmt.Sprintf("%d bytes", n)
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// typeName names the TOML type of a Go field type for the docs.
func typeName(t reflect.Type) string {
	if t == durationType {
		return "duration"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int64:
		return "integer"
	case reflect.Float64:
		return "float"
	case reflect.Bool:
		return "boolean"
	case reflect.Map:
		return "table of " + typeName(t.Elem())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "array of strings"
		}
		return "array of tables"
	}
	return t.String()
}
