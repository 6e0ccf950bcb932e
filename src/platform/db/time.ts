/**
 * @deprecated Moved to platform/time/china-time.ts. Kept only for src/modules/onestop/applications.ts,
 * which is being rewritten in parallel; delete this file once that import points at platform/time.
 */
export { nowIso } from "../time/china-time.ts";
