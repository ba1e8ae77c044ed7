package logscan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func scanFile(t *testing.T, name string) Result {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := Scan(f, 0)
	if err != nil {
		t.Fatalf("scan %s: %v", name, err)
	}
	return res
}

func TestScanRealisticLogs(t *testing.T) {
	cases := []struct {
		name, file string
		kind       Kind
		text       string // normalised signature text; "" means no signature
	}{
		{"go test failure", "go-test-fail-run1.log", KindTest, "--- FAIL: TestSettlementRounding (<dur>)"},
		{"go panic", "go-panic.log", KindPanic, "panic: runtime error: invalid memory address or nil pointer dereference"},
		{"jest", "jest.log", KindTest, "● Cart › applies the discount code"},
		{"pytest", "pytest.log", KindTest, "FAILED <path>::test_csv_header - AssertionError: assert 'id,name' == 'id,name,email'"},
		{"out of memory", "oom.log", KindOOM, "fatal error: runtime: out of memory"},
		{"job timeout", "timeout.log", KindTimeout, "The job running on runner <runner> has exceeded the maximum execution time of <n> minutes."},
		{"network", "network.log", KindNetwork, "dial tcp <ip>:<n>: i/o timeout"},
		{"compile error", "compile.log", KindCompile, "<path>:<n>:<n>: undefined: postingKey"},
		{"only an exit code", "exit-only.log", KindExitCode, "Process completed with exit code <n>."},
		{"passing log", "passed.log", 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := scanFile(t, c.file)
			if c.text == "" {
				if res.Signature != nil {
					t.Fatalf("want no signature, got %+v", res.Signature)
				}
				return
			}
			s := res.Signature
			if s == nil {
				t.Fatal("no signature found")
			}
			if s.Text != c.text || s.Kind != c.kind {
				t.Errorf("got %s %q, want %s %q", s.Kind, s.Text, c.kind, c.text)
			}
			if len(s.Hash) != 32 || strings.HasPrefix(s.Excerpt, "2025-") || s.Excerpt == "" {
				t.Errorf("hash %q, excerpt %q: want a 32-char hash and the raw line without its timestamp", s.Hash, s.Excerpt)
			}
		})
	}
}

// TestSameFailureSameSignature: the same failure in two runs (other numbers, times and
// durations) gives one signature; every different failure gives a different one.
func TestSameFailureSameSignature(t *testing.T) {
	a, b := scanFile(t, "go-test-fail-run1.log"), scanFile(t, "go-test-fail-run2.log")
	if a.Signature.Hash != b.Signature.Hash {
		t.Fatalf("same failure, two signatures:\n %q\n %q", a.Signature.Text, b.Signature.Text)
	}
	if a.Signature.Excerpt == b.Signature.Excerpt {
		t.Fatal("the two runs' raw lines should differ, or the test proves nothing")
	}
	seen := map[string]string{a.Signature.Hash: "go-test-fail-run1.log"}
	for _, f := range []string{"go-panic.log", "jest.log", "pytest.log", "oom.log", "timeout.log", "network.log", "compile.log", "exit-only.log"} {
		s := scanFile(t, f).Signature
		if prev, dup := seen[s.Hash]; dup {
			t.Errorf("%s and %s share signature %q", f, prev, s.Text)
		}
		seen[s.Hash] = f
	}
}

func TestNormalise(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"uuid", "lease 3f2b8c1e-9d4a-4e7b-8f00-1a2b3c4d5e6f lost", "lease <uuid> lost"},
		{"rfc3339 times", "current time 2025-03-03T10:00:00Z is after 2025-02-01T00:00:00Z", "current time <time> is after <time>"},
		{"commit sha", "checkout b4ffde65f46336ab88eb53be808477a3936bae11 failed", "checkout <hex> failed"},
		{"url keeps host", "could not fetch https://artifacts.acme.internal/Cache/abc123", "could not fetch https://artifacts.acme.internal/<path>"},
		{"unix path", "open /home/runner/work/api/api/config.yaml: no such file", "open <path>: no such file"},
		{"windows path", `cannot open D:\a\api\api\out.log`, "cannot open <path>"},
		{"durations and numbers", "retry 3 failed after 1.5s and 200ms", "retry <n> failed after <dur> and <dur>"},
		{"ip and port", "dial tcp 10.0.4.17:5432: connection refused", "dial tcp <ip>:<n>: connection refused"},
		{"words with digits stay", "runs-on ubuntu-22 x64 arm64", "runs-on ubuntu-<n> x64 arm64"},
		{"i/o is not a path", "read: i/o timeout", "read: i/o timeout"},
		{"ansi colours", "\x1b[31mError: boom\x1b[0m", "Error: boom"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Normalise(c.in); got != c.want {
				t.Errorf("Normalise(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestScanCapsBytes(t *testing.T) {
	long := strings.Repeat("2025-03-03T10:00:00.0000000Z building...\n", 10000) + "##[error]Process completed with exit code 1.\n"
	res, err := Scan(strings.NewReader(long), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if res.BytesRead != 1000 || !res.Truncated || res.Signature != nil {
		t.Errorf("read %d, truncated %v, signature %+v; want 1000 bytes read, truncated, and no signature past the cap",
			res.BytesRead, res.Truncated, res.Signature)
	}
	res, err = Scan(strings.NewReader(long), 0)
	if err != nil || res.Truncated || res.Signature == nil {
		t.Errorf("default cap: %+v %v; want the whole log and its signature", res, err)
	}
}
