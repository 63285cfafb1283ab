#!/bin/sh
# stateful-nginx: does a MetalLB speaker announce a LoadBalancer Service's address?
#
# Usage: announcement-check.sh MODE METALLB_NAMESPACE SERVICE_NAMESPACE SERVICE ADDRESS WAIT_SECONDS
#   MODE is l2 or bgp. Needs only `kubectl` (get/list/watch on the mode's status objects in
#   METALLB_NAMESPACE) and shell builtins, so it runs under a lone static busybox next to kubectl.
#
# A speaker that announces a Service writes a ServiceL2Status (L2: the one node that answers ARP/NDP) or one
# ServiceBGPStatus per node (BGP: the node and the peers it advertises to) into MetalLB's namespace, named by
# generateName and labelled metallb.io/service-name and metallb.io/service-namespace; it deletes the object
# when it stops announcing (MetalLB v0.16.1, internal/k8s/controllers/layer2_status_controller.go and
# bgp_status_controller.go, `Reconcile`). No such object means no node announces the address: a fetch from
# inside the cluster still succeeds through kube-proxy, but clients outside get no answer.
#
# Prints one PASS line per announcing node, or one FAIL line (and exits 1).
set -u

if [ "$#" -ne 6 ]; then
    echo "FAIL announcement: usage: $0 MODE METALLB_NAMESPACE SERVICE_NAMESPACE SERVICE ADDRESS WAIT_SECONDS"
    exit 2
fi
mode=$1
metallb_namespace=$2
service_namespace=$3
service=$4
address=$5
wait_seconds=$6

case $mode in
l2)
    resource=servicel2statuses.metallb.io
    kind=ServiceL2Status
    advertisement="an L2Advertisement"
    ;;
bgp)
    resource=servicebgpstatuses.metallb.io
    kind=ServiceBGPStatus
    advertisement="a BGPAdvertisement"
    ;;
*)
    echo "FAIL announcement: mode must be l2 or bgp, got '$mode'"
    exit 2
    ;;
esac

subject="$service_namespace/$service ($address)"
selector="metallb.io/service-name=$service,metallb.io/service-namespace=$service_namespace"

# The last line kubectl printed, without its "error: " prefix.
last_line() {
    reason=
    while IFS= read -r line; do
        [ -n "$line" ] && reason=${line#error: }
    done <<EOF
$1
EOF
    printf '%s' "$reason"
}

# --for=create with a label selector polls until one object matches (kubectl v1.34, pkg/cmd/wait/wait.go,
# RunWait); --for=jsonpath alone would fail at once while none does.
if ! output=$(kubectl wait --for=create "$resource" -n "$metallb_namespace" -l "$selector" --timeout="${wait_seconds}s" 2>&1); then
    case $output in
    *"timed out"*)
        echo "FAIL announcement $subject: no $kind for it in $metallb_namespace after ${wait_seconds}s, so no node announces the address; check that $advertisement selects its pool (and that its nodeSelectors match a node), that MetalLB's speaker pods run (kubectl get pods -n $metallb_namespace), and that the nodes are not labelled node.kubernetes.io/exclude-from-external-load-balancers"
        ;;
    *"doesn't have a resource type"*)
        echo "FAIL announcement $subject: the cluster's MetalLB has no $kind API (ServiceL2Status came in MetalLB 0.14.2, ServiceBGPStatus in 0.15.0); upgrade MetalLB or set metallb.announcementCheck: false"
        ;;
    *)
        echo "FAIL announcement $subject: could not list $resource in $metallb_namespace: $(last_line "$output")"
        ;;
    esac
    exit 1
fi

# The speaker creates the object first and writes its status in a second request.
if ! output=$(kubectl wait --for=jsonpath='{.status.node}' "$resource" -n "$metallb_namespace" -l "$selector" --timeout=30s 2>&1); then
    echo "FAIL announcement $subject: a $kind exists but names no node: $(last_line "$output")"
    exit 1
fi

# One line per announcing node: node;interfaces (L2) or node;peers (BGP).
if ! statuses=$(kubectl get "$resource" -n "$metallb_namespace" -l "$selector" -o jsonpath='{range .items[*]}{.status.node};{.status.interfaces[*].name}{.status.peers[*]}{"\n"}{end}' 2>&1); then
    echo "FAIL announcement $subject: could not read the $kind: $(last_line "$statuses")"
    exit 1
fi

announced=0
while IFS= read -r line; do
    # Anything else kubectl printed (a warning) has no ';'.
    case $line in *";"*) ;; *) continue ;; esac
    node=${line%%;*}
    detail=${line#*;}
    [ -n "$node" ] || continue
    announced=$((announced + 1))
    if [ "$mode" = l2 ]; then
        echo "PASS announcement $subject: node $node answers for the address (L2, interfaces: ${detail:-all})"
    else
        echo "PASS announcement $subject: node $node advertises the address (BGP peers: ${detail:-none})"
    fi
done <<EOF
$statuses
EOF

if [ "$announced" -eq 0 ]; then
    echo "FAIL announcement $subject: the $kind is gone again (the announcing node changed or stopped); run the check again"
    exit 1
fi
