package store

import (
	"testing"
	"time"
)

func TestScopeRoundTrip(t *testing.T) {
	for _, s := range []Scope{GlobalScope(), DomainScope("Example.COM"), UserScope("A@Example.com")} {
		got, err := ParseScope(s.String())
		if err != nil || got != s {
			t.Errorf("ParseScope(%q) = %v, %v; want %v", s.String(), got, err, s)
		}
	}
	if s := UserScope("A@Example.com").String(); s != "user:a@example.com" {
		t.Errorf("UserScope string = %q", s)
	}
	for _, bad := range []string{"", "domain:", "user:nobody", "domain:a@b", "site:x", "Global"} {
		if _, err := ParseScope(bad); err == nil {
			t.Errorf("ParseScope(%q) succeeded", bad)
		}
	}
}

func TestDay(t *testing.T) {
	tm := time.Date(2024, 3, 1, 23, 30, 0, 0, time.FixedZone("x", -2*3600))
	if d := Day(tm); d != "2024-03-02" {
		t.Errorf("Day = %q, want the UTC date 2024-03-02", d)
	}
	if err := CheckDay("2024-03-02"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"", "2024-3-2", "2024-02-30", "yesterday"} {
		if CheckDay(bad) == nil {
			t.Errorf("CheckDay(%q) = nil", bad)
		}
	}
}
