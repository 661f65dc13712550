#!/bin/bash
# Install what building and testing racing needs, on Debian 12, as root.
# Installs only what is missing, so a second run is quick.
set -euo pipefail

pkgs="postgresql-15 postgresql-server-dev-15 postgresql-15-cron libcjson-dev
	libipc-run-perl make gcc clang libclang-rt-14-dev pgbench"
missing=""
for p in $pkgs; do
	[ "$p" = pgbench ] && continue
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
		|| missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "racing: missing packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	echo "racing: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# postgresql-common would create a default cluster: we do not want one.
	mkdir -p /etc/postgresql-common/createcluster.d
	echo "create_main_cluster = false" \
		> /etc/postgresql-common/createcluster.d/racing-no-main.conf
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
