-- 0022: a heartbeat every `ciradar serve` writes on the primary. A hot standby replays it
-- like any row, so its age there is how far the standby trails the primary, measured the
-- same way whether the primary is busy or idle. (Comparing WAL positions on the standby
-- cannot tell: the received position stops at a page boundary past the last record, so a
-- caught-up standby looks behind, and a standby cut off from its primary looks current.)
CREATE TABLE replication_heartbeat (
    singleton boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    beat_at   timestamptz NOT NULL
);
GRANT SELECT ON replication_heartbeat TO ciradar_reader;
