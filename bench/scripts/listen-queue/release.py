#!/usr/bin/env python3
# Holds N requests in pause-proxy (paused), resumes, and counts the answers.
# usage: release.py PROXY_HOST:PORT ADMIN_URL N GET|POST BODY_BYTES
import sys, socket, json, time, urllib.request, collections, threading
proxy, admin, n, method, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
def adm(path, body):
    r = urllib.request.Request(admin + path, data=json.dumps(body).encode(), method='POST', headers={'Content-Type': 'application/json'})
    return json.loads(urllib.request.urlopen(r).read())
st = adm('/v1/pause', {"reason": "repro", "ttl": "60s"})
h, p = proxy.split(':')
socks = []
body = b'x' * size
for i in range(n):
    s = socket.create_connection((h, int(p)))
    head = "%s / HTTP/1.1\r\nHost: x\r\nX-Req-Id: r%d\r\n" % (method, i)
    if method == 'POST':
        head += "Content-Length: %d\r\n" % size
    s.sendall((head + "\r\n").encode())
    socks.append(s)
while json.loads(urllib.request.urlopen(admin + '/v1/status').read())['queueDepth'] < n:
    time.sleep(0.05)
t0 = time.time()
def sender(s):
    if method == 'POST':
        try: s.sendall(body)
        except Exception: pass
ths = [threading.Thread(target=sender, args=(s,)) for s in socks]
[t.start() for t in ths]
adm('/v1/resume', {"force": True})
codes = collections.Counter(); slow = []
def reader(i, s):
    s.settimeout(90)
    try:
        d = s.recv(64)
        code = d.split(b' ')[1].decode() if d else 'eof'
    except Exception as e:
        code = type(e).__name__
    codes[code] += 1
    slow.append((time.time() - t0, code))
rs = [threading.Thread(target=reader, args=(i, s)) for i, s in enumerate(socks)]
[t.start() for t in rs]; [t.join() for t in rs]
print(method, n, dict(codes), "last answer after %.1fs" % max(x[0] for x in slow))
