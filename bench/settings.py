"""Settings of the benchmarks: the project's own, with the URLs of the baseline
and floor views in front of the project's (bench/urls.py).

The in-process benches and the load test's gunicorn both run on these, so that a
page and its baseline go through the same middleware and templates.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
