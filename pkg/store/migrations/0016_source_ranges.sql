-- 0016: address ranges allowed to deliver webhooks, fetched from elsewhere: GitHub's
-- published hook ranges (the "hooks" list of its /meta API). The reconciler replaces a
-- source's rows whole; every receiver replica reads them for its allowlist.
CREATE TABLE source_ranges (
    source     text        NOT NULL,
    cidr       cidr        NOT NULL,
    fetched_at timestamptz NOT NULL,
    PRIMARY KEY (source, cidr)
);
