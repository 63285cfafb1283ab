export * from "./annotations";
export * from "./network";
export * from "./node-group";
export * from "./platform";
export * from "./policies";
export * from "./storage";
export * from "./storage-class";
export * from "./tags";
