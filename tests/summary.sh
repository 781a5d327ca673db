#!/bin/sh
# The closing line CI reads: "N passed, N failed".
f=$1
p=$(grep -c '^pass ' "$f" 2>/dev/null || true)
n=$(grep -c '^fail ' "$f" 2>/dev/null || true)
echo "tests: ${p:-0} passed, ${n:-0} failed"
[ "${n:-0}" -eq 0 ] && [ "${p:-0}" -gt 0 ]
