# dkimpy's DKIM sign/s and verify/s on the files bench_dkim wrote (same message, same keys).
# Usage: /usr/bin/python3 bench_dkimpy.py DIR [SECONDS]
import json, sys, time
import dkim

d = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
message = open(d + '/message.eml', 'rb').read()
zone = json.load(open(d + '/zone.json'))

def dnsfunc(name, timeout=5):
    return zone.get(name.decode().rstrip('.'), '')

def rate(op):
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(10):
            op()
        n += 10
    return n / (time.perf_counter() - start)

for selector, keyfile, alg in (('rsa', 'rsa.pem', b'rsa-sha256'), ('ed', 'ed.key', b'ed25519-sha256')):
    key = open(d + '/' + keyfile, 'rb').read()
    sign = lambda: dkim.sign(message, selector.encode(), b'example.org', key,
                             canonicalize=(b'relaxed', b'relaxed'), signature_algorithm=alg)
    signed = sign() + message
    assert dkim.verify(signed, dnsfunc=dnsfunc)
    s = rate(sign)
    v = rate(lambda: dkim.verify(signed, dnsfunc=dnsfunc))
    print('dkimpy %s sign/s %d verify/s %d' % (alg.decode(), s, v))
