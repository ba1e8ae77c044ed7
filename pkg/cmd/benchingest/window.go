package main

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// sendWindow measures the receiver's and Postgres' CPU over the load tool's sending time
// alone. The whole-run figure also holds the load tool's check that every acknowledged
// delivery is stored (a count over the run's ids, about 0.8 s of Postgres CPU); this one
// starts when the load tool says it has prepared its deliveries and lasts the duration.
type sendWindow struct {
	out      io.Writer // the load tool's stderr, passed through
	recv, pg int       // process ids
	duration time.Duration

	once           sync.Once
	opened         atomic.Bool
	done           chan struct{}
	recvCPU, pgCPU time.Duration
}

func newSendWindow(out io.Writer, recv, pg int, duration time.Duration) *sendWindow {
	return &sendWindow{out: out, recv: recv, pg: pg, duration: duration, done: make(chan struct{})}
}

func (w *sendWindow) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("prepared ")) {
		w.once.Do(func() {
			w.opened.Store(true)
			go w.measure()
		})
	}
	return w.out.Write(p)
}

func (w *sendWindow) measure() {
	defer close(w.done)
	r0, p0 := treeCPU(w.recv), treeCPU(w.pg)
	time.Sleep(w.duration)
	w.recvCPU, w.pgCPU = treeCPU(w.recv)-r0, treeCPU(w.pg)-p0
}

// result waits for the window to close; ok is false when it never opened.
func (w *sendWindow) result() (recv, pg time.Duration, ok bool) {
	w.once.Do(func() {}) // no window opens after this
	if !w.opened.Load() {
		return 0, 0, false
	}
	<-w.done
	return w.recvCPU, w.pgCPU, true
}
