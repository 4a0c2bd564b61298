"""gunicorn's settings for the web processes: ``gunicorn -c python:wardrobe.gunicorn_conf wardrobe.wsgi``
(the Dockerfile, docker-compose and the benchmarks start it so; options on the command line win).

A web process keeps what Django builds at start and on its first requests (models, URL patterns,
compiled templates, translation catalogues, the taxonomy's lists) for its whole life: some 150,000
objects that Python's cyclic garbage collector otherwise walks at each full collection, about 150 ms
of CPU every few dozen requests, 4 ms a request on average for the closet page made again after an
edit (issue 18 point 10; measured with the Django test client and ``gc.callbacks``). So each worker
collects once and moves every object alive into the collector's permanent generation
(``gc.freeze()``, Python 3.7+, see the ``gc`` module's documentation) after its first request and
again after :data:`WARM_UP_REQUESTS`; later collections walk only what requests make.
"""

from __future__ import annotations

import gc

#: Requests after which a worker freezes what it holds a second time (the first time: after one).
WARM_UP_REQUESTS = 50

_served = 0  # this worker's requests (module state is copied into each worker when it is forked)


def post_request(worker, req, environ, resp) -> None:
    """gunicorn's hook after each request: ``gc.collect()`` then ``gc.freeze()`` (0.1-0.2 s each
    time) after the worker's first request and its ``WARM_UP_REQUESTS``-th."""
    global _served
    _served += 1
    if _served in (1, WARM_UP_REQUESTS):
        gc.collect()
        gc.freeze()
