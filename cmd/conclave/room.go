package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/conclave-video/conclave/token"
)

const roomUsage = `Usage:
  conclave room create NAME [--max-participants N] [--empty-timeout 5m] [--e2ee required|off]
                            [--max-duration 2h] [--lobby on|off] [--invite-only] [--password-stdin]
  conclave room list
  conclave room get NAME
  conclave room delete NAME
  conclave room participants NAME
  conclave room remove NAME IDENTITY
  conclave room mute NAME IDENTITY TRACK_ID [--unmute]
  conclave room lock NAME [--unlock]
  conclave room password NAME (--password-stdin | --clear)
  conclave room ban NAME IDENTITY [--duration 24h] [--reason TEXT] [--revoke-invite]
  conclave room end NAME
Common flags: --data DIR, --credentials FILE, --url URL, --json
`

// roomStdin is where --password-stdin reads the room password.
var roomStdin io.Reader = os.Stdin

// runRoom wraps the server API's room endpoints. It signs a one-minute
// admin token with the CLI credentials for each call.
func runRoom(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, roomUsage)
		return usageError{"room: no subcommand given"}
	}
	sub := args[0]
	fs := flag.NewFlagSet("room "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./conclave-data", "data `directory`: credentials and the server's certificate")
	credsPath := fs.String("credentials", "", "credentials `file` (default DIR/credentials.json)")
	baseURL := fs.String("url", "", "server `URL` (default: the one in the credentials file)")
	asJSON := fs.Bool("json", false, "print the server's JSON")
	maxParticipants := fs.Int("max-participants", 0, "room capacity (create)")
	emptyTimeout := fs.Duration("empty-timeout", 0, "close the room after it is empty this long (create)")
	e2ee := fs.String("e2ee", "", "`required` or off: end-to-end encryption (create; default: the server's rooms.e2ee)")
	unmute := fs.Bool("unmute", false, "unmute instead of mute (mute)")
	maxDuration := fs.Duration("max-duration", 0, "end the meeting this long after it was created (create)")
	lobby := fs.String("lobby", "", "`on` or off: guests wait until a host admits them (create)")
	inviteOnly := fs.Bool("invite-only", false, "admit only the owner's hosts and invite guests (create)")
	passwordStdin := fs.Bool("password-stdin", false, "read the room password from one line of standard input (create, password)")
	clearPassword := fs.Bool("clear", false, "remove the room password (password)")
	unlock := fs.Bool("unlock", false, "unlock instead of lock (lock)")
	banFor := fs.Duration("duration", 0, "how long the ban lasts, at most a year; 0: the room's life (ban)")
	reason := fs.String("reason", "", "why, kept with the ban (ban)")
	revokeInvite := fs.Bool("revoke-invite", false, "also revoke the invite link the banned guest came with (ban)")
	if err := fs.Parse(reorderFlags(fs, args[1:])); err != nil {
		return err
	}
	pos := fs.Args()
	want := map[string]int{"create": 1, "list": 0, "get": 1, "delete": 1, "participants": 1, "remove": 2, "mute": 3,
		"lock": 1, "password": 1, "ban": 2, "end": 1}
	n, ok := want[sub]
	if !ok {
		fmt.Fprint(stderr, roomUsage)
		return usageError{fmt.Sprintf("room: unknown subcommand %q", sub)}
	}
	if len(pos) != n {
		fmt.Fprint(stderr, roomUsage)
		return usageError{fmt.Sprintf("room %s: want %d argument(s), got %d", sub, n, len(pos))}
	}

	if sub == "password" && *passwordStdin == *clearPassword {
		fmt.Fprint(stderr, roomUsage)
		return usageError{"room password: give --password-stdin or --clear"}
	}
	var password string
	if *passwordStdin {
		p, err := readPasswordLine(roomStdin)
		if err != nil {
			return err
		}
		password = p
	}

	if *credsPath == "" {
		*credsPath = filepath.Join(*data, "credentials.json")
	}
	creds, key, err := token.LoadCredentials(*credsPath)
	if err != nil {
		return err
	}
	if *baseURL == "" {
		*baseURL = creds.URL
	}
	if *baseURL == "" {
		return usageError{"room: no server URL: pass --url or put one in the credentials file"}
	}
	c, err := newAPIClient(*baseURL, *data, key)
	if err != nil {
		return err
	}

	esc := url.PathEscape
	var (
		method, path string
		body         any
		grants       token.Grants
		room         string
	)
	switch sub {
	case "create":
		method, path, room = http.MethodPost, "/v1/rooms", pos[0]
		b := map[string]any{"name": pos[0], "max_participants": *maxParticipants, "empty_timeout": int64(emptyTimeout.Seconds())}
		if *e2ee != "" {
			b["e2ee"] = *e2ee // the server says what it accepts
		}
		if *lobby != "" {
			b["lobby"] = *lobby
		}
		if *maxDuration != 0 {
			b["max_duration"] = int64(maxDuration.Seconds())
		}
		if *inviteOnly {
			b["invite_only"] = true
		}
		if *passwordStdin {
			b["password"] = password
		}
		body = b
		grants.RoomCreate = true
	case "list":
		method, path = http.MethodGet, "/v1/rooms"
		grants.RoomList = true
	case "get":
		method, path, room = http.MethodGet, "/v1/rooms/"+esc(pos[0]), pos[0]
		grants.RoomAdmin = true
	case "delete":
		method, path, room = http.MethodDelete, "/v1/rooms/"+esc(pos[0]), pos[0]
		grants.RoomAdmin = true
	case "participants":
		method, path, room = http.MethodGet, "/v1/rooms/"+esc(pos[0])+"/participants", pos[0]
		grants.RoomAdmin = true
	case "remove":
		method, path, room = http.MethodDelete, "/v1/rooms/"+esc(pos[0])+"/participants/"+esc(pos[1]), pos[0]
		grants.RoomAdmin = true
	case "mute":
		method, path, room = http.MethodPost, "/v1/rooms/"+esc(pos[0])+"/participants/"+esc(pos[1])+"/tracks/"+esc(pos[2])+"/mute", pos[0]
		body = map[string]bool{"muted": !*unmute}
		grants.RoomAdmin = true
	case "lock":
		method, path, room = http.MethodPost, "/v1/rooms/"+esc(pos[0])+"/lock", pos[0]
		body = map[string]bool{"locked": !*unlock}
		grants.RoomAdmin = true
	case "password":
		method, path, room = http.MethodPost, "/v1/rooms/"+esc(pos[0])+"/password", pos[0]
		body = map[string]string{"password": password} // "" with --clear
		grants.RoomAdmin = true
	case "ban":
		method, path, room = http.MethodPost, "/v1/rooms/"+esc(pos[0])+"/bans", pos[0]
		b := map[string]any{"identity": pos[1], "duration": int64(banFor.Seconds())}
		if *reason != "" {
			b["reason"] = *reason
		}
		if *revokeInvite {
			b["revoke_invite"] = true
		}
		body = b
		grants.RoomAdmin = true
	case "end":
		method, path, room = http.MethodPost, "/v1/rooms/"+esc(pos[0])+"/end", pos[0]
		grants.RoomAdmin = true
	}
	out, err := c.do(ctx, method, path, room, grants, body)
	if err != nil {
		return err
	}
	if *asJSON {
		_, err := stdout.Write(out)
		return err
	}
	return printRoomResult(stdout, sub, out, pos)
}

// reorderFlags lets flags follow positional arguments ("room create NAME
// --max-participants 5"). A flag takes the next argument as its value
// unless fs defines it as a boolean flag or it carries "=value".
func reorderFlags(fs *flag.FlagSet, args []string) []string {
	isBool := func(a string) bool {
		f := fs.Lookup(strings.TrimLeft(a, "-"))
		if f == nil {
			return false // fs.Parse says it is unknown
		}
		b, ok := f.Value.(interface{ IsBoolFlag() bool })
		return ok && b.IsBoolFlag()
	}
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			if !strings.Contains(a, "=") && !isBool(a) && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

type apiClient struct {
	base string
	key  token.Key
	http *http.Client
}

// newAPIClient trusts the system roots plus the data directory's
// self-signed certificate, so the CLI works against a --dev server without
// turning verification off.
func newAPIClient(base, dataDir string, key token.Key) (*apiClient, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, usageError{fmt.Sprintf("room: server URL must be https://HOST[:PORT], got %q", base)}
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if pem, err := os.ReadFile(filepath.Join(dataDir, "tls", "cert.pem")); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	return &apiClient{
		base: strings.TrimRight(base, "/"),
		key:  key,
		http: &http.Client{
			Timeout:   15 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
		},
	}, nil
}

// apiError is an error answer from the server API.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("server: %s (%d): %s", e.Code, e.Status, e.Message)
}

func (c *apiClient) do(ctx context.Context, method, path, room string, grants token.Grants, body any) ([]byte, error) {
	jwt, err := c.key.Mint(token.Options{Identity: "conclave-cli", Room: room, TTL: time.Minute, Grants: grants})
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+jwt)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.Unmarshal(out, &e)
		return nil, &apiError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	return out, nil
}

type roomJSON struct {
	Name            string    `json:"name"`
	MaxParticipants int       `json:"max_participants"`
	EmptyTimeout    int64     `json:"empty_timeout"`
	CreatedAt       time.Time `json:"created_at"`
	NumParticipants int       `json:"num_participants"`
	E2EE            string    `json:"e2ee"`
	Locked          bool      `json:"locked"`
	MaxDuration     int64     `json:"max_duration"`
	Password        bool      `json:"password"`
	Lobby           bool      `json:"lobby"`
	LobbyWaiting    int       `json:"lobby_waiting"`
	InviteOnly      bool      `json:"invite_only"`
}

type participantJSON struct {
	ID       string `json:"id"`
	Identity string `json:"identity"`
	Name     string `json:"name"`
	Tracks   []struct {
		ID     string `json:"id"`
		Kind   string `json:"kind"`
		Source string `json:"source"`
		Muted  bool   `json:"muted"`
	} `json:"tracks"`
}

func printRoomResult(w io.Writer, sub string, out []byte, pos []string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	switch sub {
	case "create", "get":
		var r roomJSON
		if err := json.Unmarshal(out, &r); err != nil {
			return err
		}
		fmt.Fprintf(tw, "name\t%s\nmax participants\t%d\nempty timeout\t%s\ne2ee\t%s\nparticipants\t%d\ncreated\t%s\n",
			r.Name, r.MaxParticipants, time.Duration(r.EmptyTimeout)*time.Second, r.E2EE, r.NumParticipants, r.CreatedAt.Format(time.RFC3339))
		maxDuration := "none"
		if r.MaxDuration > 0 {
			maxDuration = (time.Duration(r.MaxDuration) * time.Second).String()
		}
		fmt.Fprintf(tw, "max duration\t%s\nlocked\t%s\npassword\t%s\nlobby\t%s (%d waiting)\ninvite only\t%s\n",
			maxDuration, yesNo(r.Locked), yesNo(r.Password), onOff(r.Lobby), r.LobbyWaiting, yesNo(r.InviteOnly))
	case "list":
		var l struct{ Rooms []roomJSON }
		if err := json.Unmarshal(out, &l); err != nil {
			return err
		}
		fmt.Fprintln(tw, "NAME\tPARTICIPANTS\tMAX\tE2EE\tCREATED")
		for _, r := range l.Rooms {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", r.Name, r.NumParticipants, r.MaxParticipants, r.E2EE, r.CreatedAt.Format(time.RFC3339))
		}
	case "participants":
		var l struct{ Participants []participantJSON }
		if err := json.Unmarshal(out, &l); err != nil {
			return err
		}
		fmt.Fprintln(tw, "IDENTITY\tNAME\tID\tTRACKS")
		for _, p := range l.Participants {
			var ts []string
			for _, t := range p.Tracks {
				s := t.ID + " (" + t.Source
				if t.Muted {
					s += ", muted"
				}
				ts = append(ts, s+")")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Identity, p.Name, p.ID, strings.Join(ts, ", "))
		}
	case "delete":
		fmt.Fprintf(tw, "room %s deleted; its participants were disconnected\n", pos[0])
	case "remove":
		fmt.Fprintf(tw, "%s removed from room %s\n", pos[1], pos[0])
	case "lock":
		var r struct{ Locked bool }
		if err := json.Unmarshal(out, &r); err != nil {
			return err
		}
		state := "unlocked: it admits newcomers again"
		if r.Locked {
			state = "locked: it admits nobody new"
		}
		fmt.Fprintf(tw, "room %s is %s\n", pos[0], state)
	case "password":
		var r struct{ Password bool }
		if err := json.Unmarshal(out, &r); err != nil {
			return err
		}
		state := "has no password"
		if r.Password {
			state = "has a password: guests give it to join"
		}
		fmt.Fprintf(tw, "room %s %s\n", pos[0], state)
	case "ban":
		var b struct {
			Until *time.Time `json:"until"`
		}
		if err := json.Unmarshal(out, &b); err != nil {
			return err
		}
		until := "for the room's life"
		if b.Until != nil {
			until = "until " + b.Until.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s banned from room %s %s\n", pos[1], pos[0], until)
	case "end":
		fmt.Fprintf(tw, "the meeting in room %s ended; everyone was disconnected\n", pos[0])
	case "mute":
		var t struct{ Muted bool }
		if err := json.Unmarshal(out, &t); err != nil {
			return err
		}
		state := "unmuted"
		if t.Muted {
			state = "muted"
		}
		fmt.Fprintf(tw, "track %s of %s in room %s is %s\n", pos[2], pos[1], pos[0], state)
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
