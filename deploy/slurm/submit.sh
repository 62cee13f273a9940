#!/usr/bin/env bash
# Submit a sharded conlab sweep to Slurm: an array of N slices (deploy/slurm/conlab.sbatch,
# one node each) and a merge job that runs once all of them succeeded.
#   deploy/slurm/submit.sh --out DIR [--shards N] [--sbatch-arg ARG]... -- BENCH_ARGS...
# DIR must be on a filesystem every node sees. Prints "ARRAY_JOB_ID MERGE_JOB_ID".
# CONLAB=/path/to/conlab names the binary on the nodes (exported with the jobs).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=
shards=2
extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --sbatch-arg) extra+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "submit.sh: unknown option $1 (usage: --out DIR [--shards N] -- BENCH_ARGS...)" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || { echo "submit.sh: --out DIR is required" >&2; exit 2; }
case $shards in '' | *[!0-9]* | 0) echo "submit.sh: --shards must be a positive integer" >&2; exit 2 ;; esac

if [ -n "$(ls -A "$out/shards" 2>/dev/null)" ]; then
  echo "submit.sh: $out/shards already holds a sweep; choose another --out" >&2
  exit 2
fi
mkdir -p "$out/slurm"
out=$(cd "$out" && pwd)
array=$(sbatch --parsable "${extra[@]}" --array="0-$((shards - 1))" \
  --output="$out/slurm/conlab-sweep-%A_%a.out" \
  "$here/conlab.sbatch" "$out" -- "$@")
array=${array%%;*}
merge=$(sbatch --parsable "${extra[@]}" --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --output="$out/slurm/conlab-merge-%j.out" \
  "$here/merge.sbatch" "$out")
merge=${merge%%;*}
echo "$array $merge"
