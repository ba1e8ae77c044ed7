package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// fetchProfile takes a CPU profile of the receiver through its debug listener, over the
// load: it starts once the receiver is busy (the load tool first spends some seconds
// preparing deliveries) and stops before the last seconds of the run.
func fetchProfile(pid int, debugAddr, file string, load time.Duration) error {
	idle := treeCPU(pid)
	for treeCPU(pid)-idle < 200*time.Millisecond {
		time.Sleep(50 * time.Millisecond)
	}
	seconds := max(int((load-3*time.Second)/time.Second), 1)
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", debugAddr, seconds))
	if err != nil {
		return fmt.Errorf("fetch profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch profile: %s", resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("write profile: %w", err)
	}
	return f.Close()
}
