package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func msg(t Type, data string) string {
	return fmt.Sprintf(`{"v":1,"type":%q,"data":%s}`, t, data)
}

func TestDecodeValid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		typ  Type
		want any
	}{
		{"join", msg(TypeJoin, `{"token":"abc.def.ghi"}`), TypeJoin, &Join{Token: "abc.def.ghi"}},
		{"add_track camera", msg(TypeAddTrack, `{"cid":"c1","kind":"video","source":"camera","name":"Front"}`), TypeAddTrack,
			&AddTrack{CID: "c1", Kind: KindVideo, Source: SourceCamera, Name: "Front"}},
		{"add_track screen audio", msg(TypeAddTrack, `{"cid":"c2","kind":"audio","source":"screen_audio"}`), TypeAddTrack,
			&AddTrack{CID: "c2", Kind: KindAudio, Source: SourceScreenAudio}},
		{"add_track microphone", msg(TypeAddTrack, `{"cid":"c3","kind":"audio","source":"microphone"}`), TypeAddTrack,
			&AddTrack{CID: "c3", Kind: KindAudio, Source: SourceMicrophone}},
		{"add_track screen", msg(TypeAddTrack, `{"cid":"c4","kind":"video","source":"screen"}`), TypeAddTrack,
			&AddTrack{CID: "c4", Kind: KindVideo, Source: SourceScreen}},
		{"offer", msg(TypeOffer, `{"pc":"publisher","sdp":"v=0\r\n"}`), TypeOffer, &SessionDescription{PC: Publisher, SDP: "v=0\r\n"}},
		{"answer", msg(TypeAnswer, `{"pc":"subscriber","sdp":"v=0\r\n"}`), TypeAnswer, &SessionDescription{PC: Subscriber, SDP: "v=0\r\n"}},
		{"candidate", msg(TypeCandidate, `{"pc":"subscriber","candidate":"candidate:1 1 udp 2130706431 192.0.2.1 7881 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}`), TypeCandidate,
			&ICECandidate{PC: Subscriber, Candidate: "candidate:1 1 udp 2130706431 192.0.2.1 7881 typ host", SDPMid: ptr("0"), SDPMLineIndex: ptr(uint16(0)), UsernameFragment: ptr("abcd")}},
		{"end of candidates", msg(TypeCandidate, `{"pc":"publisher","candidate":""}`), TypeCandidate, &ICECandidate{PC: Publisher}},
		{"mute", msg(TypeMute, `{"track_id":"TR_ABC","muted":true}`), TypeMute, &Mute{TrackID: "TR_ABC", Muted: true}},
		{"data", msg(TypeData, `{"to":["PA_1"],"topic":"chat","payload":"aGk="}`), TypeData, &Data{To: []string{"PA_1"}, Topic: "chat", Payload: []byte("hi")}},
		{"data empty to", msg(TypeData, `{"to":[],"payload":"aGk="}`), TypeData, &Data{Payload: []byte("hi")}},
		{"data max payload", msg(TypeData, fmt.Sprintf(`{"payload":%q}`, b64(MaxDataPayload))), TypeData, &Data{Payload: make([]byte, MaxDataPayload)}},
		{"leave", msg(TypeLeave, `{"reason":"left"}`), TypeLeave, &Leave{Reason: "left"}},
		{"leave without data", `{"v":1,"type":"leave"}`, TypeLeave, &Leave{}},
		{"ping", msg(TypePing, `{"t":1700000000000}`), TypePing, &Ping{T: 1700000000000}},
		{"ping null data", `{"v":1,"type":"ping","data":null}`, TypePing, &Ping{}},
		{"whitespace", " {\n\"type\":\"ping\", \"v\":1 , \"data\": {\"t\":2}}\n", TypePing, &Ping{T: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, p, err := Decode([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if typ != tt.typ || !reflect.DeepEqual(p, tt.want) {
				t.Fatalf("got %s %#v, want %s %#v", typ, p, tt.typ, tt.want)
			}
			// Encode accepts the pointer and the value alike.
			for _, payload := range []any{p, reflect.ValueOf(p).Elem().Interface()} {
				b, err := Encode(typ, payload)
				if err != nil {
					t.Fatal(err)
				}
				typ2, p2, err := Decode(b)
				if err != nil || typ2 != typ || !reflect.DeepEqual(p2, p) {
					t.Fatalf("round trip: %s %#v %v", typ2, p2, err)
				}
			}
		})
	}
}

func b64(n int) string {
	b, _ := json.Marshal(make([]byte, n))
	return strings.Trim(string(b), `"`)
}

func TestDecodeRejects(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name, in, code string
	}{
		// Envelope.
		{"too large", msg(TypeJoin, fmt.Sprintf(`{"token":%q}`, long(MaxMessageBytes))), CodeTooLarge},
		{"not json", `{"v":1,`, CodeBadMessage},
		{"empty", ``, CodeBadMessage},
		{"array", `[1]`, CodeBadMessage},
		{"trailing data", msg(TypePing, `{}`) + `{}`, CodeBadMessage},
		{"trailing garbage", msg(TypePing, `{}`) + `x`, CodeBadMessage},
		{"unknown envelope field", `{"v":1,"type":"ping","id":3}`, CodeBadMessage},
		{"envelope field case", `{"V":1,"type":"ping"}`, CodeBadMessage},
		{"envelope field repeated", `{"v":1,"type":"ping","type":"join","data":{"token":"x"}}`, CodeBadMessage},
		{"version missing", `{"type":"ping"}`, CodeUnsupportedVersion},
		{"version 2", `{"v":2,"type":"ping"}`, CodeUnsupportedVersion},
		{"version string", `{"v":"1","type":"ping"}`, CodeBadMessage},
		{"type missing", `{"v":1}`, CodeUnknownType},
		{"unknown type", `{"v":1,"type":"hack"}`, CodeUnknownType},
		{"server-only type", msg(TypeJoined, `{}`), CodeUnknownType},
		{"pong from client", msg(TypePong, `{"t":1}`), CodeUnknownType},
		{"error from client", msg(TypeError, `{"code":"x","message":"y"}`), CodeUnknownType},
		{"type case", `{"v":1,"type":"PING"}`, CodeUnknownType},
		// Payload shape.
		{"data missing", `{"v":1,"type":"join"}`, CodeBadMessage},
		{"data null", `{"v":1,"type":"join","data":null}`, CodeBadMessage},
		{"data not object", msg(TypeJoin, `"tok"`), CodeBadMessage},
		{"unknown payload field", msg(TypeJoin, `{"token":"x","room":"r"}`), CodeBadMessage},
		{"payload field case", msg(TypeJoin, `{"Token":"x"}`), CodeBadMessage},
		{"payload field repeated", msg(TypeJoin, `{"token":"x","token":"y"}`), CodeBadMessage},
		{"payload wrong type", msg(TypePing, `{"t":"now"}`), CodeBadMessage},
		{"payload trailing", `{"v":1,"type":"ping","data":{"t":1} {"t":2}}`, CodeBadMessage},
		// join.
		{"join empty token", msg(TypeJoin, `{"token":""}`), CodeBadMessage},
		{"join no token", msg(TypeJoin, `{}`), CodeBadMessage},
		{"join token too long", msg(TypeJoin, fmt.Sprintf(`{"token":%q}`, long(MaxTokenBytes+1))), CodeTokenMalformed},
		// offer / answer.
		{"offer on subscriber", msg(TypeOffer, `{"pc":"subscriber","sdp":"v=0"}`), CodeBadMessage},
		{"answer on publisher", msg(TypeAnswer, `{"pc":"publisher","sdp":"v=0"}`), CodeBadMessage},
		{"offer bad pc", msg(TypeOffer, `{"pc":"both","sdp":"v=0"}`), CodeBadMessage},
		{"offer no pc", msg(TypeOffer, `{"sdp":"v=0"}`), CodeBadMessage},
		{"offer empty sdp", msg(TypeOffer, `{"pc":"publisher","sdp":""}`), CodeBadSDP},
		{"answer sdp too long", msg(TypeAnswer, fmt.Sprintf(`{"pc":"subscriber","sdp":%q}`, long(MaxSDPBytes+1))), CodeBadSDP},
		// candidate.
		{"candidate bad pc", msg(TypeCandidate, `{"pc":"x","candidate":"c"}`), CodeBadMessage},
		{"candidate too long", msg(TypeCandidate, fmt.Sprintf(`{"pc":"publisher","candidate":%q}`, long(MaxCandidateBytes+1))), CodeBadCandidate},
		{"candidate mid too long", msg(TypeCandidate, fmt.Sprintf(`{"pc":"publisher","candidate":"c","sdpMid":%q}`, long(65))), CodeBadCandidate},
		{"candidate mline negative", msg(TypeCandidate, `{"pc":"publisher","candidate":"c","sdpMLineIndex":-1}`), CodeBadMessage},
		// add_track.
		{"add_track no cid", msg(TypeAddTrack, `{"kind":"audio","source":"microphone"}`), CodeBadMessage},
		{"add_track cid too long", msg(TypeAddTrack, fmt.Sprintf(`{"cid":%q,"kind":"audio","source":"microphone"}`, long(MaxCIDBytes+1))), CodeBadMessage},
		{"add_track cid control", msg(TypeAddTrack, `{"cid":"a\nb","kind":"audio","source":"microphone"}`), CodeBadMessage},
		{"add_track bad kind", msg(TypeAddTrack, `{"cid":"c","kind":"data","source":"microphone"}`), CodeBadMessage},
		{"add_track bad source", msg(TypeAddTrack, `{"cid":"c","kind":"video","source":"webcam"}`), CodeBadMessage},
		{"add_track no source", msg(TypeAddTrack, `{"cid":"c","kind":"video"}`), CodeBadMessage},
		{"add_track camera audio", msg(TypeAddTrack, `{"cid":"c","kind":"audio","source":"camera"}`), CodeBadMessage},
		{"add_track screen audio video", msg(TypeAddTrack, `{"cid":"c","kind":"video","source":"screen_audio"}`), CodeBadMessage},
		{"add_track microphone video", msg(TypeAddTrack, `{"cid":"c","kind":"video","source":"microphone"}`), CodeBadMessage},
		{"add_track screen audio kind", msg(TypeAddTrack, `{"cid":"c","kind":"audio","source":"screen"}`), CodeBadMessage},
		{"add_track name too long", msg(TypeAddTrack, fmt.Sprintf(`{"cid":"c","kind":"audio","source":"microphone","name":%q}`, long(MaxNameBytes+1))), CodeBadMessage},
		// mute.
		{"mute no track", msg(TypeMute, `{"muted":true}`), CodeBadMessage},
		{"mute muted not bool", msg(TypeMute, `{"track_id":"t","muted":"yes"}`), CodeBadMessage},
		// data.
		{"data payload too large", msg(TypeData, fmt.Sprintf(`{"payload":%q}`, b64(MaxDataPayload+1))), CodeTooLarge},
		{"data payload not base64", msg(TypeData, `{"payload":"***"}`), CodeBadMessage},
		{"data from spoofed", msg(TypeData, `{"from":"PA_admin","payload":"aGk="}`), CodeBadMessage},
		{"data too many recipients", msg(TypeData, fmt.Sprintf(`{"to":[%s"x"],"payload":""}`, strings.Repeat(`"x",`, MaxDataRecipients))), CodeBadMessage},
		{"data empty recipient", msg(TypeData, `{"to":[""],"payload":""}`), CodeBadMessage},
		{"data topic too long", msg(TypeData, fmt.Sprintf(`{"topic":%q,"payload":""}`, long(MaxTopicBytes+1))), CodeBadMessage},
		// leave.
		{"leave reason too long", msg(TypeLeave, fmt.Sprintf(`{"reason":%q}`, long(MaxReasonBytes+1))), CodeBadMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, p, err := Decode([]byte(tt.in))
			if err == nil {
				t.Fatalf("accepted: %s %#v", typ, p)
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ProtocolError", err, err)
			}
			if got := ErrorCode(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
			if pe.Message == "" || strings.Contains(pe.Message, "signal.") {
				t.Errorf("message %q should explain without Go type names", pe.Message)
			}
		})
	}
}

func TestDecodeServer(t *testing.T) {
	participant := `{"id":"PA_1","identity":"alice","name":"Alice","joined_at":1700000000,"permissions":{"publish":true,"subscribe":true,"publish_data":false},"tracks":[{"id":"TR_1","kind":"audio","source":"microphone","mime_type":"audio/opus","muted":false}]}`
	valid := []struct {
		name string
		in   string
		want any
	}{
		{"joined", msg(TypeJoined, `{"room":"r","participant":`+participant+`,"participants":[]}`), nil},
		{"participant_joined", msg(TypeParticipantJoined, `{"participant":`+participant+`}`), nil},
		{"participant_left", msg(TypeParticipantLeft, `{"participant_id":"PA_1","reason":"left"}`), &ParticipantLeft{ParticipantID: "PA_1", Reason: ReasonLeft}},
		{"participant_updated", msg(TypeParticipantUpdated, `{"participant":`+participant+`}`), nil},
		{"track_published", msg(TypeTrackPublished, `{"participant_id":"PA_1","track":{"id":"TR_1","kind":"video","source":"camera","mime_type":"video/VP8","muted":false}}`), nil},
		{"track_unpublished", msg(TypeTrackUnpublished, `{"participant_id":"PA_1","track_id":"TR_1"}`), &TrackUnpublished{ParticipantID: "PA_1", TrackID: "TR_1"}},
		{"offer", msg(TypeOffer, `{"pc":"subscriber","sdp":"v=0"}`), &SessionDescription{PC: Subscriber, SDP: "v=0"}},
		{"answer", msg(TypeAnswer, `{"pc":"publisher","sdp":"v=0"}`), &SessionDescription{PC: Publisher, SDP: "v=0"}},
		{"candidate", msg(TypeCandidate, `{"pc":"publisher","candidate":"c"}`), &ICECandidate{PC: Publisher, Candidate: "c"}},
		{"mute", msg(TypeMute, `{"track_id":"TR_1","muted":true}`), &Mute{TrackID: "TR_1", Muted: true}},
		{"data", msg(TypeData, `{"from":"PA_2","payload":"aGk="}`), &Data{From: "PA_2", Payload: []byte("hi")}},
		{"leave", msg(TypeLeave, `{"reason":"removed"}`), &Leave{Reason: ReasonRemoved}},
		{"pong", msg(TypePong, `{"t":5}`), &Pong{T: 5}},
		{"error", msg(TypeError, `{"code":"rate_limited","message":"slow down"}`), &Error{Code: CodeRateLimited, Message: "slow down"}},
		{"error with retry_after", msg(TypeError, `{"code":"rate_limited","message":"wait","retry_after":3}`), &Error{Code: CodeRateLimited, Message: "wait", RetryAfter: 3}},
		{"too_many_attempts with retry_after", msg(TypeError, `{"code":"too_many_attempts","message":"wait","retry_after":86400}`), &Error{Code: CodeTooManyAttempts, Message: "wait", RetryAfter: MaxRetryAfterSeconds}},
		{"error with retry_after 0", msg(TypeError, `{"code":"rate_limited","message":"x","retry_after":0}`), &Error{Code: CodeRateLimited, Message: "x"}},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			typ, p, err := DecodeServer([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil && !reflect.DeepEqual(p, tt.want) {
				t.Fatalf("got %#v, want %#v", p, tt.want)
			}
			b, err := Encode(typ, p)
			if err != nil {
				t.Fatal(err)
			}
			if _, p2, err := DecodeServer(b); err != nil || !reflect.DeepEqual(p2, p) {
				t.Fatalf("round trip: %#v %v", p2, err)
			}
		})
	}

	rejects := []struct{ name, in, code string }{
		{"client-only type", msg(TypeJoin, `{"token":"x"}`), CodeUnknownType},
		{"ping", msg(TypePing, `{"t":1}`), CodeUnknownType},
		{"version", `{"v":0,"type":"pong"}`, CodeUnsupportedVersion},
		{"offer on publisher", msg(TypeOffer, `{"pc":"publisher","sdp":"v=0"}`), CodeBadMessage},
		{"answer on subscriber", msg(TypeAnswer, `{"pc":"subscriber","sdp":"v=0"}`), CodeBadMessage},
		{"nested unknown field", msg(TypeParticipantJoined, `{"participant":{"id":"x","evil":1}}`), CodeBadMessage},
		{"nested field case", msg(TypeTrackPublished, `{"participant_id":"x","track":{"ID":"y"}}`), CodeBadMessage},
		{"nested repeated field", msg(TypeJoined, `{"room":"r","participant":{"id":"a","id":"b"},"participants":[]}`), CodeBadMessage},
		{"field repeated in list", msg(TypeJoined, `{"room":"r","participant":{},"participants":[{"tracks":[{"id":"a","id":"b"}]}]}`), CodeBadMessage},
		{"error without code", msg(TypeError, `{"message":"x"}`), CodeBadMessage},
		{"negative retry_after", msg(TypeError, `{"code":"rate_limited","message":"x","retry_after":-1}`), CodeBadMessage},
		{"retry_after over a day", msg(TypeError, `{"code":"rate_limited","message":"x","retry_after":86401}`), CodeBadMessage},
		{"fractional retry_after", msg(TypeError, `{"code":"rate_limited","message":"x","retry_after":1.5}`), CodeBadMessage},
		{"string retry_after", msg(TypeError, `{"code":"rate_limited","message":"x","retry_after":"3"}`), CodeBadMessage},
		{"retry_after with another code", msg(TypeError, `{"code":"room_full","message":"x","retry_after":3}`), CodeBadMessage},
		{"too large", msg(TypeData, fmt.Sprintf(`{"payload":%q}`, b64(MaxServerMessageBytes))), CodeTooLarge},
	}
	for _, tt := range rejects {
		t.Run("reject "+tt.name, func(t *testing.T) {
			_, p, err := DecodeServer([]byte(tt.in))
			if got := ErrorCode(err); got != tt.code {
				t.Fatalf("code %q (%v, %#v), want %q", got, err, p, tt.code)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	b, err := Encode(TypeLeave, Leave{Reason: ReasonServerShutdown})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"v":1,"type":"leave","data":{"reason":"server_shutdown"}}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	b, err = Encode(TypeOffer, &SessionDescription{PC: Subscriber, SDP: "a=<&>"})
	if err != nil || !strings.Contains(string(b), `"a=<&>"`) {
		t.Errorf("SDP escaped or error: %s %v", b, err)
	}
	if b, err = Encode(TypePong, nil); err != nil || string(b) != `{"v":1,"type":"pong"}` {
		t.Errorf("no payload: %s %v", b, err)
	}
	for _, bad := range []struct {
		t Type
		p any
	}{{TypeJoin, Leave{}}, {TypeOffer, &Join{}}, {"nope", Ping{}}, {TypeError, "text"}} {
		if _, err := Encode(bad.t, bad.p); err == nil {
			t.Errorf("Encode(%s, %T) accepted", bad.t, bad.p)
		}
	}
}

func TestErrorCode(t *testing.T) {
	pe := &ProtocolError{Code: CodeRoomFull, Message: "full"}
	for err, want := range map[error]string{
		nil:                           "",
		pe:                            CodeRoomFull,
		fmt.Errorf("wrapped: %w", pe): CodeRoomFull,
		errors.New("something else"):  CodeInternal,
	} {
		if got := ErrorCode(err); got != want {
			t.Errorf("ErrorCode(%v) = %q, want %q", err, got, want)
		}
	}
	if w := pe.Wire(); w != (Error{Code: CodeRoomFull, Message: "full"}) {
		t.Errorf("Wire() = %+v", w)
	}
}

func BenchmarkDecodeOffer(b *testing.B) {
	in := []byte(msg(TypeOffer, fmt.Sprintf(`{"pc":"publisher","sdp":%q}`, strings.Repeat("a=candidate:1 1 udp 1 192.0.2.1 1 typ host\r\n", 200))))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

// TestProtocolDocExamples keeps docs/protocol.md honest: every JSON example
// must decode in at least one direction, and every message type must have one.
func TestProtocolDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal("docs/protocol.md:", err)
	}
	seen := map[Type]bool{}
	blocks := strings.Split(string(doc), "```json\n")
	for _, block := range blocks[1:] {
		example, _, _ := strings.Cut(block, "```")
		typ, _, errC := Decode([]byte(example))
		if errC != nil {
			var errS error
			if typ, _, errS = DecodeServer([]byte(example)); errS != nil {
				t.Errorf("example does not decode (client: %v; server: %v):\n%s", errC, errS, example)
				continue
			}
		}
		seen[typ] = true
	}
	for _, typ := range []Type{
		TypeJoin, TypeAddTrack, TypeLeave, TypePing, TypeJoined, TypeParticipantJoined, TypeParticipantLeft,
		TypeParticipantUpdated, TypeTrackPublished, TypeTrackUnpublished, TypePong, TypeError,
		TypeOffer, TypeAnswer, TypeCandidate, TypeMute, TypeData, TypeUnmuteRequest,
		TypeLobby, TypeLobbyGuest, TypeLobbyGuestLeft, TypeAdmitGuest, TypeDenyGuest, TypeSetPassword,
		TypeSetLobby, TypeLobbyChanged, TypeE2EEIdentityChanged,
	} {
		if !seen[typ] {
			t.Errorf("docs/protocol.md has no valid example of %s", typ)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for _, tt := range []struct {
		wait time.Duration
		want int64
	}{
		{0, 0},
		{-time.Second, 0},
		{time.Nanosecond, 1},
		{time.Second, 1},
		{time.Second + time.Millisecond, 2},
		{2999 * time.Millisecond, 3},
		{MaxRetryAfterSeconds * time.Second, MaxRetryAfterSeconds},
		{1 << 62, MaxRetryAfterSeconds},
	} {
		if got := RetryAfterSeconds(tt.wait); got != tt.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tt.wait, got, tt.want)
		}
	}
}
