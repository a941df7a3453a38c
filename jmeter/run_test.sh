#!/usr/bin/env bash
# Runs jmeter/experiment_test_plan.jmx in non-GUI mode against a running system and writes
#   reports/jmeter/<timestamp>/results.jtl   every sample (CSV)
#   reports/jmeter/<timestamp>/html/         JMeter's HTML dashboard
#   reports/jmeter/<timestamp>/summary.txt   JMeter's own summary lines
#   reports/jmeter/latest                    -> the newest run
#
# usage: jmeter/run_test.sh [--via direct|gateway] [-Jname=value ...]   e.g. -Jduration=30 -Jread_rps=50 -Jvoter_port=5005
#   --via gateway   reads and orders both go to gateway-svc (port GATEWAY_PORT, default 5000) instead of
#                   voter-svc and orders-svc; --via direct (the default) goes straight to them
#   (properties: see the comment at the top of the plan; anything else is passed to JMeter as is)
# env:   JMETER_HOME     use this JMeter installation instead of the Maven-provisioned one
#        JMETER_OUT_DIR  write into this directory instead of reports/jmeter/<timestamp>
#        GATEWAY_PORT    the gateway's port for --via gateway (default 5000)
#
# JMeter itself comes from Maven Central through jmeter/pom.xml (Debian's jmeter 2.13 cannot load
# a plan on JDK 17); the first run downloads it, later runs reuse jmeter/target/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
plan="$here/experiment_test_plan.jmx"

die() {
  echo "run_test.sh: $*" >&2
  exit 1
}

# --via is checked before anything starts: a typo exits 2 naming the option, nothing is sent.
via=direct
case "${1:-}" in
  --via) via=${2:-}; shift 2 || shift $# ;;
  --via=*) via=${1#--via=}; shift ;;
esac
case "$via" in
  direct) via_props=() ;;
  gateway)
    gateway_port=${GATEWAY_PORT:-5000}
    [[ "$gateway_port" =~ ^[0-9]{1,5}$ ]] && [ "$gateway_port" -ge 1 ] && [ "$gateway_port" -le 65535 ] || { echo "run_test.sh: GATEWAY_PORT: must be a port number (got '$gateway_port')" >&2; exit 2; }
    via_props=("-Jvoter_port=$gateway_port" "-Jorders_port=$gateway_port") ;;
  *) echo "run_test.sh: --via: must be direct or gateway (got '$via')" >&2; exit 2 ;;
esac

# The JMeter runtime jar laid out by `mvn jmeter:configure`, read from the plugin's config.json.
provisioned_jar() {
  local config="$here/target/config.json" dir jar
  [ -f "$config" ] || return 1
  dir=$(grep -o '"jmeterDirectoryPath":"[^"]*"' "$config" | head -n1 | cut -d'"' -f4)
  jar=$(grep -o '"runtimeJarName":"[^"]*"' "$config" | head -n1 | cut -d'"' -f4)
  [ -n "$dir" ] && [ -n "$jar" ] && [ -f "$dir/bin/$jar" ] || return 1
  echo "$dir/bin/$jar"
}

jmeter_cmd=()
if [ -n "${JMETER_HOME:-}" ]; then
  [ -x "$JMETER_HOME/bin/jmeter" ] || die "JMETER_HOME=$JMETER_HOME has no bin/jmeter"
  jmeter_cmd=("$JMETER_HOME/bin/jmeter")
else
  command -v java >/dev/null 2>&1 || die "java is missing: apt-get install -y openjdk-17-jre-headless (and maven, which fetches JMeter)"
  if ! jar=$(provisioned_jar); then
    command -v mvn >/dev/null 2>&1 || die "JMeter is not provisioned and mvn is missing: apt-get install -y maven, then run this again (it fetches JMeter 5.6.3 from Maven Central)"
    echo "run_test.sh: fetching JMeter from Maven Central (mvn jmeter:configure, once)" >&2
    rm -rf "$here/target"
    mvn -B -q -f "$here/pom.xml" jmeter:configure >&2 || die "mvn jmeter:configure failed (is Maven Central reachable?)"
    jar=$(provisioned_jar) || die "mvn jmeter:configure did not produce a JMeter (see $here/target)"
  fi
  jmeter_cmd=(java -jar "$jar")
fi

stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
out=${JMETER_OUT_DIR:-"$root/reports/jmeter/$stamp"}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# -e -o refuses a non-empty dashboard directory.
rm -rf "$out/html" "$out/results.jtl"

echo "run_test.sh: $plan -> $out (via $via)" >&2
set +e
"${jmeter_cmd[@]}" -n -t "$plan" \
  -l "$out/results.jtl" -j "$out/jmeter.log" -e -o "$out/html" \
  -Jjmeter.save.saveservice.output_format=csv \
  -Jsummariser.interval=5 \
  "${via_props[@]}" "$@" | tee "$out/summary.txt"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || die "JMeter exited with $status (log: $out/jmeter.log)"
[ -s "$out/results.jtl" ] || die "JMeter wrote no samples to $out/results.jtl (log: $out/jmeter.log)"

if [ -z "${JMETER_OUT_DIR:-}" ]; then
  ln -sfn "$stamp" "$root/reports/jmeter/latest"
fi
echo "run_test.sh: results in $out (html/index.html, results.jtl, summary.txt)" >&2
