#!/usr/bin/env bash
# Copy the served browser libraries from the npm registry into static/vendor/ (committed,
# so serving needs no npm). The version is the exact pin in package.json.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p 'require("./package.json").dependencies.sortablejs')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "sortablejs@${version}" >/dev/null && tar xzf "sortablejs-${version}.tgz")
install -m 0644 "$work/package/Sortable.min.js" "$work/package/LICENSE" static/vendor/sortablejs/
echo "static/vendor/sortablejs: SortableJS ${version}"
