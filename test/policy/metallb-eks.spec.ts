import { strict as assert } from "assert";
import { eksEndpointRestricted, eksNodeGroup } from "../../policy/policies/eks";
import { metallbPoolAddresses, metallbPoolsAdvertised } from "../../policy/policies/metallb";
import { parseAddressRange } from "../../policy/lib/addresses";
import {
    applies,
    change,
    eksResources,
    goodStack,
    l2Advertisement,
    pool,
    resource,
    UNKNOWN,
    violations,
} from "./fixtures";

const messages = (found: { message: string }[]) => found.map((violation) => violation.message).join("\n");

describe("policy metallb-pools-advertised", () => {
    it("parses pool entries as MetalLB does: CIDRs and ranges, nothing looser", () => {
        assert.equal(parseAddressRange("192.168.10.0/24")?.last, parseAddressRange("192.168.10.255/32")?.first);
        assert.equal(parseAddressRange("fc00:f853:ccd:e799::/124")?.family, "ipv6");
        assert.equal(parseAddressRange("10"), undefined);
        assert.equal(parseAddressRange("192.168.9.5-192.168.9.1"), undefined);
        assert.equal(parseAddressRange("192.168.9.1-fc00::1"), undefined);
    });

    it("passes a pool an L2Advertisement names", async () => {
        assert.ok(await applies(metallbPoolsAdvertised, goodStack()));
        assert.deepEqual(await violations(metallbPoolsAdvertised, goodStack()), []);
    });

    it("passes pools advertised by a selector, or by an advertisement that names no pool (all of them)", async () => {
        const labelled = change([pool("a", ["10.0.0.0/28"])], "a", (i) => (i.metadata.labels = { zone: "a" }));
        const bySelector = change([l2Advertisement("l2", [])], "l2", (i) => {
            i.spec = { ipAddressPoolSelectors: [{ matchLabels: { zone: "a" } }] };
        });
        assert.deepEqual(await violations(metallbPoolsAdvertised, [...labelled, ...bySelector]), []);
        const all = change([l2Advertisement("l2", [])], "l2", (i) => (i.spec = {}));
        assert.deepEqual(await violations(metallbPoolsAdvertised, [pool("a", ["10.0.0.0/28"]), ...all]), []);
    });

    it("catches a pool no advertisement selects", async () => {
        const stack = [...goodStack(), pool("spare", ["172.18.254.0/28"])];
        const found = await violations(metallbPoolsAdvertised, stack);
        assert.equal(found.length, 1);
        assert.match(found[0].message, /IPAddressPool metallb-system\/spare is selected by no L2Advertisement/);
    });

    it("catches a BGP advertisement in another namespace as not advertising the pool", async () => {
        const bgp = resource("kubernetes:metallb.io/v1beta1:BGPAdvertisement", "bgp", {
            metadata: { name: "bgp", namespace: "other" },
            spec: { ipAddressPools: ["a"] },
        });
        assert.equal((await violations(metallbPoolsAdvertised, [pool("a", ["10.0.0.0/28"]), bgp])).length, 1);
    });

    it("catches overlapping pools, naming the other pool, and leaves unparsable entries to metallb-pool-addresses", async () => {
        const stack = [
            ...goodStack(),
            pool("second", ["172.18.255.240/28", "not-an-address"]),
            l2Advertisement("second-l2", ["second"]),
        ];
        const found = await violations(metallbPoolsAdvertised, stack);
        assert.equal(found.length, 1, messages(found));
        assert.match(
            found[0].message,
            /172.18.255.240\/28 overlaps 172.18.255.200-172.18.255.250 of IPAddressPool metallb-system\/default-pool/,
        );
        assert.match(found[0].description, /runs after the change is applied/);
    });

    it("is not applicable without MetalLB pools (an EKS stack)", async () => {
        assert.equal(await applies(metallbPoolsAdvertised, eksResources()), false);
    });
});

describe("policy metallb-pool-addresses", () => {
    it("is a resource policy: a bad pool is stopped before it is applied", () => {
        assert.ok("validateResource" in metallbPoolAddresses);
    });

    it("passes CIDRs and ranges", async () => {
        assert.ok(await applies(metallbPoolAddresses, goodStack()));
        const both = [pool("a", ["10.0.0.0/28", "10.0.1.1-10.0.1.9", "fc00:f853:ccd:e799::/124"])];
        assert.deepEqual(await violations(metallbPoolAddresses, both), []);
    });

    it("catches an entry that does not parse and entries of one pool that overlap, on that pool", async () => {
        const stack = [pool("a", ["10.0.0.0/28", "not-an-address", "10.0.0.4-10.0.0.8"])];
        const found = await violations(metallbPoolAddresses, stack);
        assert.deepEqual(
            found.map((violation) => violation.urn),
            [stack[0].urn, stack[0].urn],
        );
        assert.match(messages(found), /not-an-address, which is neither a CIDR/);
        assert.match(messages(found), /10.0.0.4-10.0.0.8 overlaps 10.0.0.0\/28, another of its entries/);
    });

    it("is not applicable without MetalLB pools (an EKS stack)", async () => {
        assert.equal(await applies(metallbPoolAddresses, eksResources()), false);
    });
});

describe("policy eks-node-group", () => {
    it("passes an allowed instance type and min <= desired <= max", async () => {
        assert.ok(await applies(eksNodeGroup, eksResources()));
        assert.deepEqual(await violations(eksNodeGroup, eksResources(), { allowedInstanceTypes: ["t3.medium"] }), []);
    });

    it("catches an instance type outside the allowed list, including the EKS default", async () => {
        const big = change(eksResources(), "eks-nodes", (i) => (i.instanceTypes = ["m6i.large"]));
        const found = await violations(eksNodeGroup, big);
        assert.match(messages(found), /uses m6i.large, not in the allowed instance types/);
        assert.equal(found[0].urn, big[3].urn);
        const unset = change(eksResources(), "eks-nodes", (i) => delete i.instanceTypes);
        const defaulted = await violations(eksNodeGroup, unset, { allowedInstanceTypes: ["m5.large"] });
        assert.match(messages(defaulted), /t3.medium \(the EKS default\)/);
    });

    it("catches an impossible scaling config", async () => {
        const stack = change(eksResources(), "eks-nodes", (i) => {
            i.scalingConfig = { minSize: 3, desiredSize: 2, maxSize: 1 };
        });
        const text = messages(await violations(eksNodeGroup, stack));
        assert.match(text, /minSize 3 > desiredSize 2, desiredSize 2 > maxSize 1, minSize 3 > maxSize 1/);
    });

    it("does not judge the eks component, which the engine shows with no inputs", async () => {
        const componentOnly = eksResources().filter((item) => item.type.startsWith("eks:"));
        assert.equal(await applies(eksNodeGroup, componentOnly), false);
        assert.deepEqual(await violations(eksNodeGroup, componentOnly), []);
    });
});

describe("policy eks-endpoint-restricted", () => {
    it("passes a public endpoint restricted to listed CIDRs, and a private endpoint", async () => {
        assert.ok(await applies(eksEndpointRestricted, eksResources()));
        assert.deepEqual(await violations(eksEndpointRestricted, eksResources()), []);
        const closed = change(eksResources(), "eks-cluster-eksCluster", (i) => {
            i.vpcConfig.endpointPublicAccess = false;
            delete i.vpcConfig.publicAccessCidrs;
        });
        assert.deepEqual(await violations(eksEndpointRestricted, closed), []);
    });

    it("catches a public endpoint open to 0.0.0.0/0, or with no CIDRs (which means the same)", async () => {
        const open = change(eksResources(), "eks-cluster-eksCluster", (i) => {
            i.vpcConfig.publicAccessCidrs = ["0.0.0.0/0"];
        });
        const found = await violations(eksEndpointRestricted, open);
        assert.match(messages(found), /lets 0.0.0.0\/0 reach its public API/);
        assert.equal(found[0].urn, open[1].urn);
        const unset = change(eksResources(), "eks-cluster-eksCluster", (i) => {
            delete i.vpcConfig.endpointPublicAccess;
            delete i.vpcConfig.publicAccessCidrs;
        });
        assert.match(messages(await violations(eksEndpointRestricted, unset)), /no publicAccessCidrs/);
    });

    it("is not fooled by the component's empty inputs into a violation", async () => {
        const componentOnly = eksResources().filter((item) => item.type.startsWith("eks:"));
        assert.deepEqual(await violations(eksEndpointRestricted, componentOnly), []);
    });

    it("reports an endpoint whose CIDRs are unknown in a preview as not judged, never as passed", async () => {
        const later = change(eksResources(), "eks-cluster-eksCluster", (i) => {
            i.vpcConfig.publicAccessCidrs = UNKNOWN;
        });
        const found = await violations(eksEndpointRestricted, later, undefined, "preview");
        assert.equal(found.length, 1);
        assert.equal(found[0].enforcementLevel, "advisory");
        assert.match(found[0].message, /can't run policy 'eks-endpoint-restricted'.*during preview/);
    });
});
