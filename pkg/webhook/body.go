package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// chunkStep is how much more budget a body of undeclared length takes each time it
// outgrows what it has.
const chunkStep = 64 << 10

// errSlowBody marks a body that did not arrive before the read deadline.
var errSlowBody = errors.New("body not received in time")

// readBody reads the body under the byte budget and the body deadline. It returns the grant
// that holds the body's bytes; the caller releases it once done with the body.
//
// A body of declared length is charged whole before a byte is read, and read into one
// buffer of that size: growing a buffer from 512 bytes cost a tenth of the receiver's CPU
// in copies and small reads. A declared length over the limit is refused before that. A
// body of undeclared (chunked) length is charged chunkStep at a time as it grows.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *Grant, error) {
	limit := h.cfg.MaxBody
	if r.ContentLength > limit {
		return nil, nil, &http.MaxBytesError{Limit: limit}
	}
	wait, cancel := context.WithTimeout(r.Context(), h.cfg.BudgetWait)
	defer cancel()
	first := r.ContentLength
	if first < 0 {
		first = chunkStep
	}
	grant, err := h.cfg.Budget.Acquire(wait, max(first, 1))
	if err != nil {
		return nil, nil, err
	}
	// The deadline starts once the body may be read, so time spent waiting for budget is
	// not taken from a sender that is then let in.
	if h.cfg.BodyTimeout > 0 {
		http.NewResponseController(w).SetReadDeadline(time.Now().Add(h.cfg.BodyTimeout)) //nolint:errcheck // unsupported only on test recorders
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	var buf []byte
	if r.ContentLength >= 0 {
		buf = make([]byte, r.ContentLength)
		_, err = io.ReadFull(body, buf)
	} else {
		buf, err = readGrowing(wait, body, grant, limit)
	}
	if err != nil {
		grant.Release()
		return nil, nil, classifyRead(err)
	}
	return buf, grant, nil
}

// readGrowing reads a body of undeclared length, taking budget before the buffer grows:
// it doubles, up to one byte past the limit (where the MaxBytesReader stops it).
func readGrowing(ctx context.Context, body io.Reader, g *Grant, limit int64) ([]byte, error) {
	buf := make([]byte, 0, chunkStep)
	for {
		if len(buf) == cap(buf) {
			grown := min(2*int64(cap(buf)), limit+1)
			if grown <= int64(cap(buf)) {
				return nil, &http.MaxBytesError{Limit: limit}
			}
			if err := g.Grow(ctx, grown-int64(cap(buf))); err != nil {
				return nil, err
			}
			next := make([]byte, len(buf), grown)
			copy(next, buf)
			buf = next
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// classifyRead tells a slow sender from a broken one.
func classifyRead(err error) error {
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return errSlowBody
	}
	return err
}
