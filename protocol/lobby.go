package protocol

import "unicode/utf8"

// The room password and the lobby (docs/access.md, "Lobby and password").

// Room passwords: MinRoomPasswordChars to MaxRoomPasswordBytes of UTF-8
// without control characters. Join.Password carries one; SetPassword sets
// or clears it.
const (
	MinRoomPasswordChars = 8
	MaxRoomPasswordBytes = 128
)

// Lobby, server to client: LobbyStatus to the guest who waits; LobbyGuest
// and LobbyGuestLeft to the participants who may admit (the admit
// permission).
const (
	TypeLobby          Type = "lobby"
	TypeLobbyGuest     Type = "lobby_guest"
	TypeLobbyGuestLeft Type = "lobby_guest_left"
)

// Lobby and password, client to server: each is decided on the sender's
// role (admit_guest and deny_guest need the admit permission, set_password
// the lock permission). A refusal is an error; success is announced by
// the room's events.
const (
	TypeAdmitGuest  Type = "admit_guest"
	TypeDenyGuest   Type = "deny_guest"
	TypeSetPassword Type = "set_password"
	// TypeSetLobby turns the room's lobby on or off (the lock
	// permission); everyone is told with lobby_changed.
	TypeSetLobby Type = "set_lobby"
	// TypeLobbyChanged (server to client, everyone): the room's lobby
	// was turned on or off.
	TypeLobbyChanged Type = "lobby_changed"
)

// Lobby statuses (LobbyStatus.Status).
const (
	LobbyWaiting        = "waiting"          // a host or moderator is in the room and sees this guest
	LobbyWaitingForHost = "waiting_for_host" // nobody who may admit is in the room yet
)

// Why a guest left the lobby (LobbyGuestLeft.Reason).
const (
	LobbyAdmitted = "admitted"
	LobbyDenied   = "denied"
	LobbyLeft     = "left"
	LobbyTimeout  = "timeout"
	LobbyLocked   = "locked"
	LobbyClosed   = "closed"
)

// LobbyStatus answers a join that must wait: the connection stays open
// until the guest is admitted (joined) or refused (error, then leave).
// Position counts from 1, in order of arrival.
type LobbyStatus struct {
	Status   string `json:"status"`
	Position int    `json:"position"`
}

// LobbyGuestInfo is one guest in the lobby, as those who may admit see it.
type LobbyGuestInfo struct {
	ID       string `json:"id"`
	Identity string `json:"identity"`
	Name     string `json:"name,omitempty"`
	// Invite: the guest came with an invite link.
	Invite bool `json:"invite,omitempty"`
	// Member: a signed-in member of the organisation (it waits because
	// the policy's members_skip_lobby is off).
	Member bool `json:"member,omitempty"`
	// Since is when it began to wait (Unix seconds).
	Since int64 `json:"since"`
}

// LobbyGuest announces a guest who began to wait.
type LobbyGuest struct {
	Guest LobbyGuestInfo `json:"guest"`
}

// LobbyGuestLeft announces that a guest no longer waits, and why.
type LobbyGuestLeft struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// AdmitGuest admits the guest ID, or every guest waiting with All.
type AdmitGuest struct {
	ID  string `json:"id,omitempty"`
	All bool   `json:"all,omitempty"`
}

// DenyGuest refuses the guest ID, or every guest waiting with All: each
// gets error{lobby_denied}.
type DenyGuest struct {
	ID  string `json:"id,omitempty"`
	All bool   `json:"all,omitempty"`
}

// SetPassword sets the room's password, or clears it with "".
type SetPassword struct {
	Password string `json:"password"`
}

// SetLobby turns the room's lobby on or off. On is required: a message
// that does not say which changes nothing (bad_message).
type SetLobby struct {
	On *bool `json:"on"`
}

// LobbyChanged tells everyone the room's lobby was turned on or off, and
// by whom ("" for the room's owner through the REST API).
type LobbyChanged struct {
	On bool   `json:"on"`
	By string `json:"by,omitempty"`
}

func validateSetLobby(p any) error {
	if p.(*SetLobby).On == nil {
		return protoErr(CodeBadMessage, "on: true or false is required")
	}
	return nil
}

// ValidRoomPassword reports whether s may be a room password.
func ValidRoomPassword(s string) bool {
	if len(s) > MaxRoomPasswordBytes || !utf8.ValidString(s) || utf8.RuneCountInString(s) < MinRoomPasswordChars {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

func validateGuestChoice(id string, all bool) error {
	switch {
	case all && id != "":
		return protoErr(CodeBadMessage, "give id or all, not both")
	case all:
		return nil
	}
	return checkText("id", id, 1, MaxIDBytes)
}

func validateAdmitGuest(p any) error {
	m := p.(*AdmitGuest)
	return validateGuestChoice(m.ID, m.All)
}

func validateDenyGuest(p any) error {
	m := p.(*DenyGuest)
	return validateGuestChoice(m.ID, m.All)
}

func validateSetPassword(p any) error {
	if pw := p.(*SetPassword).Password; pw != "" && !ValidRoomPassword(pw) {
		return protoErr(CodeBadMessage, "password: %d to %d bytes of text without control characters, or \"\" to clear it",
			MinRoomPasswordChars, MaxRoomPasswordBytes)
	}
	return nil
}
