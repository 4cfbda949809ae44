package config

import (
	"encoding"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Load reads the TOML file at path over Default and validates the result.
// Every problem is reported at once as Errors, each with the file, the line
// and the key: syntax errors, unknown keys, values of the wrong type and
// values that fail validation. A file that cannot be read gives the
// underlying error.
func Load(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, src)
}

// Parse is Load for a file already in memory; name appears in errors.
func Parse(name string, src []byte) (*Config, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(src), &raw); err != nil {
		return nil, syntaxError(name, err)
	}
	kl := locateKeys(string(src))
	c := Default()
	var errs Errors
	decodeStruct(reflect.ValueOf(c).Elem(), raw, "", &errs)
	for i := range errs { // decode errors: fall back to the enclosing key's line
		errs[i].Line = kl.line(errs[i].Key)
	}
	for _, e := range c.validate() {
		if present(raw, e.Key) { // validation errors: only keys in the file have a line
			e.Line = kl.line(e.Key)
		}
		errs = append(errs, e)
	}
	for i := range errs {
		errs[i].File = name
	}
	errs.sortByLine()
	if err := errs.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// present reports whether the file sets key ("a.b", "meta[1].expr").
func present(raw map[string]any, key string) bool {
	var v any = raw
	for _, seg := range strings.Split(key, ".") {
		name, idx, hasIdx := strings.Cut(seg, "[")
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = m[name]; !ok {
			return false
		}
		if hasIdx {
			i, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			if err != nil {
				return false
			}
			arr, ok := v.([]map[string]any)
			if !ok || i < 0 || i >= len(arr) {
				return false
			}
			v = arr[i]
		}
	}
	return true
}

func syntaxError(name string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return Errors{{File: name, Line: pe.Position.Line, Msg: pe.Message}}
	}
	return Errors{{File: name, Msg: err.Error()}}
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// decodeStruct sets the fields of rv from the table m, reporting unknown keys
// and type errors into errs.
func decodeStruct(rv reflect.Value, m map[string]any, prefix string, errs *Errors) {
	fields := fieldsOf(rv.Type())
	for _, k := range sortedKeys(m) {
		key, v := joinKey(prefix, k), m[k]
		f, ok := fields.byKey(k)
		if !ok {
			*errs = append(*errs, Error{Key: key, Msg: "unknown key" + fields.suggest(k)})
			continue
		}
		decodeValue(rv.FieldByIndex(f.index), v, key, errs)
	}
}

// decodeValue sets fv from the TOML value v.
func decodeValue(fv reflect.Value, v any, key string, errs *Errors) {
	bad := func(want string) {
		*errs = append(*errs, Error{Key: key, Msg: fmt.Sprintf("want %s, found %s", want, tomlType(v))})
	}
	if reflect.PointerTo(fv.Type()).Implements(textUnmarshaler) {
		s, ok := v.(string)
		if !ok {
			bad("a string")
			return
		}
		if err := fv.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			*errs = append(*errs, Error{Key: key, Msg: fmt.Sprintf("invalid value %q: %v", s, err)})
		}
		return
	}
	switch fv.Kind() {
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			bad("a string")
			return
		}
		fv.SetString(s)
	case reflect.Int, reflect.Int64:
		n, ok := v.(int64)
		if !ok {
			bad("an integer")
			return
		}
		fv.SetInt(n)
	case reflect.Float64:
		switch n := v.(type) {
		case float64:
			fv.SetFloat(n)
		case int64:
			fv.SetFloat(float64(n))
		default:
			bad("a number")
		}
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			bad("a boolean")
			return
		}
		fv.SetBool(b)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			bad("a table")
			return
		}
		decodeStruct(fv, m, key, errs)
	case reflect.Map:
		decodeMap(fv, v, key, errs)
	case reflect.Slice:
		decodeSlice(fv, v, key, errs)
	default:
		panic("config: unsupported field type " + fv.Type().String())
	}
}

// decodeMap merges the table v into the map fv, key by key.
func decodeMap(fv reflect.Value, v any, key string, errs *Errors) {
	m, ok := v.(map[string]any)
	if !ok {
		*errs = append(*errs, Error{Key: key, Msg: "want a table, found " + tomlType(v)})
		return
	}
	if fv.IsNil() {
		fv.Set(reflect.MakeMap(fv.Type()))
	}
	for _, k := range sortedKeys(m) {
		elem := reflect.New(fv.Type().Elem()).Elem()
		n := len(*errs)
		decodeValue(elem, m[k], joinKey(key, k), errs)
		if len(*errs) == n {
			fv.SetMapIndex(reflect.ValueOf(k), elem)
		}
	}
}

// decodeSlice replaces the slice fv with the array v.
func decodeSlice(fv reflect.Value, v any, key string, errs *Errors) {
	var items []any
	switch a := v.(type) {
	case []any:
		items = a
	case []map[string]any:
		for _, m := range a {
			items = append(items, m)
		}
	default:
		*errs = append(*errs, Error{Key: key, Msg: "want an array, found " + tomlType(v)})
		return
	}
	if len(items) == 0 {
		fv.Set(reflect.Zero(fv.Type())) // an empty array reads as the default: none
		return
	}
	s := reflect.MakeSlice(fv.Type(), len(items), len(items))
	for i, item := range items {
		decodeValue(s.Index(i), item, fmt.Sprintf("%s[%d]", key, i), errs)
	}
	fv.Set(s)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// tomlType names the TOML type of a decoded value, for messages.
func tomlType(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("string %q", v)
	case int64:
		return fmt.Sprintf("integer %d", v)
	case float64:
		return fmt.Sprintf("float %v", v)
	case bool:
		return fmt.Sprintf("boolean %v", v)
	case map[string]any:
		return "a table"
	case []any, []map[string]any:
		return "an array"
	default:
		return strings.TrimPrefix(fmt.Sprintf("%T", v), "*")
	}
}
