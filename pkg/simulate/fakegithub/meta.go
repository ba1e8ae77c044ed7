package fakegithub

import "net/http"

// defaultHookRanges are the webhook source ranges the fake's /meta publishes: GitHub's own
// published hook ranges, and loopback, where the simulator sends from, so that a receiver
// run with its GitHub allowlist on accepts the simulated world.
var defaultHookRanges = []string{
	"192.30.252.0/22", "185.199.108.0/22", "140.82.112.0/20", "143.55.64.0/20",
	"2a0a:a440::/29", "2606:50c0::/32", "127.0.0.0/8", "::1/128",
}

func (s *Server) metaRoutes() {
	s.mux.HandleFunc("GET /meta", s.meta)
}

// meta answers GitHub's GET /meta with the part CI Radar reads. Like GitHub, it needs no
// credential.
func (s *Server) meta(w http.ResponseWriter, r *http.Request) {
	hooks := s.cfg.HookRanges
	if hooks == nil {
		hooks = defaultHookRanges
	}
	s.reply(w, r, http.StatusOK, map[string]any{"verifiable_password_authentication": false, "hooks": hooks})
}
