package store

import (
	"encoding/hex"

	"github.com/jackc/pgx/v5/pgtype"
)

// deliveryGUID is the uuid delivery_guids keys id by (migration 0029), or NULL when id is
// not a UUID in the spelling uuid::text gives back (lowercase hex, hyphens at 8-4-4-4-12),
// so that the id and its key are one-to-one. It is SQL's delivery_uuid in Go: the write
// path works it out here rather than running a regular expression in Postgres for every
// delivery (about 5 µs of the database's CPU each). The table's CHECK holds the two to the
// same rule, and TestDeliveryGUIDMatchesSQL compares them.
func deliveryGUID(id string) pgtype.UUID {
	var u pgtype.UUID
	if len(id) != 36 {
		return u
	}
	var digits [32]byte
	n := 0
	for i := range len(id) {
		c := id[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return u
			}
		case '0' <= c && c <= '9' || 'a' <= c && c <= 'f':
			digits[n] = c
			n++
		default:
			return u
		}
	}
	if _, err := hex.Decode(u.Bytes[:], digits[:]); err != nil {
		return pgtype.UUID{}
	}
	u.Valid = true
	return u
}
