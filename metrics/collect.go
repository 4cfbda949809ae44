package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailsift/mailsift/dnsbl"
)

// The collectors below read snapshots at scrape time; none of them holds a
// lock that the SMTP path waits for longer than a copy of a few integers.

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, labels, nil)
}

// resolverCollector reads (*dnsbl.Resolver).Stats.
type resolverCollector struct{ src ResolverStats }

var (
	dnsQueriesDesc = desc("dns_queries_total", "DNS queries sent to the upstream servers, retries and TCP fallbacks included.")
	dnsHitsDesc    = desc("dns_cache_hits_total", "DNS lookups answered from the cache.")
	dnsMissesDesc  = desc("dns_cache_misses_total", "DNS lookups not in the cache.")
	dnsEntriesDesc = desc("dns_cache_entries", "DNS answers held in the cache now.")
)

func (c *resolverCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- dnsQueriesDesc
	ch <- dnsHitsDesc
	ch <- dnsMissesDesc
	ch <- dnsEntriesDesc
}

func (c *resolverCollector) Collect(ch chan<- prometheus.Metric) {
	entries, hits, misses, queries := c.src.Stats()
	ch <- prometheus.MustNewConstMetric(dnsQueriesDesc, prometheus.CounterValue, float64(queries))
	ch <- prometheus.MustNewConstMetric(dnsHitsDesc, prometheus.CounterValue, float64(hits))
	ch <- prometheus.MustNewConstMetric(dnsMissesDesc, prometheus.CounterValue, float64(misses))
	ch <- prometheus.MustNewConstMetric(dnsEntriesDesc, prometheus.GaugeValue, float64(entries))
}

// zoneCollector reads (*dnsbl.Checker).Health. Zones the configuration
// does not enable are never asked and are left out.
type zoneCollector struct{ src ZoneHealth }

var (
	zoneHealthyDesc = desc("dnsbl_zone_healthy",
		"1 when the DNS list is asked, 0 while the RFC 5782 health probe has it disabled.", "zone")
	zoneDisabledDesc = desc("dnsbl_zone_disabled_total", "Times the health probe disabled the DNS list.", "zone")
)

func (c *zoneCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- zoneHealthyDesc
	ch <- zoneDisabledDesc
}

func (c *zoneCollector) Collect(ch chan<- prometheus.Metric) {
	for _, h := range c.src.Health() {
		if !h.Enabled {
			continue
		}
		ch <- prometheus.MustNewConstMetric(zoneHealthyDesc, prometheus.GaugeValue, b2f(h.State != dnsbl.Down), h.Zone)
		ch <- prometheus.MustNewConstMetric(zoneDisabledDesc, prometheus.CounterValue, float64(h.Disabled), h.Zone)
	}
}

// autolearnCollector reads (*bayes.Queue).Stats and Len.
type autolearnCollector struct{ src AutolearnQueue }

var (
	autolearnDesc = desc("bayes_autolearn_total",
		"Autolearn jobs by outcome: learned, already_known, relearned, failed (given up after an error), "+
			"dropped (queue full or closed).", "outcome")
	autolearnRetriesDesc = desc("bayes_autolearn_retries_total", "Autolearn attempts repeated because the store was unavailable.")
	autolearnQueueDesc   = desc("bayes_autolearn_queue_length", "Autolearn jobs waiting now.")
)

func (c *autolearnCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- autolearnDesc
	ch <- autolearnRetriesDesc
	ch <- autolearnQueueDesc
}

func (c *autolearnCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Stats()
	for _, o := range []struct {
		name string
		n    uint64
	}{{"learned", s.Learned}, {"already_known", s.AlreadyKnown}, {"relearned", s.Relearned},
		{"failed", s.Failed}, {"dropped", s.Dropped}} {
		ch <- prometheus.MustNewConstMetric(autolearnDesc, prometheus.CounterValue, float64(o.n), o.name)
	}
	ch <- prometheus.MustNewConstMetric(autolearnRetriesDesc, prometheus.CounterValue, float64(s.Retried))
	ch <- prometheus.MustNewConstMetric(autolearnQueueDesc, prometheus.GaugeValue, float64(c.src.Len()))
}
