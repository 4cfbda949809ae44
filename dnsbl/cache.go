package dnsbl

import (
	"container/list"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// cacheKey is one (name, type) question; names are lower-case and fully
// qualified.
type cacheKey struct {
	name  string
	qtype uint16
}

// cacheEntry is a cached final answer: the records of the asked type for the
// asked name (CNAMEs already followed), or a negative answer.
type cacheEntry struct {
	key      cacheKey
	rrs      []dns.RR
	negative bool // NXDOMAIN or NODATA
	nx       bool // NXDOMAIN (as opposed to NODATA)
	expires  time.Time
}

// cache is a size-bounded LRU of answers. Expired entries are dropped when
// they are read; the LRU bound keeps memory fixed whatever the traffic.
type cache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[cacheKey]*list.Element
	hits  uint64
	miss  uint64
}

func newCache(max int) *cache {
	return &cache{max: max, ll: list.New(), items: make(map[cacheKey]*list.Element)}
}

func (c *cache) get(k cacheKey, now time.Time) (*cacheEntry, bool) {
	if c == nil || c.max <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		c.miss++
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.ll.Remove(el)
		delete(c.items, k)
		c.miss++
		return nil, false
	}
	c.ll.MoveToFront(el)
	c.hits++
	return e, true
}

func (c *cache) put(e *cacheEntry) {
	if c == nil || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.key]; ok {
		el.Value = e
		c.ll.MoveToFront(el)
		return
	}
	c.items[e.key] = c.ll.PushFront(e)
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).key)
	}
}

func (c *cache) stats() (entries int, hits, misses uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len(), c.hits, c.miss
}
