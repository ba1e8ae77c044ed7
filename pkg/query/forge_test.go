package query_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// seedGitLabTwin adds to the seeded GitHub world a GitLab pipeline and job (GitLab's own
// hook examples) whose ids are those of a GitHub run and one of its jobs: ids are only
// unique within a forge, so joins and lookups by id must keep the two apart.
func seedGitLabTwin(t *testing.T, url string, runID, jobID int64) {
	t.Helper()
	ctx := context.Background()
	at := t0.Add(3 * time.Hour)
	stamp := func(d time.Duration) (string, string) {
		ts := at.Add(d)
		return ts.Format("2006-01-02 15:04:05 UTC"), ts.Format(time.RFC3339)
	}
	job := fixtures.GitLabEdited("job", func(doc map[string]any) {
		doc["build_id"], doc["pipeline_id"] = jobID, runID
		for _, f := range []struct {
			name string
			d    time.Duration
		}{{"created_at", 0}, {"started_at", time.Minute}, {"finished_at", 3 * time.Minute}} {
			doc["build_"+f.name], doc["build_"+f.name+"_iso"] = stamp(f.d)
		}
	})
	pipeline := fixtures.GitLabEdited("pipeline", func(doc map[string]any) {
		oa := doc["object_attributes"].(map[string]any)
		oa["id"] = runID
		oa["created_at"], _ = stamp(0)
		oa["finished_at"], _ = stamp(3 * time.Minute)
		delete(doc, "builds") // the twin is one job: the pipeline's own jobs would add theirs
	})
	var items []store.Item
	for _, d := range []store.Delivery{
		{ID: "gl-job", Event: store.GitLabJobHook, Payload: job, ReceivedAt: at.Add(3 * time.Minute), Forge: store.ForgeGitLab},
		{ID: "gl-pipeline", Event: store.GitLabPipelineHook, Payload: pipeline, ReceivedAt: at.Add(3 * time.Minute), Forge: store.ForgeGitLab},
	} {
		p, err := store.Project(d)
		if err != nil {
			t.Fatalf("project %s: %v", d.ID, err)
		}
		items = append(items, store.Item{Delivery: d, Projection: p})
	}
	s, err := store.Open(ctx, url, store.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Write(ctx, items); err != nil {
		t.Fatal(err)
	}
}

// rowsWith are the row indexes of f whose field name holds v.
func rowsWith(t *testing.T, f *data.Frame, name string, v any) []int {
	t.Helper()
	fl, _ := f.FieldByName(name)
	if fl == nil {
		t.Fatalf("frame %s has no field %s", f.Name, name)
	}
	var out []int
	for i := 0; i < fl.Len(); i++ {
		if got, ok := fl.ConcreteAt(i); ok && got == v {
			out = append(out, i)
		}
	}
	return out
}

func text(f *data.Frame, name string, i int) string {
	fl, _ := f.FieldByName(name)
	if fl == nil {
		return ""
	}
	v, ok := fl.ConcreteAt(i)
	if !ok {
		return ""
	}
	s, _ := v.(string)
	return s
}

// TestForgesStayApart: with a GitHub run and job and a GitLab pipeline and job sharing
// their ids in one store, the forges filter separates them, a job is joined to its own
// forge's run only, and each row links to its own forge.
func TestForgesStayApart(t *testing.T) {
	w := newWorld()
	pool, url := seed(t, w)
	runID, jobID := w.runs[1].id, int64(0)
	githubJobs := 0
	for _, j := range w.jobs {
		if j.run == runID && jobID == 0 {
			jobID = j.id
		}
	}
	if jobID == 0 {
		t.Fatal("the seeded run has no job")
	}
	seedGitLabTwin(t, url, runID, jobID)
	env := query.Env{DB: pool, Status: fakeStatus{}}
	all, err := types["jobs"](context.Background(), env, request(`{"limit": 5000}`))
	if err != nil {
		t.Fatal(err)
	}
	githubJobs = all[0].Rows() - 1
	tests := []struct {
		name, queryType, json string
		rows                  int    // rows in the answer; -1: GitHub's jobs
		key                   string // a field, and below the value every row must or must not have
		gitlab                bool   // whether the rows are the GitLab ones
	}{
		{"jobs of gitlab only", "jobs", `{"filters": {"forges": ["gitlab"]}}`, 1, "job_id", true},
		{"jobs of github only", "jobs", `{"limit": 5000, "filters": {"forges": ["github"]}}`, -1, "job_id", false},
		{"pipeline of the gitlab id", "pipeline", `{"runId": ` + itoa(runID) + `, "filters": {"forges": ["gitlab"]}}`, 1, "run_id", true},
		{"pipeline of a shared id prefers github", "pipeline", `{"runId": ` + itoa(runID) + `}`, -2, "run_id", false},
		{"active jobs of github only", "active_jobs", `{"filters": {"forges": ["github"]}}`, -2, "job_id", false},
		{"top repositories of gitlab", "repo_stats", `{"dimension": "repo", "filters": {"forges": ["gitlab"]}}`, 1, "repo", true},
		{"top repositories of github", "repo_stats", `{"dimension": "repo", "filters": {"forges": ["github"]}}`, -2, "repo", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			frames, err := types[tc.queryType](context.Background(), env, request(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			f := frames[0]
			switch tc.rows {
			case -1:
				if f.Rows() != githubJobs {
					t.Errorf("rows = %d, want GitHub's %d", f.Rows(), githubJobs)
				}
			case -2:
				if f.Rows() < 1 {
					t.Errorf("no row")
				}
			default:
				if f.Rows() != tc.rows {
					t.Errorf("rows = %d, want %d", f.Rows(), tc.rows)
				}
			}
			for i := 0; i < f.Rows(); i++ {
				if fl, _ := f.FieldByName("job_url"); fl != nil {
					if u := text(f, "job_url", i); onGitLab(u) != tc.gitlab {
						t.Errorf("row %d: job_url %q, want GitLab's: %v", i, u, tc.gitlab)
					}
				}
				// The repository cell's page: the GitLab project's on its instance (job.json's
				// project), a GitHub repository's on the GitHub base.
				want := query.DefaultGitHubWebURL + "/" + text(f, "repo", i)
				if tc.gitlab {
					want = "http://192.168.64.1:3005/gitlab-org/gitlab-test"
				}
				if got := text(f, "repo_url", i); got != want {
					t.Errorf("row %d: repo_url %q, want %q", i, got, want)
				}
			}
			if tc.queryType == "pipeline" {
				// The stage is GitLab's (job.json's build_stage); GitHub has none.
				want := map[bool]string{true: "coordinated:tag", false: ""}[tc.gitlab]
				if fl, _ := f.FieldByName("stage"); fl == nil {
					t.Errorf("no stage field")
				}
				for i := 0; i < f.Rows(); i++ {
					if got := text(f, "stage", i); got != want {
						t.Errorf("row %d: stage %q, want %q", i, got, want)
					}
				}
			}
			if fl, _ := f.FieldByName("job_url"); fl != nil && tc.gitlab && f.Rows() == 1 {
				if u := text(f, "job_url", 0); !strings.HasSuffix(u, "/-/jobs/"+itoa(jobID)) {
					t.Errorf("job_url %q is not GitLab's job page of %d", u, jobID)
				}
				if u := text(f, "run_url", 0); !strings.HasSuffix(u, "/-/pipelines/"+itoa(runID)) {
					t.Errorf("run_url %q is not GitLab's pipeline page of %d", u, runID)
				}
			}
		})
	}
	// Unfiltered, the shared job id is on two rows, one per forge, each with its own run's
	// event: a join by ids alone would give each job both runs (four rows).
	t.Run("joins do not cross forges", func(t *testing.T) {
		rows := rowsWith(t, all[0], "job_id", jobID)
		if len(rows) != 2 {
			t.Fatalf("job %d is on %d rows, want 2 (one per forge)", jobID, len(rows))
		}
		events := map[bool]string{}
		for _, i := range rows {
			events[onGitLab(text(all[0], "job_url", i))] = text(all[0], "event", i)
		}
		if events[true] != "merge_request_event" || events[false] != w.runs[1].event {
			t.Errorf("events by forge (gitlab: true) = %v, want GitLab's merge_request_event and GitHub's %s", events, w.runs[1].event)
		}
	})
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// onGitLab tells a GitLab link (a page below the project's /-/, on the instance the hooks
// named) from a GitHub one (on the configured GitHub base).
func onGitLab(u string) bool {
	return strings.Contains(u, "/-/") && !strings.HasPrefix(u, query.DefaultGitHubWebURL)
}
