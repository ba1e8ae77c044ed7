package plugin

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// replica is what the plugin knows about the server it reads from. A data source may point
// at a hot standby (docs/scaling.md): everything it runs is read-only, so every query works
// there, but the answers are as old as the standby's replay, and that must show.
type replica struct {
	standby   bool
	streaming bool          // a WAL receiver is running: the standby hears from its primary
	beat      bool          // a heartbeat has been replayed: lag can be measured
	lag       time.Duration // age of the newest replayed heartbeat
}

// replicaSQL reads the state in one round trip. Lag is the age of the heartbeat that every
// `ciradar serve` writes on the primary (migration 0022): on the standby the row is as old
// as its replay, whether the primary is busy or idle. Every function here may be called
// by any role, the reader included; pg_stat_wal_receiver shows its row (with the details
// nulled) to roles without pg_read_all_stats, which is all that is asked of it.
const replicaSQL = `SELECT pg_is_in_recovery(),
  EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
  (SELECT greatest(extract(epoch FROM now() - beat_at), 0)::float8 FROM replication_heartbeat)`

func (d *Datasource) readReplica(ctx context.Context) (replica, error) {
	var r replica
	var age *float64
	if err := d.pool.QueryRow(ctx, replicaSQL).Scan(&r.standby, &r.streaming, &age); err != nil {
		return replica{}, fmt.Errorf("read replication state: %w", err)
	}
	if age != nil {
		r.beat, r.lag = true, time.Duration(*age*float64(time.Second))
	}
	return r, nil
}

// replicaCache keeps the state for a second, so a dashboard's burst of queries costs one
// round trip, not one each.
type replicaCache struct {
	mu   sync.Mutex
	at   time.Time
	last replica
}

const replicaCacheFor = time.Second

func (d *Datasource) replica(ctx context.Context) (replica, error) {
	c := &d.replicaState
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < replicaCacheFor {
		return c.last, nil
	}
	r, err := d.readReplica(ctx)
	if err != nil {
		return replica{}, err
	}
	c.at, c.last = time.Now(), r
	return r, nil
}

// stale says why answers from this server must not pass for current, or "" when they may:
// a standby that hears nothing from its primary, or whose data is older than the limit.
func (r replica) stale(limit time.Duration) string {
	switch {
	case !r.standby:
		return ""
	case !r.streaming:
		return "the standby is not streaming from its primary" + r.age() + ": answers may be out of date by any amount"
	case !r.beat:
		return "no heartbeat of `ciradar serve` has reached the standby yet, so how far it trails its primary is unknown"
	case r.lag > limit:
		return fmt.Sprintf("the standby's data is %s old by the heartbeat `ciradar serve` writes on the primary (warning past %s): the standby trails its primary, or no receiver is running",
			roundLag(r.lag), limit)
	}
	return ""
}

func (r replica) age() string {
	if !r.beat {
		return ""
	}
	return fmt.Sprintf(" (its newest heartbeat is %s old)", roundLag(r.lag))
}

// roundLag keeps a tenth of a second where it matters: "1.4s old (warning past 1s)".
func roundLag(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// mark tells every frame of an answer read from a standby how far behind it is: in the
// frame's custom metadata always, and as a warning notice, shown on the panel, when stale.
func (r replica) mark(frames data.Frames, stale string) {
	if !r.standby {
		return
	}
	for _, f := range frames {
		if f.Meta == nil {
			f.Meta = &data.FrameMeta{}
		}
		custom, _ := f.Meta.Custom.(map[string]any)
		if custom == nil {
			custom = map[string]any{}
		}
		custom["replicaLagSeconds"] = r.lag.Seconds()
		custom["replicaStreaming"] = r.streaming
		f.Meta.Custom = custom
		if stale != "" {
			f.Meta.Notices = append(f.Meta.Notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: stale})
		}
	}
}

// staleResponse keeps the frames of a stale answer but makes it an error, so that a panel
// shows the reason and an alert rule goes to its error state instead of judging old data
// as if it were now.
func staleResponse(res backend.DataResponse, stale string) backend.DataResponse {
	res.Error = backend.DownstreamError(fmt.Errorf("%s; the data shown is as of the standby's last replay", stale))
	res.ErrorSource = backend.ErrorSourceDownstream
	res.Status = backend.Status(http.StatusServiceUnavailable)
	return res
}
