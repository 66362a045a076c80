package protocol

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

var clientSeeds = []string{
	`{"v":1,"type":"join","data":{"token":"eyJhbGciOiJFZERTQSJ9.e30.sig"}}`,
	`{"v":1,"type":"add_track","data":{"cid":"c1","kind":"video","source":"camera","name":"Front"}}`,
	`{"v":1,"type":"add_track","data":{"cid":"c2","kind":"audio","source":"screen_audio"}}`,
	`{"v":1,"type":"offer","data":{"pc":"publisher","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}}`,
	`{"v":1,"type":"answer","data":{"pc":"subscriber","sdp":"v=0\r\n"}}`,
	`{"v":1,"type":"candidate","data":{"pc":"publisher","candidate":"candidate:1 1 udp 2130706431 192.0.2.1 7881 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}}`,
	`{"v":1,"type":"candidate","data":{"pc":"subscriber","candidate":""}}`,
	`{"v":1,"type":"mute","data":{"track_id":"TR_ABC","muted":true}}`,
	`{"v":1,"type":"data","data":{"to":["PA_1","PA_2"],"topic":"chat","payload":"aGVsbG8="}}`,
	`{"v":1,"type":"leave","data":{"reason":"left"}}`,
	`{"v":1,"type":"leave"}`,
	`{"v":1,"type":"ping","data":{"t":1700000000000}}`,
	`{"v":1,"type":"join","data":{"token":"a","token":"b"}}`,
	`{"v":1,"type":"mute_track","data":{"participant_id":"PA_1","track_id":"TR_1","muted":true}}`,
	`{"v":1,"type":"remove_participant","data":{"participant_id":"PA_1"}}`,
	`{"v":1,"type":"remove_participant","data":{"participant_id":"PA_1","ban":{"duration":3600,"reason":"spam"}}}`,
	`{"v":1,"type":"set_role","data":{"participant_id":"PA_1","role":"viewer"}}`,
	`{"v":1,"type":"set_role","data":{"participant_id":"PA_1","role":"owner"}}`,
	`{"v":1,"type":"lock_meeting","data":{"locked":true}}`,
	`{"v":1,"type":"end_meeting"}`,
	`{"v":1,"type":"e2ee_identity_changed","data":{"identity":"bob","identity_key":"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="}}`,
	`{"v":1,"type":"e2ee_identity_changed","data":{"identity":"","identity_key":"AQID"}}`,
	`{"v":1,"type":"join","data":{"token":"eyJhbGciOiJFZERTQSJ9.e30.sig","password":"correct horse"}}`,
	`{"v":1,"type":"join","data":{"token":"t","password":"short"}}`,
	`{"v":1,"type":"admit_guest","data":{"id":"LB_1"}}`,
	`{"v":1,"type":"admit_guest","data":{"all":true}}`,
	`{"v":1,"type":"deny_guest","data":{"id":"LB_1","all":true}}`,
	`{"v":1,"type":"set_password","data":{"password":"correct horse"}}`,
	`{"v":1,"type":"set_password","data":{"password":""}}`,
	`{"v":1,"type":"join","data":{"token":"t","password":"eight\u0000ch"}}`,
	`{"v":1,"type":"join","data":{"token":"t","password":"caf\u00e9 au lait \u2028"}}`,
	`{"v":1,"type":"join","data":{"token":"t","password":"` + strings.Repeat("p", MaxRoomPasswordBytes+1) + `"}}`,
	`{"v":1,"type":"join","data":{"token":"t","resume":{"participant_id":"PA_1","secret":"s"},"password":"correct horse"}}`,
	`{"v":1,"type":"admit_guest","data":{}}`,
	`{"v":1,"type":"admit_guest"}`,
	`{"v":1,"type":"admit_guest","data":{"id":"","all":false}}`,
	`{"v":1,"type":"admit_guest","data":{"id":"` + strings.Repeat("L", MaxIDBytes+1) + `"}}`,
	`{"v":1,"type":"deny_guest","data":{"all":true}}`,
	`{"v":1,"type":"deny_guest","data":{"id":"LB_1","id":"LB_2"}}`,
	`{"v":1,"type":"set_password","data":{"password":"` + strings.Repeat("\u00e9", 64) + `"}}`,
	`{"v":1,"type":"set_password","data":{"password":"` + strings.Repeat("\u00e9", 65) + `"}}`,
	`{"v":1,"type":"set_password","data":{"password":"abcdefg\u0085"}}`,
	`{"v":1,"type":"set_password","data":{"password":null}}`,
	`{"v":1,"type":"set_lobby","data":{"on":true}}`,
	`{"v":1,"type":"set_lobby","data":{"on":false}}`,
	`{"v":1,"type":"set_lobby","data":{}}`,
	`{"v":1,"type":"set_lobby","data":{"on":null}}`,
	`{"v":1,"type":"set_lobby","data":{"on":"on"}}`,
	`{"v":1,"type":"set_lobby"}`,
	`{"v":2,"type":"ping"}`,
}

var serverSeeds = []string{
	`{"v":1,"type":"joined","data":{"room":"r","participant":{"id":"PA_1","identity":"alice","joined_at":1,"permissions":{"publish":true,"subscribe":true,"publish_data":true},"tracks":[]},"participants":[{"id":"PA_2","identity":"bob","joined_at":2,"permissions":{"publish":false,"subscribe":true,"publish_data":false},"tracks":[{"id":"TR_1","kind":"audio","source":"microphone","mime_type":"audio/opus","muted":false}]}]}}`,
	`{"v":1,"type":"participant_joined","data":{"participant":{"id":"PA_2","identity":"bob","joined_at":2,"permissions":{"publish":true,"subscribe":true,"publish_data":true},"tracks":null}}}`,
	`{"v":1,"type":"participant_left","data":{"participant_id":"PA_2","reason":"connection_lost"}}`,
	`{"v":1,"type":"participant_updated","data":{"participant":{"id":"PA_2","identity":"bob","name":"Bob","joined_at":2,"permissions":{"publish":true,"subscribe":true,"publish_data":true},"tracks":[]}}}`,
	`{"v":1,"type":"track_published","data":{"participant_id":"PA_2","track":{"id":"TR_1","kind":"video","source":"screen","name":"Slides","mime_type":"video/VP8","muted":false}}}`,
	`{"v":1,"type":"track_unpublished","data":{"participant_id":"PA_2","track_id":"TR_1"}}`,
	`{"v":1,"type":"offer","data":{"pc":"subscriber","sdp":"v=0\r\n"}}`,
	`{"v":1,"type":"answer","data":{"pc":"publisher","sdp":"v=0\r\n"}}`,
	`{"v":1,"type":"candidate","data":{"pc":"subscriber","candidate":"candidate:2 1 tcp 1 192.0.2.1 7881 typ host tcptype passive"}}`,
	`{"v":1,"type":"mute","data":{"track_id":"TR_1","muted":true}}`,
	`{"v":1,"type":"data","data":{"from":"PA_2","topic":"chat","payload":"aGk="}}`,
	`{"v":1,"type":"leave","data":{"reason":"server_shutdown"}}`,
	`{"v":1,"type":"pong","data":{"t":7}}`,
	`{"v":1,"type":"error","data":{"code":"rate_limited","message":"too many messages"}}`,
	`{"v":1,"type":"error","data":{"code":"rate_limited","message":"too many joins with this identity; try again in 3 s","retry_after":3}}`,
	`{"v":1,"type":"error","data":{"code":"too_many_attempts","message":"too many wrong passwords","retry_after":86400}}`,
	`{"v":1,"type":"error","data":{"code":"room_full","message":"x","retry_after":-1}}`,
	`{"v":1,"type":"role_changed","data":{"participant":{"id":"PA_2","identity":"bob","joined_at":2,"role":"viewer","permissions":{"publish":false,"subscribe":true,"publish_data":false},"tracks":[]},"by":"PA_1"}}`,
	`{"v":1,"type":"lock_changed","data":{"locked":true,"by":"PA_1"}}`,
	`{"v":1,"type":"lobby_changed","data":{"on":true,"by":"PA_1"}}`,
	`{"v":1,"type":"lobby_changed","data":{"on":false}}`,
	`{"v":1,"type":"meeting_ending","data":{"ends_at":1767229200,"seconds_left":300}}`,
	`{"v":1,"type":"lobby","data":{"status":"waiting_for_host","position":1}}`,
	`{"v":1,"type":"lobby_guest","data":{"guest":{"id":"LB_1","identity":"g","name":"Guest","invite":true,"since":1}}}`,
	`{"v":1,"type":"lobby_guest_left","data":{"id":"LB_1","reason":"admitted"}}`,
	`{"v":1,"type":"lobby","data":{"status":"waiting","position":0}}`,
	`{"v":1,"type":"lobby_guest","data":{"guest":{"id":"LB_2","identity":"h","since":-1}}}`,
	`{"v":1,"type":"lobby_guest_left","data":{"id":"","reason":""}}`,
	`{"v":1,"type":"joined","data":{"room":"r","participant":{"id":"PA_1","identity":"host","joined_at":1,"role":"host","permissions":{"publish":true,"subscribe":true,"publish_data":true,"admit":true},"tracks":[]},"participants":[],"lobby":[{"id":"LB_1","identity":"g","name":"Gail","invite":true,"since":1},{"id":"LB_2","identity":"w","since":2}]}}`,
}

// fuzzDecode checks the properties both decoders must have: errors are
// always protocol errors, and whatever decodes survives Encode and decodes
// to the same value. The round trip skips the size limit, because a value
// may legitimately re-encode larger (U+2028 is escaped on output).
func fuzzDecode(t *testing.T, b []byte, decodeFn func([]byte) (Type, any, error),
	spec func(Type) (payloadSpec, bool)) {
	typ, p, err := decodeFn(b)
	if err != nil {
		var pe *ProtocolError
		if !errors.As(err, &pe) || pe.Code == "" {
			t.Fatalf("error %v is not a coded *ProtocolError", err)
		}
		if p != nil || typ != "" {
			t.Fatalf("error with a result: %s %#v", typ, p)
		}
		return
	}
	out, err := Encode(typ, p)
	if err != nil {
		t.Fatalf("re-encode %s %#v: %v", typ, p, err)
	}
	typ2, p2, err := decode(out, 1<<30, spec)
	if err != nil {
		t.Fatalf("re-decode of %s: %v", out, err)
	}
	if typ2 != typ || !reflect.DeepEqual(p2, p) {
		t.Fatalf("round trip changed the message:\n in  %#v\n out %#v", p, p2)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range clientSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { fuzzDecode(t, b, Decode, clientSpec) })
}

func FuzzDecodeServer(f *testing.F) {
	for _, s := range serverSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { fuzzDecode(t, b, DecodeServer, serverSpec) })
}
