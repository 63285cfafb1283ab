#!/usr/bin/env bash
# A Kubernetes cluster on loopback, from the binaries engine/build.sh builds, with a local Pulumi backend:
# etcd, kube-apiserver, kube-controller-manager and kube-scheduler as on any cluster; kwok plays the
# kubelets of three nodes (one per zone: pods turn Ready, Job pods complete, nothing really runs); MetalLB's
# own controller hands out LoadBalancer addresses; static volumes for the claims to bind.
#
#   engine/cluster.sh start    start it (building the engine first if needed) and print the exports
#   engine/cluster.sh env      print the exports: eval "$(engine/cluster.sh env)"
#   engine/cluster.sh status   say whether it runs
#   engine/cluster.sh stop     stop every process; the state stays until `delete`
#   engine/cluster.sh delete   stop, and remove the cluster's directory
#
# STATEFUL_NGINX_CLUSTER_DIR (default /tmp/stateful-nginx-cluster) holds the PKI, etcd's data, the logs, the
# kubeconfig and the Pulumi backend; STATEFUL_NGINX_APISERVER_PORT (default 16443) is the API server's port.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${STATEFUL_NGINX_CLUSTER_DIR:-${TMPDIR:-/tmp}/stateful-nginx-cluster}
api_port=${STATEFUL_NGINX_APISERVER_PORT:-16443}
etcd_port=$((api_port + 1))
etcd_peer_port=$((api_port + 2))
passphrase=local-cluster-only
metallb_namespace=metallb-system
zones=(zone-a zone-b zone-c)
volumes=12

log() { echo "engine/cluster.sh: $*" >&2; }

exports() {
  local bin=$1
  cat <<EOF
export PATH="$bin:\$PATH"
export KUBECONFIG="$dir/kubeconfig"
export PULUMI_HOME="$dir/pulumi-home"
export PULUMI_BACKEND_URL="file://$dir/backend"
export PULUMI_CONFIG_PASSPHRASE="$passphrase"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
EOF
}

running() { # running NAME
  [[ -f $dir/pids/$1 ]] && kill -0 "$(cat "$dir/pids/$1")" 2>/dev/null
}

launch() { # launch NAME BINARY ARGS...
  local name=$1
  shift
  if running "$name"; then
    return
  fi
  "$@" >"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/pids/$name"
}

wait_for() { # wait_for WHAT SECONDS COMMAND...
  local what=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      log "$what did not come up within ${seconds}s; see $dir/logs/"
      exit 1
    fi
    sleep 0.5
  done
}

pki() {
  local p=$dir/pki
  [[ -f $p/admin.crt ]] && return
  mkdir -p "$p"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=stateful-nginx-local-ca \
    -keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
  sign() { # sign NAME SUBJECT [SAN]
    openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$p/$1.key" -out "$p/$1.csr" 2>/dev/null
    local ext=$p/$1.ext
    echo "extendedKeyUsage=serverAuth,clientAuth" >"$ext"
    [[ -n ${3:-} ]] && echo "subjectAltName=$3" >>"$ext"
    openssl x509 -req -in "$p/$1.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 3650 \
      -extfile "$ext" -out "$p/$1.crt" 2>/dev/null
  }
  sign apiserver /CN=kube-apiserver \
    "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
  sign admin "/O=system:masters/CN=stateful-nginx-admin"
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
}

kubeconfig() {
  local p=$dir/pki
  cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: stateful-nginx-local
    cluster:
      server: https://127.0.0.1:$api_port
      certificate-authority: $p/ca.crt
users:
  - name: admin
    user:
      client-certificate: $p/admin.crt
      client-key: $p/admin.key
contexts:
  - name: stateful-nginx-local
    context: { cluster: stateful-nginx-local, user: admin }
current-context: stateful-nginx-local
EOF
}

module_dir() { # module_dir ENGINE_DIR MODULE: where the Go module cache holds MODULE's files
  (cd "$here/$1" && go mod download "$2" && go list -m -f '{{.Dir}}' "$2")
}

# The objects every run of the stacks expects: nodes in three zones, the `standard` class with static volumes
# (bound by the controller-manager, as on kind; Retain, so a claim's data outlives it), and MetalLB's kinds
# and namespace. MetalLB's definitions come from its Go module at run time.
seed() {
  local k="kubectl --kubeconfig=$dir/kubeconfig"
  local i=0 zone
  for zone in "${zones[@]}"; do
    i=$((i + 1))
    cat <<EOF | $k apply -f - >/dev/null
apiVersion: v1
kind: Node
metadata:
  name: node-$i
  annotations: { kwok.x-k8s.io/node: fake }
  labels:
    kubernetes.io/hostname: node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    topology.kubernetes.io/zone: $zone
    type: kwok
status:
  allocatable: { cpu: "8", memory: 32Gi, pods: "110" }
  capacity: { cpu: "8", memory: 32Gi, pods: "110" }
EOF
  done
  cat <<EOF | $k apply -f - >/dev/null
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: { storageclass.kubernetes.io/is-default-class: "true" }
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
EOF
  for i in $(seq 1 "$volumes"); do
    cat <<EOF | $k apply -f - >/dev/null
apiVersion: v1
kind: PersistentVolume
metadata:
  name: local-volume-$i
spec:
  capacity: { storage: 10Gi }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: standard
  hostPath: { path: /var/lib/stateful-nginx-local/volume-$i }
EOF
  done
  local crds
  crds=$(module_dir metallb go.universe.tf/metallb)/config/crd/bases
  $k apply --server-side -f "$crds" >/dev/null
  $k create namespace "$metallb_namespace" --dry-run=client -o yaml | $k apply -f - >/dev/null
  # MetalLB's controller runs outside the cluster, but it looks its own pod up to own the objects it makes:
  # this pod stands for it (kwok reports it Running; nothing runs in it).
  cat <<EOF | $k apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata:
  name: metallb-controller
  namespace: $metallb_namespace
  labels: { app.kubernetes.io/name: metallb, app.kubernetes.io/component: controller }
  annotations: { stateful-nginx.local/note: "stands for the metallb-controller process engine/cluster.sh runs" }
spec:
  containers:
    - name: controller
      image: quay.io/metallb/controller:v0.16.1
EOF
  # Every MetalLB install has this webhook configuration, and the program reads it to find where MetalLB runs.
  # The controller here runs with its webhooks off, so this one names the namespace and matches no request.
  cat <<EOF | $k apply -f - >/dev/null
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: metallb-webhook-configuration
  labels: { app.kubernetes.io/instance: metallb }
  annotations: { stateful-nginx.local/note: "names where MetalLB runs; no rules, so no request reaches it" }
webhooks:
  - name: ipaddresspoolvalidationwebhook.metallb.io
    clientConfig:
      service: { name: metallb-webhook-service, namespace: $metallb_namespace, path: /validate-metallb-io-v1beta1-ipaddresspool }
    admissionReviewVersions: [v1]
    sideEffects: None
    rules: []
EOF
}

start() {
  local bin
  bin=$("$here/build.sh" | tail -n 1)
  mkdir -p "$dir/logs" "$dir/pids" "$dir/etcd" "$dir/backend" "$dir/pulumi-home"
  pki
  kubeconfig
  local p=$dir/pki

  launch etcd "$bin/etcd" --data-dir "$dir/etcd" --name local \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "local=http://127.0.0.1:$etcd_peer_port" \
    --listen-metrics-urls "" --log-level warn
  wait_for etcd 60 curl -sf "http://127.0.0.1:$etcd_port/health"

  launch kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" \
    --client-ca-file "$p/ca.crt" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$p/sa.pub" --service-account-signing-key-file "$p/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --service-node-port-range 30000-32767 --allow-privileged
  wait_for kube-apiserver 120 "$bin/kubectl" --kubeconfig "$dir/kubeconfig" get --raw /readyz

  launch kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$dir/kubeconfig" --leader-elect=false --secure-port 0 \
    --service-account-private-key-file "$p/sa.key" --root-ca-file "$p/ca.crt" \
    --use-service-account-credentials=false --controllers '*'
  launch kube-scheduler "$bin/kube-scheduler" --kubeconfig "$dir/kubeconfig" --leader-elect=false \
    --secure-port 0

  local kwok_dir stages=()
  kwok_dir=$(module_dir kwok sigs.k8s.io/kwok)/kustomize/stage
  for f in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    stages+=(--config "$kwok_dir/$f.yaml")
  done
  launch kwok "$bin/kwok" --kubeconfig "$dir/kubeconfig" --manage-all-nodes "${stages[@]}" \
    --server-address "" --cidr 10.244.0.0/16 --node-ip 10.250.0.1 --node-lease-duration-seconds 40
  seed
  launch metallb-controller env KUBECONFIG="$dir/kubeconfig" "$bin/metallb-controller" \
    --namespace "$metallb_namespace" --pod-name metallb-controller --webhook-mode disabled --disable-cert-rotation \
    --port 0 --health-probe-port 0 --log-level warn
  wait_for "the nodes" 60 "$bin/kubectl" --kubeconfig "$dir/kubeconfig" wait --for condition=Ready node --all --timeout 1s
  log "running; state, logs and the Pulumi backend in $dir"
  exports "$bin"
}

stop() {
  local name pid
  for name in metallb-controller kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    if running "$name"; then
      pid=$(cat "$dir/pids/$name")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
      done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/pids/$name"
  done
}

case ${1:-} in
  start) start ;;
  env)
    bin=$("$here/build.sh" --print) || {
      log "the engine is not built; run engine/cluster.sh start"
      exit 1
    }
    exports "$bin"
    ;;
  status)
    for name in etcd kube-apiserver kube-controller-manager kube-scheduler kwok metallb-controller; do
      if running "$name"; then echo "$name: running"; else echo "$name: stopped"; fi
    done
    ;;
  stop) stop ;;
  delete)
    stop
    rm -rf "$dir"
    ;;
  *)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
