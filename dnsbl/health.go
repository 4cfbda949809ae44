package dnsbl

import (
	"context"
	"net/netip"
	"sync"
	"time"
)

// HealthState is a zone's state after its RFC 5782 §5 probes.
type HealthState int

const (
	// Unprobed zones are used until a probe says otherwise.
	Unprobed HealthState = iota
	// Healthy zones passed their last probe.
	Healthy
	// Down zones list everything, list nothing, refuse us or do not
	// answer; they are not asked until a later probe passes.
	Down
)

var healthNames = [...]string{"unprobed", "healthy", "down"}

func (s HealthState) String() string { return healthNames[s] }

// ZoneHealth is one zone's health, for metrics and the CLI.
type ZoneHealth struct {
	Zone      string
	Enabled   bool // the configuration asks the zone (Zone.Enabled)
	State     HealthState
	Reason    string    // why Down
	Since     time.Time // when State last changed
	LastProbe time.Time
	// Disabled counts the times a probe took the zone down since start.
	Disabled uint64
}

// probeFailLimit is how many probes in a row may time out before a zone
// that answers nothing is taken down.
const probeFailLimit = 3

type health struct {
	mu     sync.Mutex
	state  HealthState
	reason string
	since  time.Time
	last   time.Time
	fails  int    // probes in a row without an answer
	downs  uint64 // changes to Down, for ZoneHealth.Disabled
}

func (h *health) usable() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state != Down
}

// set records a probe result and reports whether the state changed.
func (h *health) set(now time.Time, s HealthState, reason string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = now
	changed := h.state != s
	if changed {
		h.state, h.since = s, now
		if s == Down {
			h.downs++
		}
	}
	h.reason = reason
	return changed
}

// failedAgain counts a probe without an answer and reports whether there
// have now been probeFailLimit in a row.
func (h *health) failedAgain(now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fails++
	h.last = now
	return h.fails >= probeFailLimit
}

// Health returns every zone's health, in configuration order.
func (c *Checker) Health() []ZoneHealth {
	out := make([]ZoneHealth, 0, len(c.zones))
	for _, zs := range c.zones {
		h := &zs.health
		h.mu.Lock()
		out = append(out, ZoneHealth{Zone: zs.zone.Name, Enabled: zs.zone.Enabled, State: h.state,
			Reason: h.reason, Since: h.since, LastProbe: h.last, Disabled: h.downs})
		h.mu.Unlock()
	}
	return out
}

// Probe runs the health probe of every enabled DNS zone once, concurrently.
// Local zones are not probed: their data is ours.
func (c *Checker) Probe(ctx context.Context) {
	var wg sync.WaitGroup
	for _, zs := range c.zones {
		if !zs.zone.Enabled || zs.local != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.probe(ctx, zs)
		}()
	}
	wg.Wait()
}

// RunHealth probes at once and then every interval (default 10m) until
// ctx is done.
func (c *Checker) RunHealth(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = 10 * time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		c.Probe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// probeNames returns the names that must and must not be listed.
func probeNames(z *Zone) (listed, unlisted string) {
	listed, unlisted = z.TestListed, z.TestUnlisted
	if z.Target == IPs {
		listed = probeIP(listed, "127.0.0.2", z.Domain)
		unlisted = probeIP(unlisted, "127.0.0.1", z.Domain)
		return listed, unlisted
	}
	if listed == "" {
		listed = "test"
	}
	if unlisted == "" {
		unlisted = "invalid"
	}
	return listed + "." + z.domain(), unlisted + "." + z.domain()
}

func probeIP(s, def, domain string) string {
	ip, err := netip.ParseAddr(s)
	if err != nil {
		ip = netip.MustParseAddr(def)
	}
	return QueryName(ip, domain)
}

// probeAnswer is what one probe point said.
type probeAnswer int

const (
	pListed probeAnswer = iota
	pUnlisted
	pBlocked
	pFailed
)

func (c *Checker) probePoint(ctx context.Context, zs *zoneState, qname string) probeAnswer {
	addrs, err := c.lookup(ctx, zs, qname)
	switch {
	case IsNotFound(err):
		return pUnlisted
	case err != nil:
		return pFailed
	}
	for _, a := range addrs {
		if !a.Is4() || !loopNet.Contains(a) {
			return pFailed
		}
		if zs.zone.isBlocked(a) {
			return pBlocked
		}
	}
	return pListed
}

// probe checks one zone and moves its state, logging changes.
func (c *Checker) probe(ctx context.Context, zs *zoneState) {
	listedName, unlistedName := probeNames(&zs.zone)
	pos := c.probePoint(ctx, zs, listedName)
	neg := c.probePoint(ctx, zs, unlistedName)
	state, reason := Healthy, ""
	h := &zs.health
	switch {
	case pos == pBlocked || neg == pBlocked:
		state, reason = Down, "the list operator refuses our resolver"
	case neg == pListed:
		state, reason = Down, "lists everything: "+unlistedName+" is listed"
	case pos == pUnlisted:
		state, reason = Down, "lists nothing: "+listedName+" is not listed"
	case pos == pFailed || neg == pFailed:
		if !h.failedAgain(time.Now()) {
			return // keep the state until the failures persist
		}
		state, reason = Down, "does not answer"
	}
	if pos != pFailed && neg != pFailed {
		h.mu.Lock()
		h.fails = 0
		h.mu.Unlock()
	}
	if h.set(time.Now(), state, reason) {
		ev := c.opts.Logger.Info()
		if state == Down {
			ev = c.opts.Logger.Warn()
		}
		ev.Str("zone", zs.zone.Name).Str("domain", zs.zone.Domain).Str("state", state.String()).
			Str("reason", reason).Msg("dnsbl zone health changed")
	}
}
