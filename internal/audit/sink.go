package audit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conclave-video/conclave/internal/room"
)

// Sink defaults.
const (
	DefaultQueue         = 8192
	DefaultPruneInterval = time.Hour
	// maxBatch bounds the records one transaction appends.
	maxBatch = 256
	// writeTimeout bounds one append, checkpoint or prune.
	writeTimeout = 30 * time.Second
	// pruneRounds bounds the Prune calls of one prune tick.
	pruneRounds = 10
)

// ErrNotWriting is Sink.Err while records are being lost.
var ErrNotWriting = errors.New("audit: records are not being written")

// SinkConfig configures a Sink.
type SinkConfig struct {
	Log *Log
	// CheckpointInterval: a checkpoint is signed this often when records
	// were appended since the last (0: DefaultCheckpointInterval).
	CheckpointInterval time.Duration
	// Retention: records older than this are pruned, every
	// PruneInterval (0: kept for ever).
	Retention     time.Duration
	PruneInterval time.Duration
	// Queue is how many entries may wait for the writer (0:
	// DefaultQueue); beyond it an entry is lost, and counted.
	Queue  int
	Logger *slog.Logger
	Now    func() time.Time
}

// Sink is the log's one writer in a server: a room.Listener that never
// blocks the room, a queue, and a goroutine that appends what is queued
// in batches, signs checkpoints every CheckpointInterval and prunes. An
// entry that cannot be written (the queue full, the store failing) is
// logged at error level and counted, and Err reports it until an append
// succeeds again.
type Sink struct {
	cfg SinkConfig
	log *slog.Logger

	mu     sync.RWMutex // held to send on q, and to close it
	closed bool
	q      chan Entry
	done   chan struct{}
	once   sync.Once

	appended atomic.Uint64
	failed   atomic.Uint64
	failing  atomic.Bool
	dropping atomic.Bool // a queue-full episode was logged
}

// NewSink starts a sink writing to cfg.Log. Close stops it.
func NewSink(cfg SinkConfig) *Sink {
	if cfg.CheckpointInterval <= 0 {
		cfg.CheckpointInterval = DefaultCheckpointInterval
	}
	if cfg.PruneInterval <= 0 {
		cfg.PruneInterval = DefaultPruneInterval
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sink{cfg: cfg, log: log, q: make(chan Entry, cfg.Queue), done: make(chan struct{})}
	go s.run()
	return s
}

// OnEvent implements room.Listener: it queues the record FromEvent makes
// of e, if any.
func (s *Sink) OnEvent(e room.Event) {
	if en, ok := FromEvent(e); ok {
		s.Add(en)
	}
}

// Add queues e without blocking.
func (s *Sink) Add(e Entry) {
	if err := e.Validate(); err != nil {
		s.lose(1, "an entry is not valid", err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		s.lose(1, "an entry came after the audit log closed", nil)
		return
	}
	select {
	case s.q <- e:
	default:
		s.failed.Add(1)
		s.failing.Store(true)
		if !s.dropping.Swap(true) {
			// Once per episode: a flood must not flood the log as well.
			s.log.Error("audit: records not written: the audit queue is full")
		}
	}
}

// lose counts n entries not written and logs why.
func (s *Sink) lose(n int, why string, err error) {
	s.failed.Add(uint64(n))
	s.failing.Store(true)
	if err != nil {
		s.log.Error("audit: records not written: "+why, "records", n, "err", err)
	} else {
		s.log.Error("audit: records not written: "+why, "records", n)
	}
}

// Appended and Failed count the entries written and those lost.
func (s *Sink) Appended() uint64 { return s.appended.Load() }

// Failed counts the entries lost: refused, dropped or not written.
func (s *Sink) Failed() uint64 { return s.failed.Load() }

// Err is ErrNotWriting from the time an entry is lost until an append
// succeeds again; nil otherwise.
func (s *Sink) Err() error {
	if s.failing.Load() {
		return ErrNotWriting
	}
	return nil
}

// Close stops taking entries, writes those queued, signs a last
// checkpoint, and returns when done. Entries added after are lost.
func (s *Sink) Close() {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.q)
		s.mu.Unlock()
	})
	<-s.done
}

func (s *Sink) run() {
	defer close(s.done)
	cp := time.NewTicker(s.cfg.CheckpointInterval)
	defer cp.Stop()
	var pruneC <-chan time.Time
	if s.cfg.Retention > 0 {
		t := time.NewTicker(s.cfg.PruneInterval)
		defer t.Stop()
		pruneC = t.C
		s.prune()
	}
	for {
		select {
		case e, ok := <-s.q:
			if !ok {
				s.checkpoint()
				return
			}
			batch := []Entry{e}
			open := true
		drain:
			for len(batch) < maxBatch {
				select {
				case e, ok := <-s.q:
					if !ok {
						open = false
						break drain
					}
					batch = append(batch, e)
				default:
					break drain
				}
			}
			s.append(batch)
			if !open {
				s.checkpoint()
				return
			}
		case <-cp.C:
			s.checkpoint()
		case <-pruneC:
			s.prune()
		}
	}
}

func (s *Sink) append(batch []Entry) {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if _, err := s.cfg.Log.Append(ctx, batch...); err != nil {
		s.lose(len(batch), "the append failed", err)
		return
	}
	s.appended.Add(uint64(len(batch)))
	s.failing.Store(false)
	s.dropping.Store(false)
}

func (s *Sink) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if _, err := s.cfg.Log.Checkpoint(ctx); err != nil {
		s.log.Error("audit: checkpoint not signed", "err", err)
	}
}

func (s *Sink) prune() {
	before := s.cfg.Now().Add(-s.cfg.Retention)
	var total int64
	for range pruneRounds {
		ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		n, err := s.cfg.Log.Prune(ctx, before)
		cancel()
		if err != nil {
			s.log.Error("audit: old records not pruned", "err", err)
			return
		}
		total += n
		if n < PruneBatch {
			break
		}
	}
	if total > 0 {
		s.log.Info("audit: old records pruned", "records", total, "before", before)
	}
}
