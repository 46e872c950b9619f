-- newsbeam articles in Trino through the Hive connector (catalog `hive`, metastore: Hive or Glue).
-- Replace s3://BUCKET/newsbeam with the --output of the runs (gs:// works with the GCS file system).
-- Partition columns come last and are read from the folders date=YYYY-MM-DD/outlet=X.
-- Timestamps: set hive.timestamp-precision=MICROSECONDS in the catalog to keep the microseconds
-- (the default, MILLISECONDS, rounds them); the stored values are UTC.

CREATE SCHEMA IF NOT EXISTS hive.newsbeam;

CREATE TABLE IF NOT EXISTS hive.newsbeam.articles (
  article_id     varchar,
  source         varchar,
  input_kind     varchar,
  url            varchar,
  site_name      varchar,
  title          varchar,
  authors        array(varchar),
  published_at   timestamp(6),
  published_precision varchar,
  fetched_at     timestamp(6),
  date_source    varchar,
  text           varchar,
  word_count     integer,
  text_source    varchar,
  removed        array(row(kind varchar, text varchar, evidence varchar)),
  language       varchar,
  language_score real,
  content_hash   varchar,
  cluster_id     varchar,
  is_duplicate   boolean,
  duplicate_of   varchar,
  story_id       varchar,
  entities       array(row(text varchar, label varchar, start integer, "end" integer, canonical varchar, canonical_latin varchar)),
  quotes         array(row(speaker varchar, text varchar, start integer, "end" integer, direct boolean)),
  stances        array(row(target_id varchar, holder varchar, holder_type varchar, label varchar, score real, evidence varchar)),
  title_entities array(row(text varchar, label varchar, start integer, "end" integer, canonical varchar)),
  title_quotes   array(row(speaker varchar, text varchar, start integer, "end" integer, direct boolean)),
  tone           real,
  schema_version varchar,
  "date"         date,
  outlet         varchar
)
WITH (
  format = 'PARQUET',
  external_location = 's3://BUCKET/newsbeam/articles/',
  partitioned_by = ARRAY['date', 'outlet']
);

-- Pick up the partitions new runs wrote.
CALL hive.system.sync_partition_metadata('newsbeam', 'articles', 'ADD');

-- The sample queries of athena.sql run unchanged on Trino with `newsbeam.articles` read as
-- `hive.newsbeam.articles`.
