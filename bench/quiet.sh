# Source this from a benchmark script: wait_quiet waits until the machine's
# 1-minute load average is below QUIET (default 0.5, issue 17's bar) or
# QUIET_MAX seconds (default 150) have passed, then prints the load it
# started at. A busy 2-core run leaves the 1-minute average near 2, and it
# decays with a one-minute time constant, so each wait is about 1.5 minutes.
# QUIET=0 turns the wait off.
wait_quiet() {
  local bar=${QUIET:-0.5} max=${QUIET_MAX:-150} waited=0
  if [[ $bar == 0 ]]; then
    return 0
  fi
  while awk -v b="$bar" '{exit !($1 >= b)}' /proc/loadavg && ((waited < max)); do
    sleep 5
    waited=$((waited + 5))
  done
  echo "   (waited ${waited}s for load < $bar: $(cut -d' ' -f1-3 /proc/loadavg))"
}
