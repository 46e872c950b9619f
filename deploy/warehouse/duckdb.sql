-- newsbeam output as DuckDB views. Set the output folder first (local, s3:// with the httpfs
-- extension, gs:// with httpfs and a GCS secret), then run this file:
--
--   duckdb newsbeam.duckdb -c "SET VARIABLE newsbeam_output = 'out'" -c ".read deploy/warehouse/duckdb.sql"
--
-- The views read the Parquet files at query time (nothing is copied), so a new run's files show up
-- in the next query. The partition values come from the folder names: `date` is typed DATE and
-- `outlet` is kept VARCHAR (an outlet slug such as "123" must not become a number).

CREATE OR REPLACE VIEW articles AS
SELECT *
FROM read_parquet(getvariable('newsbeam_output') || '/articles/**/*.parquet',
                  hive_partitioning = true,
                  hive_types = {'date': DATE, 'outlet': VARCHAR},
                  union_by_name = true);   -- files of older schema versions lack newer columns

-- one row per named entity mention
CREATE OR REPLACE VIEW entity_mentions AS
SELECT a.article_id, a.date, a.outlet, a.language, a.cluster_id, a.is_duplicate,
       e.text, e.label, e.start, e."end",
       coalesce(nullif(e.canonical, ''), e.text) AS entity
FROM articles AS a, unnest(a.entities) AS u(e);

-- one row per stance: the article's own (holder_type = 'article') and those of quoted holders
CREATE OR REPLACE VIEW stances AS
SELECT a.article_id, a.date, a.outlet, a.language, a.cluster_id, a.is_duplicate,
       s.target_id, s.holder, s.holder_type, s.label, s.score, s.evidence
FROM articles AS a, unnest(a.stances) AS u(s);

-- one row per attributed quote
CREATE OR REPLACE VIEW quotes AS
SELECT a.article_id, a.date, a.outlet, q.speaker, q.text, q.direct
FROM articles AS a, unnest(a.quotes) AS u(q);

-- one row per syndication group: its size, the outlets that carried it, its canonical (earliest) row
CREATE OR REPLACE VIEW syndication_groups AS
SELECT cluster_id,
       count(*)                                         AS copies,
       count(DISTINCT outlet)                           AS outlet_count,
       list(DISTINCT outlet ORDER BY outlet)            AS outlets,
       any_value(article_id) FILTER (WHERE NOT is_duplicate) AS canonical_id,
       any_value(title) FILTER (WHERE NOT is_duplicate)      AS canonical_title,
       min(coalesce(published_at, fetched_at))          AS first_seen,
       max(coalesce(published_at, fetched_at))          AS last_seen
FROM articles
GROUP BY cluster_id;
