-- 0003: the read-only role the Grafana data source connects as.
--
-- Roles are cluster-wide, so this is idempotent: an existing ciradar_reader (created by a
-- DBA ahead of time, or by this migration in another database) is reused. Creating it needs
-- CREATEROLE; a migrator without it fails here with a hint rather than leaving a plugin that
-- cannot connect. The role is created without a password: set one with
--   ALTER ROLE ciradar_reader PASSWORD '...';
-- (see docs/plugin.md). Without a password it can only log in where pg_hba trusts it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'ciradar_reader') THEN
        BEGIN
            CREATE ROLE ciradar_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'cannot create role ciradar_reader: the migrating user lacks CREATEROLE'
                USING HINT = 'as a superuser run: CREATE ROLE ciradar_reader LOGIN; then run ciradar migrate again';
        END;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO ciradar_reader', current_database());
END
$$;

-- Read, never write: SELECT only, now and on every table later migrations create.
GRANT USAGE ON SCHEMA public TO ciradar_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO ciradar_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ciradar_reader;

-- Defence in depth: even a grant made by mistake cannot turn into a write from the plugin,
-- and a runaway dashboard query cannot hold a connection for ever.
ALTER ROLE ciradar_reader SET default_transaction_read_only = on;
ALTER ROLE ciradar_reader SET statement_timeout = '30s';
