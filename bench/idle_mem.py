#!/usr/bin/python3
"""bench/idle_mem.py: memory per idle keep-alive client connection.

For sluice, HAProxy and nginx in turn (one thread or worker each, in front
of the same nginx origin): open N client connections, make one request on
each, keep them all open and idle, and compare the proxy's resident memory
with what it used before (after one warm-up request). Prints bytes per
idle connection. A benchmark, not a test.

Environment: IDLE_CONNS (default 8000), SLUICE_BIN (default ./sluice),
HAPROXY (/usr/sbin/haproxy), NGINX (/usr/sbin/nginx).
"""
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

N = int(os.environ.get("IDLE_CONNS", "8000"))
SLUICE = os.environ.get("SLUICE_BIN", "./sluice")
HAPROXY = os.environ.get("HAPROXY", "/usr/sbin/haproxy")
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def rss_kb(pids):
    total = 0
    for pid in pids:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def nginx_conf(tmp, name, port, body):
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""daemon off; worker_processes 1; worker_rlimit_nofile %d;
pid %s/pid; error_log %s/error.log;
events { worker_connections %d; }
http { access_log off; client_body_temp_path %s; proxy_temp_path %s;
  fastcgi_temp_path %s; uwsgi_temp_path %s; scgi_temp_path %s;
  keepalive_requests 1000000; keepalive_timeout 300s;
  %s }
""" % (N * 3, d, d, N * 3, d, d, d, d, d, body))
    return conf


def wait_port(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("bench: nothing listens on %d" % port)


def request(s):
    s.sendall(b"GET /64 HTTP/1.1\r\nHost: bench\r\n\r\n")
    data = b""
    while not (b"\r\n\r\n" in data and data.endswith(b"0" * 64)):
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("bench: connection closed by the proxy")
        data += chunk


def measure(name, port, pids_of):
    warm = socket.create_connection(("127.0.0.1", port))
    request(warm)
    time.sleep(0.5)
    before = rss_kb(pids_of())
    conns = [warm]
    for i in range(N):
        s = socket.create_connection(("127.0.0.1", port))
        request(s)
        conns.append(s)
    time.sleep(1.0)
    after = rss_kb(pids_of())
    for s in conns:
        s.close()
    per = (after - before) * 1024 / N
    print("%-8s rss before %7d KB  after %7d KB  -> %6.0f bytes per idle connection"
          % (name, before, after, per), flush=True)
    return per


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = N * 3 + 1000
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(want, hard)), hard))
    tmp = tempfile.mkdtemp(prefix="sluice-idle-")
    os.chmod(tmp, 0o755)          # nginx workers read the files as nobody
    procs = []
    results = {}
    try:
        oport = free_port()
        os.makedirs(os.path.join(tmp, "www"))
        with open(os.path.join(tmp, "www", "64"), "w") as f:
            f.write("0" * 64)
        conf = nginx_conf(tmp, "origin", oport,
                          "server { listen 127.0.0.1:%d; root %s/www; }" % (oport, tmp))
        procs.append(subprocess.Popen([NGINX, "-p", tmp, "-c", conf]))
        wait_port(oport)

        haproxy_cfg = """global
    nbthread 1
    maxconn %d
defaults
    mode http
    timeout connect 5s
    timeout client 300s
    timeout server 300s
    timeout http-keep-alive 300s
frontend fe
    bind 127.0.0.1:%%d
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (N + 500, oport)
        for name in ("sluice", "haproxy", "nginx"):
            port = free_port()
            if name == "nginx":
                conf = nginx_conf(tmp, "proxy", port,
                                  """upstream o { server 127.0.0.1:%d; keepalive 32; }
  server { listen 127.0.0.1:%d; location / { proxy_pass http://o;
    proxy_http_version 1.1; proxy_set_header Connection ""; } }""" % (oport, port))
                p = subprocess.Popen([NGINX, "-p", tmp, "-c", conf])
                pids_of = lambda p=p: children(p.pid) or [p.pid]
            else:
                cfg = os.path.join(tmp, name + ".cfg")
                with open(cfg, "w") as f:
                    f.write(haproxy_cfg % port)
                cmd = [HAPROXY, "-f", cfg] if name == "haproxy" else \
                    [SLUICE, "-n", os.path.join(tmp, "shm"), "-f", cfg]
                p = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
                pids_of = lambda p=p: [p.pid]
            procs.append(p)
            wait_port(port)
            results[name] = measure(name, port, pids_of)
            p.send_signal(signal.SIGINT if name != "nginx" else signal.SIGQUIT)
            p.wait(10)
        if results.get("haproxy"):
            print("ratio sluice/haproxy: %.2f   sluice/nginx: %.2f"
                  % (results["sluice"] / results["haproxy"],
                     results["sluice"] / results["nginx"]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
