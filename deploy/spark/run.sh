#!/usr/bin/env bash
# newsbeam run on Spark: deploy/spark/run.sh --input s3://bucket/crawl --output s3://bucket/newsbeam [...]
# Reads deploy/spark/spark.env (or the variables already exported); extra arguments go to newsbeam.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
set -a; . "${SPARK_ENV:-$here/spark.env}"; set +a

if [ -n "${SPARK_REST_URL:-}" ]; then
  runner=(--runner SparkRunner --spark_submit_uber_jar --spark_rest_url "$SPARK_REST_URL")
elif [ -n "${JOB_ENDPOINT:-}" ]; then
  runner=(--runner PortableRunner --job_endpoint "$JOB_ENDPOINT" --artifact_endpoint "$ARTIFACT_ENDPOINT")
else
  runner=(--runner SparkRunner --spark_master_url "$SPARK_MASTER_URL" --spark_version 3)
fi
environment=(--environment_type "$ENVIRONMENT_TYPE")
[ "$ENVIRONMENT_TYPE" = LOOPBACK ] || environment+=(--environment_config "$ENVIRONMENT_CONFIG")

exec newsbeam run "$@" "${runner[@]}" "${environment[@]}"
