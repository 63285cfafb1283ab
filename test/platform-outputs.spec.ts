import * as assert from "assert";
import { isSecret, runStack, StackRun } from "./helpers";

describe("platform outputs", function () {
    this.timeout(60000);
    let dev: StackRun;
    let prod: StackRun;

    before(async () => {
        dev = await runStack("dev");
        prod = await runStack("prod");
    });

    it("name the platform of each stack", () => {
        assert.strictEqual(dev.outputs.platform, "baremetal");
        assert.strictEqual(prod.outputs.platform, "eks");
    });

    it("export the MetalLB pools and mode on bare metal, and nothing of EKS", () => {
        assert.deepStrictEqual(dev.outputs.metallbPools, ["dev-default-pool", "dev-fixed"]);
        assert.strictEqual(dev.outputs.metallbMode, "l2");
        assert.strictEqual(dev.outputs.clusterName, undefined);
        assert.strictEqual(dev.outputs.kubeconfig, undefined);
    });

    it("export the EKS cluster name, and its kubeconfig only as a secret", () => {
        assert.strictEqual(typeof prod.outputs.clusterName, "string");
        assert.ok(
            isSecret(prod.outputs.kubeconfig),
            `kubeconfig exported in clear: ${JSON.stringify(prod.outputs.kubeconfig)}`,
        );
    });
});
