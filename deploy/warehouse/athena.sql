-- newsbeam articles as an Athena table (Hive DDL, engine v3). Replace s3://BUCKET/newsbeam with
-- the --output of the runs. `date` and `outlet` are the partition folders (date=YYYY-MM-DD/outlet=X);
-- the files also hold an `outlet` column, which Athena ignores in favour of the partition value
-- (the same string). Timestamps are Parquet INT64 TIMESTAMP(isAdjustedToUTC=true, MICROS), which
-- Athena reads as `timestamp` (UTC, millisecond precision); no INT96 is needed.

CREATE DATABASE IF NOT EXISTS newsbeam;

CREATE EXTERNAL TABLE IF NOT EXISTS newsbeam.articles (
  article_id     string,
  source         string,
  input_kind     string,
  url            string,
  site_name      string,
  title          string,
  authors        array<string>,
  published_at   timestamp,
  published_precision string,
  fetched_at     timestamp,
  date_source    string,
  text           string,
  word_count     int,
  text_source    string,
  removed        array<struct<kind:string,text:string,evidence:string>>,
  language       string,
  language_score float,
  content_hash   string,
  cluster_id     string,
  is_duplicate   boolean,
  duplicate_of   string,
  story_id       string,
  entities       array<struct<text:string,label:string,start:int,`end`:int,canonical:string,canonical_latin:string>>,
  quotes         array<struct<speaker:string,text:string,start:int,`end`:int,direct:boolean>>,
  stances        array<struct<target_id:string,holder:string,holder_type:string,label:string,score:float,evidence:string>>,
  title_entities array<struct<text:string,label:string,start:int,`end`:int,canonical:string>>,
  title_quotes   array<struct<speaker:string,text:string,start:int,`end`:int,direct:boolean>>,
  tone           float,
  schema_version string
)
PARTITIONED BY (`date` date, outlet string)
STORED AS PARQUET
LOCATION 's3://BUCKET/newsbeam/articles/'
TBLPROPERTIES ('parquet.compression' = 'ZSTD');

-- Register the partitions a run added (outlets are open-ended, so partition projection does not fit;
-- with many partitions prefer ALTER TABLE ... ADD PARTITION for the run's new date/outlet pairs).
MSCK REPAIR TABLE newsbeam.articles;

-- Articles per outlet per day
SELECT "date", outlet, count(*) AS articles, count_if(NOT is_duplicate) AS originals
FROM newsbeam.articles
GROUP BY 1, 2
ORDER BY 1, 2;

-- Syndication groups and their outlets
SELECT cluster_id, count(*) AS copies, array_sort(array_agg(DISTINCT outlet)) AS outlets,
       arbitrary(title) FILTER (WHERE NOT is_duplicate) AS canonical_title
FROM newsbeam.articles
GROUP BY cluster_id
HAVING count(*) > 1
ORDER BY copies DESC, cluster_id;

-- Stance per outlet toward a target (the articles' own stance)
SELECT s.target_id, a.outlet, s.label, count(DISTINCT a.cluster_id) AS articles
FROM newsbeam.articles AS a
CROSS JOIN UNNEST(a.stances) AS t(s)
WHERE s.holder_type = 'article' AND s.target_id = 'nato-troops-ukraine'
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;

-- Stance per quoted holder toward a target
SELECT s.target_id, s.holder, s.holder_type, s.label,
       count(DISTINCT a.cluster_id) AS articles, count(DISTINCT a.outlet) AS outlets
FROM newsbeam.articles AS a
CROSS JOIN UNNEST(a.stances) AS t(s)
WHERE s.holder_type <> 'article' AND s.target_id = 'nato-troops-ukraine'
GROUP BY 1, 2, 3, 4
ORDER BY articles DESC, holder;

-- Top entities per day
SELECT "date", entity, label, articles, rnk
FROM (
  SELECT a."date", coalesce(nullif(e.canonical, ''), e.text) AS entity, e.label,
         count(DISTINCT a.cluster_id) AS articles,
         rank() OVER (PARTITION BY a."date" ORDER BY count(DISTINCT a.cluster_id) DESC) AS rnk
  FROM newsbeam.articles AS a
  CROSS JOIN UNNEST(a.entities) AS t(e)
  WHERE a."date" >= current_date - INTERVAL '7' DAY     -- partition pruning
  GROUP BY 1, 2, 3
)
WHERE rnk <= 10
ORDER BY "date", rnk, entity;
