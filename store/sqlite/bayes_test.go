package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailsift/mailsift/store"
	"github.com/mailsift/mailsift/store/storetest"
)

func TestBayesStore(t *testing.T) {
	storetest.TestBayesStore(t, func(t *testing.T) store.BayesStore {
		return open(t, filepath.Join(t.TempDir(), "mailsift.db"), Options{})
	})
}

func TestBayesLockedIsUnavailable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mailsift.db")
	d := open(t, path, Options{BusyTimeout: 20 * time.Millisecond})
	g := store.GlobalScope()
	if _, err := d.BayesLearn(ctx, g, "d1", store.Spam, []uint64{1, 2}, time.Now()); err != nil {
		t.Fatal(err)
	}
	holdExclusive(t, path)
	_, err := d.BayesLearn(ctx, g, "d2", store.Spam, []uint64{1, 2}, time.Now())
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("BayesLearn on a locked database = %v, want store.ErrUnavailable", err)
	}
	if _, err := d.BayesForget(ctx, g, "d1", []uint64{1, 2}); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("BayesForget on a locked database = %v, want store.ErrUnavailable", err)
	}
	// An exclusive lock in WAL mode also blocks readers opening a snapshot.
	if _, err := d.BayesLookup(ctx, g, []uint64{1, 2}); err != nil && !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("BayesLookup on a locked database = %v, want nil or store.ErrUnavailable", err)
	}
}

func TestBayesReadOnlyFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores file permissions")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mailsift.db")
	d, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.BayesLearn(ctx, store.GlobalScope(), "d1", store.Spam, []uint64{1}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o400); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	d, err = Open(ctx, path, Options{})
	if err == nil {
		_, err = d.BayesLearn(ctx, store.GlobalScope(), "d2", store.Spam, []uint64{1}, time.Now())
		if err == nil {
			t.Error("BayesLearn on a read-only file succeeded")
		}
		if cerr := d.Close(); cerr != nil {
			t.Log(cerr)
		}
	}
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("read-only file: %v, want store.ErrUnavailable", err)
	}
}

func TestBayesRemovedFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "mailsift.db")
	d := open(t, path, Options{BusyTimeout: 20 * time.Millisecond})
	if _, err := d.BayesLearn(ctx, store.GlobalScope(), "d1", store.Spam, []uint64{1}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	// SQLite keeps the unlinked file open: the calls may still work; they
	// must not panic, and a failure must be an error.
	_, err := d.BayesLearn(ctx, store.GlobalScope(), "d2", store.Spam, []uint64{1}, time.Now())
	t.Logf("learn after the file was removed: %v", err)
	_, err = d.BayesTotals(ctx, store.GlobalScope())
	t.Logf("totals after the file was removed: %v", err)
}

func BenchmarkBayesLookup300(b *testing.B) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(b.TempDir(), "mailsift.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	toks := make([]uint64, 300)
	for i := range toks {
		toks[i] = uint64(i) * 0x9e3779b97f4a7c15
	}
	if _, err := d.BayesLearn(ctx, store.GlobalScope(), "d", store.Spam, toks, time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.BayesLookup(ctx, store.GlobalScope(), toks); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBayesLearnManyMatchesOneByOne(t *testing.T) {
	ctx := context.Background()
	g := store.GlobalScope()
	type msg struct {
		digest string
		class  store.Class
		toks   []uint64
	}
	msgs := []msg{
		{"a", store.Spam, []uint64{1, 2, 3}},
		{"b", store.Ham, []uint64{2, 3, 4}},
		{"a", store.Spam, []uint64{1, 2, 3}}, // again: AlreadyKnown
		{"a", store.Ham, []uint64{1, 2, 3}},  // relearned within the batch
		{"c", store.Spam, []uint64{1 << 63}},
	}
	one := open(t, filepath.Join(t.TempDir(), "one.db"), Options{})
	var want []store.LearnOutcome
	for _, m := range msgs {
		out, err := one.BayesLearn(ctx, g, m.digest, m.class, m.toks, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, out)
	}
	many := open(t, filepath.Join(t.TempDir(), "many.db"), Options{})
	got, err := many.BayesLearnMany(ctx, g, time.Now(), len(msgs), func(i int) (string, store.Class, []uint64) {
		return msgs[i].digest, msgs[i].class, msgs[i].toks
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("outcomes %v, want %v", got, want)
	}
	toks := []uint64{1, 2, 3, 4, 1 << 63}
	a, err1 := one.BayesLookup(ctx, g, toks)
	b, err2 := many.BayesLookup(ctx, g, toks)
	if err1 != nil || err2 != nil || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("counts one by one %v, batch %v (%v, %v)", a, b, err1, err2)
	}
	ta, _ := one.BayesTotals(ctx, g)
	tb, _ := many.BayesTotals(ctx, g)
	if ta != tb {
		t.Errorf("totals one by one %v, batch %v", ta, tb)
	}
	_, err = many.BayesLearnMany(ctx, g, time.Now(), 2, func(i int) (string, store.Class, []uint64) {
		return []string{"x", ""}[i], store.Spam, nil
	})
	if err == nil {
		t.Error("a batch with an empty digest succeeded")
	}
	if tc, _ := many.BayesTotals(ctx, g); tc != tb {
		t.Errorf("a refused batch changed the totals: %v", tc)
	}
}

// Forgetting a batch leaves what forgetting its messages one by one leaves,
// and reports what each message had been learned as.
func TestBayesForgetManyMatchesOneByOne(t *testing.T) {
	ctx := context.Background()
	g := store.GlobalScope()
	learned := []struct {
		digest string
		class  store.Class
		toks   []uint64
	}{
		{"a", store.Spam, []uint64{1, 2, 3}},
		{"b", store.Ham, []uint64{2, 3, 4}},
		{"c", store.Spam, []uint64{3, 5}},
	}
	forget := []struct {
		digest string
		toks   []uint64
	}{
		{"a", []uint64{1, 2, 3}},
		{"zz", []uint64{3}}, // never learned
		{"b", []uint64{2, 3, 4}},
		{"a", []uint64{1, 2, 3}}, // again, within the batch
	}
	var dbs [2]*DB
	for i := range dbs {
		dbs[i] = open(t, filepath.Join(t.TempDir(), fmt.Sprint(i, ".db")), Options{})
		for _, m := range learned {
			if _, err := dbs[i].BayesLearn(ctx, g, m.digest, m.class, m.toks, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	var oneByOne []bool
	for _, f := range forget {
		ok, err := dbs[0].BayesForget(ctx, g, f.digest, f.toks)
		if err != nil {
			t.Fatal(err)
		}
		oneByOne = append(oneByOne, ok)
	}
	was, err := dbs[1].BayesForgetMany(ctx, g, len(forget), func(i int) (string, []uint64) {
		return forget[i].digest, forget[i].toks
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []store.Class{store.Spam, store.None, store.Ham, store.None}; fmt.Sprint(was) != fmt.Sprint(want) {
		t.Errorf("learned as %v, want %v", was, want)
	}
	if fmt.Sprint(oneByOne) != "[true false true false]" {
		t.Errorf("one by one: %v", oneByOne)
	}
	toks := []uint64{1, 2, 3, 4, 5}
	a, err1 := dbs[0].BayesLookup(ctx, g, toks)
	b, err2 := dbs[1].BayesLookup(ctx, g, toks)
	if err1 != nil || err2 != nil || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("counts one by one %v, batch %v (%v, %v)", a, b, err1, err2)
	}
	if _, ok := b[1]; ok {
		t.Errorf("token 1, only in forgotten messages, is still stored: %v", b[1])
	}
	if c := b[3]; c.Spam != 1 || c.Ham != 0 {
		t.Errorf("token 3 after forgetting a and b: %+v, want spam 1 (c)", c)
	}
	ta, _ := dbs[0].BayesTotals(ctx, g)
	tb, _ := dbs[1].BayesTotals(ctx, g)
	if ta != tb || tb.Spam != 1 || tb.Ham != 0 {
		t.Errorf("totals one by one %+v, batch %+v; want spam 1, ham 0", ta, tb)
	}
}
