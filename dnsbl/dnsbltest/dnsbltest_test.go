package dnsbltest_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/mailsift/mailsift/dnsbl"
	"github.com/mailsift/mailsift/dnsbl/dnsbltest"
)

func TestServer(t *testing.T) {
	s := dnsbltest.Start(t,
		"mail.example. 300 IN A 192.0.2.1",
		"www.example. 300 IN CNAME mail.example.",
		"2.2.0.192.bl.example. 300 IN A 127.0.0.2",
	)
	s.ServFail("broken.example")
	s.Drop("dead.example")
	r := dnsbl.NewResolver(dnsbl.Options{Servers: []string{s.Addr}, Timeout: 100 * time.Millisecond})
	ctx := context.Background()
	if a, err := r.LookupA(ctx, "www.example"); err != nil || len(a) != 1 || a[0] != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("CNAME: %v %v", a, err)
	}
	if _, err := r.LookupA(ctx, "nope.example"); !dnsbl.IsNotFound(err) {
		t.Errorf("NXDOMAIN: %v", err)
	}
	if _, err := r.LookupTXT(ctx, "mail.example"); !dnsbl.IsNotFound(err) {
		t.Errorf("NODATA: %v", err)
	}
	if _, err := r.LookupA(ctx, "x.broken.example"); !dnsbl.IsTemp(err) {
		t.Errorf("SERVFAIL: %v", err)
	}
	if _, err := r.LookupA(ctx, "dead.example"); !dnsbl.IsTemp(err) {
		t.Errorf("drop: %v", err)
	}
	c, err := dnsbl.NewChecker(r, []dnsbl.Zone{{Name: "bl", Domain: "bl.example", Rule: "RCVD_IN_BL", Enabled: true}}, dnsbl.CheckerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hits := c.Check(ctx, netip.MustParseAddr("192.0.2.2"))
	if len(hits) != 1 || hits[0].Status != dnsbl.Listed {
		t.Errorf("Check: %+v", hits)
	}
	if s.Queries("2.2.0.192.bl.example", "A") != 1 {
		t.Error("query not counted")
	}
}
