package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/gitlabapi/gitlabfake"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/jackc/pgx/v5"
)

// The real binary against the fake GitLab API: `backfill -forge gitlab` loads the old
// pipeline and its jobs, `reconcile -once` repairs the pipeline once it moves on and lists
// the group's runners, and the token never reaches the output.
func TestGitLabReconcilerAgainstTheBinary(t *testing.T) {
	ctx := context.Background()
	db := pgtest.NewDatabase(t)
	fake, srv := gitlabfake.Start(t)
	env := []string{"CIRADAR_DATABASE_URL=" + db, "PATH=" + os.Getenv("PATH"), "CIRADAR_GITLAB_URL=" + srv.URL,
		"CIRADAR_GITLAB_TOKEN=" + gitlabfake.Token, "CIRADAR_GITLAB_GROUPS=gitlab-org"}
	count := func(query string) int {
		t.Helper()
		conn, err := pgx.Connect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := []struct {
		name   string
		before func()
		args   []string
		checks map[string]int
	}{
		{"backfill -forge gitlab", func() {}, []string{"backfill", "-forge", "gitlab", "-since", "4000d"}, map[string]int{
			"SELECT count(*) FROM workflow_jobs WHERE forge = 'gitlab'":             5,
			"SELECT count(*) FROM workflow_runs WHERE forge = 'gitlab'":             1,
			"SELECT count(*) FROM reconcile_checkpoints WHERE name LIKE 'gitlab:%'": 0,
			"SELECT count(*) FROM runners WHERE forge = 'gitlab'":                   0,
		}},
		{"reconcile -once after the pipeline moved on", func() { fake.Update("failed", time.Now().Add(-time.Minute), 4, "failed") },
			[]string{"reconcile", "-once"}, map[string]int{
				"SELECT count(*) FROM workflow_jobs WHERE forge = 'gitlab' AND conclusion = 'failure'":      1,
				"SELECT count(*) FROM reconcile_checkpoints WHERE name LIKE 'gitlab:pipelines:%'":           1,
				"SELECT count(*) FROM runners WHERE forge = 'gitlab' AND scope = 'gitlab:group:gitlab-org'": 3,
			}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.before()
			cmd := exec.Command(binary, st.args...)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %v\n%s", st.args, err, out)
			}
			if strings.Contains(string(out), gitlabfake.Token) {
				t.Fatalf("the token is in the output:\n%s", out)
			}
			for q, want := range st.checks {
				if got := count(q); got != want {
					t.Errorf("%s: %d, want %d", q, got, want)
				}
			}
		})
	}
}
