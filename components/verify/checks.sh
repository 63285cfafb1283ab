# shellcheck shell=sh
# The verification library: sourced by the run.sh that ClusterVerification generates for one stack, which
# then calls `check NAME FUNCTION ARGS...` once per check and `finish COUNT` at the end. Every line of the
# log is `PASS <check>` or `FAIL <check>: <why>`, then a summary; the Job fails (exit 1) when a check failed.
# Needs only busybox: sh, date, sleep, tr, cut, grep, awk, sort, wget and nslookup.
#
# Tunable through the environment:
#   VERIFY_RETRY_SECONDS (120)  how long each failing check is retried, from that check's first try;
#   VERIFY_TOTAL_SECONDS (480)  after which no check is retried any more, so that the log is complete
#                               before the Job's activeDeadlineSeconds (600) ends the pod;
#   VERIFY_PAUSE_SECONDS (5)    between tries;
#   VERIFY_TIMEOUT_SECONDS (5)  per HTTP request.
#   NODE_IP                     the node's address (the Job sets it from the downward API's status.hostIP).

pause=${VERIFY_PAUSE_SECONDS:-5}
timeout=${VERIFY_TIMEOUT_SECONDS:-5}
retry=${VERIFY_RETRY_SECONDS:-120}
budget=$(( $(date +%s) + ${VERIFY_TOTAL_SECONDS:-480} ))
failed=0

# One line of at most 300 characters, for the reason after FAIL.
oneline() { tr '\n\t' '  ' | cut -c1-300; }

# check NAME FUNCTION ARGS...: runs the function until it passes or its own retry window closes. DNS
# records, endpoints and kube-proxy rules settle a few seconds after pods become ready (CoreDNS also caches
# answers for up to 30 s), so a first failure is not yet a verdict. The window is cut short once the whole
# run's budget is spent, so that every check still prints its line before the Job's deadline.
check() {
    name=$1
    shift
    deadline=$(( $(date +%s) + retry ))
    if [ "$deadline" -gt "$budget" ]; then
        deadline=$budget
    fi
    while :; do
        if reason=$("$@" 2>&1); then
            echo "PASS $name"
            return 0
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "FAIL $name: $(printf '%s' "$reason" | oneline)"
            failed=$((failed + 1))
            return 0
        fi
        sleep "$pause"
    done
}

# serves URL PATTERN: URL answers, and its page contains PATTERN (grep -E) as a whole word.
serves() {
    if ! body=$(wget -q -T "$timeout" -O - "$1" 2>&1); then
        echo "no answer from $1: $body"
        return 1
    fi
    if printf '%s\n' "$body" | grep -qwE "$2"; then
        return 0
    fi
    echo "$1 answered without $2 in its page: $body"
    return 1
}

# node_serves PORT PATTERN: the node this pod runs on answers on PORT.
node_serves() {
    node=${NODE_IP:-}
    if [ -z "$node" ]; then
        echo "the node's address is unknown (NODE_IP is not set)"
        return 1
    fi
    case $node in
        *:*) serves "http://[$node]:$1/" "$2" ;;
        *) serves "http://$node:$1/" "$2" ;;
    esac
}

# addresses NAME TYPE: the addresses DNS holds for NAME, one per line (busybox nslookup output).
addresses() {
    nslookup -type="$2" "$1" 2>/dev/null |
        awk '/^Name:/ { answer = 1; next } answer && /^Address/ { print $NF } / has AAAA address / { print $NF }' |
        sort -u
}

# resolves_to_count NAME N: NAME has exactly N addresses (A records, or AAAA on an IPv6-only cluster).
resolves_to_count() {
    found=$(addresses "$1" A)
    if [ -z "$found" ]; then
        found=$(addresses "$1" AAAA)
    fi
    count=$(printf '%s' "$found" | grep -c .)
    if [ "$count" -eq "$2" ]; then
        return 0
    fi
    echo "$1 resolves to $count address(es), want $2: $(printf '%s' "$found" | tr '\n' ' ')"
    return 1
}

# cname NAME HOST: NAME is a CNAME for HOST.
cname() {
    got=$(nslookup -type=CNAME "$1" 2>&1 | awk -F'canonical name = ' 'NF > 1 { print $2; exit }' | tr '[:upper:]' '[:lower:]')
    got=${got%.}
    if [ "$got" = "$2" ]; then
        return 0
    fi
    echo "$1 is a CNAME for ${got:-nothing}, want $2"
    return 1
}

# finish COUNT: the summary line, and the exit status the Job's podFailurePolicy reads (1: a check failed).
finish() {
    if [ "$failed" -gt 0 ]; then
        echo "$failed of $1 checks failed"
        exit 1
    fi
    echo "all $1 checks passed"
}
