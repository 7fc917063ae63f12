#!/usr/bin/env python3
# python3 -m http.server's server (ThreadingHTTPServer, listen queue 5), with a POST that reads its body.
import sys, http.server, socketserver
class H(http.server.SimpleHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get('Content-Length', 0))
        while n > 0:
            b = self.rfile.read(min(n, 65536))
            if not b: break
            n -= len(b)
        body = b'ok\n'
        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.command, self.headers.get('X-Req-Id')))
backlog = int(sys.argv[2]) if len(sys.argv) > 2 else 5
http.server.ThreadingHTTPServer.request_queue_size = backlog
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
