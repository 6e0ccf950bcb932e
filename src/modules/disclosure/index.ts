export { DisclosureService } from "./service.ts";
export { type DisclosureRequest, type PublicStatus } from "./requests.ts";
