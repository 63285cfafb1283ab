/**
 * Tags for every AWS resource of an EKS stack. The stack tag makes what a stack created findable (and
 * billable) in the console and Cost Explorer; the user's tags come last so they can override it.
 */
export function awsTags(userTags: Readonly<Record<string, string>>, stack: string): Record<string, string> {
    return { "stateful-nginx:stack": stack, ...userTags };
}
