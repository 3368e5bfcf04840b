# Sourced by the bench scripts: start_nginx DIR [ADDR:PORT...] starts nginx
# (one worker pinned to CPU 0, keep-alive for as long as the runs last; with
# NGINX_WORKERS=N, N workers sharing the ports with reuseport, unpinned: each
# worker is a process with its own open-file limit, so N of them hold more
# connections than one process may)
# serving DIR/www, listening on each ADDR:PORT given (default: 127.0.0.1 on
# a free port), and sets URL to the first. stop_nginx DIR stops it.
# A free port below the kernel's ephemeral range: a ZeroMQ peer that keeps
# reconnecting to a port in that range before anyone listens there can end
# up connected to itself, and the port is then taken.
free_port() {
    python3 -c '
import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(1000):
    p = random.randrange(10000, max(lo - 2, 10001))
    try:
        for q in (p, p + 1):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
        print(p)
        break
    except OSError:
        pass
'
}

# nginx_conf DIR WORKERS HTTP: an nginx.conf for an nginx run from DIR/nginx (WORKERS
# workers, the one pinned to CPU 0 when 1, keep-alive for as long as the runs last), whose
# http block holds HTTP (directives and server blocks, each line indented by 4).
nginx_conf() {
    affinity="worker_cpu_affinity 01;"
    [ "$2" -le 1 ] || affinity=""
    cat <<CONF
worker_processes $2;
$affinity
worker_rlimit_nofile 200000;
daemon on;
pid $1/nginx/nginx.pid;
error_log $1/nginx/error.log warn;
events { worker_connections 120000; multi_accept on; }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 600s;
    client_body_temp_path $1/nginx/body;
    proxy_temp_path $1/nginx/proxy;
    fastcgi_temp_path $1/nginx/fastcgi;
    uwsgi_temp_path $1/nginx/uwsgi;
    scgi_temp_path $1/nginx/scgi;
$3
}
CONF
}

# run_nginx DIR: starts the nginx of DIR/nginx/nginx.conf and gives it time to listen.
run_nginx() {
    /usr/sbin/nginx -p "$1/nginx" -c "$1/nginx/nginx.conf"
    sleep 0.3
}

start_nginx() {
    dir=$1; shift
    mkdir -p "$dir/www" "$dir/nginx"
    [ -f "$dir/www/index.html" ] || head -c 612 /dev/zero | tr '\0' 'x' >"$dir/www/index.html"
    [ -f "$dir/www/10k.bin" ] || head -c 10240 /dev/zero | tr '\0' 'y' >"$dir/www/10k.bin"
    [ $# -gt 0 ] || set -- "127.0.0.1:$(free_port)"
    workers=${NGINX_WORKERS:-1}
    listen="" reuse=""
    if [ "$workers" -gt 1 ]; then reuse=" reuseport"; fi
    for a in "$@"; do listen="$listen        listen $a backlog=65535$reuse;
"; done
    nginx_conf "$dir" "$workers" "$(cat <<CONF
    server {
$listen        root $dir/www;
        location / { }
        # A login that sets a session cookie, for the cookie-session hop.
        location = /login { add_header Set-Cookie "session=0123456789abcdef; Path=/; HttpOnly"; return 200 "ok"; }
    }
CONF
)" >"$dir/nginx/nginx.conf"
    run_nginx "$dir"
    URL=http://$1
}

# tls_server ADDR:PORT ROOT [LISTEN_FLAGS]: an nginx server block serving ROOT over TLS 1.2/1.3
# with the tests' certificate (tests/data/tls-server.pem, for 127.0.0.1), for the https benchmarks.
tls_server() {
    cat <<CONF
    server {
        listen $1 ssl${3:-};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_certificate $SRC/tests/data/tls-server.pem;
        ssl_certificate_key $SRC/tests/data/tls-server.key;
        root $2;
        location / { }
    }
CONF
}

stop_nginx() {
    [ -f "$1/nginx/nginx.pid" ] && kill "$(cat "$1/nginx/nginx.pid")" 2>/dev/null || true
}

# The locust-run binary itself, not libtool's wrapper script (which would
# add a shell and several sed runs to the start-up time and CPU figures).
find_locust_run() {
    if [ -x "$1/.libs/locust-run" ]; then
        LOCUST_RUN=$1/.libs/locust-run
        export LD_LIBRARY_PATH="$1/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    elif [ -x "$1/locust-run" ]; then
        LOCUST_RUN=$1/locust-run
    else
        LOCUST_RUN=$1/cli/locust-run
    fi
}
