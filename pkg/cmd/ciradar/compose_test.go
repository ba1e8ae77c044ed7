package main

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/jackc/pgx/v5"
	"go.yaml.in/yaml/v3"
)

// composeService is what this test reads of a docker-compose.yml service.
type composeService struct {
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
}

// composeDefault expands compose's ${NAME:-default} the way compose does with NAME unset.
var composeDefault = regexp.MustCompile(`\$\{[A-Z0-9_]+:-([^}]*)\}`)

// No Docker runs here, so this runs docker-compose.yml's receiver and simulator as the
// built binary, with the services' own commands and environments (defaults expanded, the
// services' host names mapped to this host's ports): the secrets and tokens the two share
// must agree, so jobs of both forges are stored and both reconcilers reach their fake APIs.
func TestComposeReceiverAndSimulator(t *testing.T) {
	b, err := os.ReadFile("../../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatal(err)
	}
	db := pgtest.NewDatabase(t)
	listen, githubAPI, gitlabAPI := freeAddr(t), freeAddr(t), freeAddr(t)
	hosts := strings.NewReplacer(
		"receiver:8080", listen, "simulator:8081", githubAPI, "simulator:8082", gitlabAPI)
	expand := func(v string) string { return hosts.Replace(composeDefault.ReplaceAllString(v, "$1")) }
	env := func(s composeService, override map[string]string) []string {
		out := os.Environ()
		for k, v := range s.Environment {
			if o, ok := override[k]; ok {
				v = o
			}
			out = append(out, k+"="+expand(v))
		}
		return out
	}

	rs := compose.Services["receiver"]
	if got := rs.Environment["CIRADAR_LISTEN"]; got != ":8080" {
		t.Fatalf("compose's receiver listens on %q; this test maps :8080", got)
	}
	r := startReceiver(t, listen, env(rs, map[string]string{"CIRADAR_DATABASE_URL": db, "CIRADAR_LISTEN": listen,
		"CIRADAR_LOG_FORMAT": "text"})...)

	ss := compose.Services["simulator"]
	args := make([]string, len(ss.Command))
	for i, a := range ss.Command {
		args[i] = expand(a)
		if a == ":8081" || a == ":8082" {
			args[i] = map[string]string{":8081": githubAPI, ":8082": gitlabAPI}[a]
		}
	}
	args = append(args, "-since", "24h") // the last -since wins: a day, so both organisations are busy whatever the hour
	sim := exec.Command(binary, args...)
	sim.Env = env(ss, map[string]string{"CIRADAR_LOG_FORMAT": "text"})
	simLogs := &syncBuffer{}
	sim.Stdout, sim.Stderr = simLogs, simLogs
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Process.Kill(); sim.Wait() })

	waitFor(t, 90*time.Second, "jobs of both forges from compose's simulator", func() bool { return forges(db) == 2 })
	// The receiver's reconcile interval is compose's 30s: its first cycle runs at start,
	// before the simulator's APIs may listen, so wait for the second.
	cycle := regexp.MustCompile(`msg="reconcile cycle".* api_requests=[1-9].* gitlab_api_requests=[1-9]`)
	waitFor(t, 75*time.Second, "a reconcile cycle that read both fake APIs", func() bool {
		return cycle.MatchString(r.logs.String())
	})
	if strings.Contains(r.logs.String()+simLogs.String(), "401") {
		t.Errorf("a token did not match between compose's services:\n%s\n%s", tail(r.logs.String(), 3000), tail(simLogs.String(), 3000))
	}
}

// forges counts the forges the jobs in the store at db came from (0 when it cannot be read).
func forges(db string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		return 0
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(DISTINCT forge) FROM workflow_jobs").Scan(&n); err != nil {
		return 0
	}
	return n
}
