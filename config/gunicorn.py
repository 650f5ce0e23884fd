"""gunicorn's configuration for the web process: `gunicorn -c config/gunicorn.py config.wsgi`.

The command line (docs/deployment.md) still names the bind address and the number of
workers; this file holds what a command line cannot say.

No ``Server`` header. gunicorn writes ``Server: gunicorn`` on every response and has no
setting to stop it (its maintainers declined one, benoitc/gunicorn#825: the proxy should
hide it). Behind nginx the header is already dropped, but gunicorn reached directly (a
load balancer that passes headers through, a port left open) tells every scanner which
server to try its exploits on. So its HTTP/1 response class is replaced with one that
leaves that line out; ``tests/test_web_serving.py`` starts a real gunicorn with this file
and fails if the header comes back with a gunicorn upgrade.
"""

from gunicorn.http import wsgi


class _ResponseWithoutServerHeader(wsgi.Response):
    def default_headers(self) -> list[str]:
        return [line for line in super().default_headers() if not line.lower().startswith("server:")]


# gunicorn.http.wsgi.create() builds each response from this module attribute; the arbiter
# reads this file before it forks, so every worker inherits the change.
wsgi.Response = _ResponseWithoutServerHeader
