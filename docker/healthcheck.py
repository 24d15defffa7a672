"""The image's HEALTHCHECK: exit 0 when GET /healthz answers 200 on the port the server binds."""

import os
import sys
import urllib.request

host = os.environ.get("HOST", "0.0.0.0").strip()
if host in ("", "0.0.0.0", "::", "[::]"):
    host = "127.0.0.1"
elif ":" in host and not host.startswith("["):
    host = f"[{host}]"
url = f"http://{host}:{os.environ.get('PORT', '8000').strip() or '8000'}/healthz"
try:
    with urllib.request.urlopen(url, timeout=3) as resp:
        sys.exit(0 if resp.status == 200 else 1)
except Exception as err:
    print(f"healthcheck: {url}: {err}", file=sys.stderr)
    sys.exit(1)
