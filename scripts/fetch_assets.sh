#!/usr/bin/env bash
# Re-fetches the vendored front-end assets from the npm registry into static/ (committed to the
# repo: neither CI nor the Docker build ever needs npm). Versions go into the file names, so a
# template that links them changes whenever the version does; the script prints the new names.
#
#   scripts/fetch_assets.sh                      # htmx.org@2 (latest 2.x) and swagger-ui-dist@5
#   HTMX_SPEC=htmx.org@2.0.11 SWAGGER_SPEC=swagger-ui-dist@5.35.0 scripts/fetch_assets.sh
#
# Stay on htmx 2.x: htmx 4 is a rewrite with a different API (see TESTING.md).
# Needs: npm, node, tar, sha256sum. Writes static/VENDORED.md from what it fetched.
set -euo pipefail

HTMX_SPEC="${HTMX_SPEC:-htmx.org@2}"
SWAGGER_SPEC="${SWAGGER_SPEC:-swagger-ui-dist@5}"

root="$(cd "$(dirname "$0")/.." && pwd)"
static="$root/static"
for tool in npm node tar sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || { echo "fetch_assets: $tool is required" >&2; exit 1; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# npm pack <spec> -> prints the version it packed; unpacks the tarball into $tmp/<dir>/package.
pack() {
    local spec="$1" dir="$2" tgz version
    mkdir -p "$tmp/$dir"
    tgz="$(cd "$tmp/$dir" && npm pack --silent "$spec" 2>/dev/null | tail -n 1)"
    [ -f "$tmp/$dir/$tgz" ] || { echo "fetch_assets: npm pack $spec failed" >&2; exit 1; }
    tar -xzf "$tmp/$dir/$tgz" -C "$tmp/$dir"
    version="$(node -p "require('$tmp/$dir/package/package.json').version")"
    echo "$version"
}

# --- htmx ----------------------------------------------------------------------------------
htmx_ver="$(pack "$HTMX_SPEC" htmx)"
htmx_pkg="$tmp/htmx/package"
case "$htmx_ver" in
    2.0.*) ;;
    *) echo "fetch_assets: $HTMX_SPEC gave htmx $htmx_ver, expected 2.0.x" >&2; exit 1 ;;
esac
htmx_src="$htmx_pkg/dist/htmx.min.js"
# Valid 2.0.x: parses as JavaScript and declares the version it claims to be.
node --check "$htmx_src"
grep -q "version:\"$htmx_ver\"" "$htmx_src" || {
    echo "fetch_assets: $htmx_src does not declare version $htmx_ver" >&2; exit 1; }

mkdir -p "$static/js"
rm -f "$static"/js/htmx-*.min.js
cp "$htmx_src" "$static/js/htmx-$htmx_ver.min.js"
cp "$htmx_pkg/LICENSE" "$static/js/htmx-LICENSE"

# --- Swagger UI ----------------------------------------------------------------------------
sw_ver="$(pack "$SWAGGER_SPEC" swagger)"
sw_pkg="$tmp/swagger/package"
node --check "$sw_pkg/swagger-ui-bundle.js"

mkdir -p "$static/swagger"
rm -f "$static"/swagger/swagger-ui-bundle-*.js "$static"/swagger/swagger-ui-*.css
cp "$sw_pkg/swagger-ui-bundle.js" "$static/swagger/swagger-ui-bundle-$sw_ver.js"
# The stylesheet ends with a sourceMappingURL to a .map we do not ship; drop that comment so
# browsers with dev tools open do not request a missing file.
sed -e 's#/\*\# sourceMappingURL=[^*]*\*/##' "$sw_pkg/swagger-ui.css" \
    > "$static/swagger/swagger-ui-$sw_ver.css"
cp "$sw_pkg/favicon-32x32.png" "$static/swagger/favicon-32x32.png"
cp "$sw_pkg/LICENSE" "$static/swagger/LICENSE"
cp "$sw_pkg/NOTICE" "$static/swagger/NOTICE"
# The bundle's first line points at this file for the licences of the code bundled inside it.
cp "$sw_pkg/swagger-ui-bundle.js.LICENSE.txt" "$static/swagger/swagger-ui-bundle.js.LICENSE.txt"

# --- static/VENDORED.md ----------------------------------------------------------------------
sum() { sha256sum "$1" | cut -d' ' -f1; }
cat > "$static/VENDORED.md" <<EOF
# Vendored front-end assets

Fetched from the npm registry by \`scripts/fetch_assets.sh\` (\`npm pack\`, no build step) and
committed, so neither CI nor the Docker image needs npm or a CDN. Re-run the script to upgrade;
it rewrites this file. Versions are in the file names: update the templates' links when they change.

| file | package | version | licence | sha256 |
|---|---|---|---|---|
| \`js/htmx-$htmx_ver.min.js\` | [htmx.org](https://www.npmjs.com/package/htmx.org) \`dist/htmx.min.js\` | $htmx_ver | 0BSD (\`js/htmx-LICENSE\`) | \`$(sum "$static/js/htmx-$htmx_ver.min.js")\` |
| \`swagger/swagger-ui-bundle-$sw_ver.js\` | [swagger-ui-dist](https://www.npmjs.com/package/swagger-ui-dist) \`swagger-ui-bundle.js\` | $sw_ver | Apache-2.0 (\`swagger/LICENSE\`, \`swagger/NOTICE\`; bundled third-party code: \`swagger/swagger-ui-bundle.js.LICENSE.txt\`) | \`$(sum "$static/swagger/swagger-ui-bundle-$sw_ver.js")\` |
| \`swagger/swagger-ui-$sw_ver.css\` | swagger-ui-dist \`swagger-ui.css\` | $sw_ver | Apache-2.0 | \`$(sum "$static/swagger/swagger-ui-$sw_ver.css")\` |
| \`swagger/favicon-32x32.png\` | swagger-ui-dist \`favicon-32x32.png\` | $sw_ver | Apache-2.0 | \`$(sum "$static/swagger/favicon-32x32.png")\` |

Changes from upstream: \`swagger-ui-$sw_ver.css\` has its trailing \`/*# sourceMappingURL=… */\`
comment removed (the source map is not shipped). Everything else is byte-for-byte the npm file.

Using them:
- htmx under a strict CSP: set
  \`<meta name="htmx-config" content='{"includeIndicatorStyles": false, "allowEval": false}'>\`
  (no injected inline style, no \`hx-on\`/\`js:\` evaluation).
- Swagger UI offline: \`FastAPI(docs_url=None)\` and a \`/docs\` route returning
  \`get_swagger_ui_html(openapi_url=…, title=…, swagger_js_url="/static/swagger/swagger-ui-bundle-$sw_ver.js",
  swagger_css_url="/static/swagger/swagger-ui-$sw_ver.css", swagger_favicon_url="/static/swagger/favicon-32x32.png")\`.
  Note: FastAPI's page starts Swagger UI with an inline \`<script>\`, which a strict
  \`script-src 'self'\` refuses; give \`/docs\` its own CSP or an init script under \`static/\`.
EOF

echo "htmx $htmx_ver        -> static/js/htmx-$htmx_ver.min.js"
echo "swagger-ui-dist $sw_ver -> static/swagger/swagger-ui-bundle-$sw_ver.js, static/swagger/swagger-ui-$sw_ver.css"
