package gitlabapi

import (
	"strings"
	"testing"

	"github.com/ciradar/ciradar/pkg/logscan"
)

// traceFailedTest is a GitLab trace as a runner writes it: ANSI colours, collapsible
// sections, and the runner's own closing error line.
const traceFailedTest = "\x1b[0KRunning with gitlab-runner 17.5.0 (a1b2c3d4)\x1b[0;m\n" +
	"section_start:1733400000:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting \"step_script\" stage of the job script\x1b[0;m\n" +
	"\x1b[32;1m$ go test ./...\x1b[0;m\n" +
	"--- FAIL: TestParseConfig (0.00s)\n" +
	"    config_test.go:41: got 3 entries, want 4\n" +
	"FAIL\n" +
	"section_end:1733400012:step_script\r\x1b[0K\n" +
	"\x1b[31;1mERROR: Job failed: exit code 1\n\x1b[0;m\n"

// What a GitLab trace signs: its own first error line, never the runner's "Job failed"
// line that every failed job ends with, and a line behind a section marker as shown.
func TestTraceSignature(t *testing.T) {
	cases := []struct {
		name     string
		trace    string
		wantText string // "" : no signature
	}{
		{"a failed test", traceFailedTest, "--- FAIL: TestParseConfig"},
		{"only the runner's line", "\x1b[0KRunning with gitlab-runner 17.5.0\n\x1b[31;1mERROR: Job failed: exit code 2\n", ""},
		{"an error behind a section marker", "section_start:1733400000:deploy\r\x1b[0KError: connection refused to registry.example.com:5000\n" +
			"ERROR: Job failed: exit code 1\n", "Error: connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := logscan.Scan(runnerLinesDropped(strings.NewReader(c.trace)), 0)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.wantText == "" && out.Signature != nil:
				t.Fatalf("signature %q, want none", out.Signature.Text)
			case c.wantText != "" && (out.Signature == nil || !strings.Contains(out.Signature.Excerpt, c.wantText)):
				t.Fatalf("signature %+v, want one from %q", out.Signature, c.wantText)
			}
		})
	}
}
