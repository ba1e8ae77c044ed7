package gitlabapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/logscan"
	"github.com/ciradar/ciradar/pkg/store"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// maxTraceTries bounds retries of a trace whose download failed for a transient reason.
const maxTraceTries = 3

// DefaultMaxTraces is how many failed jobs' traces one cycle reads at most.
const DefaultMaxTraces = 20

// scanTraces reads the traces of failed GitLab jobs not yet scanned, newest first, and
// records each one's error signature, in the same signatures as GitHub's logs (the
// occurrence says which forge). It costs nothing while no job has failed.
func (s *Sync) scanTraces(ctx context.Context, now time.Time) (int, error) {
	limit := s.MaxTraces
	if limit == 0 {
		limit = DefaultMaxTraces
	}
	if limit < 0 {
		return 0, nil
	}
	jobs, err := s.Store.JobsToScanOf(ctx, store.ForgeGitLab, now.Add(-time.Hour), maxTraceTries, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, j := range jobs {
		res := s.scanTrace(ctx, j)
		res.ScannedAt = now
		if err := s.Store.SaveScan(ctx, res); err != nil {
			errs = append(errs, err)
			continue
		}
		if res.State == store.ScanFound || res.State == store.ScanEmpty {
			n++
		}
	}
	return n, errors.Join(errs...)
}

func (s *Sync) scanTrace(ctx context.Context, j store.ScanJob) store.ScanResult {
	res := store.ScanResult{JobID: j.JobID, Forge: store.ForgeGitLab, Repo: j.Repo, SeenAt: j.CompletedAt}
	trace, resp, err := s.Client.gl.Jobs.GetTraceFile(j.Repo, j.JobID, gitlab.WithContext(ctx))
	if err != nil {
		res.State = store.ScanError
		if resp != nil {
			res.HTTPStatus = resp.StatusCode
			if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
				res.State = store.ScanExpired // erased, or the project's artifacts expired
			}
		}
		return res
	}
	out, err := logscan.Scan(runnerLinesDropped(trace), s.TraceBytes)
	res.HTTPStatus, res.BytesRead = http.StatusOK, out.BytesRead
	switch {
	case err != nil:
		res.State = store.ScanError
	case out.Signature == nil:
		res.State = store.ScanEmpty
	default:
		res.State = store.ScanFound
		res.Hash, res.Text, res.Excerpt = out.Signature.Hash, out.Signature.Text, out.Signature.Excerpt
	}
	return res
}

// sectionMarker is the invisible head of GitLab's collapsible sections
// ("section_start:1700000000:step_script[collapsed=true]\r\x1b[0K").
var (
	sectionMarker = regexp.MustCompile(`^(?:\x1b\[0K)?section_(?:start|end):\d+:[^\r]*\r(?:\x1b\[0K)?`)
	ansiCode      = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)
)

// runnerLinesDropped shows a trace as a person reads it: without section markers, and
// without the runner's own closing line ("ERROR: Job failed: exit code 1"), which every
// failed job has and which would otherwise be the signature of a failure that printed no
// error line of its own.
func runnerLinesDropped(r io.Reader) io.Reader {
	var out bytes.Buffer
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sectionMarker.ReplaceAllString(sc.Text(), "")
		if strings.HasPrefix(strings.TrimSpace(ansiCode.ReplaceAllString(line, "")), "ERROR: Job failed") {
			continue
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	return &out
}
