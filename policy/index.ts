/**
 * The CrossGuard policy pack:
 *   pulumi preview --stack dev --policy-pack policy --policy-pack-config policy/config/dev.json
 * Offline, in the same analyzer host: npm run policy -- --stack dev
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_DESCRIPTION, PACK_ENFORCEMENT_LEVEL, PACK_NAME, policies } from "./pack";

new PolicyPack(PACK_NAME, {
    description: PACK_DESCRIPTION,
    enforcementLevel: PACK_ENFORCEMENT_LEVEL,
    policies,
});
