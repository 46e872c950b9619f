#!/usr/bin/env bash
# newsbeam run on Flink: deploy/flink/run.sh --input s3://bucket/crawl --output s3://bucket/newsbeam [...]
# Reads deploy/flink/flink.env (or the variables already exported); extra arguments go to newsbeam.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
set -a; . "${FLINK_ENV:-$here/flink.env}"; set +a

if [ -n "${JOB_ENDPOINT:-}" ]; then
  runner=(--runner PortableRunner --job_endpoint "$JOB_ENDPOINT" --artifact_endpoint "$ARTIFACT_ENDPOINT")
else
  runner=(--runner FlinkRunner --flink_master "$FLINK_MASTER" --flink_version "$FLINK_VERSION")
fi
environment=(--environment_type "$ENVIRONMENT_TYPE")
[ "$ENVIRONMENT_TYPE" = LOOPBACK ] || environment+=(--environment_config "$ENVIRONMENT_CONFIG")

exec newsbeam "${COMMAND:-run}" "$@" "${runner[@]}" "${environment[@]}" --parallelism "$PARALLELISM"
