-- The read-only role creates no temporary objects in the CI Radar database. `ciradar migrate`
-- runs this after the migrations, every time: database-level grants live in the cluster's
-- catalog, not in the database, so a clone from a template or a restore into a new
-- database brings back PostgreSQL's default, under which PUBLIC holds TEMPORARY.
--
-- A privilege PUBLIC holds cannot be taken from one role alone. So it is taken from
-- PUBLIC, after being granted by name to every other role that may log in and holds it now
-- (superusers need no grant): only the reader loses it. A role created later has no
-- TEMPORARY here until it is granted. The reader's read-only default is no guard here: any
-- session may turn it off.
--
-- Changing database grants needs the database's owner (or a superuser). When the migrating
-- user is neither, this stops with a hint rather than leave the reader able to create.
DO $$
DECLARE
    db text := current_database();
    r  record;
BEGIN
    IF NOT has_database_privilege('ciradar_reader', db, 'TEMPORARY') THEN
        RETURN;
    END IF;
    FOR r IN
        SELECT rolname FROM pg_catalog.pg_roles
        WHERE rolcanlogin AND NOT rolsuper AND rolname <> 'ciradar_reader' AND rolname !~ '^pg_'
          AND has_database_privilege(oid, db, 'TEMPORARY')
        ORDER BY rolname
    LOOP
        EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %I', db, r.rolname);
    END LOOP;
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', db);
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM ciradar_reader', db);
    IF has_database_privilege('ciradar_reader', db, 'TEMPORARY') THEN
        RAISE EXCEPTION 'ciradar_reader can still create temporary objects in database %', db
            USING HINT = format('as the owner of database %I run: REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC; '
                             || 'GRANT TEMPORARY ON DATABASE %I TO %I; then run ciradar migrate again', db, db, db, current_user);
    END IF;
END
$$;
