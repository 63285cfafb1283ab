#!/usr/bin/env bash
# Builds the local engine from the Go modules pinned in engine/*/go.mod: the Pulumi CLI, a Node.js language
# host, the Kubernetes provider, a Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl), kwok and MetalLB's controller.
#
# Binaries go to a cache outside the clone, keyed by every input of the build; a second run with the same
# inputs does nothing. Prints the bin directory on its last line.
#
#   engine/build.sh            build (or reuse) and print the bin directory
#   engine/build.sh --print    print the bin directory if it is built, else exit 1
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cache_root=${STATEFUL_NGINX_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stateful-nginx-engine}

if ! command -v go >/dev/null; then
  echo "engine/build.sh: go is not on PATH; the local engine is built with Go 1.26 from the Go module proxy" >&2
  exit 2
fi

# The key covers everything that decides the binaries: the pins, this script, the language host's source
# and the Go toolchain.
key=$(
  cd "$here"
  {
    go version
    cat build.sh ./*/go.mod ./*/go.sum
    find pulumi/language-nodejs -name '*.go' | sort | xargs cat
  } | sha256sum | cut -c1-16
)
out="$cache_root/$key"
bin="$out/bin"

if [[ ${1:-} == --print ]]; then
  [[ -f $out/complete ]] && echo "$bin" && exit 0
  exit 1
fi
if [[ -f $out/complete ]]; then
  echo "engine/build.sh: up to date ($key)" >&2
  echo "$bin"
  exit 0
fi

# The CLI must be the version of the SDK the program runs with (package-lock.json), or the engine and the
# SDK disagree on the protocol.
module_version() { (cd "$here/$1" && go list -m -f '{{.Version}}' "$2"); }
pulumi_version=$(module_version pulumi github.com/pulumi/pulumi/pkg/v3)
sdk_version=$(node -p 'require(process.argv[1]).packages["node_modules/@pulumi/pulumi"].version' "$root/package-lock.json")
if [[ $pulumi_version != "v$sdk_version" ]]; then
  echo "engine/build.sh: engine/pulumi/go.mod pins pulumi $pulumi_version, package-lock.json has @pulumi/pulumi $sdk_version; make them equal" >&2
  exit 2
fi

staging="$out.partial"
rm -rf "$staging"
mkdir -p "$staging/bin"
export GOFLAGS="-trimpath -mod=readonly"

build() { # build DIR OUTPUT PACKAGE [LDFLAGS]
  local dir=$1 name=$2 pkg=$3 ldflags=${4:-}
  local start=$SECONDS
  (cd "$here/$dir" && go build -ldflags "-s -w $ldflags" -o "$staging/bin/$name" "$pkg")
  [[ -x $staging/bin/$name ]] || { echo "engine/build.sh: $pkg is not a command" >&2; exit 1; }
  echo "engine/build.sh: $name ($((SECONDS - start)) s)" >&2
}

build pulumi pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pulumi_version"
build pulumi pulumi-language-nodejs ./language-nodejs "-X main.version=${pulumi_version#v}"

# pulumi-kubernetes tags its releases at the repository root, so the proxy serves its provider module only at
# pseudo-versions; the version the provider reports is the release that commit is (engine/versions.md). The
# module does not ship the schema files its own main embeds: they are made here from its schema.json.
k8s_provider_release=$(sed -n 's#^// release: \(v[0-9.]*\).*#\1#p' "$here/kubernetes-provider/go.mod")
provider_module=github.com/pulumi/pulumi-kubernetes/provider/v4
# `go list -m` names no folder for a module not downloaded yet (a new machine): download it first.
provider_src=$(cd "$here/kubernetes-provider" && go mod download "$provider_module" && go list -m -f '{{.Dir}}' "$provider_module")
provider_main="$here/kubernetes-provider/cmd/pulumi-resource-kubernetes"
node -e 'const [src, version, out] = process.argv.slice(1); const s = require(src); s.version = version;
  require("fs").writeFileSync(out, JSON.stringify(s))' \
  "$provider_src/cmd/pulumi-resource-kubernetes/schema.json" "${k8s_provider_release#v}" "$staging/schema-embed.json"
cat >"$staging/overlay.json" <<EOF
{"Replace": {
  "$provider_main/schema-embed.json": "$staging/schema-embed.json",
  "$provider_main/terraform-mapping-embed.json": "$provider_src/cmd/pulumi-resource-kubernetes/terraform-mapping.json"
}}
EOF
GOFLAGS="$GOFLAGS -overlay=$staging/overlay.json" build kubernetes-provider pulumi-resource-kubernetes \
  ./cmd/pulumi-resource-kubernetes \
  "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${k8s_provider_release#v}"

kube_version=$(module_version control-plane k8s.io/kubernetes)
kube_minor=$(echo "$kube_version" | cut -d. -f2)
kube_ldflags="-X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1"
kube_ldflags+=" -X k8s.io/component-base/version.gitMinor=$kube_minor -X k8s.io/component-base/version.gitTreeState=clean"
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  build control-plane "$cmd" "k8s.io/kubernetes/cmd/$cmd" "$kube_ldflags"
done
build etcd etcd go.etcd.io/etcd/server/v3
build kwok kwok sigs.k8s.io/kwok/cmd/kwok
build metallb metallb-controller go.universe.tf/metallb/controller

rm -f "$staging/overlay.json" "$staging/schema-embed.json"
mv "$staging" "$out"
touch "$out/complete"
# Earlier builds are about 1 GB each; Go's own cache makes a rebuild of one of them quick.
find "$cache_root" -mindepth 1 -maxdepth 1 ! -name "$key" -exec rm -rf {} +
echo "$bin"
