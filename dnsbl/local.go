package dnsbl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/rs/zerolog"
)

// maxDataset bounds one downloaded or read dataset.
const maxDataset = 512 << 20

// Local is a zone answered in process from rbldnsd-format datasets: the
// mirror of a list, or a list of the site's own. It is safe for concurrent
// use; reloads swap the data atomically and a failed reload keeps the
// previous copy.
type Local struct {
	zone Zone
	http *http.Client
	log  zerolog.Logger

	mu   sync.RWMutex
	sets []loadedSet // one per zone.Local dataset, in order
}

// loadedSet is one dataset's current data and what is needed to ask for a
// newer copy.
type loadedSet struct {
	ip      *IPSet
	dom     *DomainSet
	etag    string
	lastMod string
	modTime time.Time // of a file
	loaded  time.Time
}

// NewLocal returns an empty local zone for z (z.Local must be set);
// call Load to read its data. client and log may be zero.
func NewLocal(z Zone, client *http.Client, log zerolog.Logger) (*Local, error) {
	if err := z.Validate(); err != nil {
		return nil, err
	}
	if len(z.Local) == 0 {
		return nil, fmt.Errorf("zone %s: no datasets", z.Name)
	}
	return newLocal(z, client, log), nil
}

func newLocal(z Zone, client *http.Client, log zerolog.Logger) *Local {
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	return &Local{zone: z, http: client, log: log, sets: make([]loadedSet, len(z.Local))}
}

// Zone returns the zone served.
func (l *Local) Zone() Zone { return l.zone }

// Load reads or fetches every dataset once. Datasets that fail keep their
// previous copy; the errors are returned joined. Unreadable lines are
// logged and the rest of the file used.
func (l *Local) Load(ctx context.Context) error {
	var errs []error
	for i, d := range l.zone.Local {
		if err := l.loadOne(ctx, i, d); err != nil {
			errs = append(errs, fmt.Errorf("zone %s dataset %s: %w", l.zone.Name, d.File+d.URL, err))
		}
	}
	return errors.Join(errs...)
}

// Run reloads the datasets every Refresh (default 1h; files are re-read
// when their modification time changes) until ctx is done. Failures are
// logged and the previous copy kept.
func (l *Local) Run(ctx context.Context) {
	every := time.Hour
	for _, d := range l.zone.Local {
		if d.Refresh > 0 && d.Refresh < every {
			every = d.Refresh
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := l.Load(ctx); err != nil {
			l.log.Warn().Err(err).Str("zone", l.zone.Name).Msg("dnsbl local zone reload failed, previous data kept")
		}
	}
}

func (l *Local) loadOne(ctx context.Context, i int, d Dataset) error {
	l.mu.RLock()
	prev := l.sets[i]
	l.mu.RUnlock()
	var data []byte
	next := prev
	var err error
	if d.File != "" {
		data, next.modTime, err = readIfChanged(d.File, prev.modTime)
	} else {
		data, next.etag, next.lastMod, err = l.fetch(ctx, d.URL, prev.etag, prev.lastMod)
	}
	if err != nil || data == nil { // failed, or unchanged
		return err
	}
	switch d.Format {
	case "ip4set":
		next.ip, err = ParseIP4Set(bytes.NewReader(data))
	case "ip6trie":
		next.ip, err = ParseIP6Trie(bytes.NewReader(data))
	case "dnset":
		next.dom, err = ParseDNSet(bytes.NewReader(data))
	}
	if err != nil && !isParseError(err) {
		return err
	}
	if err != nil {
		l.log.Warn().Err(err).Str("zone", l.zone.Name).Msg("dnsbl dataset has unreadable lines")
	}
	next.loaded = time.Now()
	l.mu.Lock()
	l.sets[i] = next
	l.mu.Unlock()
	return nil
}

// readIfChanged returns the file's content, or nil when its modification
// time is still seen.
func readIfChanged(path string, seen time.Time) ([]byte, time.Time, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, seen, err
	}
	if fi.ModTime().Equal(seen) {
		return nil, seen, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, seen, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDataset+1))
	if err == nil && len(data) > maxDataset {
		err = fmt.Errorf("larger than %d bytes", maxDataset)
	}
	if err != nil {
		return nil, seen, err
	}
	return data, fi.ModTime(), nil
}

// fetch GETs url conditionally; nil data with no error means 304.
func (l *Local) fetch(ctx context.Context, url, etag, lastMod string) ([]byte, string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, etag, lastMod, err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastMod != "" {
		req.Header.Set("If-Modified-Since", lastMod)
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return nil, etag, lastMod, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return nil, etag, lastMod, nil
	case http.StatusOK:
	default:
		return nil, etag, lastMod, fmt.Errorf("HTTP %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDataset+1))
	if err == nil && len(data) > maxDataset {
		err = fmt.Errorf("larger than %d bytes", maxDataset)
	}
	if err != nil {
		return nil, etag, lastMod, err
	}
	return data, resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"), nil
}

// Loaded reports whether every dataset has data.
func (l *Local) Loaded() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, s := range l.sets {
		if s.loaded.IsZero() {
			return false
		}
	}
	return true
}

// Lookup answers qname (a full query name inside the zone) from memory:
// the records of every dataset listing it, TXT templates expanded. ok is
// false for names outside the zone.
func (l *Local) Lookup(qname string) (recs []Record, ok bool) {
	rel, ok := relative(qname, l.zone.domain())
	if !ok || rel == "" {
		return nil, ok
	}
	var ip netip.Addr
	if l.zone.Target == IPs {
		if ip, ok = parseReversed(rel); !ok {
			return nil, true
		}
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, s := range l.sets {
		switch {
		case s.dom != nil && l.zone.Target == Domains:
			rs, matched := s.dom.Lookup(rel)
			recs = appendExpanded(recs, rs, matched)
		case s.ip != nil && ip.IsValid():
			recs = appendExpanded(recs, s.ip.Lookup(ip), ip.String())
		}
	}
	return recs, true
}

func appendExpanded(out, rs []Record, subject string) []Record {
	for _, r := range rs {
		out = append(out, Record{A: r.A, TXT: r.Text(subject)})
	}
	return out
}

// LookupA answers like Lookuper.LookupA, from memory.
func (l *Local) LookupA(qname string) ([]netip.Addr, error) {
	if !l.Loaded() {
		return nil, newErr(ErrTemp, qname, dns.TypeA, "local data not loaded")
	}
	recs, _ := l.Lookup(qname)
	if len(recs) == 0 {
		return nil, newErr(ErrNotFound, qname, dns.TypeA, "NXDOMAIN")
	}
	out := make([]netip.Addr, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.A)
	}
	return out, nil
}

// relative strips the zone from a query name ("2.0.0.127.zen.example." →
// "2.0.0.127"); ok is false outside the zone.
func relative(qname, zone string) (string, bool) {
	q := dns.CanonicalName(qname)
	if q == zone {
		return "", true
	}
	if !strings.HasSuffix(q, "."+zone) {
		return "", false
	}
	return strings.TrimSuffix(q, "."+zone), true
}

// parseReversed reads "4.3.2.1" or 32 reversed nibbles.
func parseReversed(rel string) (netip.Addr, bool) {
	labels := strings.Split(rel, ".")
	switch len(labels) {
	case 4:
		var b [4]byte
		for i, l := range labels {
			v, err := strconv.ParseUint(l, 10, 8)
			if err != nil || len(l) > 1 && l[0] == '0' {
				return netip.Addr{}, false
			}
			b[3-i] = byte(v)
		}
		return netip.AddrFrom4(b), true
	case 32:
		var b [16]byte
		for i, l := range labels {
			v, err := strconv.ParseUint(l, 16, 4)
			if err != nil || len(l) != 1 {
				return netip.Addr{}, false
			}
			pos := 31 - i
			b[pos/2] |= byte(v) << (4 * (1 - pos%2))
		}
		return netip.AddrFrom16(b), true
	}
	return netip.Addr{}, false
}

// LoadLocal loads every local zone's datasets once (see Local.Load).
func (c *Checker) LoadLocal(ctx context.Context) error {
	var errs []error
	for _, zs := range c.zones {
		if zs.local != nil && zs.zone.Enabled {
			errs = append(errs, zs.local.Load(ctx))
		}
	}
	return errors.Join(errs...)
}

// RunLocal keeps every enabled local zone current until ctx is done.
func (c *Checker) RunLocal(ctx context.Context) {
	var wg sync.WaitGroup
	for _, zs := range c.zones {
		if zs.local != nil && zs.zone.Enabled {
			wg.Add(1)
			go func() {
				defer wg.Done()
				zs.local.Run(ctx)
			}()
		}
	}
	wg.Wait()
}

// Locals returns the enabled local zones, for Serve.
func (c *Checker) Locals() []*Local {
	var out []*Local
	for _, zs := range c.zones {
		if zs.local != nil && zs.zone.Enabled {
			out = append(out, zs.local)
		}
	}
	return out
}
