package client

import (
	"encoding/json"
	"fmt"

	"github.com/conclave-video/conclave/protocol"
)

// encode and decode are the client's view of the envelope format. They are
// deliberately lenient on input (unknown fields are ignored) so that a newer
// server can add fields without breaking older clients.
// TODO: switch to protocol.Encode / protocol.DecodeServer once codec.go lands.

func encode(t protocol.Type, payload any) ([]byte, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	return json.Marshal(protocol.Envelope{V: protocol.Version, Type: t, Data: data})
}

func decode(b []byte) (protocol.Type, any, error) {
	var env protocol.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return "", nil, fmt.Errorf("client: bad envelope: %w", err)
	}
	if env.V != protocol.Version {
		return env.Type, nil, fmt.Errorf("client: unsupported protocol version %d", env.V)
	}
	var p any
	switch env.Type {
	case protocol.TypeJoined:
		p = new(protocol.Joined)
	case protocol.TypeParticipantJoined:
		p = new(protocol.ParticipantJoined)
	case protocol.TypeParticipantLeft:
		p = new(protocol.ParticipantLeft)
	case protocol.TypeParticipantUpdated:
		p = new(protocol.ParticipantUpdated)
	case protocol.TypeTrackPublished:
		p = new(protocol.TrackPublished)
	case protocol.TypeTrackUnpublished:
		p = new(protocol.TrackUnpublished)
	case protocol.TypeOffer, protocol.TypeAnswer:
		p = new(protocol.SessionDescription)
	case protocol.TypeCandidate:
		p = new(protocol.ICECandidate)
	case protocol.TypeMute:
		p = new(protocol.Mute)
	case protocol.TypeData:
		p = new(protocol.Data)
	case protocol.TypeE2EE:
		p = new(protocol.E2EE)
	case protocol.TypeLeave:
		p = new(protocol.Leave)
	case protocol.TypePong:
		p = new(protocol.Pong)
	case protocol.TypeError:
		p = new(protocol.Error)
	case protocol.TypeRoleChanged:
		p = new(protocol.RoleChanged)
	case protocol.TypeLockChanged:
		p = new(protocol.LockChanged)
	case protocol.TypeLobbyChanged:
		p = new(protocol.LobbyChanged)
	case protocol.TypeMeetingEnding:
		p = new(protocol.MeetingEnding)
	case protocol.TypeLobby:
		p = new(protocol.LobbyStatus)
	case protocol.TypeLobbyGuest:
		p = new(protocol.LobbyGuest)
	case protocol.TypeLobbyGuestLeft:
		p = new(protocol.LobbyGuestLeft)
	default:
		return env.Type, nil, fmt.Errorf("client: unknown message type %q", env.Type)
	}
	if len(env.Data) > 0 {
		if err := json.Unmarshal(env.Data, p); err != nil {
			return env.Type, nil, fmt.Errorf("client: bad %s message: %w", env.Type, err)
		}
	}
	return env.Type, p, nil
}
