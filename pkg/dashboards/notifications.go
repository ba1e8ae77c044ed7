package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
)

// ContactPointName is the provisioned contact point the policy sends to.
const ContactPointName = "CI Radar"

// Environment variables the notification template reads. It is provisioned only when one
// is set (docs/alerts.md): Grafana refuses to start on a contact point without its URL.
const (
	WebhookEnv = "CIRADAR_ALERT_WEBHOOK_URL"
	EmailEnv   = "CIRADAR_ALERT_EMAIL"
)

// NotificationsFile is Grafana's file provisioning of contact points and the notification
// policy tree. The SDK builds the parts (the HTTP API's shapes); the envelope is the file
// format's own.
type NotificationsFile struct {
	APIVersion    int                 `json:"apiVersion"`
	ContactPoints []ContactPointGroup `json:"contactPoints"`
	Policies      []PolicyTree        `json:"policies"`
}

// ContactPointGroup is one contact point of the file: a name and its integrations.
type ContactPointGroup struct {
	OrgID     int64                   `json:"orgId"`
	Name      string                  `json:"name"`
	Receivers []alerting.ContactPoint `json:"receivers"`
}

// PolicyTree is an organisation's whole notification policy tree.
type PolicyTree struct {
	OrgID int64 `json:"orgId"`
	alerting.NotificationPolicy
}

// NotificationVariants are the files, by name, for each set of integrations an operator
// may turn on: a webhook, e-mail, or both.
var NotificationVariants = map[string][2]bool{"webhook": {true, false}, "email": {false, true}, "webhook-email": {true, true}}

// Notifications builds the contact point and policy tree with the integrations asked for.
// The URL and addresses stay environment references, which Grafana interpolates when it
// provisions: no secret is in the file.
func Notifications(webhook, email bool) (NotificationsFile, error) {
	cp := ContactPointGroup{OrgID: 1, Name: ContactPointName}
	add := func(uid string, typ alerting.ContactPointType, settings map[string]any) error {
		c, err := alerting.NewContactPointBuilder().Uid(uid).Type(typ).Settings(settings).DisableResolveMessage(false).Build()
		if err != nil {
			return err
		}
		cp.Receivers = append(cp.Receivers, c)
		return nil
	}
	if webhook {
		if err := add("ciradar-webhook", alerting.ContactPointTypeWebhook,
			map[string]any{"url": "${" + WebhookEnv + "}", "httpMethod": "POST"}); err != nil {
			return NotificationsFile{}, err
		}
	}
	if email {
		if err := add("ciradar-email", alerting.ContactPointTypeEmail,
			map[string]any{"addresses": "${" + EmailEnv + "}", "singleEmail": true}); err != nil {
			return NotificationsFile{}, err
		}
	}
	// Alerts are grouped per rule, team and repository, so one broken repository is one
	// notification however many workflows fail. Critical ones repeat hourly while they
	// last, the rest every four hours.
	critical := alerting.NewNotificationPolicyBuilder().Receiver(ContactPointName).
		ObjectMatchers(alerting.ObjectMatchers{{"severity", "=", "critical"}}).RepeatInterval("1h")
	root, err := alerting.NewNotificationPolicyBuilder().Receiver(ContactPointName).
		GroupBy([]string{"grafana_folder", "alertname", "team", "repo"}).
		GroupWait("30s").GroupInterval("5m").RepeatInterval("4h").
		Routes([]cog.Builder[alerting.NotificationPolicy]{critical}).Build()
	if err != nil {
		return NotificationsFile{}, err
	}
	return NotificationsFile{APIVersion: 1, ContactPoints: []ContactPointGroup{cp}, Policies: []PolicyTree{{OrgID: 1, NotificationPolicy: root}}}, nil
}
