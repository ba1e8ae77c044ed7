package dashboards

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// notificationsYAML is a notification file as Grafana's provisioning reads it.
type notificationsYAML struct {
	ContactPoints []struct {
		Name      string `yaml:"name"`
		Receivers []struct {
			UID      string         `yaml:"uid"`
			Type     string         `yaml:"type"`
			Settings map[string]any `yaml:"settings"`
		} `yaml:"receivers"`
	} `yaml:"contactPoints"`
	Policies []policyYAML `yaml:"policies"`
}

type policyYAML struct {
	Receiver       string       `yaml:"receiver"`
	GroupBy        []string     `yaml:"group_by"`
	ObjectMatchers [][]string   `yaml:"object_matchers"`
	Routes         []policyYAML `yaml:"routes"`
}

// The notification templates: nothing in provisioning/alerting provisions a contact point
// or policy (Grafana would refuse to start on one whose URL is unset); each template, with
// its variables set as Grafana interpolates them, has every integration filled in, sends
// to its own contact point, and routes and groups only on labels every rule carries.
func TestNotificationTemplates(t *testing.T) {
	files, _ := filepath.Glob(provisioningDir + "/alerting/*")
	for _, f := range files {
		var n notificationsYAML
		readYAML(t, f, &n)
		if len(n.ContactPoints) > 0 || len(n.Policies) > 0 {
			t.Errorf("%s provisions notifications by default", f)
		}
	}
	ruleLabels := map[string]bool{"alertname": true, "grafana_folder": true}
	for _, r := range loadRules(t) {
		for k := range r.Labels {
			ruleLabels[k] = true
		}
	}
	env := map[string]string{WebhookEnv: "https://hooks.example.com/ci", EmailEnv: "ci@example.com"}
	for name, v := range NotificationVariants {
		t.Run(name, func(t *testing.T) {
			var n notificationsYAML
			readYAML(t, notificationsPath(name), &n)
			if len(n.ContactPoints) != 1 || len(n.Policies) != 1 {
				t.Fatalf("%d contact points and %d policy trees, want one each", len(n.ContactPoints), len(n.Policies))
			}
			var types []string
			for _, r := range n.ContactPoints[0].Receivers {
				types = append(types, r.Type)
				for k, s := range r.Settings {
					str, ok := s.(string)
					if !ok || !strings.Contains(str, "$") {
						continue
					}
					if got := interpolate(str, env); got == "" || strings.Contains(got, "$") {
						t.Errorf("%s setting %s = %q interpolates to %q", r.Type, k, str, got)
					}
					if interpolate(str, nil) != "" {
						t.Errorf("%s setting %s holds a value of its own, not only the environment's", r.Type, k)
					}
				}
			}
			slices.Sort(types)
			want := []string{}
			if v[1] {
				want = append(want, "email")
			}
			if v[0] {
				want = append(want, "webhook")
			}
			if !slices.Equal(types, want) {
				t.Errorf("integrations %v, want %v", types, want)
			}
			var walk func(p policyYAML)
			walk = func(p policyYAML) {
				if p.Receiver != "" && p.Receiver != n.ContactPoints[0].Name {
					t.Errorf("policy sends to %q, which the file does not provision", p.Receiver)
				}
				for _, g := range p.GroupBy {
					if !ruleLabels[g] {
						t.Errorf("policy groups by %q, a label no rule carries", g)
					}
				}
				for _, m := range p.ObjectMatchers {
					if len(m) != 3 || !ruleLabels[m[0]] {
						t.Errorf("matcher %v is not on a label the rules carry", m)
					}
				}
				for _, r := range p.Routes {
					walk(r)
				}
			}
			walk(n.Policies[0])
		})
	}
	// docker compose turns them on by these variables: its setup copies the one asked for.
	compose, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{WebhookEnv, EmailEnv, "provisioning/notifications"} {
		if !strings.Contains(string(compose), s) {
			t.Errorf("docker-compose.yml does not mention %s", s)
		}
	}
}
