import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { fetchFromRunner, loadBalancerUrl } from "./e2e/cluster";

describe("end to end: the LoadBalancer address is fetched from the runner", () => {
    let server: http.Server;
    let port: number;
    before(async () => {
        server = http.createServer((request, response) => {
            if (request.url === "/slow") return; // never answers
            response.writeHead(request.url === "/" ? 200 : 404, { "content-type": "text/html" });
            response.end("<p>Pod nginx-2 of namespace e2e-abc123, served from its own volume.</p>");
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        port = (server.address() as AddressInfo).port;
    });
    after(() => {
        server.closeAllConnections();
        server.close();
    });

    it("gets the status and the page from an HTTP server outside the cluster", async () => {
        const response = await fetchFromRunner(loadBalancerUrl("127.0.0.1", port));
        assert.strictEqual(response.status, 200);
        assert.match(response.body, /Pod nginx-2 of namespace e2e-abc123/);
        assert.strictEqual((await fetchFromRunner(`http://127.0.0.1:${port}/missing`)).status, 404);
    });

    it("gives up on an address that does not answer within the timeout", async () => {
        const started = Date.now();
        await assert.rejects(fetchFromRunner(`http://127.0.0.1:${port}/slow`, 300));
        assert.ok(Date.now() - started < 3000);
    });

    it("brackets IPv6 addresses in the URL", () => {
        assert.strictEqual(loadBalancerUrl("172.18.255.200", 80), "http://172.18.255.200:80/");
        assert.strictEqual(loadBalancerUrl("fc00:f853:ccd:e799::5", 8080), "http://[fc00:f853:ccd:e799::5]:8080/");
    });

    it("is what the suite does with the stack's loadBalancerAddress, besides the in-cluster Job", () => {
        // The suite itself needs a cluster; this checks that it asks the runner, not only the cluster.
        const suite = fs.readFileSync(path.join(__dirname, "e2e", "cluster.e2e.spec.ts"), "utf8");
        const test = suite.slice(suite.indexOf("answers on the LoadBalancer address from the runner"));
        assert.ok(test.length > 0 && suite.includes("answers on the LoadBalancer address from the runner"));
        const body = test.slice(0, test.indexOf("\n    });"));
        assert.match(body, /outputs\.loadBalancerAddress/);
        assert.match(body, /fetchFromRunner\(url\)/);
        assert.doesNotMatch(body, /kubectl\("exec"/);
    });
});
