#!/bin/sh
# Runs redis-server as the redis user, listening on every interface of the container.
set -eu
if [ "${1:-}" = redis-server ]; then
    shift
    case "${1:-}" in
        "" | --*) set -- redis-server --bind "* -::*" --protected-mode no "$@" ;;
        *) set -- redis-server "$@" ;;
    esac
    if [ "$(id -u)" = 0 ]; then
        chown -R redis:redis /data
        exec setpriv --reuid=redis --regid=redis --init-groups "$@"
    fi
fi
exec "$@"
