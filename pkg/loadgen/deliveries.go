// Package loadgen drives a receiver with signed, realistic workflow_job deliveries: each
// job is queued, then in progress, then completed, each delivery with a unique id. It is
// the engine of `ciradar loadgen` and of the receiver's crash test.
package loadgen

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
)

// Delivery is one signed request, ready to send.
type Delivery struct {
	ID        string
	Event     string
	Body      []byte
	Signature string // X-Hub-Signature-256
	JobID     int64
}

// The real payloads each state is cut from: together about 7.6 KB a delivery, like GitHub's.
var stateTemplates = []struct{ status, fixture string }{
	{"queued", "workflow_job.queued.1"},
	{"in_progress", "workflow_job.in_progress.1"},
	{"completed", "workflow_job.completed.2"},
}

// Placeholders written into the templates once, then swapped per delivery.
const (
	jobToken     = "987654321987654"
	runToken     = "876543218765432"
	createdToken = "CREATED_AT_TOKEN"
	startedToken = "STARTED_AT_TOKEN"
	doneToken    = "COMPLETED_AT_TOKEN"
)

// Generator makes deliveries for synthetic jobs from real payload templates.
type Generator struct {
	secret    []byte
	prefix    string
	templates [][]byte
	base      time.Time
}

// NewGenerator prepares the templates. prefix starts every delivery id, so a run's
// deliveries can be counted in the store afterwards.
func NewGenerator(secret, prefix string, base time.Time) (*Generator, error) {
	g := &Generator{secret: []byte(secret), prefix: prefix, base: base.UTC()}
	var first map[string]any
	for _, st := range stateTemplates {
		var doc map[string]any
		if err := json.Unmarshal(fixtures.Get(st.fixture), &doc); err != nil {
			return nil, fmt.Errorf("template %s: %w", st.fixture, err)
		}
		j, ok := doc["workflow_job"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("template %s has no workflow_job", st.fixture)
		}
		if first == nil {
			first = doc
		} else {
			sameJob(doc, first)
		}
		j["id"], j["run_id"] = json.Number(jobToken), json.Number(runToken)
		j["status"], j["created_at"], j["started_at"] = st.status, createdToken, createdToken
		j["labels"] = []string{"self-hosted", "linux", "x64"}
		if st.status != "queued" {
			j["started_at"], j["runner_name"] = startedToken, "loadgen-runner"
		}
		if st.status == "completed" {
			j["completed_at"], j["conclusion"] = doneToken, "success"
		}
		doc["action"] = st.status
		body, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		g.templates = append(g.templates, body)
	}
	return g, nil
}

// eventIdentity and jobIdentity are the keys every event of one job carries alike: the templates come from
// different jobs, and a job whose repository changed between its events is not one GitHub
// sends (it also made every projection update touch every index).
var (
	eventIdentity = []string{"repository", "organization", "sender", "enterprise", "installation"}
	jobIdentity   = []string{"run_attempt", "run_url", "html_url", "url", "check_run_url", "workflow_name",
		"name", "head_branch", "head_sha"}
)

// sameJob makes doc an event of the same job as first.
func sameJob(doc, first map[string]any) {
	for _, k := range eventIdentity {
		if v, ok := first[k]; ok {
			doc[k] = v
		} else {
			delete(doc, k)
		}
	}
	j, fj := doc["workflow_job"].(map[string]any), first["workflow_job"].(map[string]any)
	for _, k := range jobIdentity {
		j[k] = fj[k]
	}
}

// Job returns the three deliveries of job n, in causal order.
func (g *Generator) Job(n int64) []Delivery {
	jobID := 5_000_000_000 + n
	created := g.base.Add(time.Duration(n) * time.Second)
	started := created.Add(time.Duration(5+n%60) * time.Second)
	done := started.Add(2 * time.Minute)
	out := make([]Delivery, len(g.templates))
	for i, tpl := range g.templates {
		body := bytes.ReplaceAll(tpl, []byte(jobToken), []byte(strconv.FormatInt(jobID, 10)))
		body = bytes.ReplaceAll(body, []byte(runToken), []byte(strconv.FormatInt(jobID/4, 10)))
		body = bytes.ReplaceAll(body, []byte(createdToken), []byte(created.Format(time.RFC3339)))
		body = bytes.ReplaceAll(body, []byte(startedToken), []byte(started.Format(time.RFC3339)))
		body = bytes.ReplaceAll(body, []byte(doneToken), []byte(done.Format(time.RFC3339)))
		out[i] = Delivery{
			ID:        fmt.Sprintf("%s-%d-%s", g.prefix, jobID, stateTemplates[i].status),
			Event:     "workflow_job",
			Body:      body,
			Signature: Sign(g.secret, body),
			JobID:     jobID,
		}
	}
	return out
}

// Sign computes GitHub's X-Hub-Signature-256 value.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
