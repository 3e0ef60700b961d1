# install layout: man pages, systemd unit, completion, migrations
