-- 0012: keep every column of a delivery in its row. Postgres makes a row fit its 2 KB
-- target by moving "extended" values of more than about 20 bytes to the TOAST table before
-- it compresses "main" ones (the payload, 0002). A delivery GUID is 36 characters, so every
-- delivery_id went to TOAST on its own: one more heap row, one more index entry and an OID
-- probe per delivery, about 8% of Postgres' CPU at ingest. With STORAGE MAIN these short
-- columns stay inline (the payload compresses well under a page); it changes only how new
-- rows are stored, so no table is rewritten.
ALTER TABLE deliveries
    ALTER COLUMN delivery_id SET STORAGE MAIN,
    ALTER COLUMN event SET STORAGE MAIN,
    ALTER COLUMN action SET STORAGE MAIN,
    ALTER COLUMN target_type SET STORAGE MAIN;
