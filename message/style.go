package message

import (
	"bytes"
	"strconv"
	"strings"
)

// applyStyle reads the declarations of an inline style attribute that
// decide whether text is seen: display, visibility, font-size, opacity,
// color and background.
func applyStyle(e *elem, style []byte) {
	for len(style) > 0 {
		var decl []byte
		if i := bytes.IndexByte(style, ';'); i >= 0 {
			decl, style = style[:i], style[i+1:]
		} else {
			decl, style = style, nil
		}
		k, v, ok := bytes.Cut(decl, []byte(":"))
		if !ok {
			continue
		}
		key := strings.ToLower(string(bytes.TrimSpace(k)))
		val := strings.ToLower(strings.TrimSpace(strings.TrimSuffix(
			strings.TrimSpace(string(v)), "!important")))
		applyDecl(e, key, val)
	}
}

func applyDecl(e *elem, key, val string) {
	switch key {
	case "display":
		if val == "none" {
			e.none = true
		}
	case "visibility":
		e.invisible = val == "hidden" || val == "collapse"
	case "opacity":
		if f, err := strconv.ParseFloat(val, 64); err == nil && f < 0.1 {
			e.none = true
		}
	case "font-size":
		e.tiny = tinyFontSize(val)
	case "color":
		if c := parseColor([]byte(val)); c != colorUnset {
			e.fg = c
		}
	case "background-color":
		if c := parseColor([]byte(val)); c != colorUnset {
			e.bg = c
		}
	case "background":
		if strings.Contains(val, "url(") {
			e.bg = colorUnknown
		} else if c := parseColor([]byte(firstWord(val))); c != colorUnset {
			e.bg = c
		}
	}
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}

// hugeFontSize reports an HTML <font size> of 5 to 7 or a relative +3 and
// more: the headline type of a printed flyer.
func hugeFontSize(v []byte) bool {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) >= 2 && v[0] == '+':
		return v[1] >= '3' && v[1] <= '9'
	case len(v) >= 1:
		return v[0] >= '5' && v[0] <= '7'
	}
	return false
}

// tinyFontSize reports a font size that cannot be read: at most 2px or 2pt,
// 0.2em, or 20%.
func tinyFontSize(v string) bool {
	i := 0
	for i < len(v) && (v[i] >= '0' && v[i] <= '9' || v[i] == '.') {
		i++
	}
	if i == 0 {
		return false
	}
	n, err := strconv.ParseFloat(v[:i], 64)
	if err != nil {
		return false
	}
	switch strings.TrimSpace(v[i:]) {
	case "", "px", "pt":
		return n <= 2
	case "em", "rem":
		return n <= 0.2
	case "%":
		return n <= 20
	}
	return false
}

var namedColors = map[string]int32{
	"white": 0xFFFFFF, "black": 0x000000, "red": 0xFF0000, "green": 0x008000, "blue": 0x0000FF,
	"yellow": 0xFFFF00, "gray": 0x808080, "grey": 0x808080, "silver": 0xC0C0C0, "maroon": 0x800000,
	"navy": 0x000080, "purple": 0x800080, "teal": 0x008080, "olive": 0x808000, "lime": 0x00FF00,
	"aqua": 0x00FFFF, "cyan": 0x00FFFF, "fuchsia": 0xFF00FF, "magenta": 0xFF00FF,
	"orange": 0xFFA500, "snow": 0xFFFAFA, "ivory": 0xFFFFF0, "whitesmoke": 0xF5F5F5,
	"ghostwhite": 0xF8F8FF, "floralwhite": 0xFFFAF0, "mintcream": 0xF5FFFA, "azure": 0xF0FFFF,
}

// parseColor parses #rgb, #rrggbb (the '#' may be missing), rgb(r,g,b) and
// common colour names. It returns colorUnset for inherit/transparent/empty
// and colorUnknown for anything else it cannot read.
func parseColor(v []byte) int32 {
	s := strings.ToLower(strings.TrimSpace(string(v)))
	switch s {
	case "", "inherit", "transparent", "initial", "currentcolor":
		return colorUnset
	}
	if c, ok := namedColors[s]; ok {
		return c
	}
	if strings.HasPrefix(s, "rgb") {
		return parseRGB(s)
	}
	h := strings.TrimPrefix(s, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 {
		return colorUnknown
	}
	n, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return colorUnknown
	}
	return int32(n)
}

func parseRGB(s string) int32 {
	open, close := strings.IndexByte(s, '('), strings.IndexByte(s, ')')
	if open < 0 || close < open {
		return colorUnknown
	}
	f := strings.FieldsFunc(s[open+1:close], func(r rune) bool { return r == ',' || r == ' ' || r == '/' })
	if len(f) < 3 {
		return colorUnknown
	}
	if len(f) == 4 { // rgba: a transparent colour says nothing
		if a, err := strconv.ParseFloat(f[3], 64); err == nil && a < 0.1 {
			return colorUnset
		}
	}
	var c int32
	for _, x := range f[:3] {
		n, err := strconv.Atoi(strings.TrimSuffix(x, "%"))
		if err != nil {
			return colorUnknown
		}
		if strings.HasSuffix(x, "%") {
			n = n * 255 / 100
		}
		c = c<<8 | int32(min(max(n, 0), 255))
	}
	return c
}

// colorsClose reports colours a reader cannot tell apart.
func colorsClose(a, b int32) bool {
	d := func(x, y int32) int32 {
		if x > y {
			return x - y
		}
		return y - x
	}
	sum := d(a>>16&0xFF, b>>16&0xFF) + d(a>>8&0xFF, b>>8&0xFF) + d(a&0xFF, b&0xFF)
	return sum <= 24
}
