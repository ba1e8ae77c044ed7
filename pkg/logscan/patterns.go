package logscan

import (
	"regexp"
	"strings"
)

// Kind is the family of failure a line belongs to.
type Kind int

// The kinds, from least to most specific.
const (
	KindExitCode Kind = iota + 1 // "Process completed with exit code 1": in every failed log
	KindError                    // an ##[error] annotation or an "Error:" line
	KindTest                     // a failed test
	KindCompile                  // a compiler or type-checker error
	KindPanic                    // a panic, crash or uncaught exception
	KindOOM                      // out of memory, or killed
	KindTimeout                  // a time limit
	KindNetwork                  // DNS, TCP, TLS, an upstream 5xx
)

var kindNames = map[Kind]string{
	KindExitCode: "exit_code", KindError: "error", KindTest: "test", KindCompile: "compile",
	KindPanic: "panic", KindOOM: "oom", KindTimeout: "timeout", KindNetwork: "network",
}

func (k Kind) String() string { return kindNames[k] }

// rank: the specific kinds tie, so the earliest specific line wins; an annotation beats a
// bare exit code.
func (k Kind) rank() int {
	switch k {
	case KindExitCode:
		return 1
	case KindError:
		return 2
	}
	return 3
}

type pattern struct {
	kind Kind
	re   *regexp.Regexp
}

// patterns are tried in order; the first that matches classifies the line.
var patterns = []pattern{
	{KindExitCode, regexp.MustCompile(`(?i)process completed with exit code \d+|^exit status \d+$|make(\[\d+\])?: \*\*\* .*error \d+|returned non-zero exit status|^error: process completed`)},
	{KindOOM, regexp.MustCompile(`(?i)out of memory|oomkilled|signal: killed|killed signal terminated|exit code 137|heap out of memory|cannot allocate memory`)},
	{KindTimeout, regexp.MustCompile(`(?i)exceeded the maximum execution time|deadline exceeded|the operation was canceled|timed out after|timeout of \d+\S* exceeded`)},
	{KindNetwork, regexp.MustCompile(`(?i)dial tcp|connection refused|connection reset|i/o timeout|no such host|could not resolve host|temporary failure in name resolution|x509: |tls handshake|econnreset|etimedout|enotfound|eai_again|502 bad gateway|503 service unavailable|504 gateway`)},
	{KindPanic, regexp.MustCompile(`^panic: |^fatal error: |segmentation fault|sigsegv|^Unhandled exception|^Exception in thread|^(\w+\.)*\w*(Error|Exception): `)},
	{KindTest, regexp.MustCompile(`^\s*--- FAIL: |^FAILED \S+::|^\s*● .+ › |Tests run: \d+, Failures: [1-9]|^\s*✕ |^not ok \d+ |AssertionError`)},
	{KindCompile, regexp.MustCompile(`^\S+\.\w+:\d+:\d+: |error\[E\d+\]|^\S+\.\w+\(\d+,\d+\): error|error TS\d+|cannot find symbol|^\S+\.\w+:\d+: error:`)},
	{KindError, regexp.MustCompile(`^##\[error\]|^Error: |^error: |^ERROR[: ]|npm ERR! `)},
}

// classify says whether a line is an error line, of which kind, and the text to sign.
func classify(line string) (Kind, string, bool) {
	line = ansi.ReplaceAllString(line, "")
	text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "##[error]"))
	if text == "" {
		return 0, "", false
	}
	for _, p := range patterns {
		if p.re.MatchString(line) || p.re.MatchString(text) {
			return p.kind, text, true
		}
	}
	return 0, "", false
}

var (
	ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)
	// GitHub's own timeout message names the runner; the runner is not the failure.
	runnerName = regexp.MustCompile(`(on runner ).+?( has exceeded)`)
	urlPath    = regexp.MustCompile(`(https?://[^/\s'"]+)/[^\s'")]*`)
	uuid       = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)
	isoTime    = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?`)
	clock      = regexp.MustCompile(`\b\d{1,2}:\d{2}:\d{2}(\.\d+)?\b`)
	ipv4       = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)
	hexID      = regexp.MustCompile(`(?i)\b0x[0-9a-f]+\b|\b[0-9a-f]*[0-9][0-9a-f]*[a-f][0-9a-f]*\b|\b[0-9a-f]*[a-f][0-9a-f]*[0-9][0-9a-f]*\b`)
	winPath    = regexp.MustCompile(`\b[A-Za-z]:\\[^\s:'"]+`)
	filePath   = regexp.MustCompile(`(?:\.{0,2}/)?(?:[\w.@+-]+/)+[\w@+-]+\.[A-Za-z]\w{0,5}\b`)
	deepPath   = regexp.MustCompile(`/?(?:[\w.@+-]+/){2,}[\w.@+-]*`)
	duration   = regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|us|ms|s|m|h)\b`)
	number     = regexp.MustCompile(`\b\d+(\.\d+)?\b`)
	spaces     = regexp.MustCompile(`\s+`)
)

// Normalise replaces the parts of an error line that change from run to run: URL paths,
// UUIDs, timestamps, IP addresses, hex ids and hashes, file paths, durations and numbers.
// What is left names the failure: the test, the symbol, the message.
func Normalise(s string) string {
	s = ansi.ReplaceAllString(s, "")
	s = runnerName.ReplaceAllString(s, "${1}<runner>${2}")
	s = urlPath.ReplaceAllString(s, "${1}/<path>")
	s = uuid.ReplaceAllString(s, "<uuid>")
	s = isoTime.ReplaceAllString(s, "<time>")
	s = clock.ReplaceAllString(s, "<time>")
	s = ipv4.ReplaceAllString(s, "<ip>")
	s = winPath.ReplaceAllString(s, "<path>")
	s = filePath.ReplaceAllString(s, "<path>")
	s = deepPath.ReplaceAllStringFunc(s, func(m string) string {
		if strings.Contains(m, "<path>") || strings.Count(m, "/") < 2 {
			return m
		}
		return "<path>"
	})
	s = hexLong(s)
	s = duration.ReplaceAllString(s, "<dur>")
	s = number.ReplaceAllString(s, "<n>")
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}

// hexLong replaces hex runs of 7 or more characters mixing digits and letters (commit
// shas, digests, object ids), and 0x literals; short words like "deadbeef" in prose are
// left when they have no digit.
func hexLong(s string) string {
	return hexID.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(strings.ToLower(m), "0x") || len(m) >= 7 {
			return "<hex>"
		}
		return m
	})
}
