package config

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/mailsift/mailsift/dnsbl"
)

// ZonesPath is the generated example zones file, relative to the
// repository root.
const ZonesPath = "contrib/zones.toml"

// ZonesExample returns contrib/zones.toml: dnsbl.DefaultZones in the
// zones_file format, every zone disabled, the operators' usage terms as
// comments.
func ZonesExample() []byte {
	var b bytes.Buffer
	b.WriteString(`# zones.toml: well-known DNS lists for [dns] zones_file, every one disabled.
# Generated from the config package (go generate ./config); do not edit here:
# copy it, read each operator's current usage terms, and set enabled = true
# on the lists you may use. See docs/dns.md for every key of a [[zone]].
`)
	for _, z := range dnsbl.DefaultZones() {
		b.WriteString("\n")
		for _, line := range wrap("Terms: "+z.Terms, 76) {
			fmt.Fprintf(&b, "# %s\n", line)
		}
		writeZone(&b, z)
	}
	return b.Bytes()
}

// writeZone prints one [[zone]] table with the keys that differ from
// their zero value, and enabled always.
func writeZone(b *bytes.Buffer, z dnsbl.Zone) {
	b.WriteString("[[zone]]\n")
	kv := func(k, v string) { fmt.Fprintf(b, "%s = %s\n", k, v) }
	kv("name", strconv.Quote(z.Name))
	kv("domain", strconv.Quote(z.Domain))
	kv("kind", strconv.Quote(z.Kind.String()))
	kv("target", strconv.Quote(z.Target.String()))
	kv("rule", strconv.Quote(z.Rule))
	kv("match", strconv.Quote(z.Match.String()))
	if len(z.Codes) > 0 {
		keys := make([]string, 0, len(z.Codes))
		for k := range z.Codes {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return codeLess(keys[i], keys[j]) })
		items := make([]string, len(keys))
		for i, k := range keys {
			items[i] = strconv.Quote(k) + " = " + strconv.Quote(z.Codes[k])
		}
		kv("codes", "{ "+strings.Join(items, ", ")+" }")
	}
	if len(z.Blocked) > 0 {
		items := make([]string, len(z.Blocked))
		for i, s := range z.Blocked {
			items[i] = strconv.Quote(s)
		}
		kv("blocked", "["+strings.Join(items, ", ")+"]")
	}
	for _, f := range []struct {
		key string
		on  bool
	}{{"ignore_unnamed", z.IgnoreUnnamed}, {"ipv6", z.IPv6}, {"uri_ips", z.URIIPs}, {"uri_only", z.URIOnly}} {
		if f.on {
			kv(f.key, "true")
		}
	}
	if z.TestListed != "" {
		kv("test_listed", strconv.Quote(z.TestListed))
	}
	if z.TestUnlisted != "" {
		kv("test_unlisted", strconv.Quote(z.TestUnlisted))
	}
	kv("enabled", strconv.FormatBool(z.Enabled))
}

// codeLess orders return codes numerically by their last octet, then as
// text.
func codeLess(a, b string) bool {
	na, ea := strconv.Atoi(a[strings.LastIndexByte(a, '.')+1:])
	nb, eb := strconv.Atoi(b[strings.LastIndexByte(b, '.')+1:])
	if ea == nil && eb == nil && na != nb && a[:strings.LastIndexByte(a, '.')+1] == b[:strings.LastIndexByte(b, '.')+1] {
		return na < nb
	}
	return a < b
}
