"""Makes an S3 bucket with a SigV4-signed PUT, standard library only.

    python3 scripts/s3_bucket.py ENDPOINT BUCKET ACCESS_KEY_ID SECRET_ACCESS_KEY [REGION]

Exits 0 when the bucket exists afterwards (made now or before), 1 otherwise.
"""
import datetime
import hashlib
import hmac
import sys
import urllib.error
import urllib.parse
import urllib.request


def sign(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def main(endpoint, bucket, key_id, secret, region="us-east-1"):
    url = urllib.parse.urlsplit(endpoint)
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(b"").hexdigest()
    headers = {"host": url.netloc, "x-amz-content-sha256": payload, "x-amz-date": stamp}
    names = ";".join(sorted(headers))
    canonical = "\n".join(
        ["PUT", f"/{bucket}", ""]
        + [f"{k}:{headers[k]}" for k in sorted(headers)]
        + ["", names, payload]
    )
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = sign(sign(sign(sign(f"AWS4{secret}".encode(), day), region), "s3"), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(f"{endpoint}/{bucket}", method="PUT", data=b"")
    for name, value in headers.items():
        if name != "host":
            request.add_header(name, value)
    request.add_header(
        "Authorization",
        f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={names}, Signature={signature}",
    )
    try:
        urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as error:
        return 0 if error.code == 409 else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
