/**
 * The Node flag that runs the platform's TypeScript through its own loader (see ts-loader.mjs): for
 * processes that serve requests (the server, its workers, the bench's servers), not the tools.
 */
export const TYPESCRIPT_IMPORT = ["--import", new URL("./register.mjs", import.meta.url).href];
