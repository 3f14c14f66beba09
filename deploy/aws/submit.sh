#!/usr/bin/env bash
# Submit an hf distributed render to AWS Batch: plan, an array job with one
# child per chunk (AWS_BATCH_JOB_ARRAY_INDEX), then assemble, chained with
# dependsOn. Needs the aws CLI, the job definition registered
# (aws batch register-job-definition --cli-input-json file://job-definition.json)
# and EFS mounted at /work in every container. Usage: submit.sh JOB_QUEUE
set -euo pipefail
cd "$(dirname "$0")"
q=${1:?usage: submit.sh JOB_QUEUE}
sub() { sed -e "s/JOB_QUEUE/$q/" -e "s/PLAN_JOB_ID/${plan:-}/" -e "s/RENDER_ARRAY_JOB_ID/${render:-}/" "$1" >"$1.tmp"
  aws batch submit-job --cli-input-json "file://$1.tmp" --query jobId --output text; rm -f "$1.tmp"; }
plan=$(sub submit-plan.json)
render=$(sub submit-render.json)
assemble=$(sub submit-assemble.json)
echo "plan $plan, render $render (array), assemble $assemble"
