package config

import (
	"errors"
	"os"
	"reflect"
	"testing"
)

func TestHolderReload(t *testing.T) {
	path := writeFile(t, "[actions]\ntag_threshold = 6.0\n")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	h := NewHolder(c)

	// A bad file is refused and the old config kept.
	if err := os.WriteFile(path, []byte("[actions]\ntag_threshold = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	restart, err := h.Reload(path)
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Line != 2 {
		t.Fatalf("Reload(bad) = %v, want one error on line 2", err)
	}
	if restart != nil || h.Load() != c {
		t.Fatalf("bad reload replaced the config (restart %v)", restart)
	}

	// A good file replaces it; a changed static key is reported and keeps
	// its running value.
	good := "[listen]\naddress = \"127.0.0.1:2525\"\n[actions]\ntag_threshold = 7.0\n"
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	restart, err = h.Reload(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"listen.address"}; !reflect.DeepEqual(restart, want) {
		t.Errorf("restart = %v, want %v", restart, want)
	}
	now := h.Load()
	if now == c || now.Actions.TagThreshold != 7 {
		t.Errorf("reload did not take: tag_threshold %v", now.Actions.TagThreshold)
	}
	if now.Listen.Address != c.Listen.Address {
		t.Errorf("listen.address changed to %q without a restart", now.Listen.Address)
	}
	if c.Actions.TagThreshold != 6 {
		t.Errorf("the old snapshot was modified: tag_threshold %v", c.Actions.TagThreshold)
	}
}

func TestStaticChanges(t *testing.T) {
	a, b := Default(), Default()
	if got := StaticChanges(a, b); len(got) != 0 {
		t.Errorf("StaticChanges(default, default) = %v", got)
	}
	b.Store.Path = "other.db"
	b.Listen.SocketMode = "0600"
	b.Log.Level = "debug"
	want := []string{"listen.socket_mode", "store.path"}
	if got := StaticChanges(a, b); !reflect.DeepEqual(got, want) {
		t.Errorf("StaticChanges = %v, want %v", got, want)
	}
}
