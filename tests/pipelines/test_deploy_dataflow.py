"""The Dataflow job newsbeam builds, checked offline: DataflowRunner with --dry_run=True and a made-up
project, region and gs:// temp location builds the whole job (graph, environment, staged files)
and submits nothing. Also checks deploy/dataflow/metadata.json against the command's options."""
from __future__ import annotations

import json
import sys

import pytest

from conftest import ROOT, SEEDS, newsbeam

pytestmark = pytest.mark.slow

METADATA = ROOT / "deploy" / "dataflow" / "metadata.json"
DATAFLOW = ["--runner", "DataflowRunner", "--dry_run=True", "--project", "newsbeam-test",
            "--region", "europe-west1", "--temp_location", "gs://newsbeam-test-bucket/temp"]
IMAGE = "europe-west1-docker.pkg.dev/newsbeam-test/newsbeam/newsbeam:test"
SDK_IMAGE = f"beam_python{sys.version_info[0]}.{sys.version_info[1]}_sdk:2.77.0"
# The stages every batch job must run, by the names Dataflow shows for them.
BATCH_STEPS = {"Read/ReadFiles/ParDo(ReadFileDoFn)", "Extract/Extract/ParDo(ExtractDoFn)",
               "Language/DetectLanguage/ParDo(DetectLanguageDoFn)", "Write/ByIdShard", "Write/ClaimIds",
               "Write/JoinVerdicts/CoGroupByKeyImpl/GroupByKey", "Write/WriteParquet/ParDo(WritePartitionDoFn)",
               "WriteDeadLetters/WriteJsonLines"}


def only_environment(job: dict) -> dict:
    (environment,) = job["environments"].values()
    return environment


def test_batch_job_classic_route_stages_the_package(tmp_path):
    """`newsbeam run ... --runner DataflowRunner --setup_file ./setup.py`: the real command."""
    job_file = tmp_path / "job.json"
    result = newsbeam("run", "--input", SEEDS, "--output", "gs://newsbeam-test-bucket/out", *DATAFLOW,
                      "--setup_file", ROOT / "setup.py", "--dataflow_job_file", job_file)
    assert "dry run on DataflowRunner: built job" in result.stdout and "JOB_TYPE_BATCH" in result.stdout
    job = json.loads(job_file.read_text())
    assert job["type"] == "JOB_TYPE_BATCH"
    assert BATCH_STEPS <= set(job["steps"]), sorted(BATCH_STEPS - set(job["steps"]))
    assert {"Read", "Extract", "Language", "Write", "WriteDeadLetters"} <= set(job["composites"])
    environment = only_environment(job)
    assert environment["urn"] == "beam:env:docker:v1"
    assert environment["container_image"].endswith(SDK_IMAGE)       # Beam's stock image, same version
    assert "workflow.tar.gz" in environment["staged"]                  # this package, as an sdist
    assert job["options"]["output"] == "gs://newsbeam-test-bucket/out"


def test_batch_job_flex_template_route_runs_on_the_template_image(tmp_path, capsys):
    """What the Flex Template launcher runs: pipelines/flex_template.py with `--name=value` parameters."""
    from pipelines.flex_template import main

    extra = tmp_path / "more.jsonl"
    extra.write_text(json.dumps({"id": "w1", "url": "https://www.wirenews.co.uk/1", "text": "Some text."}) + "\n")
    job_file = tmp_path / "job.json"
    status = main(["--command=run", f"--input={SEEDS},{extra}", "--output=gs://newsbeam-test-bucket/out",
                   "--files_per_partition=2", *DATAFLOW, f"--sdk_container_image={IMAGE}",
                   f"--dataflow_job_file={job_file}"])
    assert status == 0
    assert "JOB_TYPE_BATCH" in capsys.readouterr().out
    job = json.loads(job_file.read_text())
    assert job["type"] == "JOB_TYPE_BATCH"
    assert BATCH_STEPS <= set(job["steps"])
    environment = only_environment(job)
    assert environment["container_image"] == IMAGE                     # workers run the template image
    assert "workflow.tar.gz" not in environment["staged"]               # nothing to install at start-up
    assert job["options"]["input"] == [str(SEEDS), str(extra)]         # the comma list became two inputs
    assert job["options"]["files_per_partition"] == 2


def test_flex_template_arguments():
    from pipelines.flex_template import newsbeam_arguments
    assert newsbeam_arguments(["--input=gs://b/a/*.html, gs://b/w.jsonl", "--output=gs://b/o", "--project=p"]) == \
        ["run", "--input", "gs://b/a/*.html", "gs://b/w.jsonl", "--output=gs://b/o", "--project=p"]
    assert newsbeam_arguments(["--command=stream", "--feeds=gs://b/feeds.txt"])[:2] == ["stream", "--feeds=gs://b/feeds.txt"]
    with pytest.raises(SystemExit, match="command must be one of run, stream"):
        newsbeam_arguments(["--command=serve"])


STREAM_PARAMETERS = {"feeds", "poll_interval", "duration", "allow_hosts", "per_host_rate", "fetch_timeout",
                     "fetch_retries", "contact_url", "window_seconds", "allowed_lateness", "verify_every",
                     "seen_days", "max_backoff"}


def _option_names(group_title: str) -> set[str]:
    """The options of one argument group of NewsbeamOptions ("newsbeam", "newsbeam stream")."""
    from pipelines.checks import option_parser
    groups = [g for g in option_parser()._action_groups if g.title == group_title]
    return {action.dest for group in groups for action in group._group_actions}


def _metadata_parameters() -> dict[str, dict]:
    return {p["name"]: p for p in json.loads(METADATA.read_text())["parameters"]}


def test_template_metadata_lists_the_run_options():
    parameters = _metadata_parameters()
    run_options = _option_names("newsbeam")
    missing = run_options - set(parameters)
    assert not missing, f"add {sorted(missing)} to deploy/dataflow/metadata.json (the Flex Template parameters)"
    unknown = set(parameters) - run_options - {"command"} - STREAM_PARAMETERS - _option_names("newsbeam stream")
    assert not unknown, f"metadata.json names parameters newsbeam does not know: {sorted(unknown)}"
    assert parameters["output"]["isOptional"] is False
    assert all(p["label"] and p["helpText"] and p["regexes"] for p in parameters.values())


def test_template_metadata_lists_the_stream_options():
    stream_options = _option_names("newsbeam stream")
    if not stream_options:
        pytest.skip("`newsbeam stream` options are not on this branch yet (issue: streaming, branch stream)")
    missing = stream_options - set(_metadata_parameters())
    assert not missing, f"add {sorted(missing)} to deploy/dataflow/metadata.json (the Flex Template parameters)"


def test_streaming_job_description(tmp_path):
    streaming = pytest.importorskip(
        "pipelines.streaming",
        reason="pipelines/streaming.py is not on this branch yet (built on branch `stream`); "
               "this test checks the streaming Dataflow job once it is merged")
    from pipelines.checks import check_stream, make_pipeline
    from pipelines.deploy import job_description

    feeds = tmp_path / "feeds.txt"
    feeds.write_text("https://www.example.org/rss.xml\n")
    options, settings, feed_list = check_stream(["--feeds", str(feeds), "--output", "gs://newsbeam-test-bucket/stream",
                                             "--streaming", *DATAFLOW, f"--sdk_container_image={IMAGE}"])
    pipeline = make_pipeline(options)
    streaming.build_stream(pipeline, settings, feed_list, run_tag="dry-run")
    job = job_description(pipeline.run())
    assert job["type"] == "JOB_TYPE_STREAMING"
    assert "Language/DetectLanguage/ParDo(DetectLanguageDoFn)" in job["steps"], job["steps"]  # shared stages
    assert any(step.startswith("Write/") for step in job["steps"]), job["steps"]
    assert any(step.startswith("WriteDeadLetters/") for step in job["steps"]), job["steps"]
    assert only_environment(job)["container_image"] == IMAGE


def test_local_paths_are_refused_for_dataflow_workers():
    """Workers on other machines cannot read or write this machine's folders: a usage error, not a
    job whose every input becomes a dead letter. Nothing goes to the network before the refusal."""
    real = [arg for arg in DATAFLOW if arg != "--dry_run=True"]
    result = newsbeam("run", "--input", SEEDS, "--output", "gs://newsbeam-test-bucket/out", *real, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"newsbeam run: --input {SEEDS} is a local path, which DataflowRunner "
                                     "workers cannot reach; put it on gs:// (or s3://)")


def test_stream_command_dry_run_builds_the_job_and_stops(tmp_path):
    """`newsbeam stream` with --dry_run=True describes the job and exits, without waiting on a job
    that was never started or reading counters from GCS."""
    pytest.importorskip("pipelines.streaming")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("https://www.example.org/rss.xml\n")
    result = newsbeam("stream", "--feeds", feeds, "--output", "gs://newsbeam-test-bucket/stream", *DATAFLOW,
                      f"--sdk_container_image={IMAGE}", timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "summary:" not in result.stdout
