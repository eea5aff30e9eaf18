#!/usr/bin/env bash
# Re-vendor the browser libraries the pages use, from the npm registry, at pinned versions.
# Nothing is built: each package's own distributable file is copied with its licence.
# The pages never load anything from another host; see static/vendor/README.md.
set -euo pipefail
cd "$(dirname "$0")/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name@version  files (paths inside the package)
packages=(
  "chart.js@4.6.1 dist/chart.umd.min.js LICENSE.md"
  "swagger-ui-dist@5.35.0 swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css LICENSE NOTICE"
  "redoc@2.5.4 bundles/redoc.standalone.js bundles/redoc.standalone.js.LICENSE.txt LICENSE"
  "graphiql@3.9.0 graphiql.min.js graphiql.min.css LICENSE"
  "react@18.3.1 umd/react.production.min.js LICENSE"
  "react-dom@18.3.1 umd/react-dom.production.min.js LICENSE"
)
for entry in "${packages[@]}"; do
  read -r spec files <<<"$entry"
  name=${spec%@*}
  version=${spec##*@}
  target="$name-$version"
  rm -rf "$target" && mkdir -p "$target"
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  tarball=$(ls "$work"/"$name"-"$version".tgz)
  mkdir -p "$work/$target" && tar xzf "$tarball" -C "$work/$target"
  for file in $files; do
    cp "$work/$target/package/$file" "$target/$(basename "$file")"
  done
done

# ReDoc's sidebar footer shows a logo from its vendor's CDN; point it at an empty
# inline image so the docs page makes no request off the machine.
sed -i 's#https://cdn.redoc.ly/redoc/logo-mini.svg#data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E#' \
  redoc-2.5.4/redoc.standalone.js
! grep -q 'cdn.redoc.ly' redoc-2.5.4/redoc.standalone.js
# Source maps are not shipped; drop the references so no tool asks for them.
sed -i '/^\/\/# sourceMappingURL=/d; s#//\# sourceMappingURL=[^ ]*\.map##' */*.js
echo "vendored: $(ls -d */ | tr '\n' ' ')"
