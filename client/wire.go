package client

import (
	"encoding/json"
	"fmt"

	"github.com/conclave-video/conclave/internal/signal"
)

// encode and decode are the client's view of the envelope format. They are
// deliberately lenient on input (unknown fields are ignored) so that a newer
// server can add fields without breaking older clients.
// TODO: switch to signal.Encode / signal.DecodeServer once codec.go lands.

func encode(t signal.Type, payload any) ([]byte, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	return json.Marshal(signal.Envelope{V: signal.Version, Type: t, Data: data})
}

func decode(b []byte) (signal.Type, any, error) {
	var env signal.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return "", nil, fmt.Errorf("client: bad envelope: %w", err)
	}
	if env.V != signal.Version {
		return env.Type, nil, fmt.Errorf("client: unsupported protocol version %d", env.V)
	}
	var p any
	switch env.Type {
	case signal.TypeJoined:
		p = new(signal.Joined)
	case signal.TypeParticipantJoined:
		p = new(signal.ParticipantJoined)
	case signal.TypeParticipantLeft:
		p = new(signal.ParticipantLeft)
	case signal.TypeParticipantUpdated:
		p = new(signal.ParticipantUpdated)
	case signal.TypeTrackPublished:
		p = new(signal.TrackPublished)
	case signal.TypeTrackUnpublished:
		p = new(signal.TrackUnpublished)
	case signal.TypeOffer, signal.TypeAnswer:
		p = new(signal.SessionDescription)
	case signal.TypeCandidate:
		p = new(signal.ICECandidate)
	case signal.TypeMute:
		p = new(signal.Mute)
	case signal.TypeData:
		p = new(signal.Data)
	case signal.TypeLeave:
		p = new(signal.Leave)
	case signal.TypePong:
		p = new(signal.Pong)
	case signal.TypeError:
		p = new(signal.Error)
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
