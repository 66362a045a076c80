package token

import (
	"fmt"
	"strings"
)

// Grants are the permissions a token carries. The JSON names are part of the
// wire format and must not change.
type Grants struct {
	Publish     bool `json:"publish,omitempty"`
	Subscribe   bool `json:"subscribe,omitempty"`
	PublishData bool `json:"publishData,omitempty"`
	RoomAdmin   bool `json:"roomAdmin,omitempty"`
	RoomCreate  bool `json:"roomCreate,omitempty"`
	RoomList    bool `json:"roomList,omitempty"`
}

// ParseGrants parses a comma-separated list of grant names such as
// "publish,subscribe,publishData". Names match case-insensitively, spaces
// around names and empty items are ignored, and an unknown name is an error.
// The empty string yields no grants.
func ParseGrants(csv string) (Grants, error) {
	var g Grants
	for item := range strings.SplitSeq(csv, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !g.set(item) {
			return Grants{}, fmt.Errorf("token: unknown grant %q (known: %s)", item, allGrantNames())
		}
	}
	return g, nil
}

// String returns the grants as the comma-separated list ParseGrants accepts,
// in canonical order.
func (g Grants) String() string {
	var names []string
	add := func(on bool, name string) {
		if on {
			names = append(names, name)
		}
	}
	add(g.Publish, "publish")
	add(g.Subscribe, "subscribe")
	add(g.PublishData, "publishData")
	add(g.RoomAdmin, "roomAdmin")
	add(g.RoomCreate, "roomCreate")
	add(g.RoomList, "roomList")
	return strings.Join(names, ",")
}

// Join reports whether the grants let the bearer join a room as a
// participant (publish, subscribe or publishData). Join tokens must name an
// identity.
func (g Grants) Join() bool {
	return g.Publish || g.Subscribe || g.PublishData
}

// set turns on the grant called name (case-insensitive) and reports whether
// the name is known.
func (g *Grants) set(name string) bool {
	switch strings.ToLower(name) {
	case "publish":
		g.Publish = true
	case "subscribe":
		g.Subscribe = true
	case "publishdata":
		g.PublishData = true
	case "roomadmin":
		g.RoomAdmin = true
	case "roomcreate":
		g.RoomCreate = true
	case "roomlist":
		g.RoomList = true
	default:
		return false
	}
	return true
}

func allGrantNames() string {
	all := Grants{true, true, true, true, true, true}
	return all.String()
}
