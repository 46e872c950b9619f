"""newsbeam: news ingestion with Apache Beam.

Also what Beam stages to remote workers with `--setup_file ./setup.py`: the same packages, the same
pins, so that a Dataflow or Flink worker runs what the tests ran.
"""
from setuptools import find_packages, setup

setup(
    name="newsbeam",
    version="0.1.0",
    description="News ingestion pipeline: feeds and files → clean text, language, syndication, "
                "entities, quotes, stances → partitioned Parquet",
    python_requires=">=3.11,<3.12",
    packages=find_packages(include=["pipelines", "pipelines.*", "transforms", "transforms.*",
                                    "schemas", "schemas.*"]),
    package_data={"transforms": ["lexicons/*"]},
    install_requires=[
        # Beam pins pyarrow<26, protobuf<7, pandas<2.4: never upgrade past them.
        "apache-beam[gcp,dataframe]==2.77.0",
        "feedparser==6.0.14",
        "trafilatura==2.3.1",
        "langdetect==1.0.9",
        "tldextract==5.4.0",
        "duckdb==2.0.0",
        "PyYAML==6.0.3",
        "datasketch==2.0.0",       # MinHash for syndication groups (transforms/dedup.py)
        "courlan==1.4.0",          # URL normaliser (also a trafilatura dependency)
        "scikit-learn==1.9.1",     # HashingVectorizer for story clusters (transforms/stories.py)
    ],
    extras_require={
        "dev": ["pytest==9.2.0", "pytest-timeout==2.4.0"],
    },
    entry_points={"console_scripts": ["newsbeam=pipelines.cli:main"]},
)
