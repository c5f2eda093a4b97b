#!/bin/sh
# The container's entrypoint: runs the command (default `monitor run`) as the user `monitor`.
# `docker run -v "$PWD/reports:/reports"` creates a missing host folder owned by root, which
# the job could not write. Started as root (the default), this hands /data and /reports to
# `monitor` first (only what is not its already), then drops root for good. Started with
# `--user UID:GID`, it runs the command as that user unchanged: the folders must be theirs.
set -eu
if [ "$(id -u)" = 0 ]; then
  for folder in /data /reports; do
    if [ -d "$folder" ]; then
      find "$folder" ! -user monitor -exec chown monitor:monitor {} +
    fi
  done
  exec setpriv --reuid=monitor --regid=monitor --init-groups -- "$@"
fi
exec "$@"
