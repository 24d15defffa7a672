#!/bin/sh
# Writes the upstream servers and the listening address from the environment, then runs nginx
# in the foreground (it stops gracefully on SIGQUIT; SIGTERM stops it at once).
#   UPSTREAMS   the app containers, space-separated host:port (default the three of compose.yaml)
#   PROXY_HOST  address to listen on (default 0.0.0.0)       PROXY_PORT  port (default 8080)
set -eu
mkdir -p /tmp/nginx
: > /tmp/nginx/upstreams.conf
for server in ${UPSTREAMS:-127.0.0.1:8001 127.0.0.1:8002 127.0.0.1:8003}; do
    # a server that fails is left alone for 2 s (health checks are nginx Plus's; retries are not)
    echo "server $server max_fails=1 fail_timeout=2s;" >> /tmp/nginx/upstreams.conf
done
echo "listen ${PROXY_HOST:-0.0.0.0}:${PROXY_PORT:-8080};" > /tmp/nginx/listen.conf
exec nginx -g 'daemon off;'
