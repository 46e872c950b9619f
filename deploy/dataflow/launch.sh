#!/usr/bin/env bash
# Build and run newsbeam on Dataflow as a Flex Template. Run from anywhere; needs gcloud, a project
# with the Dataflow, Cloud Build and Artifact Registry APIs, and a bucket.
#
#   PROJECT=my-project REGION=europe-west1 BUCKET=my-bucket deploy/dataflow/launch.sh build
#   ... deploy/dataflow/launch.sh run    --parameters input=gs://$BUCKET/crawl/*.html.gz
#   ... deploy/dataflow/launch.sh stream --parameters feeds=gs://$BUCKET/feeds.txt
#   ... deploy/dataflow/launch.sh direct --input gs://$BUCKET/crawl --output gs://$BUCKET/newsbeam
#
# build   the image (Cloud Build, deploy/dataflow/Dockerfile) and the template spec on GCS
# run     a batch job from the template: `newsbeam run` on inputs already in GCS
# stream  a streaming job from the template: `newsbeam stream` on live feeds
# direct  no template: `newsbeam run` from this machine with --setup_file (the classic route)
# Extra arguments go to the gcloud / newsbeam command.
set -euo pipefail

: "${PROJECT:?set PROJECT}" "${REGION:?set REGION}" "${BUCKET:?set BUCKET}"
REPOSITORY=${REPOSITORY:-newsbeam}                 # Artifact Registry Docker repository
TAG=${TAG:-$(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo latest)}
IMAGE=${IMAGE:-$REGION-docker.pkg.dev/$PROJECT/$REPOSITORY/newsbeam:$TAG}
TEMPLATE=${TEMPLATE:-gs://$BUCKET/templates/newsbeam-$TAG.json}
OUTPUT=${OUTPUT:-gs://$BUCKET/newsbeam}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

command=${1:?usage: launch.sh build|run|stream|direct [ARGS...]}
shift

case "$command" in
  build)
    gcloud artifacts repositories describe "$REPOSITORY" --location "$REGION" --project "$PROJECT" >/dev/null 2>&1 \
      || gcloud artifacts repositories create "$REPOSITORY" --repository-format docker \
           --location "$REGION" --project "$PROJECT"
    gcloud builds submit "$ROOT" --config "$ROOT/deploy/dataflow/cloudbuild.yaml" \
      --substitutions "_IMAGE=$IMAGE" --project "$PROJECT" --region "$REGION"
    gcloud dataflow flex-template build "$TEMPLATE" \
      --image "$IMAGE" --sdk-language PYTHON \
      --metadata-file "$ROOT/deploy/dataflow/metadata.json" --project "$PROJECT" "$@"
    echo "template: $TEMPLATE (image $IMAGE)"
    ;;
  run|stream)
    job="newsbeam-$command-$(date -u +%Y%m%d-%H%M%S)"
    # sdk_container_image: the workers run the template's own image, the same packages as the launcher.
    gcloud dataflow flex-template run "$job" \
      --template-file-gcs-location "$TEMPLATE" \
      --project "$PROJECT" --region "$REGION" \
      --staging-location "gs://$BUCKET/staging" --temp-location "gs://$BUCKET/temp" \
      --parameters "command=$command" \
      --parameters "output=$OUTPUT" \
      --parameters "sdk_container_image=$IMAGE" \
      "$@"
    ;;
  direct)
    # The classic route: build the graph here, stage this package to the workers as an sdist.
    cd "$ROOT"
    newsbeam run --output "$OUTPUT" "$@" \
      --runner DataflowRunner --project "$PROJECT" --region "$REGION" \
      --temp_location "gs://$BUCKET/temp" --staging_location "gs://$BUCKET/staging" \
      --setup_file ./setup.py
    ;;
  *)
    echo "launch.sh: unknown command $command (build, run, stream or direct)" >&2
    exit 2
    ;;
esac
