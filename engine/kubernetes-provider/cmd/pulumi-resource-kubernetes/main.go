// The Kubernetes provider's entry point. The provider module's own main embeds schema files its release
// build generates (schema-embed.json), which the module does not ship; engine/build.sh generates them from
// the module's schema.json and hands them to this package through `go build -overlay`.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
