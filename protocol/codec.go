package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Limits on client message fields, beyond MaxMessageBytes and MaxDataPayload.
const (
	MaxTokenBytes     = 8 << 10
	MaxSDPBytes       = 48 << 10
	MaxCandidateBytes = 1 << 10
	MaxCIDBytes       = 128
	MaxNameBytes      = 256
	MaxIDBytes        = 128 // track and participant ids
	MaxDataRecipients = 100
	MaxTopicBytes     = 128
	MaxReasonBytes    = 128
	MaxBanSeconds     = 365 * 24 * 60 * 60 // a ban's duration; the REST API's bound too
	MaxBanReasonBytes = 256
	// MaxRetryAfterSeconds bounds error.retry_after: a client never
	// waits longer than a day on the server's word.
	MaxRetryAfterSeconds = 24 * 60 * 60
	maxMidBytes          = 64
	maxUfragBytes        = 256
)

// MaxServerMessageBytes bounds one server message as read by a client. It
// is larger than MaxMessageBytes because joined lists every participant of a
// room, which for a full room can exceed what a client may send.
const MaxServerMessageBytes = 4 << 20

// ProtocolError is a message the peer got wrong. Code is one of the Code*
// constants and goes on the wire in an Error; Message says what was wrong.
type ProtocolError struct {
	Code    string
	Message string
}

func (e *ProtocolError) Error() string { return e.Message }

// Wire returns the Error payload that reports e to the peer.
func (e *ProtocolError) Wire() Error { return Error{Code: e.Code, Message: e.Message} }

// ErrorCode returns the stable code for err: its ProtocolError code, "" for
// nil, and CodeInternal for anything else.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return CodeInternal
}

func protoErr(code, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// payloadSpec says how one message type's data decodes in one direction.
type payloadSpec struct {
	newPayload func() any        // a pointer to a fresh payload struct
	required   bool              // data must be present
	validate   func(p any) error // nil: no checks beyond strict JSON
}

// clientSpec is the payload of each type a client may send.
func clientSpec(t Type) (payloadSpec, bool) {
	switch t {
	case TypeJoin:
		return payloadSpec{func() any { return new(Join) }, true, validateJoin}, true
	case TypeAddTrack:
		return payloadSpec{func() any { return new(AddTrack) }, true, validateAddTrack}, true
	case TypeOffer:
		return payloadSpec{func() any { return new(SessionDescription) }, true, sdpValidator(TypeOffer, Publisher)}, true
	case TypeAnswer:
		return payloadSpec{func() any { return new(SessionDescription) }, true, sdpValidator(TypeAnswer, Subscriber)}, true
	case TypeCandidate:
		return payloadSpec{func() any { return new(ICECandidate) }, true, validateCandidate}, true
	case TypeMute:
		return payloadSpec{func() any { return new(Mute) }, true, validateMute}, true
	case TypeData:
		return payloadSpec{func() any { return new(Data) }, true, validateClientData}, true
	case TypeLeave:
		return payloadSpec{func() any { return new(Leave) }, false, validateLeave}, true
	case TypePing:
		return payloadSpec{func() any { return new(Ping) }, false, nil}, true
	case TypeRestartICE:
		return payloadSpec{func() any { return new(RestartICE) }, false, nil}, true
	case TypeUnmuteRequest:
		return payloadSpec{func() any { return new(UnmuteRequest) }, true, validateUnmuteRequest}, true
	case TypeE2EE:
		return payloadSpec{func() any { return new(E2EE) }, true, validateClientE2EE}, true
	case TypeE2EEIdentityChanged:
		return payloadSpec{func() any { return new(E2EEIdentityChanged) }, true, validateIdentityChanged}, true
	case TypeMuteTrack:
		return payloadSpec{func() any { return new(MuteTrack) }, true, validateMuteTrack}, true
	case TypeRemoveParticipant:
		return payloadSpec{func() any { return new(RemoveParticipant) }, true, validateRemoveParticipant}, true
	case TypeSetRole:
		return payloadSpec{func() any { return new(SetRole) }, true, validateSetRole}, true
	case TypeLockMeeting:
		return payloadSpec{func() any { return new(LockMeeting) }, true, nil}, true
	case TypeEndMeeting:
		return payloadSpec{func() any { return new(EndMeeting) }, false, nil}, true
	case TypeAdmitGuest:
		return payloadSpec{func() any { return new(AdmitGuest) }, true, validateAdmitGuest}, true
	case TypeDenyGuest:
		return payloadSpec{func() any { return new(DenyGuest) }, true, validateDenyGuest}, true
	case TypeSetPassword:
		return payloadSpec{func() any { return new(SetPassword) }, true, validateSetPassword}, true
	case TypeSetLobby:
		return payloadSpec{func() any { return new(SetLobby) }, true, validateSetLobby}, true
	}
	return payloadSpec{}, false
}

// serverSpec is the payload of each type a server may send. The client
// trusts the server more, so checks are structural only.
func serverSpec(t Type) (payloadSpec, bool) {
	switch t {
	case TypeJoined:
		return payloadSpec{func() any { return new(Joined) }, true, normalizeJoined}, true
	case TypeParticipantJoined:
		return payloadSpec{func() any { return new(ParticipantJoined) }, true, nil}, true
	case TypeParticipantLeft:
		return payloadSpec{func() any { return new(ParticipantLeft) }, true, nil}, true
	case TypeParticipantUpdated:
		return payloadSpec{func() any { return new(ParticipantUpdated) }, true, nil}, true
	case TypeTrackPublished:
		return payloadSpec{func() any { return new(TrackPublished) }, true, nil}, true
	case TypeTrackUnpublished:
		return payloadSpec{func() any { return new(TrackUnpublished) }, true, nil}, true
	case TypeOffer:
		return payloadSpec{func() any { return new(SessionDescription) }, true, sdpValidator(TypeOffer, Subscriber)}, true
	case TypeAnswer:
		return payloadSpec{func() any { return new(SessionDescription) }, true, sdpValidator(TypeAnswer, Publisher)}, true
	case TypeCandidate:
		return payloadSpec{func() any { return new(ICECandidate) }, true, validateCandidate}, true
	case TypeMute:
		return payloadSpec{func() any { return new(Mute) }, true, validateMute}, true
	case TypeData:
		return payloadSpec{func() any { return new(Data) }, true, normalizeData}, true
	case TypeLeave:
		return payloadSpec{func() any { return new(Leave) }, false, nil}, true
	case TypePong:
		return payloadSpec{func() any { return new(Pong) }, false, nil}, true
	case TypeError:
		return payloadSpec{func() any { return new(Error) }, true, validateError}, true
	case TypeE2EE:
		return payloadSpec{func() any { return new(E2EE) }, true, nil}, true
	case TypeRoleChanged:
		return payloadSpec{func() any { return new(RoleChanged) }, true, nil}, true
	case TypeLockChanged:
		return payloadSpec{func() any { return new(LockChanged) }, true, nil}, true
	case TypeLobbyChanged:
		return payloadSpec{func() any { return new(LobbyChanged) }, true, nil}, true
	case TypeMeetingEnding:
		return payloadSpec{func() any { return new(MeetingEnding) }, true, nil}, true
	case TypeLobby:
		return payloadSpec{func() any { return new(LobbyStatus) }, true, nil}, true
	case TypeLobbyGuest:
		return payloadSpec{func() any { return new(LobbyGuest) }, true, nil}, true
	case TypeLobbyGuestLeft:
		return payloadSpec{func() any { return new(LobbyGuestLeft) }, true, nil}, true
	}
	return payloadSpec{}, false
}

// Decode parses one message from a client. It refuses oversize messages,
// other protocol versions, types a client may not send, unknown or
// duplicated fields (matched case-sensitively), trailing data and invalid
// values, always with a *ProtocolError. The payload is a pointer to the
// type's struct, e.g. *Join for TypeJoin.
func Decode(b []byte) (Type, any, error) {
	return decode(b, MaxMessageBytes, clientSpec)
}

// DecodeServer parses one message from the server, for clients. It is as
// strict as Decode, with MaxServerMessageBytes as the size limit and the
// server's set of types.
func DecodeServer(b []byte) (Type, any, error) {
	return decode(b, MaxServerMessageBytes, serverSpec)
}

func decode(b []byte, limit int, spec func(Type) (payloadSpec, bool)) (Type, any, error) {
	if len(b) > limit {
		return "", nil, protoErr(CodeTooLarge, "message is %d bytes, the limit is %d", len(b), limit)
	}
	var env Envelope
	if err := strictUnmarshal(b, &env); err != nil {
		return "", nil, protoErr(CodeBadMessage, "envelope: %v", err)
	}
	if env.V != Version {
		return "", nil, protoErr(CodeUnsupportedVersion, "protocol version %d is not supported, use %d", env.V, Version)
	}
	s, ok := spec(env.Type)
	if !ok {
		return "", nil, protoErr(CodeUnknownType, "unknown message type %q", truncate(string(env.Type), 64))
	}
	p := s.newPayload()
	data := bytes.TrimSpace(env.Data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		if s.required {
			return "", nil, protoErr(CodeBadMessage, "%s: data is required", env.Type)
		}
	} else if err := strictUnmarshal(data, p); err != nil {
		return "", nil, protoErr(CodeBadMessage, "%s: %v", env.Type, err)
	}
	if s.validate != nil {
		if err := s.validate(p); err != nil {
			var pe *ProtocolError
			if errors.As(err, &pe) {
				pe.Message = string(env.Type) + ": " + pe.Message
				return "", nil, pe
			}
			return "", nil, protoErr(CodeBadMessage, "%s: %v", env.Type, err)
		}
	}
	return env.Type, p, nil
}

// Encode builds the envelope for a message of type t. payload is the type's
// struct or a pointer to it (nil for a message without data); a payload of
// the wrong type for t is an error.
func Encode(t Type, payload any) ([]byte, error) {
	env := Envelope{V: Version, Type: t}
	if payload != nil {
		if err := checkPayloadType(t, payload); err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		// SDP and payloads are not HTML; escaping <>& would only inflate them.
		enc.SetEscapeHTML(false)
		if err := enc.Encode(payload); err != nil {
			return nil, fmt.Errorf("signal: encode %s: %w", t, err)
		}
		env.Data = bytes.TrimRight(buf.Bytes(), "\n")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(env); err != nil {
		return nil, fmt.Errorf("signal: encode %s: %w", t, err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func checkPayloadType(t Type, payload any) error {
	got := reflect.TypeOf(payload)
	if got.Kind() == reflect.Pointer {
		got = got.Elem()
	}
	for _, spec := range [...]func(Type) (payloadSpec, bool){clientSpec, serverSpec} {
		if s, ok := spec(t); ok && reflect.TypeOf(s.newPayload()).Elem() == got {
			return nil
		}
	}
	if _, ok := clientSpec(t); !ok {
		if _, ok := serverSpec(t); !ok {
			return fmt.Errorf("signal: encode: unknown message type %q", t)
		}
	}
	return fmt.Errorf("signal: encode: %s cannot carry a %s", t, got)
}

// StrictUnmarshal decodes exactly one JSON value into v, refusing unknown
// fields, fields whose name matches only case-insensitively, repeated
// fields and anything after the value. Signaling messages and REST bodies
// are both decoded with it, so no two parsers ever read one input
// differently.
func StrictUnmarshal(data []byte, v any) error {
	return strictUnmarshal(data, v)
}

func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return cleanJSONError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	keys := json.NewDecoder(bytes.NewReader(data))
	keys.UseNumber()
	return checkKeys(keys, reflect.TypeOf(v))
}

// cleanJSONError drops the Go type names encoding/json puts in its errors.
func cleanJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Errorf("field %s: wrong JSON type %s", te.Field, te.Value)
		}
		return fmt.Errorf("wrong JSON type %s", te.Value)
	}
	return err
}

// checkKeys walks the JSON value in dec alongside t. encoding/json matches
// field names case-insensitively and lets a repeated field win silently;
// both would let two parsers read one message differently, so both are
// refused. Types and unknown fields were already checked by the decoder.
func checkKeys(dec *json.Decoder, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, isDelim := tok.(json.Delim)
	if !isDelim {
		return nil // a scalar or null
	}
	switch {
	case delim == '{' && t.Kind() == reflect.Struct:
		fields := jsonFields(t)
		seen := make(map[string]bool, len(fields))
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			ft, ok := fields[key]
			if !ok {
				return fmt.Errorf("unknown field %q", truncate(key, 64))
			}
			if seen[key] {
				return fmt.Errorf("field %q repeated", key)
			}
			seen[key] = true
			if err := checkKeys(dec, ft); err != nil {
				return err
			}
		}
	case delim == '[' && t.Kind() == reflect.Slice:
		for dec.More() {
			if err := checkKeys(dec, t.Elem()); err != nil {
				return err
			}
		}
	default:
		// json.RawMessage or a type the decoder already accepted: skip it.
		for depth := 1; depth > 0; {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			switch tok {
			case json.Delim('{'), json.Delim('['):
				depth++
			case json.Delim('}'), json.Delim(']'):
				depth--
			}
		}
		return nil
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// jsonFields maps each JSON field name of struct t to its type.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func validateJoin(p any) error {
	j := p.(*Join)
	switch {
	case j.Token == "":
		return protoErr(CodeBadMessage, "token is required")
	case len(j.Token) > MaxTokenBytes:
		// The token's fault, not the message's: the same code a token of
		// that size gets from the verifier (docs/tokens.md).
		return protoErr(CodeTokenMalformed, "token is longer than %d bytes", MaxTokenBytes)
	}
	if k := j.E2EE; k != nil {
		if err := k.Validate(); err != nil {
			return err
		}
	}
	if j.Password != "" && !ValidRoomPassword(j.Password) {
		return protoErr(CodeBadMessage, "password: %d to %d bytes of text without control characters", MinRoomPasswordChars, MaxRoomPasswordBytes)
	}
	if r := j.Resume; r != nil {
		if err := checkText("resume.participant_id", r.ParticipantID, 1, MaxIDBytes); err != nil {
			return err
		}
		if err := checkText("resume.secret", r.Secret, 1, MaxResumeSecretBytes); err != nil {
			return err
		}
	}
	return nil
}

// MaxResumeSecretBytes bounds a resume secret (the server issues 43).
const MaxResumeSecretBytes = 128

func validateAddTrack(p any) error {
	a := p.(*AddTrack)
	if err := checkText("cid", a.CID, 1, MaxCIDBytes); err != nil {
		return err
	}
	if err := checkText("name", a.Name, 0, MaxNameBytes); err != nil {
		return err
	}
	var want TrackKind
	switch a.Source {
	case SourceCamera, SourceScreen:
		want = KindVideo
	case SourceMicrophone, SourceScreenAudio:
		want = KindAudio
	default:
		return protoErr(CodeBadMessage, "unknown source %q", truncate(string(a.Source), 32))
	}
	switch a.Kind {
	case KindAudio, KindVideo:
	default:
		return protoErr(CodeBadMessage, "kind must be audio or video, got %q", truncate(string(a.Kind), 32))
	}
	if a.Kind != want {
		return protoErr(CodeBadMessage, "source %s is %s, not %s", a.Source, want, a.Kind)
	}
	return nil
}

// sdpValidator checks an offer or answer: each is valid on one
// PeerConnection only, depending on who sends it.
func sdpValidator(t Type, pc PeerConnection) func(any) error {
	return func(p any) error {
		sd := p.(*SessionDescription)
		if err := checkPC(sd.PC); err != nil {
			return err
		}
		if sd.PC != pc {
			return protoErr(CodeBadMessage, "an %s from this side is only valid on the %s connection", t, pc)
		}
		switch {
		case sd.SDP == "":
			return protoErr(CodeBadSDP, "sdp is required")
		case len(sd.SDP) > MaxSDPBytes:
			return protoErr(CodeBadSDP, "sdp is longer than %d bytes", MaxSDPBytes)
		}
		return nil
	}
}

func validateCandidate(p any) error {
	c := p.(*ICECandidate)
	if err := checkPC(c.PC); err != nil {
		return err
	}
	// An empty candidate is legal: it signals the end of candidates.
	if len(c.Candidate) > MaxCandidateBytes {
		return protoErr(CodeBadCandidate, "candidate is longer than %d bytes", MaxCandidateBytes)
	}
	if c.SDPMid != nil && len(*c.SDPMid) > maxMidBytes {
		return protoErr(CodeBadCandidate, "sdpMid is longer than %d bytes", maxMidBytes)
	}
	if c.UsernameFragment != nil && len(*c.UsernameFragment) > maxUfragBytes {
		return protoErr(CodeBadCandidate, "usernameFragment is longer than %d bytes", maxUfragBytes)
	}
	return nil
}

func validateMute(p any) error {
	return checkText("track_id", p.(*Mute).TrackID, 1, MaxIDBytes)
}

func validateMuteTrack(p any) error {
	m := p.(*MuteTrack)
	if err := checkText("participant_id", m.ParticipantID, 1, MaxIDBytes); err != nil {
		return err
	}
	return checkText("track_id", m.TrackID, 1, MaxIDBytes)
}

func validateRemoveParticipant(p any) error {
	m := p.(*RemoveParticipant)
	if err := checkText("participant_id", m.ParticipantID, 1, MaxIDBytes); err != nil {
		return err
	}
	if m.Ban == nil {
		return nil
	}
	if m.Ban.Duration < 0 || m.Ban.Duration > MaxBanSeconds {
		return protoErr(CodeBadMessage, "ban.duration must be 0 (the room's life) to %d seconds", MaxBanSeconds)
	}
	if err := checkText("ban.reason", m.Ban.Reason, 0, MaxBanReasonBytes); err != nil {
		return err
	}
	for _, r := range m.Ban.Reason {
		if (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError {
			return protoErr(CodeBadMessage, "ban.reason contains a control character")
		}
	}
	return nil
}

func validateSetRole(p any) error {
	s := p.(*SetRole)
	if err := checkText("participant_id", s.ParticipantID, 1, MaxIDBytes); err != nil {
		return err
	}
	switch s.Role {
	case RoleHost, RoleModerator, RoleParticipant, RoleViewer:
		return nil
	}
	return protoErr(CodeBadMessage, "role must be host, moderator, participant or viewer")
}

func validateUnmuteRequest(p any) error {
	return checkText("track_id", p.(*UnmuteRequest).TrackID, 1, MaxIDBytes)
}

func validateClientData(p any) error {
	d := p.(*Data)
	if d.From != "" {
		return protoErr(CodeBadMessage, "from is set by the server")
	}
	if len(d.Payload) > MaxDataPayload {
		return protoErr(CodeTooLarge, "payload is %d bytes, the limit is %d", len(d.Payload), MaxDataPayload)
	}
	if len(d.To) > MaxDataRecipients {
		return protoErr(CodeBadMessage, "to lists %d participants, the limit is %d", len(d.To), MaxDataRecipients)
	}
	for _, id := range d.To {
		if err := checkText("to", id, 1, MaxIDBytes); err != nil {
			return err
		}
	}
	if err := checkText("topic", d.Topic, 0, MaxTopicBytes); err != nil {
		return err
	}
	return normalizeData(d)
}

// normalizeData makes an empty recipient list nil, so a decoded message
// equals the same message after an Encode round trip (to is omitempty).
func normalizeData(p any) error {
	if d := p.(*Data); len(d.To) == 0 {
		d.To = nil
	}
	return nil
}

func validateIdentityChanged(p any) error {
	m := p.(*E2EEIdentityChanged)
	if err := checkText("identity", m.Identity, 1, MaxIDBytes); err != nil {
		return err
	}
	if len(m.IdentityKey) != E2EEIdentityKeySize {
		return protoErr(CodeBadMessage, "identity_key is %d bytes, want %d", len(m.IdentityKey), E2EEIdentityKeySize)
	}
	return nil
}

func validateClientE2EE(p any) error {
	e := p.(*E2EE)
	if e.From != "" {
		return protoErr(CodeBadMessage, "from is set by the server")
	}
	if err := checkText("to", e.To, 1, MaxIDBytes); err != nil {
		return err
	}
	switch {
	case len(e.Payload) == 0:
		return protoErr(CodeBadMessage, "payload is required")
	case len(e.Payload) > MaxE2EEPayload:
		return protoErr(CodeTooLarge, "payload is %d bytes, the limit is %d", len(e.Payload), MaxE2EEPayload)
	}
	return nil
}

// Validate checks the sizes of an announcement's keys. Whether the
// signature verifies is for the room to decide (and for every other
// participant to check again).
func (k *E2EEKeys) Validate() error {
	switch {
	case len(k.IdentityKey) != E2EEIdentityKeySize:
		return protoErr(CodeBadMessage, "e2ee.identity_key must be %d bytes, got %d", E2EEIdentityKeySize, len(k.IdentityKey))
	case len(k.KEMKey) != E2EEKEMKeySize:
		return protoErr(CodeBadMessage, "e2ee.kem_key must be %d bytes, got %d", E2EEKEMKeySize, len(k.KEMKey))
	case len(k.Signature) != E2EESignatureSize:
		return protoErr(CodeBadMessage, "e2ee.signature must be %d bytes, got %d", E2EESignatureSize, len(k.Signature))
	}
	return nil
}

func validateLeave(p any) error {
	return checkText("reason", p.(*Leave).Reason, 0, MaxReasonBytes)
}

func validateError(p any) error {
	e := p.(*Error)
	switch {
	case e.Code == "":
		return protoErr(CodeBadMessage, "code is required")
	case e.RetryAfter < 0 || e.RetryAfter > MaxRetryAfterSeconds:
		return protoErr(CodeBadMessage, "retry_after must be 1 to %d seconds", MaxRetryAfterSeconds)
	case e.RetryAfter > 0 && e.Code != CodeRateLimited && e.Code != CodeTooManyAttempts:
		return protoErr(CodeBadMessage, "retry_after comes with rate_limited or too_many_attempts only")
	}
	return nil
}

func checkPC(pc PeerConnection) error {
	if pc != Publisher && pc != Subscriber {
		return protoErr(CodeBadMessage, "pc must be publisher or subscriber, got %q", truncate(string(pc), 32))
	}
	return nil
}

// checkText bounds a short identifier or label and refuses control
// characters, which have no business in ids and would garble logs.
func checkText(field, s string, minLen, maxLen int) error {
	switch {
	case len(s) < minLen:
		return protoErr(CodeBadMessage, "%s is required", field)
	case len(s) > maxLen:
		return protoErr(CodeBadMessage, "%s is longer than %d bytes", field, maxLen)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return protoErr(CodeBadMessage, "%s contains a control character", field)
		}
	}
	return nil
}

// normalizeJoined reads an empty waiting list as none, as the encoder
// (omitempty) writes it: "lobby": [] and no lobby are the same message.
func normalizeJoined(p any) error {
	if j := p.(*Joined); len(j.Lobby) == 0 {
		j.Lobby = nil
	}
	return nil
}
