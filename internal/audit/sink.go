package audit

import (
	"context"
	"errors"
	"log/slog"
	"slices"
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
// in batches, signs checkpoints every CheckpointInterval and prunes. When
// an append fails (a full disk), its entries and those that follow wait
// in memory (at most Queue of them) and are tried again, after 1 s and
// then twice as long each time up to retryMax, until the store takes
// them: a store that recovers loses nothing. Meanwhile Err reports the
// failure, logged once at error level when it starts and at info level
// when it ends. An entry that cannot be kept (the queue or the waiting
// entries full, the sink closed, the store still failing at Close) is
// lost: logged at error level and counted.
type Sink struct {
	cfg SinkConfig
	log *slog.Logger

	mu     sync.RWMutex // held to send on q, and to close it
	closed bool
	q      chan item
	done   chan struct{}
	once   sync.Once

	appended atomic.Uint64
	failed   atomic.Uint64
	waiting  atomic.Int64 // entries held for a retry
	failing  atomic.Bool
	dropping atomic.Bool // a queue-full episode was logged
}

// item is what the queue carries: an entry, or a barrier (Sync).
type item struct {
	entry   Entry
	barrier chan error
}

// Retries of a failed append.
const (
	retryFirst = time.Second
	retryMax   = 30 * time.Second
)

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
	s := &Sink{cfg: cfg, log: log, q: make(chan item, cfg.Queue), done: make(chan struct{})}
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
	case s.q <- item{entry: e}:
	default:
		s.failed.Add(1)
		s.failing.Store(true)
		if !s.dropping.Swap(true) {
			// Once per episode: a flood must not flood the log as well.
			s.log.Error("audit: records not written: the audit queue is full")
		}
	}
}

// Sync returns once every entry added before it was called is written,
// nil, or is known not to be written now, ErrNotWriting (the store
// failing: they wait for a retry, or were lost), or when ctx ends. The
// server calls it before answering a request that changed something, so
// that what it acknowledges is on record even if the process is killed
// right after. With nothing queued it returns at once; under load it
// waits for one batch, shared with every other caller.
func (s *Sink) Sync(ctx context.Context) error {
	if s.failing.Load() {
		return ErrNotWriting
	}
	b := make(chan error, 1)
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrNotWriting
	}
	select {
	case s.q <- item{barrier: b}:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-b:
		return err
	case <-ctx.Done():
		return ctx.Err()
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

// Waiting counts the entries held in memory for a retry of a failed
// append.
func (s *Sink) Waiting() int64 { return s.waiting.Load() }

// Err is ErrNotWriting from the time an append fails or an entry is lost
// until an append succeeds again; nil otherwise.
func (s *Sink) Err() error {
	if s.failing.Load() {
		return ErrNotWriting
	}
	return nil
}

// Close stops taking entries, writes those queued and waiting (once
// more, if the store was failing), signs a last checkpoint, and returns
// when done. Entries added after are lost.
func (s *Sink) Close() {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.q)
		s.mu.Unlock()
	})
	<-s.done
}

// writer is the state of run: the entries not yet written, and when to
// try them again after a failure.
type writer struct {
	*Sink
	held    []Entry
	retry   *time.Timer
	backoff time.Duration
}

func (s *Sink) run() {
	defer close(s.done)
	w := &writer{Sink: s}
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
		var retryC <-chan time.Time
		if w.retry != nil {
			retryC = w.retry.C
		}
		select {
		case it, ok := <-s.q:
			if !ok {
				w.closing()
				return
			}
			var barriers []chan error
			w.take(it, &barriers)
			open := true
		drain:
			for len(w.held) < maxBatch {
				select {
				case it, ok := <-s.q:
					if !ok {
						open = false
						break drain
					}
					w.take(it, &barriers)
				default:
					break drain
				}
			}
			err := ErrNotWriting
			if w.retry == nil {
				err = w.flush()
			}
			for _, b := range barriers {
				b <- err
			}
			if !open {
				w.closing()
				return
			}
		case <-retryC:
			w.retry = nil
			_ = w.flush()
		case <-cp.C:
			if w.retry == nil {
				s.checkpoint()
			}
		case <-pruneC:
			if w.retry == nil {
				s.prune()
			}
		}
	}
}

// take holds its entry for the next append, or collects its barrier.
func (w *writer) take(it item, barriers *[]chan error) {
	if it.barrier != nil {
		*barriers = append(*barriers, it.barrier)
		return
	}
	if len(w.held) >= w.cfg.Queue {
		w.lose(1, "the entries waiting for the store are as many as the queue holds", nil)
		return
	}
	w.held = append(w.held, it.entry)
	w.waiting.Store(int64(len(w.held)))
}

// flush appends what is held, maxBatch at a time. On a failure it keeps
// the rest, marks the sink failing and sets the retry.
func (w *writer) flush() error {
	for len(w.held) > 0 {
		n := min(len(w.held), maxBatch)
		ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		_, err := w.cfg.Log.Append(ctx, w.held[:n]...)
		cancel()
		if err != nil {
			if w.backoff == 0 {
				w.log.Error("audit: the store refused records; they wait in memory and are tried again", "records", len(w.held), "err", err)
				w.backoff = retryFirst
			} else {
				w.backoff = min(2*w.backoff, retryMax)
			}
			w.failing.Store(true)
			w.retry = time.NewTimer(w.backoff)
			return ErrNotWriting
		}
		w.appended.Add(uint64(n))
		w.held = slices.Delete(w.held, 0, n)
		w.waiting.Store(int64(len(w.held)))
	}
	if w.backoff != 0 {
		w.log.Info("audit: the store takes records again")
		w.backoff = 0
	}
	w.failing.Store(false)
	w.dropping.Store(false)
	return nil
}

// closing writes what is held one last time, losing it if the store
// still refuses, and signs a last checkpoint.
func (w *writer) closing() {
	if w.retry != nil {
		w.retry.Stop()
		w.retry = nil
	}
	if w.flush() != nil {
		w.retry.Stop()
		w.lose(len(w.held), "the store still refused them when the audit log closed", nil)
		w.held = nil
		w.waiting.Store(0)
		return
	}
	w.checkpoint()
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
