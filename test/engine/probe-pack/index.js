// A policy pack that judges nothing: it writes what the engine hands Analyze (each resource's URN and
// properties) and AnalyzeStack (each resource's URN and properties), one JSON line per call, to the file
// named by PROBE_OUT. A value unknown during a preview reads as the string "<unknown>".
const fs = require("fs");
const { PolicyPack } = require("@pulumi/policy");

const record = (line) => fs.appendFileSync(process.env.PROBE_OUT, JSON.stringify(line) + "\n");

// The policy SDK hands properties behind a proxy that throws when an unknown value is read.
function plain(value) {
    if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => read(value, i));
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.keys(value).map((key) => [key, read(value, key)]));
    }
    return value;
}

function read(holder, key) {
    try {
        return plain(holder[key]);
    } catch (error) {
        if (error && error.constructor && error.constructor.name === "UnknownValueError") return "<unknown>";
        throw error;
    }
}

new PolicyPack("stateful-nginx-probe", {
    policies: [
        {
            name: "record-analyze",
            description: "Records each resource Analyze gets.",
            enforcementLevel: "advisory",
            validateResource: (args) => record({ call: "Analyze", urn: args.urn, props: plain(args.props) }),
        },
        {
            name: "record-analyze-stack",
            description: "Records the resources AnalyzeStack gets.",
            enforcementLevel: "advisory",
            validateStack: (args) =>
                record({
                    call: "AnalyzeStack",
                    resources: args.resources.map((r) => ({ urn: r.urn, props: plain(r.props) })),
                }),
        },
    ],
});
