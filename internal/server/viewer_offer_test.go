package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// quirkOffer is sendingOffer with its audio section's direction line
// replaced by media (and the session's attributes by sess, the port by
// port): offers pion would receive media from, written the ways the
// viewer gate once read as not sending.
func quirkOffer(sess, port string, media ...string) string {
	o := strings.Replace(sendingOffer, "a=sendrecv\r\n", "", 1)
	var m strings.Builder
	for _, a := range media {
		m.WriteString("a=" + a + "\r\n")
	}
	o = strings.Replace(o, "a=mid:0\r\n", "a=mid:0\r\n"+m.String(), 1)
	o = strings.Replace(o, "m=audio 9 ", "m=audio "+port+" ", 1)
	if sess != "" {
		o = strings.Replace(o, "t=0 0\r\n", "t=0 0\r\na="+sess+"\r\n", 1)
	}
	return o
}

// TestViewerCannotPublishBySDPQuirk: a viewer's offer is refused
// (role_denied) whenever pion would receive media from it, however the
// direction is written: sendrecv, sendonly, no direction at all (pion
// reads sendrecv), a session-level direction, a second direction after
// the first (pion reads the first), a bundle-only section at port 0.
// Before, the last three passed the gate, and pion applied them.
func TestViewerCannotPublishBySDPQuirk(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	e.joinRole(ctx, t, "quirks", "hana", protocol.RoleHost)
	r := e.dialRaw(ctx, t)
	r.join(e.roleToken("quirks", "vic", protocol.RoleViewer))
	for _, tc := range []struct{ name, offer string }{
		{"sendrecv", quirkOffer("", "9", "sendrecv")},
		{"sendonly", quirkOffer("", "9", "sendonly")},
		{"no direction", quirkOffer("", "9")},
		{"session-level sendonly", quirkOffer("sendonly", "9")},
		{"sendrecv then recvonly", quirkOffer("", "9", "sendrecv", "recvonly")},
		{"bundle-only at port 0", quirkOffer("", "0", "bundle-only", "sendonly")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.t = t
			r.mustSend(fmt.Sprintf(`{"v":1,"type":"offer","data":{"pc":"publisher","sdp":%q}}`, tc.offer))
			r.expectError(protocol.CodeRoleDenied)
		})
	}
	r.t = t
	r.expectOpen()
}
