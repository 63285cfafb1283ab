// A policy pack that judges nothing: it writes the URN of every resource the engine hands Analyze, and the
// URNs it hands AnalyzeStack, one JSON line each, to the file named by PROBE_OUT.
const fs = require("fs");
const { PolicyPack } = require("@pulumi/policy");

const record = (line) => fs.appendFileSync(process.env.PROBE_OUT, JSON.stringify(line) + "\n");

new PolicyPack("stateful-nginx-probe", {
    policies: [
        {
            name: "record-analyze",
            description: "Records each resource Analyze gets.",
            enforcementLevel: "advisory",
            validateResource: (args) => record({ call: "Analyze", urn: args.urn }),
        },
        {
            name: "record-analyze-stack",
            description: "Records the resources AnalyzeStack gets.",
            enforcementLevel: "advisory",
            validateStack: (args) => record({ call: "AnalyzeStack", urns: args.resources.map((r) => r.urn) }),
        },
    ],
});
