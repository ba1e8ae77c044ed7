package simulate

import (
	"fmt"
	"net/http"
	"strings"
)

// gitlabHeader is the request headers GitLab sends with a hook. GitLab does not sign: it
// sends the webhook's secret token itself. X-Gitlab-Event-UUID names this attempt and
// Idempotency-Key the hook execution, which a retry keeps; a duplicate here is such a
// retry, so it keeps both, like GitHub's redeliveries keep their GUID.
func (d Delivery) gitlabHeader(token string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "GitLab/17.6.0")
	h.Set("X-Gitlab-Event", d.Event)
	h.Set("X-Gitlab-Token", token)
	h.Set("X-Gitlab-Event-UUID", d.GUID)
	h.Set("X-Gitlab-Webhook-UUID", hookUUID(d.Org))
	h.Set("Idempotency-Key", idempotencyKey(d.GUID))
	h.Set("X-Gitlab-Instance", strings.TrimSuffix(d.Org.world.GitLabURL, "/"))
	return h
}

// hookUUID is the group webhook's own UUID.
func hookUUID(o *Org) string {
	a := hash64(uint64(o.ID), uint64(o.HookID))
	return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", uint32(a), uint16(a>>32), uint16(a>>48)&0xfff, uint16(a>>20)&0xfff, a&0xffffffffffff)
}

// idempotencyKey is a hook execution's key: derived from its event UUID, and different.
func idempotencyKey(guid string) string {
	a := fnvString(guid)
	return fmt.Sprintf("%08x-%04x-4%03x-b%03x-%012x", uint32(a), uint16(a>>32), uint16(a>>48)&0xfff, uint16(a>>8)&0xfff, a>>16&0xffffffffffff)
}
