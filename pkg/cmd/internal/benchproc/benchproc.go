// Package benchproc holds what the end-to-end benchmarks (benchingest, benchabuse) share
// to run the real receiver as a separate process: a build of ciradar, a free loopback
// address, and a wait for readiness.
package benchproc

import (
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"time"
)

// BuildCiradar builds the ciradar binary into dir; run from the repository root.
func BuildCiradar(dir string) (string, error) {
	bin := filepath.Join(dir, "ciradar")
	if out, err := exec.Command("go", "build", "-o", bin, "./pkg/cmd/ciradar").CombinedOutput(); err != nil {
		return "", fmt.Errorf("build (run from the repository root): %v\n%s", err, out)
	}
	return bin, nil
}

// FreeAddr picks a loopback address with a free port.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// WaitReady polls the receiver's /readyz until it answers 200, for at most within.
func WaitReady(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("receiver not ready after %s", within)
}
