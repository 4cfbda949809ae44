package net

import "github.com/mailsift/mailsift/scoring"

// The sender checks: what the client's reverse DNS, its HELO name and the
// envelope sender and From domains say. The pipeline does the lookups
// (filter/sender.go) and sends the names here through scoring.Input.Net.
//
// The points are set by hand, not fitted: the training corpus carries no
// DNS data. They stay modest because many legitimate small senders have no
// forward-confirmed reverse DNS or a sloppy HELO. A *_TEMPERROR name means
// the lookup failed: unknown, 0 points, never the negative.
var SenderRules = []scoring.Info{
	{Name: "RDNS_NONE", Score: 1.0, Desc: "The client IP has no reverse DNS (PTR) name"},
	{Name: "RDNS_NOT_FCRDNS", Score: 0.5, Desc: "No PTR name of the client IP resolves back to it (not forward-confirmed)"},
	{Name: "RDNS_DYNAMIC", Score: 1.0, Desc: "The client's PTR name looks like a dynamic or consumer address"},
	{Name: "RDNS_TEMPERROR", Score: 0, Desc: "The client's reverse DNS could not be checked (unknown)"},
	{Name: "HELO_NOT_FQDN", Score: 1.0, Desc: "The HELO name is neither a fully qualified domain name nor an address literal"},
	{Name: "HELO_IP_MISMATCH", Score: 1.0, Desc: "The HELO is an address literal other than the client's address"},
	{Name: "HELO_OURS", Score: 1.5, Desc: "The client claims our own host name or address in HELO"},
	{Name: "HELO_NO_RESOLVE", Score: 0.5, Desc: "The HELO name has no A or AAAA record"},
	{Name: "HELO_TEMPERROR", Score: 0, Desc: "The HELO name could not be resolved (unknown)"},
	{Name: "SENDER_NO_MX", Score: 1.5, Desc: "The envelope sender domain has no MX, A or AAAA record"},
	{Name: "SENDER_NULL_MX", Score: 1.5, Desc: "The envelope sender domain says it accepts no mail (null MX)"},
	{Name: "SENDER_TEMPERROR", Score: 0, Desc: "The envelope sender domain could not be resolved (unknown)"},
	{Name: "FROM_NO_MX", Score: 1.0, Desc: "The From domain has no MX, A or AAAA record"},
	{Name: "FROM_NULL_MX", Score: 1.0, Desc: "The From domain says it accepts no mail (null MX)"},
	{Name: "FROM_TEMPERROR", Score: 0, Desc: "The From domain could not be resolved (unknown)"},
}

// senderUnknowns maps each sender *_TEMPERROR name to what the check could
// have fired had it answered (see Unknowns).
var senderUnknowns = map[string][][]string{
	"RDNS_TEMPERROR":   {{"RDNS_NONE"}, {"RDNS_NOT_FCRDNS", "RDNS_DYNAMIC"}},
	"HELO_TEMPERROR":   {{"HELO_NO_RESOLVE"}},
	"SENDER_TEMPERROR": {{"SENDER_NO_MX"}, {"SENDER_NULL_MX"}},
	"FROM_TEMPERROR":   {{"FROM_NO_MX"}, {"FROM_NULL_MX"}},
}
