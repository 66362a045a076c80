package accounts

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
)

// Blocks are the traffic defence's blocks, for the admin API
// (docs/api.md, "Blocks") and the sign-in's account throttle.
type Blocks interface {
	// ListBlocks returns the blocks in force.
	ListBlocks() []guard.Block
	// Unblock lifts the block id in force, by actor from ip (its
	// security event says so), once it is stored lifted; false when none
	// with that id is, an error when it could not be stored (the block
	// stays).
	Unblock(ctx context.Context, id, actor, ip string) (bool, error)
	// AccountThrottled reports whether sign-in to the account (its
	// canonical email) is throttled, and for how much longer.
	AccountThrottled(email string) (time.Duration, bool)
}

// BlockView is one block in GET /v1/blocks: of an address (Address
// set: the address, an IPv6 one by its /64) or of an account (Account:
// its email; Addresses: how many distinct addresses failed on it).
type BlockView struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Address   string    `json:"address,omitempty"`
	Account   string    `json:"account,omitempty"`
	Level     int       `json:"level"`
	Since     time.Time `json:"since"`
	Until     time.Time `json:"until"`
	Reason    string    `json:"reason"`
	Addresses int       `json:"addresses,omitempty"`
	// SecondsLeft is how long it still holds, by the server's clock,
	// rounded up: the page counts down from it, right on a client whose
	// clock is off.
	SecondsLeft int64 `json:"seconds_left"`
}

// BlockList is the answer of GET /v1/blocks.
type BlockList struct {
	Blocks []BlockView `json:"blocks"`
}

func (s *Service) listBlocks(w http.ResponseWriter, _ *http.Request, _ *Current) {
	list := BlockList{Blocks: []BlockView{}}
	now := time.Now()
	for _, b := range s.cfg.Blocks.ListBlocks() {
		v := BlockView{ID: b.ID, Kind: string(b.Kind), Level: b.Level, Since: b.Since.UTC(), Until: b.Until.UTC(), Reason: b.Reason,
			SecondsLeft: int64(max(b.Until.Sub(now)+time.Second-1, 0) / time.Second)}
		if b.Kind == guard.BlockAccount {
			v.Account, v.Addresses = b.Key, b.Addrs
		} else {
			v.Address = b.Key
		}
		list.Blocks = append(list.Blocks, v)
	}
	httpapi.WriteJSON(w, http.StatusOK, list)
}

func (s *Service) deleteBlock(w http.ResponseWriter, r *http.Request, cur *Current) {
	id := r.PathValue("id")
	if len(id) > store.MaxIDBytes || !(strings.HasPrefix(id, "BA_") || strings.HasPrefix(id, "BU_")) {
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such block in force")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	ok, err := s.cfg.Blocks.Unblock(ctx, id, cur.User.ID, cur.client.ip)
	switch {
	case err != nil:
		s.log.Error("accounts: block not lifted: it could not be stored", "id", id, "err", err)
		httpapi.WriteCode(w, protocol.CodeUnavailable, "the block could not be lifted now (storage); it stays in force: try again")
		return
	case !ok:
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such block in force")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
