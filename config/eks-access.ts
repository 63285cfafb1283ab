import { z } from "zod";
import { dnsLabel } from "./fields";

/**
 * The EKS access policies an entry may get, by the words `kubectl` users know: `cluster-admin` is
 * AmazonEKSClusterAdminPolicy (everything, like the `cluster-admin` ClusterRole), `admin`, `edit` and `view`
 * the AmazonEKS{Admin,Edit,View}Policy that mirror the ClusterRoles of the same names.
 * https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
 */
export const EKS_ACCESS_POLICIES = {
    "cluster-admin": "AmazonEKSClusterAdminPolicy",
    admin: "AmazonEKSAdminPolicy",
    edit: "AmazonEKSEditPolicy",
    view: "AmazonEKSViewPolicy",
} as const;

export type EksAccessLevel = keyof typeof EKS_ACCESS_POLICIES;

/** An IAM role or user ARN (with its path, if any), what an access entry's `principalArn` takes. */
const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;

const principalArn = z
    .string()
    .refine((arn) => !/^arn:aws[a-z-]*:sts::/.test(arn), {
        message:
            "is an STS session ARN; name the IAM role itself, e.g. arn:aws:iam::123456789012:role/ci-deploy " +
            "(aws sts get-caller-identity shows the session, aws iam get-role the role)",
        abort: true,
    })
    .regex(IAM_PRINCIPAL_ARN, "must be an IAM role or user ARN such as arn:aws:iam::123456789012:role/ci-deploy");

/** One extra principal that may use the cluster, e.g. the CI role that runs `pulumi up`. */
const accessEntrySchema = z.strictObject({
    principalArn,
    /** What it may do. `pulumi up` of this program needs `cluster-admin` (it creates cluster-scoped objects). */
    access: z.enum(Object.keys(EKS_ACCESS_POLICIES) as [EksAccessLevel, ...EksAccessLevel[]]),
    /** Limits `access` to these namespaces; absent means the whole cluster. */
    namespaces: z.array(dnsLabel).min(1, "must list at least one namespace (or leave namespaces out)").optional(),
});

/**
 * `eks.accessEntries`: principals besides the cluster's creator, keyed by a name of your choice (the key names
 * the AWS resources, so renaming it replaces the entry). The identity that created the cluster already has an
 * entry (EKS makes it for the creator) and must not be listed: EKS refuses a second entry for one principal.
 * https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
 */
export const accessEntriesSchema = z
    .record(dnsLabel, accessEntrySchema)
    .superRefine((entries, ctx) => {
        const seen = new Map<string, string>();
        for (const [name, entry] of Object.entries(entries)) {
            const other = seen.get(entry.principalArn);
            if (other !== undefined) {
                ctx.addIssue({
                    code: "custom",
                    path: [name, "principalArn"],
                    input: entry.principalArn,
                    message: `is already the principal of ${other}: EKS allows one access entry per principal`,
                });
            }
            seen.set(entry.principalArn, name);
        }
    })
    .default({});

export type EksAccessEntriesConfig = z.infer<typeof accessEntriesSchema>;
