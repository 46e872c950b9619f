-- Sample queries over the views of duckdb.sql, which this file reads first (so run it from the
-- repository's top folder), for the output folder set beforehand:
--
--   duckdb -c "SET VARIABLE newsbeam_output = 'out'" -c ".read deploy/warehouse/duckdb_queries.sql"
--
-- Each query starts with a `-- name:` line (the tests run every one of them). A target for the stance
-- queries: SET VARIABLE newsbeam_target = 'nato-troops-ukraine' (unset: every target).
.read deploy/warehouse/duckdb.sql

-- name: articles_per_outlet_per_day
-- Articles per outlet per day; `originals` leaves out syndicated copies of another row.
SELECT date, outlet,
       count(*)                                AS articles,
       count(*) FILTER (WHERE NOT is_duplicate) AS originals
FROM articles
GROUP BY date, outlet
ORDER BY date, outlet;

-- name: syndication_groups
-- Groups of copies of one text (two rows or more), largest first, with the outlets that ran them.
SELECT cluster_id, copies, outlet_count, outlets, canonical_title
FROM syndication_groups
WHERE copies > 1
ORDER BY copies DESC, cluster_id;

-- name: stance_per_outlet
-- The articles' own stance toward each target, per outlet; copies count once per outlet.
SELECT target_id, outlet, label, count(DISTINCT cluster_id) AS articles, round(avg(score), 3) AS mean_score
FROM stances
WHERE holder_type = 'article'
  AND (getvariable('newsbeam_target') IS NULL OR target_id = getvariable('newsbeam_target'))
GROUP BY target_id, outlet, label
ORDER BY target_id, outlet, label;

-- name: stance_per_holder
-- Quoted people and organisations: their stance toward each target and how many articles carry it.
SELECT target_id, holder, holder_type, label,
       count(DISTINCT cluster_id) AS articles,
       count(DISTINCT outlet)     AS outlets
FROM stances
WHERE holder_type <> 'article'
  AND (getvariable('newsbeam_target') IS NULL OR target_id = getvariable('newsbeam_target'))
GROUP BY target_id, holder, holder_type, label
ORDER BY target_id, articles DESC, holder, label;

-- name: top_entities_per_day
-- The ten most mentioned entities of each day, by the number of distinct stories (copies count once).
SELECT date, entity, label, articles, rank
FROM (
    SELECT date, entity, label, count(DISTINCT cluster_id) AS articles,
           rank() OVER (PARTITION BY date ORDER BY count(DISTINCT cluster_id) DESC) AS rank
    FROM entity_mentions
    GROUP BY date, entity, label
)
WHERE rank <= 10
ORDER BY date, rank, entity, label;
