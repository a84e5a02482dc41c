#!/usr/bin/env python3
# webhook-receiver.py: an HTTPS receiver of the webhook tests. Serves 127.0.0.1:PORT with CERT and
# KEY and appends one JSON line per request to LOG (path, headers, body, the status it answered).
# What it answers is read from the file MODE before each request: "ok" (or no file) 200;
# "fail N" 500 to the next N requests, then 200; "hang" no answer while MODE says hang (the
# connection is kept open, then 200). Prints "ready" once it listens. With CLIENT_CA, a client
# certificate signed by it is required (the TLS handshake fails without one) and each line names
# its subject's CN ("client").
#   usage: webhook-receiver.py PORT CERT KEY LOG MODE [CLIENT_CA]
import http.server, json, os, ssl, sys, threading, time

port, cert, key, log, mode_file = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
client_ca = sys.argv[6] if len(sys.argv) > 6 else None
lock = threading.Lock()
failed = 0


def mode():
    try:
        with open(mode_file) as f:
            return f.read().split()
    except OSError:
        return ["ok"]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        global failed
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        t0 = time.time()
        while mode()[:1] == ["hang"] and time.time() - t0 < 60:
            time.sleep(0.05)
        peer = self.connection.getpeercert() if client_ca else None
        cn = dict(x[0] for x in peer["subject"]).get("commonName") if peer else None
        with lock:
            m = mode()
            status = 200
            if m[:1] == ["fail"] and failed < int(m[1]):
                failed += 1
                status = 500
            with open(log, "a") as f:
                f.write(json.dumps({"path": self.path, "headers": dict(self.headers.items()),
                                    "body": body.decode(), "status": status, "client": cn,
                                    "hung": round(time.time() - t0, 3)}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
srv.daemon_threads = True
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)
if client_ca:
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(client_ca)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
