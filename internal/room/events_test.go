package room_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/room"
)

// TestJoinedComesFirst: while the room is busy (tracks published, muted and
// removed, messages sent, others joining and leaving), every participant's
// listener gets its own EventJoined first, and its Others are exactly the
// state the following events build on: nobody is heard of before being
// known, nobody joins twice, no track goes that was not there.
func TestJoinedComesFirst(t *testing.T) {
	const joiners, rounds = 8, 20
	m := newManager(t, room.Config{AutoCreate: true})
	alice, _ := join(t, m, "r", "alice", allGrants)

	type seat struct {
		id  room.ParticipantID
		rec *recorder
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		seats []seat
	)
	take := func(identity string, leave bool) {
		defer wg.Done()
		rec := &recorder{}
		mem, _, err := m.Join(room.JoinRequest{Claims: claims("r", identity, allGrants), Listener: rec})
		if err != nil {
			t.Errorf("join %s: %v", identity, err)
			return
		}
		mu.Lock()
		seats = append(seats, seat{mem.ID(), rec})
		mu.Unlock()
		if err := mem.SendData(nil, "hello", []byte(identity)); err != nil {
			t.Errorf("%s: send: %v", identity, err)
		}
		if leave {
			mem.Leave(room.ReasonLeft)
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range rounds {
			id := room.TrackID(fmt.Sprintf("TR_%d", i))
			// Publish, not the helper: no t.Fatal off the test goroutine.
			if _, err := alice.Publish(id, "c", room.KindAudio, "audio/opus", newReceiver(string(id), webrtc.RTPCodecTypeAudio)); err != nil {
				t.Error(err)
				return
			}
			if err := alice.SetMuted(id, true); err != nil {
				t.Error(err)
			}
			if _, err := m.MuteTrack("r", adminOf(owner), "alice", id, true); err != nil {
				t.Error(err)
			}
			if err := alice.SendData(nil, "chat", []byte("hi")); err != nil {
				t.Error(err)
			}
			if i%4 != 0 { // a few stay, within MaxTracksPerParticipant
				alice.Unpublish(id)
			}
		}
	}()
	for i := range joiners {
		wg.Add(2)
		go take(fmt.Sprintf("stay%d", i), false)
		go take(fmt.Sprintf("pass%d", i), true)
	}
	wg.Wait()

	if len(seats) != 2*joiners {
		t.Fatalf("%d joined, want %d", len(seats), 2*joiners)
	}
	for _, s := range seats {
		ev := s.rec.all()
		if len(ev) == 0 || ev[0].Kind != room.EventJoined || ev[0].Participant.ID != s.id {
			t.Errorf("%s's first event is %+v, want its own joined", s.id, ev[:min(1, len(ev))])
			continue
		}
		// Replay the events on the state the joiner was given.
		known := map[room.ParticipantID]bool{s.id: true}
		tracks := map[room.TrackID]bool{}
		for _, o := range ev[0].Others {
			known[o.ID] = true
			for _, tr := range o.Tracks {
				tracks[tr.ID] = true
			}
		}
		if !known[alice.ID()] {
			t.Errorf("%s's Others lack alice: %+v", s.id, ev[0].Others)
		}
		for i, e := range ev[1:] {
			who := e.Participant.ID
			switch e.Kind {
			case room.EventJoined:
				if known[who] {
					t.Errorf("%s event %d: %s joined twice", s.id, i+1, who)
				}
				known[who] = true
				continue
			case room.EventLeft:
				if !known[who] {
					t.Errorf("%s event %d: unknown %s left", s.id, i+1, who)
				}
				delete(known, who)
				continue
			case room.EventTrackPublished:
				tracks[e.Track.ID] = true
			case room.EventTrackUnpublished:
				if !tracks[e.Track.ID] {
					t.Errorf("%s event %d: unknown track %s unpublished", s.id, i+1, e.Track.ID)
				}
				delete(tracks, e.Track.ID)
			case room.EventUpdated, room.EventData:
			default:
				t.Errorf("%s event %d: unexpected %v", s.id, i+1, e.Kind)
			}
			if !known[who] {
				t.Errorf("%s event %d: %v from %s, not known", s.id, i+1, e.Kind, who)
			}
		}
	}
}
