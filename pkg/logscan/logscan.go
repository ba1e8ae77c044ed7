// Package logscan turns a failed job's log into an error signature: the line that says why
// the job failed, with its volatile parts (times, numbers, hashes, paths, ids) normalised
// away, and a hash of that normalised text. The same failure in two runs gives the same
// signature; a different failure gives a different one.
//
// One signature per job, on purpose: it is the job's reason for failing, so counts of a
// signature are counts of jobs. A log holds many error-looking lines (the final "Process
// completed with exit code 1" is in every failed log); the scanner ranks them and keeps
// the most specific, earliest one.
package logscan

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
)

// DefaultMaxBytes caps how much of a log is read. Failure lines sit near the end of a
// step, and a runaway log must not cost memory; 8 MiB covers nearly every real job log.
const DefaultMaxBytes = 8 << 20

// maxLine bounds one line: longer lines are cut (minified output, base64 blobs).
const maxLine = 4096

// Signature is a job's error signature.
type Signature struct {
	Hash    string // hex SHA-256 of Text, 32 characters
	Text    string // the normalised line
	Excerpt string // the line as it appeared, without the runner's timestamp
	Kind    Kind   // which pattern it matched
}

// Result is what a scan found.
type Result struct {
	Signature *Signature // nil when no error line was found
	BytesRead int64
	Truncated bool // the log was longer than the cap
}

// Scan reads at most maxBytes of a job log (0 means DefaultMaxBytes) and returns its
// signature.
func Scan(r io.Reader, maxBytes int64) (Result, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	lr := &io.LimitedReader{R: r, N: maxBytes + 1}
	sc := bufio.NewScanner(lr)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	sc.Split(scanLines)
	var best *candidate
	for sc.Scan() {
		line := stripTimestamp(sc.Text())
		if len(line) > maxLine {
			line = line[:maxLine]
		}
		k, text, ok := classify(line)
		if !ok {
			continue
		}
		// Earliest line of the most specific kind: later lines of a failure are usually
		// consequences (the exit code, the runner's summary) of the first.
		if best == nil || k.rank() > best.kind.rank() {
			best = &candidate{kind: k, raw: line, text: text}
		}
	}
	if err := sc.Err(); err != nil {
		return Result{}, err
	}
	res := Result{BytesRead: min(maxBytes+1-lr.N, maxBytes), Truncated: lr.N == 0}
	if best != nil {
		norm := Normalise(best.text)
		sum := sha256.Sum256([]byte(norm))
		res.Signature = &Signature{Hash: hex.EncodeToString(sum[:16]), Text: norm, Excerpt: strings.TrimSpace(best.raw), Kind: best.kind}
	}
	return res, nil
}

type candidate struct {
	kind Kind
	raw  string
	text string
}

// scanLines splits on newlines but never fails on an over-long line: it hands back the
// buffer's worth, and the rest of the line comes as the next token.
func scanLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := strings.IndexByte(string(data), '\n'); i >= 0 {
		return i + 1, []byte(strings.TrimRight(string(data[:i]), "\r")), nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	if len(data) >= 1<<20 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// stripTimestamp drops the runner's "2025-03-03T10:00:00.1234567Z " prefix.
func stripTimestamp(line string) string {
	if len(line) > 20 && line[4] == '-' && line[7] == '-' && line[10] == 'T' {
		if i := strings.IndexByte(line, ' '); i > 0 && i < 40 && line[i-1] == 'Z' {
			return line[i+1:]
		}
	}
	return line
}
