-- 0014: the read-only role reads no raw payload and creates nothing.
--
-- deliveries.payload is the raw webhook body: actor and commit author e-mail addresses,
-- commit messages, everything GitHub sent. No query, variable, annotation or health check
-- reads it (the projections hold every field they show), so ciradar_reader gets the other
-- columns of deliveries one by one. A column added to deliveries later stays hidden from it
-- unless a migration grants it. docs/plugin.md lists every column the role can read, and
-- pkg/plugin/reader_test.go holds that list to the real grants.
REVOKE SELECT ON deliveries FROM ciradar_reader;
GRANT SELECT (delivery_id, event, action, hook_id, target_type, target_id, received_at)
    ON deliveries TO ciradar_reader;

-- Nobody but the schema's owner creates objects in public: PostgreSQL 15 made that the
-- default, older servers granted CREATE to PUBLIC. With CREATE the reader could write after
-- all (its own tables, or functions others might call), whatever its read-only default.
-- Revoking needs the schema's owner; when the migrating user is not, stop with a hint
-- rather than leave the hole open.
DO $$
BEGIN
    IF has_schema_privilege('ciradar_reader', 'public', 'CREATE') THEN
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
        REVOKE CREATE ON SCHEMA public FROM ciradar_reader;
    END IF;
    IF has_schema_privilege('ciradar_reader', 'public', 'CREATE') THEN
        RAISE EXCEPTION 'ciradar_reader can still create objects in schema public'
            USING HINT = 'as the owner of schema public run: REVOKE CREATE ON SCHEMA public FROM PUBLIC; '
                      || 'GRANT CREATE ON SCHEMA public TO ' || quote_ident(current_user) || '; then run ciradar migrate again';
    END IF;
END
$$;

-- Temporary objects are refused to the reader by database-level grants, which are not part
-- of the database's contents: a copy from a template or a restore into a new database
-- starts again from PostgreSQL's defaults, under which PUBLIC may create them. So they are
-- not made here, once, but by every `ciradar migrate` (and `ciradar serve` as it starts):
-- see pkg/store/grants/reader_database.sql.
