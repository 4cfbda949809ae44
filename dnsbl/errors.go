package dnsbl

import (
	"errors"
	"fmt"
)

// The three classes every lookup error belongs to. Test with errors.Is.
var (
	// ErrTemp is a temporary failure: timeout, SERVFAIL, REFUSED, a network
	// error, an answer that cannot be trusted. The answer is unknown; it
	// never means "not listed".
	ErrTemp = errors.New("dns: temporary failure")
	// ErrNotFound is a definite negative answer: NXDOMAIN, or NODATA (the
	// name exists but has no record of the asked type).
	ErrNotFound = errors.New("dns: not found")
	// ErrPerm is a permanent failure: a malformed name, FORMERR, NOTIMP, a
	// CNAME chain that loops or is too long.
	ErrPerm = errors.New("dns: permanent failure")
)

// Error is the error returned by lookups: the class (one of the sentinels
// above, reachable with errors.Is), the query and a short reason.
type Error struct {
	Class  error  // ErrTemp, ErrNotFound or ErrPerm
	Name   string // queried name
	Type   string // queried type, "A", "TXT", ...
	Reason string // "timeout", "SERVFAIL", "NXDOMAIN", ...
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %s (%v)", e.Name, e.Type, e.Reason, e.Class)
}

// Unwrap returns the class.
func (e *Error) Unwrap() error { return e.Class }

func newErr(class error, name string, qtype uint16, reason string) *Error {
	return &Error{Class: class, Name: name, Type: typeString(qtype), Reason: reason}
}

// IsTemp reports whether err is a temporary failure (unknown answer).
func IsTemp(err error) bool { return errors.Is(err, ErrTemp) }

// IsNotFound reports whether err is a definite negative answer.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
