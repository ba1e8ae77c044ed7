package hosttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/jackc/pgx/v5"
)

// TestStandbyReads runs the receiver against a primary and the plugin against its hot
// standby (docs/scaling.md, "Reads from a standby"): every query type and variable answers
// there; a delivery committed on the primary shows in a frame once replayed; a standby
// whose replay trails past the threshold, or that loses its primary, answers with errors
// that say so, and a health warning, never with old data as if it were current.
func TestStandbyReads(t *testing.T) {
	r := pgtest.NewReplicated(t)
	pgtest.SeedFixtures(t, r.PrimaryURL)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := r.WaitReplay(ctx); err != nil {
		t.Fatal(err)
	}
	recv := startServe(t, r.PrimaryURL)
	summary, err := os.ReadFile("../../status/testdata/summary.json")
	if err != nil {
		t.Fatal(err)
	}
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(summary) }))
	defer page.Close()
	settings := settingsFor(t, r.StandbyURL, "ciradar_reader", 7, map[string]any{"replicaLagSeconds": 1,
		"statusPageUrl": page.URL + "/api/v2/summary.json"})
	h := start(t, settings)
	pctx := pluginContext(settings)

	t.Run("health names the standby", func(t *testing.T) {
		msg := standbyHealth(ctx, t, h, pctx)
		if !strings.Contains(msg, "reading from a hot standby") {
			t.Errorf("health = %q", msg)
		}
	})
	t.Run("every query type answers, marked with its lag", func(t *testing.T) {
		for qt, own := range representativeQueries {
			res := send(ctx, t, h, pctx, dq(qt, own))
			if res.Error != nil {
				t.Errorf("%s on the standby: %v", qt, res.Error)
				continue
			}
			if lag, ok := customLag(res.Frames); !ok || lag > 1 {
				t.Errorf("%s: frames do not carry a current replica lag (%v, %v)", qt, lag, ok)
			}
		}
	})
	t.Run("every variable answers", func(t *testing.T) {
		for _, name := range query.VariableNames() {
			if res := resource(ctx, t, h, pctx, "variables/"+name, ""); res.Status != 200 {
				t.Errorf("variable %s on the standby: %d %s", name, res.Status, res.Body)
			}
		}
	})

	const jobID = 987654321
	standby := superuser(ctx, t, r.StandbyURL)

	t.Run("a standby that trails its primary says so", func(t *testing.T) {
		// Replay stops while the primary goes on: the heartbeat on the standby ages.
		if _, err := standby.Exec(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
			t.Fatal(err)
		}
		recv.post(t, "standby-1", "workflow_job", fixtures.Edited("workflow_job.queued.1", fixtures.SetJobField("id", jobID)))
		waitFor(t, 30*time.Second, "health to warn of the lag", func() bool {
			return strings.Contains(standbyHealth(ctx, t, h, pctx), "old by the heartbeat")
		})
		// Answers see the state at most a second later than health does.
		var res backend.DataResponse
		waitFor(t, 10*time.Second, "a lagging standby's answer to be an error", func() bool {
			res = send(ctx, t, h, pctx, dq("jobs", `{}`))
			return res.Error != nil
		})
		if int(res.Status) != http.StatusServiceUnavailable || !strings.Contains(res.Error.Error(), "old by the heartbeat") {
			t.Fatalf("a lagging standby answered %d %v", res.Status, res.Error)
		}
		if len(res.Frames) == 0 || !hasNotice(res.Frames, "old by the heartbeat") {
			t.Errorf("the frames of a lagging answer lack their warning: %v", res.Frames)
		}
		if framesHold(res.Frames, jobID) {
			t.Errorf("job %d shows before the standby replayed it", jobID)
		}
	})
	t.Run("once replayed, the delivery shows in a frame", func(t *testing.T) {
		if _, err := standby.Exec(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
			t.Fatal(err)
		}
		if err := r.WaitReplay(ctx); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 30*time.Second, "a current answer that holds the replayed job", func() bool {
			res := send(ctx, t, h, pctx, dq("jobs", `{}`))
			return res.Error == nil && framesHold(res.Frames, jobID)
		})
	})
	t.Run("a standby without its primary says so", func(t *testing.T) {
		recv.stop()
		if err := r.Primary.Stop(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 60*time.Second, "health to warn that the standby is not streaming", func() bool {
			return strings.Contains(standbyHealth(ctx, t, h, pctx), "not streaming from its primary")
		})
		// Its heartbeat stopped too, so either reason may come first; both are errors.
		waitFor(t, 30*time.Second, "an error answer that says the standby is cut off", func() bool {
			res := send(ctx, t, h, pctx, dq("queue_time", `{"groupBy": "labels"}`))
			return res.Error != nil && int(res.Status) == http.StatusServiceUnavailable &&
				strings.Contains(res.Error.Error(), "not streaming from its primary")
		})
	})
}

func standbyHealth(ctx context.Context, t *testing.T, h *host, pctx *pluginv2.PluginContext) string {
	t.Helper()
	res, err := h.diag.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: pctx})
	if err != nil {
		t.Fatal(err)
	}
	got := backend.FromProto().CheckHealthResponse(res)
	return got.Status.String() + ": " + got.Message
}

func framesHold(frames data.Frames, id int64) bool {
	js, _ := json.Marshal(frames)
	return bytes.Contains(js, []byte(fmt.Sprint(id)))
}

func customLag(frames data.Frames) (float64, bool) {
	if len(frames) == 0 || frames[0].Meta == nil {
		return 0, false
	}
	custom, ok := frames[0].Meta.Custom.(map[string]any)
	if !ok {
		return 0, false
	}
	lag, ok := custom["replicaLagSeconds"].(float64)
	return lag, ok
}

func hasNotice(frames data.Frames, text string) bool {
	for _, f := range frames {
		if f.Meta == nil {
			continue
		}
		for _, n := range f.Meta.Notices {
			if strings.Contains(n.Text, text) {
				return true
			}
		}
	}
	return false
}

func superuser(ctx context.Context, t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !ok(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting %s for %s", within, what)
		}
	}
}

// served is a `ciradar serve` process: the receiver as it runs in production.
type served struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
}

const standbySecret = "standby-test-secret"

func startServe(t *testing.T, dbURL string) *served {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ciradar")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/ciradar/ciradar/pkg/cmd/ciradar").CombinedOutput(); err != nil {
		t.Fatalf("build ciradar: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &served{addr: addr, logs: &bytes.Buffer{}}
	s.cmd = exec.Command(bin, "serve", "-listen", addr)
	s.cmd.Env = append(os.Environ(), "CIRADAR_DATABASE_URL="+dbURL, "CIRADAR_WEBHOOK_SECRET="+standbySecret,
		"CIRADAR_HEARTBEAT_INTERVAL=100ms")
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	waitFor(t, 30*time.Second, "the receiver to be ready", func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return s
}

func (s *served) post(t *testing.T, id, event string, body []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+"/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-Hub-Signature-256", loadgen.Sign([]byte(standbySecret), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		t.Fatalf("delivery %s: %d", id, resp.StatusCode)
	}
}

func (s *served) stop() {
	if s.cmd.Process != nil && s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}
