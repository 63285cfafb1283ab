// Fails as a pack with a broken import or a bad top-level statement fails: before the host prints a port.
throw new Error("the pack could not load its policies");
