-- Primary and foreign keys by municipality, for distributing a Todoke PostgreSQL database
-- with Citus (deploy/README.md "Citus: distributing by municipality").
--
-- Run once, on a database the migrations have brought up to date, just before
-- create_reference_table('municipality') and create_distributed_table(<table>,
-- 'municipality', colocate_with => ...) for every other table. It is NOT one of the
-- migrations: after it, a Piccolo migration that adds a table or a column with a
-- ForeignKey (which Piccolo writes as "REFERENCES parent (id)") is refused by PostgreSQL,
-- because parent(id) alone is no longer unique; migrations after this point are written in
-- SQL with composite foreign keys.
--
-- What it does, for every table with a municipality column:
--   * the primary key becomes (municipality, id); ids still come from the table's own
--     sequence, so the application's "WHERE id = ?" still finds one row, and a plain
--     index on id keeps those lookups from reading the whole table;
--   * every foreign key child(x) -> parent(id) becomes
--     child(municipality, x) -> parent(municipality, id), same ON DELETE/ON UPDATE rules:
--     a row can only point at a row of its own municipality.
-- Foreign keys to municipality itself stay (a reference table).
--
--   psql "$TODOKE_DATABASE_URL" -v ON_ERROR_STOP=1 -f deploy/citus-keys.sql

BEGIN;

CREATE TEMP TABLE todoke_foreign_keys ON COMMIT DROP AS
SELECT c.conrelid::regclass::text AS child,
       c.conname AS name,
       a.attname AS column_name,
       c.confrelid::regclass::text AS parent,
       CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
            WHEN 'r' THEN 'RESTRICT' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END AS on_delete,
       CASE c.confupdtype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
            WHEN 'r' THEN 'RESTRICT' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END AS on_update
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f'
  AND c.connamespace = 'public'::regnamespace
  AND array_length(c.conkey, 1) = 1
  AND c.confrelid <> 'municipality'::regclass;

DO $$
DECLARE
    r record;
BEGIN
    -- SET NULL would clear the municipality too: no such foreign key is expected.
    IF EXISTS (SELECT 1 FROM todoke_foreign_keys WHERE on_delete = 'SET NULL'
               OR on_update = 'SET NULL') THEN
        RAISE EXCEPTION 'a foreign key sets NULL on delete/update; convert it by hand';
    END IF;
    FOR r IN SELECT * FROM todoke_foreign_keys LOOP
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', r.child, r.name);
    END LOOP;
    FOR r IN
        SELECT c.relname, k.conname
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'municipality'
        JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'p'
        WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
          AND c.relname <> 'municipality'
    LOOP
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', r.relname, r.conname);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (municipality, id)',
                       r.relname, r.conname);
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (id)', r.relname || '_id', r.relname);
    END LOOP;
    FOR r IN SELECT * FROM todoke_foreign_keys LOOP
        EXECUTE format(
            'ALTER TABLE %I ADD CONSTRAINT %I FOREIGN KEY (municipality, %I) '
            'REFERENCES %I (municipality, id) ON DELETE %s ON UPDATE %s',
            r.child, r.name, r.column_name, r.parent, r.on_delete, r.on_update);
    END LOOP;
END
$$;

COMMIT;
