package gitlabapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/gitlabapi/gitlabfake"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

// runnerDetails serves GitLab's GET /runners/:id (its tag_list) for the fake's runners,
// and everything else from the fake. Tags are the real job hook's runner's for the first
// runner; a runner in failing is answered 500.
type runnerDetails struct {
	fake    *gitlabfake.Fake
	mu      sync.Mutex
	tags    map[int64][]string
	failing map[int64]bool
}

func startWithRunnerDetails(t *testing.T) (*gitlabfake.Fake, *runnerDetails, *httptest.Server) {
	t.Helper()
	rd := &runnerDetails{fake: gitlabfake.New(t), tags: map[int64][]string{12270837: {"linux", "docker"}, 12270838: {"gpu"}}, failing: map[int64]bool{}}
	srv := httptest.NewServer(rd)
	t.Cleanup(srv.Close)
	return rd.fake, rd, srv
}

func (rd *runnerDetails) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	idText, ok := strings.CutPrefix(r.URL.Path, "/api/v4/runners/")
	if !ok || r.Header.Get("Private-Token") != gitlabfake.Token {
		rd.fake.ServeHTTP(w, r)
		return
	}
	id, _ := strconv.ParseInt(idText, 10, 64)
	rd.mu.Lock()
	tags, failing := rd.tags[id], rd.failing[id]
	rd.mu.Unlock()
	rd.fake.Mu.Lock()
	listed := slices.ContainsFunc(rd.fake.Runners, func(r map[string]any) bool { return int64(r["id"].(float64)) == id })
	rd.fake.Mu.Unlock()
	switch {
	case failing:
		http.Error(w, `{"message":"500 Internal Server Error"}`, http.StatusInternalServerError)
	case !listed:
		http.Error(w, `{"message":"404 Not Found"}`, http.StatusNotFound)
	default:
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": id, "runner_type": "group_type", "tag_list": append([]string{}, tags...)})
	}
}

// A runner's tags are read when it is first listed and once a day after, so the inventory
// shows GitLab runners' labels at a request per runner a day; a failed read keeps the tags
// last read and makes the next cycle list again.
func TestRunnerTags(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fake, rd, srv := startWithRunnerDetails(t)
	c, err := New(srv.URL, gitlabfake.Token, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	c.pageSize = 2
	sync := &Sync{Client: c, Store: s, Groups: []string{"gitlab-org"}}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		name      string
		at        time.Duration
		before    func()
		wantCalls int64
		wantErr   bool
		want      []string // runner id and label key
	}{
		{"first listing: 2 pages and each runner's details", 0, nil, 2 + 3, false,
			[]string{"12270837 docker,linux", "12270838 gpu", "12270839 "}},
		{"within 10 minutes: nothing", 5 * time.Minute, nil, 0, false, nil},
		{"listed again: tags known, no details", 10 * time.Minute, nil, 2, false, nil},
		{"a new runner: its details only", 20 * time.Minute, func() {
			fake.Mu.Lock()
			fake.Runners = append(fake.Runners, map[string]any{"id": 12270840.0, "description": "new", "runner_type": "group_type", "online": true})
			fake.Mu.Unlock()
			rd.mu.Lock()
			rd.tags[12270840] = []string{"arm64"}
			rd.mu.Unlock()
		}, 2 + 1, false, []string{"12270837 docker,linux", "12270838 gpu", "12270839 ", "12270840 arm64"}},
		{"a day on: every runner's details again, one failing keeps its tags", 24*time.Hour + 30*time.Minute, func() {
			rd.mu.Lock()
			rd.tags[12270838], rd.failing[12270837] = []string{"gpu", "cuda"}, true
			rd.mu.Unlock()
		}, 2 + 4, true, []string{"12270837 docker,linux", "12270838 cuda,gpu", "12270839 ", "12270840 arm64"}},
		{"the failed one, read again next cycle", 24*time.Hour + 31*time.Minute, func() {
			rd.mu.Lock()
			rd.failing[12270837] = false
			rd.mu.Unlock()
		}, 2 + 1, false, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.before != nil {
				st.before()
			}
			before := c.Calls()
			_, err := sync.runners(ctx, now.Add(st.at))
			if calls := c.Calls() - before; calls != st.wantCalls || (err != nil) != st.wantErr {
				t.Fatalf("%d calls, error %v; want %d calls, an error: %v", calls, err, st.wantCalls, st.wantErr)
			}
			if st.want == nil {
				return
			}
			if got := runnerLabels(t, s); !slices.Equal(got, st.want) {
				t.Fatalf("labels %q, want %q", got, st.want)
			}
		})
	}
}

func runnerLabels(t *testing.T, s *store.Store) []string {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `SELECT runner_id, label_key FROM runners WHERE forge = 'gitlab' ORDER BY runner_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			t.Fatal(err)
		}
		out = append(out, strconv.FormatInt(id, 10)+" "+key)
	}
	return out
}
