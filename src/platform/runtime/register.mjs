/**
 * `node --import ./src/platform/runtime/register.mjs src/main.ts start`: runs the server's TypeScript
 * through ts-loader.mjs (see there for why not tsx), with stack traces mapped back to the sources.
 */
import { register } from "node:module";

process.setSourceMapsEnabled(true);
register("./ts-loader.mjs", import.meta.url);
