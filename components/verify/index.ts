export * from "./script";
export * from "./verification";
