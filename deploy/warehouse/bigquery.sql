-- newsbeam articles in BigQuery. Replace PROJECT, the dataset `newsbeam` and gs://BUCKET/newsbeam
-- (the --output of the runs).
--
-- Why not hive partitioning here: BigQuery refuses a hive partition key that is also a column of the
-- files ("the hive partitioning keys and the columns in the underlying files cannot overlap"), and
-- newsbeam's files keep `outlet` as a column (the contract's table has it, and a single file read
-- alone must still say where it came from). So:
--   1. an external table over the Parquet files as they are (columns read by name, no copy),
--   2. a view that adds the partition day `date` (it is, by definition, the UTC day of
--      published_at, else of fetched_at: exactly what the folder name holds),
--   3. for repeated analysis, a native table partitioned by that day and clustered by outlet,
--      loaded from the same files (prunes and caches far better than any external table).
-- Parquet INT64 TIMESTAMP(isAdjustedToUTC=true, MICROS) maps to BigQuery TIMESTAMP; strings (UTF8)
-- to STRING, lists of structs to ARRAY<STRUCT<...>> (enable_list_inference keeps them arrays
-- instead of the Parquet `list.element` nesting).

-- The schema is inferred from the files; when a later newsbeam version adds columns (schema_version),
-- files of both versions under one wildcard no longer share a schema: recreate the table with the
-- new column list declared explicitly (older files then read NULL for the new columns).

CREATE SCHEMA IF NOT EXISTS `PROJECT.newsbeam`;

-- 1. external table
CREATE OR REPLACE EXTERNAL TABLE `PROJECT.newsbeam.articles_files`
OPTIONS (
  format = 'PARQUET',
  uris = ['gs://BUCKET/newsbeam/articles/*.parquet'],
  enable_list_inference = TRUE
);

-- 2. the view every query below reads
CREATE OR REPLACE VIEW `PROJECT.newsbeam.articles` AS
SELECT *, DATE(COALESCE(published_at, fetched_at), 'UTC') AS date
FROM `PROJECT.newsbeam.articles_files`;

-- 3. (optional) native, partitioned and clustered copy; rerun after each batch run, or append the
--    run's new folders with LOAD DATA INTO ... FROM FILES(uris = ['gs://BUCKET/newsbeam/articles/date=2024-03-01/*'])
CREATE OR REPLACE TABLE `PROJECT.newsbeam.articles_native`
PARTITION BY date
CLUSTER BY outlet, language
AS SELECT * FROM `PROJECT.newsbeam.articles`;

-- Articles per outlet per day
SELECT date, outlet, COUNT(*) AS articles, COUNTIF(NOT is_duplicate) AS originals
FROM `PROJECT.newsbeam.articles`
GROUP BY date, outlet
ORDER BY date, outlet;

-- Syndication groups and their outlets
SELECT cluster_id, COUNT(*) AS copies,
       ARRAY_AGG(DISTINCT outlet ORDER BY outlet) AS outlets,
       ANY_VALUE(IF(is_duplicate, NULL, title)) AS canonical_title
FROM `PROJECT.newsbeam.articles`
GROUP BY cluster_id
HAVING COUNT(*) > 1
ORDER BY copies DESC, cluster_id;

-- Stance per outlet toward a target (the articles' own stance)
SELECT s.target_id, a.outlet, s.label, COUNT(DISTINCT a.cluster_id) AS articles
FROM `PROJECT.newsbeam.articles` AS a, UNNEST(a.stances) AS s
WHERE s.holder_type = 'article' AND s.target_id = 'nato-troops-ukraine'
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;

-- Stance per quoted holder toward a target
SELECT s.target_id, s.holder, s.holder_type, s.label,
       COUNT(DISTINCT a.cluster_id) AS articles, COUNT(DISTINCT a.outlet) AS outlets
FROM `PROJECT.newsbeam.articles` AS a, UNNEST(a.stances) AS s
WHERE s.holder_type != 'article' AND s.target_id = 'nato-troops-ukraine'
GROUP BY 1, 2, 3, 4
ORDER BY articles DESC, holder;

-- Top entities per day
SELECT date, entity, label, articles
FROM (
  SELECT a.date, COALESCE(NULLIF(e.canonical, ''), e.text) AS entity, e.label,
         COUNT(DISTINCT a.cluster_id) AS articles
  FROM `PROJECT.newsbeam.articles` AS a, UNNEST(a.entities) AS e
  GROUP BY 1, 2, 3
)
QUALIFY RANK() OVER (PARTITION BY date ORDER BY articles DESC) <= 10
ORDER BY date, articles DESC, entity;
