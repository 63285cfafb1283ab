export * from "./script";
export * from "./verification";
export * from "./stack";
