// Package dnsbl asks DNS-based lists about the IPs and domains of a
// message: DNS blocklists (DNSBL), allow lists (DNSWL) and URI blocklists
// (URIBL), after RFC 5782. It also holds the stub resolver every other
// DNS check of mailsift goes through.
//
// The resolver (Resolver, behind the Lookuper interface) speaks DNS itself
// with github.com/miekg/dns instead of using the system's resolver: the
// upstream servers, the per-query timeout, retries, the cache and the
// deadline are ours. Queries go over UDP with EDNS0 and again over TCP when
// an answer is truncated; answers are checked against the question, CNAME
// chains are followed to a bounded length, records for other names are
// ignored and huge answers are cut. A size-bounded LRU cache keeps answers
// for their TTL (clamped) and negative answers for the SOA minimum (RFC
// 2308, capped); one query per name and type is in flight at a time, and
// every caller still gets its own deadline.
//
// Errors classify themselves: ErrNotFound is a definite "no such name or
// record", ErrTemp is "unknown" (timeout, SERVFAIL, a lying resolver), and
// ErrPerm a malformed query or a looping CNAME. A temporary failure is
// never read as "not listed": a list lookup that fails yields its zone's
// <RULE>_FAIL rule, worth 0 points, and the caller decides whether the
// missing evidence could have changed the verdict.
//
// A Zone describes one list: its DNS domain, whether a listing is evidence
// of spam (Block) or of ham (Allow), whether it is asked about IPs or
// domains, and how answers map to rule names (exact codes such as
// Spamhaus's 127.0.0.2, the last octet such as DNSWL's trust levels, or bit
// masks such as SURBL's). An answer in 127.255.255.0/24 means the operator
// refuses our resolver and fires <RULE>_BLOCKED; an answer outside
// 127.0.0.0/8 comes from a wildcard or a lying resolver and counts as a
// failure, never as a listing. DefaultZones lists well-known public lists,
// all disabled: each operator has usage terms the admin must accept first.
//
// A Checker asks its enabled zones concurrently: Check for the client IP
// (IPv4 reversed octets, IPv6 reversed nibbles; private and loopback
// addresses are never sent), CheckDomains for the registrable domains
// (public suffix list) and IP literals of a message's URIs, with a bound
// on the names asked per message. Every zone is probed periodically as RFC
// 5782 §5 says (Probe, RunHealth): 127.0.0.2 (or "test") must be listed and
// 127.0.0.1 (or "invalid") must not. A zone that lists everything, lists
// nothing, refuses us or stops answering is taken down with a log line and
// asked again only when a later probe passes; Health exposes the state.
//
// A zone may instead be answered in process from local data (Zone.Local):
// files or URLs in rbldnsd's ip4set, ip6trie and dnset formats, read into
// memory, reloaded on a schedule with conditional requests, the previous
// copy kept when a reload fails. Serve answers such zones over DNS so that
// the site's other MTAs can use the same mirror.
//
// Package dnsbltest runs a small DNS server on loopback for the tests of
// any package that takes a Lookuper.
package dnsbl
