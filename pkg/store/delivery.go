package store

import "time"

// Delivery is one webhook delivery as GitHub sent it.
type Delivery struct {
	ID         string // X-GitHub-Delivery
	Event      string // X-GitHub-Event
	Action     string // the payload's "action", when it has one
	HookID     int64  // X-GitHub-Hook-ID, 0 when absent
	TargetType string // X-GitHub-Hook-Installation-Target-Type
	TargetID   int64  // X-GitHub-Hook-Installation-Target-ID, 0 when absent
	ReceivedAt time.Time
	Payload    []byte
	// Forge is the forge that sent it ('' is GitHub): it picks the parser (forge.go).
	Forge string
}

// Item is a delivery with its projection, ready to be written.
type Item struct {
	Delivery   Delivery
	Projection Projection
}

func nullable(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}
