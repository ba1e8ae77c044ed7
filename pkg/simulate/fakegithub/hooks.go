package fakegithub

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"
)

// HookDelivery is one attempt GitHub made to deliver a webhook, successful or not.
type HookDelivery struct {
	ID          int64
	GUID        string
	Event       string
	Action      string
	Org         string
	HookID      int64
	RepoID      int64
	DeliveredAt time.Time
	StatusCode  int // 0 when the receiver could not be reached
	Duration    time.Duration
	Redelivery  bool
	Headers     http.Header
	Body        []byte
}

// OK reports whether the receiver took the delivery.
func (d HookDelivery) OK() bool { return d.StatusCode >= 200 && d.StatusCode < 300 }

// Status is GitHub's short text for the outcome.
func (d HookDelivery) Status() string {
	switch {
	case d.OK():
		return "OK"
	case d.StatusCode == 0:
		return "failed to connect to host"
	}
	return fmt.Sprintf("Invalid HTTP Response: %d", d.StatusCode)
}

// Redeliverer sends a delivery again and returns the receiver's status code.
type Redeliverer func(ctx context.Context, d HookDelivery) (int, error)

// HookLog is the delivery history of every org hook, newest last. It keeps a retention
// window like GitHub (three days), measured in the log's own time.
type HookLog struct {
	mu        sync.RWMutex
	list      []HookDelivery
	nextID    int64
	retention time.Duration
	redeliver Redeliverer
}

// NewHookLog makes an empty log; redeliver is used by the redelivery endpoint.
func NewHookLog(retention time.Duration, redeliver Redeliverer) *HookLog {
	if retention <= 0 {
		retention = 72 * time.Hour
	}
	return &HookLog{retention: retention, redeliver: redeliver, nextID: 1_000_000_000}
}

// Record appends an attempt and returns it with its id, dropping what is past retention.
func (l *HookLog) Record(d HookDelivery) HookDelivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nextID++
	d.ID = l.nextID
	l.list = append(l.list, d)
	cut := d.DeliveredAt.Add(-l.retention)
	i := sort.Search(len(l.list), func(i int) bool { return !l.list[i].DeliveredAt.Before(cut) })
	if i > len(l.list)/2 { // amortised: compact only when a good share has expired
		l.list = append([]HookDelivery(nil), l.list[i:]...)
	}
	return d
}

// List returns one hook's deliveries newest first, starting after the delivery id
// before (0: from the newest), at most n of them, and whether more follow.
func (l *HookLog) List(org string, hookID, before int64, n int) ([]HookDelivery, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	cut := time.Time{}
	if len(l.list) > 0 {
		cut = l.list[len(l.list)-1].DeliveredAt.Add(-l.retention)
	}
	var out []HookDelivery
	for i := len(l.list) - 1; i >= 0; i-- {
		d := l.list[i]
		if d.DeliveredAt.Before(cut) {
			break
		}
		if d.Org != org || d.HookID != hookID || (before != 0 && d.ID >= before) {
			continue
		}
		if len(out) == n {
			return out, true
		}
		out = append(out, d)
	}
	return out, false
}

// Get finds one delivery by id.
func (l *HookLog) Get(org string, hookID, id int64) (HookDelivery, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	i := sort.Search(len(l.list), func(i int) bool { return l.list[i].ID >= id })
	if i < len(l.list) && l.list[i].ID == id && l.list[i].Org == org && l.list[i].HookID == hookID {
		return l.list[i], true
	}
	return HookDelivery{}, false
}

// Redeliver sends delivery id again, with the same GUID, and records the new attempt.
func (l *HookLog) Redeliver(ctx context.Context, org string, hookID, id int64, now time.Time) (HookDelivery, error) {
	d, ok := l.Get(org, hookID, id)
	if !ok {
		return HookDelivery{}, errNotFound
	}
	if l.redeliver == nil {
		return HookDelivery{}, fmt.Errorf("redelivery: no receiver configured")
	}
	start := time.Now()
	code, err := l.redeliver(ctx, d)
	d.StatusCode, d.Duration, d.Redelivery, d.DeliveredAt = code, time.Since(start), true, now
	if err != nil {
		d.StatusCode = 0
	}
	return l.Record(d), nil
}
