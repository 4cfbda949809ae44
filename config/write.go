package config

import (
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteTOML prints c as TOML: every setting, tables and keys in the order of
// the Config type, map keys sorted. Loading the output gives back c.
func (c *Config) WriteTOML(w io.Writer) error {
	tw := &tomlWriter{w: w}
	tw.config(reflect.ValueOf(c).Elem())
	return tw.err
}

// tomlWriter prints a Config; with comments set it prints the commented
// example file instead.
type tomlWriter struct {
	w        io.Writer
	comments bool
	err      error
}

func (tw *tomlWriter) printf(format string, args ...any) {
	if tw.err == nil {
		_, tw.err = fmt.Fprintf(tw.w, format, args...)
	}
}

// comment prints text as "# " lines wrapped at about 78 columns.
func (tw *tomlWriter) comment(text string) {
	if tw.comments && text != "" {
		for _, line := range Wrap(text, 76) {
			tw.printf("# %s\n", line)
		}
	}
}

func (tw *tomlWriter) config(rv reflect.Value) {
	for i, f := range fieldsOf(rv.Type()) {
		if i > 0 {
			tw.printf("\n")
		}
		fv := rv.FieldByIndex(f.index)
		switch fv.Kind() {
		case reflect.Struct:
			tw.comment(f.doc)
			tw.printf("[%s]\n", tomlKey(f.key))
			tw.keys(fv)
		case reflect.Map:
			tw.comment(f.doc)
			tw.printf("[%s]\n", tomlKey(f.key))
			tw.mapEntries(fv)
		case reflect.Slice:
			tw.tables(f, fv)
		default:
			panic("config: top-level keys are tables")
		}
	}
}

// keys prints the keys of one table.
func (tw *tomlWriter) keys(rv reflect.Value) {
	for i, f := range fieldsOf(rv.Type()) {
		if tw.comments && i > 0 {
			tw.printf("\n")
		}
		tw.comment(f.doc)
		if f.static {
			tw.comment("Changing it needs a restart.")
		}
		tw.printf("%s = %s\n", tomlKey(f.key), formatValue(rv.FieldByIndex(f.index)))
	}
}

func (tw *tomlWriter) mapEntries(rv reflect.Value) {
	keys := rv.MapKeys()
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.String()
	}
	sort.Strings(names)
	if len(names) == 0 && tw.comments {
		tw.printf("# EXAMPLE_RULE = 2.5\n")
	}
	for _, n := range names {
		tw.printf("%s = %s\n", tomlKey(n), formatValue(rv.MapIndex(reflect.ValueOf(n))))
	}
}

// tables prints an array of tables; the example shows a commented-out one
// when the array is empty.
func (tw *tomlWriter) tables(f field, rv reflect.Value) {
	tw.comment(f.doc)
	if rv.Len() == 0 {
		if tw.comments {
			tw.printf("#\n# [[%s]]\n", f.key)
			for _, ef := range fieldsOf(rv.Type().Elem()) {
				tw.printf("# %s = %s  # %s\n", ef.key, exampleValue(ef), ef.doc)
			}
		}
		return
	}
	for i := 0; i < rv.Len(); i++ {
		if i > 0 {
			tw.printf("\n")
		}
		tw.printf("[[%s]]\n", tomlKey(f.key))
		tw.keys(rv.Index(i))
	}
}

// exampleValue is the value shown for a key of a commented-out example
// table: its example tag, else its zero value.
func exampleValue(f field) string {
	if f.example != "" {
		return f.example
	}
	return formatValue(reflect.New(f.typ).Elem())
}

var durationType = reflect.TypeFor[Duration]()

// formatValue prints a scalar as a TOML value.
func formatValue(v reflect.Value) string {
	if v.Type() == durationType {
		return quote(shortDuration(v.Interface().(Duration).Duration))
	}
	switch v.Kind() {
	case reflect.String:
		return quote(v.String())
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float64:
		return formatFloat(v.Float())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.String {
			items := make([]string, v.Len())
			for i := range items {
				items[i] = quote(v.Index(i).String())
			}
			return "[" + strings.Join(items, ", ") + "]"
		}
	}
	panic("config: cannot print " + v.Type().String())
}

// formatFloat prints f so that TOML reads it back as a float.
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// shortDuration is d.String() without zero trailing units: "5m", not "5m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// quote prints s as a TOML basic string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || r == utf8.RuneError:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlKey prints k bare when TOML allows it, else quoted.
func tomlKey(k string) string {
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return quote(k)
		}
	}
	if k == "" {
		return `""`
	}
	return k
}

// Wrap splits text into lines of at most width bytes at blanks (a word
// longer than width stands alone on its line), as comments of generated
// configuration are written.
func Wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
