package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/dnsbl"
	"github.com/mailsift/mailsift/filter"
)

// zonesPath is the generated example zones file, relative to the
// repository root (mailsift dnsbl zones prints it).
const zonesPath = "contrib/zones.toml"

const dnsblUsage = `usage: mailsift dnsbl check IP|DOMAIN [--config FILE]
       mailsift dnsbl serve --listen ADDR [--config FILE]
       mailsift dnsbl zones`

// runDNSBL runs the DNS list tools.
func runDNSBL(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, dnsblUsage)
		return 2
	}
	switch args[0] {
	case "check":
		return runDNSBLCheck(args[1:], stdout, stderr)
	case "serve":
		return runDNSBLServe(args[1:], stdout, stderr)
	case "zones":
		_, err := stdout.Write(zonesExample())
		return exitErr(stderr, err)
	}
	fmt.Fprintln(stderr, dnsblUsage)
	return 2
}

func exitErr(stderr io.Writer, err error) int {
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// dnsblFlags parses --config (and --listen for serve), flags and the
// argument in any order.
func dnsblFlags(name string, args []string, stderr io.Writer, listen *string) (*config.Config, []string, int) {
	fs := flag.NewFlagSet("dnsbl "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: built-in defaults)")
	if listen != nil {
		fs.StringVar(listen, "listen", "", "address to answer DNS on, host:port")
	}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, nil, 2
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, 1
	}
	return cfg, rest, 0
}

// runDNSBLCheck asks every configured list about one IP or domain,
// disabled lists included (marked), and prints the health of the enabled
// ones.
func runDNSBLCheck(args []string, stdout, stderr io.Writer) int {
	cfg, rest, code := dnsblFlags("check", args, stderr, nil)
	if code != 0 {
		return code
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, dnsblUsage)
		return 2
	}
	zones, err := filter.LoadZones(cfg.DNS.ZonesFile)
	if err != nil {
		return exitErr(stderr, err)
	}
	if len(zones) == 0 {
		fmt.Fprintln(stdout, "no lists configured ([dns] zones_file)")
		return 0
	}
	log, _ := newLogger(stderr, "console", "warn")
	res := dnsbl.NewResolver(filter.ResolverOptions(cfg.DNS))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	hits, err := askAll(ctx, res, zones, rest[0], log)
	if err != nil {
		return exitErr(stderr, err)
	}
	printHits(stdout, zones, hits)
	return exitErr(stderr, printHealth(ctx, stdout, res, zones, cfg, log))
}

// askAll asks every zone, enabled or not, about target (an IP for IP
// zones, a host name for domain zones).
func askAll(ctx context.Context, res dnsbl.Lookuper, zones []dnsbl.Zone, target string, log zerolog.Logger) ([]dnsbl.ListHit, error) {
	all := make([]dnsbl.Zone, len(zones))
	for i, z := range zones {
		z.Enabled = true
		all[i] = z
	}
	c, err := dnsbl.NewChecker(res, all, dnsbl.CheckerOptions{Logger: log, CheckPrivate: true})
	if err != nil {
		return nil, err
	}
	if err := c.LoadLocal(ctx); err != nil {
		log.Warn().Err(err).Msg("loading local list data")
	}
	if ip, err := netip.ParseAddr(strings.Trim(target, "[]")); err == nil {
		hits := c.Check(ctx, ip)
		uris, _ := c.CheckDomains(ctx, []string{ip.String()})
		return append(hits, uris...), nil
	}
	hits, _ := c.CheckDomains(ctx, []string{target})
	return hits, nil
}

// printHits prints one line per answer: zone, domain, enabled or not,
// status and rules.
func printHits(w io.Writer, zones []dnsbl.Zone, hits []dnsbl.ListHit) {
	byName := map[string]dnsbl.Zone{}
	for _, z := range zones {
		byName[z.Name] = z
	}
	if len(hits) == 0 {
		fmt.Fprintln(w, "no list is asked about this (private address, or no list of this kind)")
	}
	for _, h := range hits {
		z := byName[h.Zone]
		state := "enabled"
		if !z.Enabled {
			state = "disabled"
		}
		line := fmt.Sprintf("%-14s %-26s %-5s %-8s %-10s %s", h.Zone, z.Domain, h.Kind, state, h.Status, h.Query)
		if len(h.Rules) > 0 {
			line += "  " + strings.Join(h.Rules, " ")
		}
		if len(h.Answers) > 0 {
			as := make([]string, len(h.Answers))
			for i, a := range h.Answers {
				as[i] = a.String()
			}
			line += "  (" + strings.Join(as, ",") + ")"
		}
		if h.Err != nil {
			line += "  " + h.Err.Error()
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

// printHealth probes the enabled zones once (RFC 5782 §5) and prints
// their health.
func printHealth(ctx context.Context, w io.Writer, res dnsbl.Lookuper, zones []dnsbl.Zone, cfg *config.Config, log zerolog.Logger) error {
	c, err := dnsbl.NewChecker(res, zones, dnsbl.CheckerOptions{Logger: log, CheckPrivate: cfg.DNS.CheckPrivate})
	if err != nil {
		return err
	}
	c.Probe(ctx)
	fmt.Fprintln(w, "\nhealth of the enabled lists:")
	for _, h := range c.Health() {
		if !enabled(zones, h.Zone) {
			continue
		}
		line := fmt.Sprintf("%-14s %s", h.Zone, h.State)
		if h.Reason != "" {
			line += "  " + h.Reason
		}
		fmt.Fprintln(w, line)
	}
	return nil
}

func enabled(zones []dnsbl.Zone, name string) bool {
	for _, z := range zones {
		if z.Name == name {
			return z.Enabled
		}
	}
	return false
}

// runDNSBLServe answers the enabled local mirror zones over DNS until
// SIGINT or SIGTERM, reloading their data on schedule.
func runDNSBLServe(args []string, _, stderr io.Writer) int {
	var addr string
	cfg, rest, code := dnsblFlags("serve", args, stderr, &addr)
	if code != 0 {
		return code
	}
	if len(rest) != 0 || addr == "" {
		fmt.Fprintln(stderr, dnsblUsage)
		return 2
	}
	log, err := newLogger(stderr, cfg.Log.Format, cfg.Log.Level)
	if err != nil {
		return exitErr(stderr, err)
	}
	zones, err := filter.LoadZones(cfg.DNS.ZonesFile)
	if err != nil {
		return exitErr(stderr, err)
	}
	c, err := dnsbl.NewChecker(nil, localOnly(zones), dnsbl.CheckerOptions{Logger: log})
	if err != nil {
		return exitErr(stderr, err)
	}
	if len(c.Locals()) == 0 {
		fmt.Fprintln(stderr, "no enabled zone has local data ([[zone.local]]) to serve")
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := c.LoadLocal(ctx); err != nil {
		log.Warn().Err(err).Msg("loading local list data")
	}
	go c.RunLocal(ctx)
	log.Info().Str("address", addr).Int("zones", len(c.Locals())).Msg("serving DNS lists")
	if err := dnsbl.Serve(ctx, addr, c.Locals(), dnsbl.ServeOptions{Logger: log}); err != nil && ctx.Err() == nil {
		return exitErr(stderr, err)
	}
	return 0
}

// localOnly keeps the zones with local data: the others would need a
// resolver and cannot be served.
func localOnly(zones []dnsbl.Zone) []dnsbl.Zone {
	var out []dnsbl.Zone
	for _, z := range zones {
		if len(z.Local) > 0 {
			out = append(out, z)
		}
	}
	return out
}

// zonesExample renders contrib/zones.toml: dnsbl.DefaultZones in the
// zones_file format, every zone disabled, the operators' usage terms as
// comments.
func zonesExample() []byte {
	var b bytes.Buffer
	b.WriteString(`# zones.toml: well-known DNS lists for [dns] zones_file, every one disabled.
# Generated by "mailsift dnsbl zones"; do not edit here: copy it, read each
# operator's current usage terms, and set enabled = true on the lists you
# may use. docs/dns.md describes every key of a [[zone]].
`)
	for _, z := range dnsbl.DefaultZones() {
		b.WriteString("\n")
		for _, line := range config.Wrap("Terms: "+z.Terms, 76) {
			fmt.Fprintf(&b, "# %s\n", line)
		}
		writeZone(&b, z)
	}
	return b.Bytes()
}

// writeZone prints one [[zone]] table: the keys that differ from their
// zero value, and enabled always.
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

// codeLess orders return codes by their numeric value: "127.0.0.2" before
// "127.0.0.10", "8" before "64".
func codeLess(a, b string) bool {
	pa, pb := netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("0.0.0.0")
	if x, err := netip.ParseAddr(a); err == nil {
		pa = x
	} else if n, err := strconv.Atoi(a); err == nil {
		pa = netip.AddrFrom4([4]byte{0, 0, 0, byte(n)})
	}
	if x, err := netip.ParseAddr(b); err == nil {
		pb = x
	} else if n, err := strconv.Atoi(b); err == nil {
		pb = netip.AddrFrom4([4]byte{0, 0, 0, byte(n)})
	}
	if c := pa.Compare(pb); c != 0 {
		return c < 0
	}
	return a < b
}
