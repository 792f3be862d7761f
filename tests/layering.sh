#!/bin/sh
# Checks the dependency rule of architecture.md: each layer folder includes only
# the project headers of its own layer and of the layers below it.  Prints each
# offending file and exits 1.
root=${1:-.}
fail=0
for spec in "base:" "sim:base" "policy:base" "config:policy base" \
            "proxy:config policy base" "models:sim config policy base" "reports:models sim config policy base"; do
  layer=${spec%%:*}; deps=${spec#*:}
  for f in "$root/$layer"/*.[ch]; do
    [ -e "$f" ] || continue
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include "\([a-z]*\)\/.*/\1/p' "$f" | sort -u); do
      ok=0
      for a in $layer $deps; do [ "$inc" = "$a" ] && ok=1; done
      if [ $ok -eq 0 ]; then echo "$f: $layer/ may not include $inc/"; fail=1; fi
    done
  done
done
exit $fail
