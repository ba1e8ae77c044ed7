package plugin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// number is a whole-number setting that also accepts a numeric string. Grafana's
// provisioning turns every ${ENV} value into a string, so "port: ${CIRADAR_PG_PORT}" arrives
// as "5433"; an empty string means "use the default".
type number int

func (n *number) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s = strings.TrimSpace(s); s == "" {
			*n = 0
			return nil
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		*n = number(v)
		return nil
	}
	var v int
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = number(v)
	return nil
}
