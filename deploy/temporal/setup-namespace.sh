#!/bin/sh
# Registers the namespace coachplan runs in and the search attributes its workflows upsert
# (coaching/visibility.py: CoachingPlanPhase, CoachingPlanNextDeadline); without them every
# plan's workflow task fails. Safe at every start: what exists is left alone.
set -eu
namespace="${TEMPORAL_NAMESPACE:?}"
retention="${TEMPORAL_RETENTION:-720h}"

# A new namespace takes a few seconds to reach every part of the server.
retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 60 ]; then
      echo "gave up after $attempt attempts: $*" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

retry temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null
if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$namespace" >/dev/null 2>&1; then
  echo "namespace $namespace exists"
else
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" -n "$namespace" \
    --retention "$retention"
fi

list_attributes() {
  temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" -n "$namespace" \
    >/tmp/search-attributes 2>/dev/null
}
retry list_attributes
for attribute in CoachingPlanPhase:Keyword CoachingPlanNextDeadline:Datetime; do
  name="${attribute%%:*}"
  if grep -qw "$name" /tmp/search-attributes; then
    echo "search attribute $name exists"
  else
    retry temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" \
      -n "$namespace" --name "$name" --type "${attribute#*:}"
  fi
done
