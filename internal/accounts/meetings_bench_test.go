package accounts

import (
	"context"
	"net/http"
	"testing"

	"github.com/conclave-video/conclave/internal/room"
)

// BenchmarkHostToken: signing a host join token and verifying it as
// signaling does (the key and the owner looked up in SQLite each time).
func BenchmarkHostToken(b *testing.B) {
	he := newHostEnv(b, hostOptions{})
	u := he.addUser("alice@example.org", pw, "member")
	ctx := context.Background()
	for b.Loop() {
		j, err := he.svc.hostToken(u, room.RoomName("standup"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := he.signal.Verify(ctx, j.Token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMeetingJoin: POST /v1/meetings/{name}/join over HTTPS with a
// session: the session's checks, the rooms' decision and a new host token.
func BenchmarkMeetingJoin(b *testing.B) {
	he := newHostEnv(b, hostOptions{})
	br, _ := he.member("alice@example.org")
	r := br.do(http.MethodPost, "/v1/meetings", `{"name":"standup"}`)
	if r.status != http.StatusCreated {
		b.Fatal(r.status)
	}
	for b.Loop() {
		if r := br.do(http.MethodPost, "/v1/meetings/standup/join", `{}`); r.status != http.StatusOK {
			b.Fatal(r.status)
		}
	}
}
