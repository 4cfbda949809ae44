package header

import (
	"net/mail"
	"testing"
)

// fastDate must agree with net/mail on every canonical date and refuse
// anything it does not fully understand.
func TestFastDateAgrees(t *testing.T) {
	for _, s := range []string{
		"Thu, 15 Jan 2026 11:00:00 +0000", "15 Jan 2026 11:00:00 -0500", "Mon, 2 Sep 2002 23:59:59 +0130",
		"Tue,  3 Sep 2002 01:02 +0000", "Wed, 31 Dec 1997 12:00:00 -1200", "Sat, 05 oct 2002 10:00:00 +0100",
	} {
		got, ok := fastDate(s)
		want, err := mail.ParseDate(s)
		if !ok || err != nil || !got.Equal(want) {
			t.Errorf("%q: fast %v %v, net/mail %v %v", s, got, ok, want, err)
		}
	}
	for _, s := range []string{
		"", "Thu, 15 Jan 2026", "15 Jan 26 11:00:00 +0000", "15 Foo 2026 11:00:00 +0000",
		"15 Jan 2026 11:00:00 EST", "15 Jan 2026 25:00:00 +0000", "15 Jan 2026 11:00:00 +0000 extra",
		"32 Jan 2026 11:00:00 +0000", "15 Jan 2026 11:0:00 +0000",
	} {
		if _, ok := fastDate(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestParseDateFallsBack(t *testing.T) {
	a, ok1 := ParseDate("Thu, 15 Jan 2026 06:00:00 EST")
	b, ok2 := ParseDate("Thu, 15 Jan 2026 11:00:00 +0000 (UTC)")
	if !ok1 || !ok2 || !a.Equal(b) {
		t.Errorf("%v %v / %v %v", a, ok1, b, ok2)
	}
}
