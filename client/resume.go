package client

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/protocol"
)

// Resuming after a dropped signaling connection (docs/protocol.md): the
// server keeps the participant, its PeerConnections and its tracks for
// protocol.resume_window, and the client takes the session over on a new
// WebSocket with join{token, resume:{participant_id, secret}}.
const (
	// ResumeTimeout is how long the client keeps trying to resume before it
	// gives up with Disconnected{Reason: "connection_lost"}. The server's
	// resume window (15 s by default) usually ends it sooner: the server
	// then refuses the resume with resume_failed.
	ResumeTimeout = 30 * time.Second
	// resumeAttemptTimeout bounds one attempt: dial, join, joined.
	resumeAttemptTimeout = 10 * time.Second
	// Backoff between attempts: 250 ms, 500 ms, 1 s, then every 2 s.
	resumeBackoffFirst = 250 * time.Millisecond
	resumeBackoffMax   = 2 * time.Second
)

// resumeBackoff is the wait before attempt n (from 0).
func resumeBackoff(n int) time.Duration {
	d := resumeBackoffFirst
	for i := 0; i < n && d < resumeBackoffMax; i++ {
		d *= 2
	}
	return min(d, resumeBackoffMax)
}

// resumeWait is the wait before attempt n, after last refused or failed
// the one before: the backoff, or longer if the server asked for a longer
// wait (a *ServerError's RetryAfter). Trying sooner would only be refused
// again, and counted against the identity.
func resumeWait(n int, last error) time.Duration {
	d := resumeBackoff(n)
	if se, ok := errors.AsType[*ServerError](last); ok {
		d = max(d, se.RetryAfter)
	}
	return d
}

// canResume reports whether a lost connection should be resumed rather than
// end the session: resume is enabled, the server gave a secret, and neither
// the application (Leave, Close) nor the server (leave{reason}) ended the
// session. wmu is held.
func (c *Client) canResume() bool {
	if c.opts.noResume {
		return false
	}
	select {
	case <-c.done:
		return false
	default:
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.userClosed && c.leaveReason == "" && c.resumeSecret != ""
}

// connLost handles the end of conn, however it was noticed (read error,
// ping timeout, failed write): it starts a resume, or ends the session.
// Later reports about the same connection, or about one already replaced,
// are ignored.
func (c *Client) connLost(conn *websocket.Conn, cause error) {
	_ = conn.CloseNow() // frees a write blocked on it
	c.wmu.Lock()
	switch {
	case c.conn == conn:
		c.conn = nil
		c.live.Store(nil)
	case c.detached == conn:
		c.detached = nil
	default:
		c.wmu.Unlock()
		return
	}
	resume := c.canResume()
	c.reconnecting = resume
	if resume {
		c.epoch++
	} else {
		c.outbox = nil
	}
	c.wmu.Unlock()
	if !resume {
		c.shutdown(cause)
		return
	}
	c.log.Info("signaling connection lost; resuming", "err", cause)
	c.emit(Reconnecting{Err: cause})
	go c.reconnect(cause)
}

// reconnect redials with backoff and resumes the session, or ends it with
// connection_lost. It never joins afresh: a new participant with new
// PeerConnections is the application's decision.
func (c *Client) reconnect(cause error) {
	start := time.Now()
	deadline := start.Add(ResumeTimeout)
	c.mu.Lock()
	resume := &protocol.Resume{ParticipantID: c.self.ID, Secret: c.resumeSecret}
	c.mu.Unlock()
	last := cause
	for attempt := 0; ; attempt++ {
		wait := resumeWait(attempt, last)
		if time.Until(deadline) < wait {
			last = fmt.Errorf("client: no resume within %s: %w", ResumeTimeout, last)
			break
		}
		timer := time.NewTimer(wait)
		select {
		case <-c.done:
			timer.Stop()
			return
		case <-timer.C:
		}
		err := c.tryResume(deadline, resume)
		if err == nil {
			c.log.Info("signaling resumed", "attempts", attempt+1, "after", time.Since(start).Round(time.Millisecond))
			return
		}
		select {
		case <-c.done:
			return
		default:
		}
		c.log.Debug("resume attempt failed", "attempt", attempt+1, "err", err)
		last = err
		var se *ServerError
		if errors.As(err, &se) && !retryableCode(se.Code) {
			last = fmt.Errorf("client: resume refused: %w", err)
			break
		}
	}
	c.log.Info("could not resume the session", "err", last)
	c.mu.Lock()
	c.lost = true
	c.mu.Unlock()
	c.shutdown(last)
}

// retryableCode reports whether a refused resume may succeed if tried again.
func retryableCode(code string) bool {
	switch code {
	case protocol.CodeRateLimited, protocol.CodeInternal, protocol.CodeServerFull:
		return true
	}
	return false
}

// tryResume makes one attempt: dial, join with resume, and on
// joined{resumed} take the new connection into use.
func (c *Client) tryResume(deadline time.Time, resume *protocol.Resume) error {
	if d := time.Now().Add(resumeAttemptTimeout); d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(c.ctx, deadline)
	defer cancel()
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	j, err := c.joinOn(ctx, conn, resume)
	if err == nil && (!j.Resumed || j.Participant.ID != resume.ParticipantID) {
		err = &ServerError{Code: protocol.CodeResumeFailed, Message: "the server did not resume the session"}
	}
	if err != nil {
		_ = conn.CloseNow()
		return err
	}
	c.resumed(conn, j)
	return nil
}

// resumed puts conn into use: it becomes the connection written to (the
// messages held meanwhile go first), the room snapshot replaces the
// participant list, and a read loop starts on it. A ping then marks the end
// of what the server replays; its pong decides whether the publisher offer
// must be sent again.
func (c *Client) resumed(conn *websocket.Conn, j *protocol.Joined) {
	c.lastRecv.Store(time.Now().UnixNano())
	c.wmu.Lock()
	select {
	case <-c.done:
		c.wmu.Unlock()
		_ = conn.CloseNow()
		return
	default:
	}
	c.conn, c.reconnecting = conn, false
	c.live.Store(conn)
	held := c.outbox
	c.outbox = nil
	var flushErr error
	for i, b := range held {
		ctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
		flushErr = conn.Write(ctx, websocket.MessageText, b)
		cancel()
		if flushErr != nil {
			c.outbox = held[i:] // for the next connection, if there is one
			break
		}
	}
	epoch := c.epoch
	c.wmu.Unlock()
	// shutdown may have run between the check above and live.Store.
	select {
	case <-c.done:
		_ = conn.CloseNow()
		return
	default:
	}
	evs := c.applySnapshot(j)
	report := c.e2eeSnapshot(evs)
	c.emit(Reconnected{})
	for _, ev := range evs {
		c.emit(ev)
	}
	report()
	if flushErr != nil {
		c.connLost(conn, flushErr)
		return
	}
	go c.readLoop(conn)
	c.barrier.Store(-epoch)
	if err := c.send(c.ctx, protocol.TypePing, protocol.Ping{T: -epoch}); err != nil {
		c.log.Debug("sending ping after resume", "err", err)
	}
}

// applySnapshot replaces the participant list with a resumed joined's
// snapshot and returns the events that describe the differences.
// Participants that left meanwhile get ParticipantLeft with reason "left":
// the real reason is not known.
func (c *Client) applySnapshot(j *protocol.Joined) []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var left, joined, updated []Event
	if j.ResumeSecret != "" {
		c.resumeSecret = j.ResumeSecret
	}
	if !sameParticipant(c.self, j.Participant) {
		c.self = j.Participant
		updated = append(updated, ParticipantUpdated{Participant: j.Participant})
	}
	seen := make(map[string]bool, len(j.Participants))
	for _, p := range j.Participants {
		if p.ID == c.self.ID {
			continue
		}
		seen[p.ID] = true
		old, ok := c.participants[p.ID]
		c.participants[p.ID] = p
		switch {
		case !ok:
			joined = append(joined, ParticipantJoined{Participant: p})
		case !sameParticipant(old, p):
			updated = append(updated, ParticipantUpdated{Participant: p})
		}
	}
	var gone []string
	for id := range c.participants {
		if !seen[id] {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	for _, id := range gone {
		delete(c.participants, id)
		left = append(left, ParticipantLeft{ParticipantID: id, Reason: protocol.ReasonLeft})
	}
	return append(append(append(left, joined...), updated...), c.lobbySnapshotLocked(j.Lobby)...)
}

// lobbySnapshotLocked replaces the lobby with a resumed joined's and
// returns the events of the differences. Called with c.mu held.
func (c *Client) lobbySnapshotLocked(now []protocol.LobbyGuestInfo) []Event {
	var out []Event
	had := make(map[string]bool, len(c.lobby))
	for _, g := range c.lobby {
		had[g.ID] = true
	}
	seen := make(map[string]bool, len(now))
	for _, g := range now {
		seen[g.ID] = true
	}
	for _, g := range c.lobby {
		if !seen[g.ID] {
			out = append(out, LobbyGuestLeft{ID: g.ID, Reason: protocol.LobbyLeft})
		}
	}
	for _, g := range now {
		if !had[g.ID] {
			out = append(out, LobbyGuestWaiting{Guest: g})
		}
	}
	c.lobby = append([]protocol.LobbyGuestInfo(nil), now...)
	return out
}

// sameParticipant compares two descriptions, tracks in any order.
func sameParticipant(a, b Participant) bool {
	if a.ID != b.ID || a.Identity != b.Identity || a.Name != b.Name || a.JoinedAt != b.JoinedAt ||
		a.Permissions != b.Permissions || len(a.Tracks) != len(b.Tracks) {
		return false
	}
	for _, t := range a.Tracks {
		found := false
		for _, u := range b.Tracks {
			if t == u {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// resendStaleOffer runs when the pong to the post-resume ping arrives: the
// server has by then replayed everything it held, so a publisher offer
// still unanswered was lost (written to the dead connection, or not sent
// while reconnecting) and is sent again. It runs on the read loop, like the
// handling of answers.
func (c *Client) resendStaleOffer() {
	c.barrier.Store(0)
	if !c.neg.pending() || c.pub.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
		return
	}
	offer := c.pub.pc.LocalDescription()
	if offer == nil || offer.Type != webrtc.SDPTypeOffer {
		return
	}
	c.wmu.Lock()
	stale := c.conn != nil && c.offerEpoch < c.epoch
	c.wmu.Unlock()
	if !stale {
		return
	}
	c.log.Debug("sending the unanswered publisher offer again")
	if err := c.send(c.ctx, protocol.TypeOffer, protocol.SessionDescription{PC: protocol.Publisher, SDP: offer.SDP}); err != nil {
		c.log.Debug("re-sending the publisher offer", "err", err)
	}
}
