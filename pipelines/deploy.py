"""Runs whose job is built but not run here: a Dataflow `--dry_run=True`, or a template launch.

`pipeline.run()` then returns without a job to wait for and without counters. The command prints
what was built instead of a run summary (and, on a dry run, writes the job description to
`--dataflow_job_file` when given, which Beam itself only does for jobs it submits).
"""
from __future__ import annotations

import json

from apache_beam.options.pipeline_options import GoogleCloudOptions, StandardOptions, TestOptions

REMOTE_WORKER_RUNNERS = ("DataflowRunner",)  # runners whose workers never share this machine's disk


def local_path_problem(options, paths: dict[str, list[str]]) -> str | None:
    """Why the run cannot work as asked: a local --input/--output for workers on other machines.
    (Flink and Spark clusters may share a disk, or run on this machine, so only Dataflow is refused;
    a dry run touches no data and is allowed.)"""
    runner = options.view_as(StandardOptions).runner or ""
    if runner not in REMOTE_WORKER_RUNNERS or options.view_as(TestOptions).dry_run:
        return None
    for flag, values in paths.items():
        for value in values:
            if value and "://" not in value:
                return (f"--{flag} {value} is a local path, which {runner} workers cannot reach; "
                        f"put it on gs:// (or s3://)")
    return None


def job_not_run_here(result, options) -> bool:
    """True when the job was only built (dry run) or handed to the Dataflow template launcher."""
    if options.view_as(TestOptions).dry_run:
        return True
    return getattr(result, "has_job", True) is False  # DataflowPipelineResult with --template_location


def job_description(result) -> dict | None:
    """The Dataflow job a dry run built: its name, type and the pipeline's transforms."""
    job = getattr(result, "job", None)
    if job is None or not hasattr(job, "proto"):
        return None
    pipeline = job.proto_pipeline
    transforms = pipeline.components.transforms
    return {
        "name": job.proto.name,
        "type": job.proto.type_.name,
        "steps": sorted(t.unique_name for t in transforms.values() if not t.subtransforms),
        "composites": sorted(t.unique_name for t in transforms.values() if t.subtransforms),
        "environments": {key: _environment(env) for key, env in pipeline.components.environments.items()},
        "options": job.options.get_all_options(drop_default=True, retain_unknown_options=False),
    }


def _environment(env) -> dict:
    """Where the workers' code comes from: the SDK container image and the files staged with it."""
    from apache_beam.portability import common_urns
    from apache_beam.portability.api import beam_runner_api_pb2 as api
    described = {"urn": env.urn}
    if env.urn == common_urns.environments.DOCKER.urn:
        described["container_image"] = api.DockerPayload.FromString(env.payload).container_image
    described["staged"] = sorted(
        api.ArtifactStagingToRolePayload.FromString(d.role_payload).staged_name
        for d in env.dependencies if d.role_urn == common_urns.artifact_roles.STAGING_TO.urn)
    return described


def describe_job_not_run(result, options, command: str = "run") -> str:
    """One line for the terminal; writes the job description to --dataflow_job_file on a dry run."""
    runner = options.view_as(StandardOptions).runner or "runner"
    if options.view_as(TestOptions).dry_run:
        description = job_description(result)
        if description is None:
            return f"newsbeam {command}: dry run on {runner}: nothing submitted"
        job_file = options.get_all_options().get("dataflow_job_file")
        if job_file:
            from apache_beam.io.filesystems import FileSystems
            with FileSystems.create(job_file) as f:
                f.write(json.dumps(description, indent=2, sort_keys=True, default=str).encode("utf-8"))
        return (f"newsbeam {command}: dry run on {runner}: built job {description['name']} "
                f"({description['type']}, {len(description['steps'])} steps), not submitted"
                + (f"; description in {job_file}" if job_file else ""))
    location = options.view_as(GoogleCloudOptions).template_location
    return f"newsbeam {command}: job handed to the template launcher ({location}); counters are on the job's page"
