export * from "./addresses";
export * from "./platform";
