package dnsbl_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/mailsift/mailsift/dnsbl"
	"github.com/rs/zerolog"
)

// A site's own list, answered in process from an rbldnsd file: no network.
func Example() {
	zones := []dnsbl.Zone{{
		Name: "local", Domain: "bl.example.org", Rule: "RCVD_IN_LOCAL", Enabled: true,
		Codes: map[string]string{"127.0.0.3": "RCVD_IN_LOCAL_RELAY"},
		Local: []dnsbl.Dataset{{Format: "ip4set", File: "testdata/rbldnsd/ip4set"}},
	}}
	c, err := dnsbl.NewChecker(nil, zones, dnsbl.CheckerOptions{Logger: zerolog.Nop()})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.LoadLocal(ctx); err != nil {
		fmt.Println(err)
		return
	}
	for _, ip := range []string{"192.0.2.2", "192.0.2.99"} {
		for _, h := range c.Check(ctx, netip.MustParseAddr(ip)) {
			fmt.Println(ip, h.Zone, h.Status, h.Rules)
		}
	}
	// Output:
	// 192.0.2.2 local listed [RCVD_IN_LOCAL_RELAY]
	// 192.0.2.99 local not listed []
}
