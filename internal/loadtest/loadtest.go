// Package loadtest drives a Conclave server with many Go clients (publishers
// sending VP8 and Opus, subscriber-only participants counting what arrives)
// and reports throughput, loss, join times (to the first media packet and,
// for subscribers that decrypt, to the first complete key frame) and the
// server's CPU and memory cost per forwarded packet and per subscriber.
// `conclave loadtest` is its command line.
package loadtest

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/client/media"
	"github.com/conclave-video/conclave/internal/udpbatch"
	"github.com/conclave-video/conclave/pionlog"
)

// TokenFunc mints a join token for identity in room; publishers get publish
// grants, subscribers subscribe only.
type TokenFunc func(room, identity string, publisher bool) (string, error)

// Config describes a run.
type Config struct {
	URL         string
	Rooms       int
	Publishers  int // per room
	Subscribers int // per room
	// Decrypting is how many of each room's subscribers decrypt their
	// media through pion (and so can time the first complete key frame);
	// the others count SRTP at their socket. Zero means one.
	Decrypting int
	// Duration is the length of the measured steady window, after the
	// ramp-up and a short settling time.
	Duration time.Duration
	// Ramp spreads the subscribers' joins over this long.
	Ramp time.Duration
	// VideoBitrate, if > 0, replaces the VP8 clip with generated frames
	// of this bitrate (not decodable; fine for an SFU).
	VideoBitrate int
	AudioOnly    bool
	// MediaDir holds video.ivf and audio.ogg (testdata/media). Missing
	// files fall back to generated frames.
	MediaDir   string
	TLS        *tls.Config
	MetricsURL string // empty: no server metrics
	Token      TokenFunc
	// CreateRoom, if set, creates each room before anyone joins, with room
	// for everyone the run puts in it.
	CreateRoom func(ctx context.Context, name string, capacity int) error
	RunID      string // makes room and identity names unique
	Logger     *slog.Logger
}

// settle is how long to wait after the last join before measuring, so
// subscribers have their first key frame.
const settle = 2 * time.Second

type player interface {
	Play(ctx context.Context, w media.SampleWriter) error
}

type run struct {
	cfg      Config
	log      *slog.Logger
	progress io.Writer
	tracks   registry
	joins    joinTimes
	failed   atomic.Int64
	dropped  atomic.Int64
	pubs     atomic.Int64
	subs     atomic.Int64
	decrypt  atomic.Int64 // decrypting subscribers connected
	video    *keyframeLoop
	audio    player

	// Each subscriber has one UDP socket (its own 5-tuple: the server
	// tells ICE sessions apart by remote address) and runs no
	// interceptors: the tester must cost far less than the server.
	// Counting subscribers' sockets are drained by poller.
	subAddr *net.UDPAddr
	sockets []io.Closer
	poller  *poller

	mu      sync.Mutex
	clients []*client.Client
}

// Run executes a load test and returns its report. Progress goes to
// progress.
func Run(ctx context.Context, cfg Config, progress io.Writer) (Report, error) {
	if cfg.Rooms <= 0 || cfg.Publishers < 0 || cfg.Subscribers < 0 || cfg.Duration <= 0 || cfg.Token == nil {
		return Report{}, errors.New("loadtest: rooms, duration and a token function are required")
	}
	r := &run{cfg: cfg, log: cfg.Logger, progress: progress}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if err := r.loadMedia(ctx); err != nil {
		return Report{}, err
	}
	if err := r.localAddr(); err != nil {
		return Report{}, err
	}
	r.poller = newPoller(pollInterval)
	defer r.closeSockets()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer r.leaveAll()
	if cfg.CreateRoom != nil {
		for room := 0; room < cfg.Rooms; room++ {
			if err := cfg.CreateRoom(ctx, r.roomName(room), cfg.Publishers+cfg.Subscribers); err != nil {
				return Report{}, fmt.Errorf("loadtest: create room: %w", err)
			}
		}
	}

	var httpc *http.Client
	scrape := func(what string) *Sample {
		if cfg.MetricsURL == "" {
			return nil
		}
		if httpc == nil {
			httpc = &http.Client{}
		}
		s, err := Scrape(ctx, httpc, cfg.MetricsURL)
		if err != nil {
			fmt.Fprintf(progress, "metrics (%s): %v\n", what, err)
			return nil
		}
		return &s
	}

	fmt.Fprintf(progress, "connecting %d publishers in %d rooms\n", cfg.Rooms*cfg.Publishers, cfg.Rooms)
	var wg sync.WaitGroup
	for room := 0; room < cfg.Rooms; room++ {
		for i := 0; i < cfg.Publishers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := r.publisher(ctx, room, i); err != nil {
					r.failed.Add(1)
					fmt.Fprintf(progress, "publisher %d/%d: %v\n", room, i, err)
				}
			}()
		}
	}
	wg.Wait()
	if err := sleep(ctx, time.Second); err != nil {
		return Report{}, err
	}
	baseline := scrape("baseline")

	total := cfg.Rooms * cfg.Subscribers
	fmt.Fprintf(progress, "connecting %d subscribers over %s\n", total, cfg.Ramp)
	var gap time.Duration
	if total > 0 {
		gap = cfg.Ramp / time.Duration(total)
	}
	next := time.Now()
	for n := 0; n < total; n++ {
		if err := sleep(ctx, time.Until(next)); err != nil {
			return Report{}, err
		}
		next = next.Add(gap)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.subscriber(ctx, n%cfg.Rooms, n/cfg.Rooms); err != nil {
				r.failed.Add(1)
				fmt.Fprintf(progress, "subscriber %d: %v\n", n, err)
			}
		}()
	}
	wg.Wait()
	if err := sleep(ctx, settle); err != nil {
		return Report{}, err
	}

	fmt.Fprintf(progress, "measuring for %s\n", cfg.Duration)
	w := Window{Baseline: baseline, Start: time.Now(), From: r.tracks.snapshot()}
	w.TesterCPUFrom, w.TesterCPUKnown = selfCPU()
	w.ServerFrom = scrape("start")
	if err := sleep(ctx, cfg.Duration); err != nil {
		return Report{}, err
	}
	w.End, w.To = time.Now(), r.tracks.snapshot()
	var ok bool
	w.TesterCPUTo, ok = selfCPU()
	w.TesterCPUKnown = w.TesterCPUKnown && ok
	w.ServerTo = scrape("end")
	w.Joined, w.FirstMedia, w.FirstKeyframe = r.joins.copy()
	w.Subscribers = int(r.subs.Load())
	w.Decrypting = int(r.decrypt.Load())
	w.Clients = Clients{
		Publishers: int(r.pubs.Load()), Subscribers: w.Subscribers,
		Failed: int(r.failed.Load()), Disconnected: int(r.dropped.Load()),
	}
	return Summarize(w), nil
}

func (r *run) loadMedia(ctx context.Context) error {
	dir := r.cfg.MediaDir
	var frames []media.Frame
	var err error
	if r.cfg.VideoBitrate > 0 {
		frames, err = generatedFrames(ctx, r.cfg.VideoBitrate)
	} else if c, cerr := media.OpenIVF(filepath.Join(dir, "video.ivf")); cerr == nil {
		frames = c.Frames()
	} else if errors.Is(cerr, os.ErrNotExist) {
		fmt.Fprintf(r.progress, "no %s: sending generated 2 Mbit/s frames\n", filepath.Join(dir, "video.ivf"))
		frames, err = generatedFrames(ctx, 2_000_000)
	} else {
		err = cerr
	}
	if err != nil {
		return err
	}
	if r.video, err = newKeyframeLoop(frames); err != nil {
		return err
	}
	if c, err := media.OpenOgg(filepath.Join(dir, "audio.ogg")); err == nil {
		r.audio = c
	} else if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(r.progress, "no %s: sending generated audio-sized frames\n", filepath.Join(dir, "audio.ogg"))
		r.audio = media.NewGenerator(media.GeneratorOptions{Bitrate: 32_000, FrameRate: 50})
	} else {
		return err
	}
	return nil
}

// localAddr picks the address subscribers' sockets bind: loopback for a
// server on this machine, any address otherwise.
func (r *run) localAddr() error {
	u, err := url.Parse(r.cfg.URL)
	if err != nil {
		return fmt.Errorf("loadtest: url: %w", err)
	}
	r.subAddr = &net.UDPAddr{}
	if ip := net.ParseIP(u.Hostname()); (ip != nil && ip.IsLoopback()) || u.Hostname() == "localhost" {
		r.subAddr.IP = net.IPv4(127, 0, 0, 1)
	}
	return nil
}

// subscriberEngine opens a subscriber's socket and the SettingEngine
// that makes ICE use it. A counting subscriber (see docs/performance.md)
// counts SRTP media at the socket from its clear RTP header and drops it
// there; ICE, DTLS and RTCP still go to pion.
func (r *run) subscriberEngine(counting bool, firstMedia func()) (webrtc.SettingEngine, error) {
	var conn net.PacketConn
	networks := []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	if counting {
		c, err := newCountingConn(r.poller, r.subAddr, r.counter(firstMedia))
		if err != nil {
			return webrtc.SettingEngine{}, fmt.Errorf("loadtest: udp: %w", err)
		}
		conn = c
		networks = networks[:1] // counting sockets are IPv4 only
	} else {
		raw, err := net.ListenUDP("udp", r.subAddr)
		if err != nil {
			return webrtc.SettingEngine{}, fmt.Errorf("loadtest: udp: %w", err)
		}
		conn = udpbatch.New(raw, 64)
	}
	r.mu.Lock()
	r.sockets = append(r.sockets, conn)
	r.mu.Unlock()
	logs := pionlog.Factory(r.log)
	se := webrtc.SettingEngine{LoggerFactory: logs}
	se.SetICEUDPMux(webrtc.NewICEUDPMux(logs.NewLogger("udpmux"), conn))
	se.SetNetworkTypes(networks)
	se.SetIncludeLoopbackCandidate(r.subAddr.IP != nil)
	return se, nil
}

func (r *run) closeSockets() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.sockets {
		_ = c.Close()
	}
	r.poller.close()
}

// counter returns a read filter that counts SRTP media packets per SSRC
// and drops them. It is not safe for concurrent use and need not be: it
// runs only on the goroutine that reads the socket, which for a counting
// socket on Linux is the one poller goroutine shared by all of them.
func (r *run) counter(firstMedia func()) func(b []byte) bool {
	tracks := make(map[uint32]*trackCounter)
	return func(b []byte) bool {
		// RTP version 2, and not RTCP (packet types 192-223, RFC 5761).
		if len(b) < 12 || b[0]>>6 != 2 || (b[1] >= 192 && b[1] <= 223) {
			return true
		}
		ssrc := binary.BigEndian.Uint32(b[8:12])
		t, ok := tracks[ssrc]
		if !ok {
			if len(tracks) == 0 {
				firstMedia()
			}
			t = r.tracks.add()
			tracks[ssrc] = t
		}
		t.observe(b)
		return false
	}
}

// noInterceptors registers none: subscribers only count packets.
func noInterceptors(*webrtc.MediaEngine, *interceptor.Registry) error { return nil }

func (r *run) roomName(room int) string { return fmt.Sprintf("loadtest-%s-%d", r.cfg.RunID, room) }

// role says how a participant of the run behaves.
type role int

const (
	publisherRole      role = iota
	decodingSubscriber      // decrypts every packet through pion
	countingSubscriber      // counts SRTP media at the socket
)

func (r *run) connect(ctx context.Context, room int, identity string, as role, firstMedia func(), opts ...client.Option) (*client.Client, time.Duration, error) {
	publisher := as == publisherRole
	tok, err := r.cfg.Token(r.roomName(room), identity, publisher)
	if err != nil {
		return nil, 0, err
	}
	opts = append(opts, client.WithLogger(r.log), client.WithEventBuffer(64))
	if !publisher {
		se, err := r.subscriberEngine(as == countingSubscriber, firstMedia)
		if err != nil {
			return nil, 0, err
		}
		opts = append(opts, client.WithSettingEngine(se), client.WithInterceptors(noInterceptors))
	}
	if r.cfg.TLS != nil {
		opts = append(opts, client.WithTLSConfig(r.cfg.TLS))
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	start := time.Now()
	c, err := client.Connect(cctx, r.cfg.URL, tok, opts...)
	if err != nil {
		return nil, 0, err
	}
	r.mu.Lock()
	r.clients = append(r.clients, c)
	r.mu.Unlock()
	return c, time.Since(start), nil
}

func (r *run) publisher(ctx context.Context, room, i int) error {
	id := fmt.Sprintf("lt-%s-pub-%d-%d", r.cfg.RunID, room, i)
	videoID := "v-" + id
	// The server asks for a key frame when a subscriber starts receiving
	// (a PLI); like a browser, the publisher sends one at once.
	keyframe := make(chan struct{}, 1)
	onKeyframe := client.WithKeyframeRequest(func(trackID string) {
		if trackID == videoID {
			select {
			case keyframe <- struct{}{}:
			default: // one is already on its way
			}
		}
	})
	c, _, err := r.connect(ctx, room, id, publisherRole, nil, onKeyframe)
	if err != nil {
		return err
	}
	go r.drain(c, nil)
	type pub struct {
		mime   string
		cid    string
		source client.TrackSource
		play   func(context.Context, media.SampleWriter) error
	}
	pubs := []pub{{webrtc.MimeTypeOpus, "a-" + id, client.SourceMicrophone, r.audio.Play}}
	if !r.cfg.AudioOnly {
		pubs = append(pubs, pub{webrtc.MimeTypeVP8, videoID, client.SourceCamera,
			func(ctx context.Context, w media.SampleWriter) error { return r.video.Play(ctx, w, keyframe) }})
	}
	for _, p := range pubs {
		codec := webrtc.RTPCodecCapability{MimeType: p.mime}
		if p.mime == webrtc.MimeTypeOpus {
			codec.ClockRate, codec.Channels = 48000, 2
		} else {
			codec.ClockRate = 90000
		}
		track, err := webrtc.NewTrackLocalStaticSample(codec, p.cid, id)
		if err != nil {
			return err
		}
		pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		_, err = c.Publish(pctx, track, p.source)
		cancel()
		if err != nil {
			return err
		}
		go func() { _ = p.play(ctx, track) }()
	}
	r.pubs.Add(1)
	return nil
}

func (r *run) subscriber(ctx context.Context, room, i int) error {
	id := fmt.Sprintf("lt-%s-sub-%d-%d", r.cfg.RunID, room, i)
	f := &firsts{start: time.Now(), j: &r.joins}
	as := countingSubscriber
	if i < max(r.cfg.Decrypting, 1) {
		// Some subscribers per room (one by default) decrypt everything,
		// proving the media is valid SRTP end to end and timing the
		// first key frame, which counting subscribers cannot see.
		as = decodingSubscriber
	}
	c, joined, err := r.connect(ctx, room, id, as, f.sawMedia)
	if err != nil {
		return err
	}
	r.joins.add(&r.joins.joined, joined)
	r.subs.Add(1)
	if as == decodingSubscriber {
		r.decrypt.Add(1)
	}
	go r.drain(c, f)
	return nil
}

// drain consumes a client's events; for subscribers (f not nil) it starts
// one cheap reader per subscribed track. A decrypting subscriber's readers
// of VP8 tracks also look for the first complete key frame, and stop
// looking once they have seen one.
func (r *run) drain(c *client.Client, f *firsts) {
	for ev := range c.Events() {
		switch ev := ev.(type) {
		case client.TrackSubscribed:
			if f == nil {
				continue
			}
			t := r.tracks.add()
			var kf *keyframeDetector
			if strings.EqualFold(ev.Remote.Codec().MimeType, webrtc.MimeTypeVP8) {
				kf = &keyframeDetector{}
			}
			go func() {
				buf := make([]byte, 1600)
				for {
					n, _, err := ev.Remote.Read(buf)
					if err != nil {
						return
					}
					f.sawMedia()
					if kf != nil && kf.push(buf[:n]) {
						f.sawKeyframe()
						kf = nil
					}
					t.observe(buf[:n])
				}
			}()
		case client.Disconnected:
			if ev.Err != nil {
				r.dropped.Add(1)
				r.log.Info("client disconnected", "reason", ev.Reason, "err", ev.Err)
			}
		}
	}
}

func (r *run) leaveAll() {
	r.mu.Lock()
	cs := r.clients
	r.clients = nil
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = c.Leave(ctx)
		}()
	}
	wg.Wait()
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
