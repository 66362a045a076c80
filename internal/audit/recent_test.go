package audit

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestRecent: newest first, filtered, paged by Before, bounded by Since.
func TestRecent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 100)
	st, lg := f.st, f.log
	var entries []Entry
	for i := range 30 {
		action := "decision"
		if i%2 == 0 {
			action = "signin_failed"
		}
		entries = append(entries, Entry{Time: t0.Add(time.Duration(i) * time.Minute), Actor: "a", Action: action})
	}
	if _, err := lg.Append(ctx, entries...); err != nil {
		t.Fatal(err)
	}
	keep := func(r Record) bool { return strings.HasPrefix(r.Action, "signin") }
	page, next, err := Recent(ctx, st, RecentQuery{Limit: 4, Keep: keep})
	if err != nil || len(page) != 4 || page[0].Seq != 29 || page[3].Seq != 23 || next != 23 {
		t.Fatalf("first page: %v next %d err %v", recentSeqs(page), next, err)
	}
	page, next, err = Recent(ctx, st, RecentQuery{Before: next, Limit: 100, Keep: keep, Since: t0.Add(10 * time.Minute)})
	if err != nil || len(page) != 6 || page[0].Seq != 21 || page[5].Seq != 11 || next != 0 {
		t.Fatalf("second page: %v next %d err %v", recentSeqs(page), next, err)
	}
	page, next, err = Recent(ctx, st, RecentQuery{Before: 3, Limit: 100})
	if err != nil || len(page) != 2 || page[1].Seq != 1 || next != 0 {
		t.Fatalf("last page: %v next %d err %v", recentSeqs(page), next, err)
	}
}

func recentSeqs(rs []Record) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.Seq)
	}
	return out
}
